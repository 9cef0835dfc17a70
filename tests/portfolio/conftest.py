from tests.projects.test_permissions import world  # noqa: F401  (the permission matrix's world, for tests/portfolio)
