"""Login lockout (django-axes, portfolio.login_protection): per username at an address, and per address
whatever the usernames, with the client's address taken behind the configured number of proxies."""

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.db.models import Sum
from django.test import RequestFactory
from django.urls import reverse

from portfolio.client_address import client_address
from tests.helpers import PASSWORD, make_user, token_client

pytestmark = pytest.mark.django_db

TOKEN = reverse("api:token")


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.PORTFOLIO_ADDRESS_FAILURE_LIMIT = 6
    cache.clear()  # the token endpoint's throttle counts
    yield
    cache.clear()


def login(client, username, password, address="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def api_login(username, password, address="10.0.0.1"):
    return token_client(None).post(TOKEN, {"username": username, "password": password}, format="json",
                                   REMOTE_ADDR=address)


def test_failures_with_different_usernames_from_one_address_lock_that_address(client):
    make_user("alice")
    make_user("bob")
    # Each username fails once: none reaches its limit of 3; the sixth failure locks the address.
    assert [login(client, f"guess{i}", "wrong").status_code for i in range(6)] == [200] * 5 + [429]
    locked = login(client, "alice", PASSWORD)
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "网络地址" in page and "_auth_user_id" not in client.session
    assert api_login("bob", PASSWORD).status_code == 429  # the API's token endpoint too
    # Another address is not locked.
    assert login(client, "alice", PASSWORD, address="10.0.0.2").status_code == 302


def test_below_the_address_limit_other_users_still_sign_in(client):
    make_user("alice")
    for i in range(5):
        login(client, f"guess{i}", "wrong")
    assert login(client, "alice", PASSWORD).status_code == 302


def test_the_per_username_lockout_still_locks_at_its_own_lower_limit(client):
    make_user("alice")
    make_user("bob")
    for _ in range(3):
        login(client, "alice", "wrong")
    locked = login(client, "alice", PASSWORD)
    assert locked.status_code == 429
    assert "该账号在本机" in locked.content.decode()
    assert login(client, "bob", PASSWORD).status_code == 302  # the address itself is not locked
    assert login(client, "alice", PASSWORD, address="10.0.0.2").status_code == 302


def test_a_success_clears_the_usernames_failures_not_the_addresss(client):
    make_user("alice")
    for i in range(4):
        login(client, f"guess{i}", "wrong")
    login(client, "alice", "wrong")
    assert login(client, "alice", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    remaining = AccessAttempt.objects.filter(ip_address="10.0.0.1").aggregate(n=Sum("failures_since_start"))["n"]
    assert remaining == 4
    assert not AccessAttempt.objects.filter(username="alice").exists()
    # A valid account cannot be used to wipe the address's count: two more failures lock it.
    login(client, "guess8", "wrong")
    login(client, "guess9", "wrong")
    assert login(client, "alice", PASSWORD).status_code == 429


def test_failures_through_the_api_count_towards_the_address_limit(client):
    make_user("alice")
    assert [api_login(f"guess{i}", "wrong").status_code for i in range(6)] == [400] * 5 + [429]
    assert login(client, "alice", PASSWORD).status_code == 429


def test_behind_a_proxy_the_lockout_counts_the_forwarded_address(client, settings):
    settings.PORTFOLIO_PROXY_COUNT = 1
    make_user("alice")
    for i in range(6):
        client.post(reverse("login"), {"username": f"guess{i}", "password": "wrong"},
                    REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"spoofed-{i}, 203.0.113.9")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}
    # Another client behind the same proxy signs in; the locked one does not.
    ok = client.post(reverse("login"), {"username": "alice", "password": PASSWORD},
                     REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.10")
    assert ok.status_code == 302
    client.post(reverse("logout"))
    locked = client.post(reverse("login"), {"username": "alice", "password": PASSWORD},
                         REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.9")
    assert locked.status_code == 429


# The client address -------------------------------------------------------------------------------


@pytest.mark.parametrize(("proxies", "forwarded", "expected"), [
    (0, "", "192.0.2.1"),
    (0, "203.0.113.9", "192.0.2.1"),  # no proxy: the header is the client's and ignored
    (1, "", "192.0.2.1"),  # behind a proxy that sent no header: the connection
    (1, "203.0.113.9", "203.0.113.9"),
    (1, "1.1.1.1, 203.0.113.9", "203.0.113.9"),  # the client's own entries on the left are ignored
    (2, "1.1.1.1, 203.0.113.9, 10.0.0.5", "203.0.113.9"),
    (2, "203.0.113.9", "203.0.113.9"),  # fewer entries than proxies: the left-most, written by a proxy
    (1, "not-an-address", "192.0.2.1"),
    (1, " , ", "192.0.2.1"),
    (1, "2001:db8::1", "2001:db8::1"),
], ids=str)
def test_client_address(settings, proxies, forwarded, expected):
    settings.PORTFOLIO_PROXY_COUNT = proxies
    meta = {"REMOTE_ADDR": "192.0.2.1"}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_address(RequestFactory().get("/", **meta)) == expected
