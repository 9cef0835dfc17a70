"""Fixtures of the API tests: token clients and fresh throttle counts (helpers are in tests/helpers.py)."""

import pytest
from django.core.cache import cache

from tests.helpers import token_client


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """The token endpoint's throttle counts live in the cache; each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_client():
    """`api_client(user)`: a client authenticated with the user's token (anonymous for None)."""
    return token_client
