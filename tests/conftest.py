"""Shared fixtures: report data, role users, and a query-count helper that prints queries on failure."""

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from portfolio.datasets import load_report_data
from projects.generator import generate_portfolio
from projects.models import Department, DepartmentMembership
from projects.roles import Role, sync_role_groups
from tests.snapshots import capture


@pytest.fixture(autouse=True)
def default_language():
    """Every test starts in the default language: a request in English leaves English active in the thread."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Tests create many users; the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def report_data_snapshot(django_db_setup, django_db_blocker):
    """The rows load_report_data() writes, captured once per run (tests/snapshots.py says why)."""
    with django_db_blocker.unblock():
        return capture("report_data", load_report_data)


@pytest.fixture(scope="session")
def portfolio_snapshot(report_data_snapshot, django_db_setup, django_db_blocker):
    """What generate_portfolio() writes on top of the report fixtures, captured once per run."""
    with django_db_blocker.unblock():
        return capture("portfolio", generate_portfolio, base=report_data_snapshot)


@pytest.fixture
def report_data(db, report_data_snapshot):
    """The report fixtures, as `make run` loads them (the same rows, restored rather than loaded)."""
    report_data_snapshot.restore()


@pytest.fixture
def portfolio(report_data, portfolio_snapshot):
    """The report fixtures and the itemised sample portfolio of 2025-H1 (434 projects, months 1-6)."""
    portfolio_snapshot.restore()


@pytest.fixture
def department(db):
    return Department.objects.create(code="test-dept", name="测试单位", kind="bureau")


@pytest.fixture
def other_department(db):
    return Department.objects.create(code="test-other", name="另一单位", kind="town")


def make_user(username, role=None, department=None, **extra):
    user = get_user_model().objects.create_user(username=username, password="pw-for-tests-123", **extra)
    if role:
        if not Group.objects.filter(name=str(role)).exists():
            sync_role_groups()  # a transactional test's flush removed the groups the migration made
        user.groups.add(Group.objects.get(name=str(role)))
    if department:
        DepartmentMembership.objects.create(user=user, department=department)
    return user


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.org", "pw-for-tests-123")


@pytest.fixture
def coordinator(db):
    return make_user("coord", Role.COORDINATOR, is_staff=True)


@pytest.fixture
def editor(department):
    return make_user("editor", Role.EDITOR, department, is_staff=True)


@pytest.fixture
def viewer(db):
    return make_user("viewer", Role.VIEWER, is_staff=True)


class QueryCounter:
    def __init__(self):
        self.context = CaptureQueriesContext(connection)

    def __enter__(self):
        self.context.__enter__()
        return self

    def __exit__(self, *exc):
        self.context.__exit__(*exc)

    @property
    def count(self):
        return len(self.context.captured_queries)

    def describe(self):
        return "\n".join(f"{i}. {q['sql']}" for i, q in enumerate(self.context.captured_queries, 1))


@pytest.fixture
def count_queries():
    """Use as `with count_queries() as q: ...; q.count`, and `q.describe()` in assertion messages."""
    return QueryCounter
