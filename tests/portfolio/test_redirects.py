"""Every view that follows a ``next`` URL follows only this site's: another host, a scheme-relative or
backslashed URL, ``javascript:`` and friends fall back to the view's own page."""

import pytest
from django.test import Client
from django.urls import reverse

from portfolio.redirects import safe_next
from projects.models import MonthlyReport
from tests.helpers import PASSWORD

pytestmark = pytest.mark.django_db

FOREIGN = [
    "https://evil.example/", "http://evil.example", "HTTPS://EVIL.EXAMPLE", "//evil.example", "///evil.example",
    "////evil.example/projects/", "\\\\evil.example", "/\\evil.example", "\\/evil.example", "/\\/evil.example",
    "\t//evil.example", " //evil.example", "\n//evil.example", "\x00//evil.example", "//evil.example%2f..",
    "https:evil.example", "http:/evil.example", "http:///evil.example", "http://testserver@evil.example/",
    "http://evil.example\\@testserver/", "//testserver@evil.example", "https://evil.example#@testserver/",
    "javascript:alert(1)", "JaVaScRiPt:alert(document.domain)", " javascript:alert(1)", "java\tscript:alert(1)",
    "javascript://testserver/%0aalert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)",
    "ftp://evil.example/",
]
OWN = "/projects/?page=2"


def _review(world, action, user):
    report = {"withdraw": world.submitted, "approve": world.submitted, "return": world.submitted,
              "reopen": world.approved}[action]["own"]

    def post(client, next_url, **extra):
        version = MonthlyReport.objects.get(pk=report.pk).version
        return client.post(reverse("projects:review_action", args=[report.pk, action]),
                           {"version": version, "comment": "请补充", "next": next_url}, **extra)
    return user, post, reverse("projects:review_queue")


def _login(world):
    def post(client, next_url, **extra):
        client.logout()
        return client.post(reverse("login"), {"username": "viewer", "password": PASSWORD, "next": next_url}, **extra)
    return None, post, reverse("dashboard")


def _logout(world):
    def post(client, next_url, **extra):
        client.force_login(world.users["viewer"])
        return client.post(reverse("logout"), {"next": next_url}, **extra)
    return None, post, reverse("login")


def _language(world):
    def post(client, next_url, **extra):
        return client.post(reverse("set_language"), {"language": "en", "next": next_url}, **extra)
    return "viewer", post, "/"


FOLLOWERS = {
    "approve": lambda w: _review(w, "approve", "coordinator"),
    "return": lambda w: _review(w, "return", "coordinator"),
    "reopen": lambda w: _review(w, "reopen", "coordinator"),
    "withdraw": lambda w: _review(w, "withdraw", "editor"),
    "login": _login,
    "logout": _logout,
    "language": _language,
}


def _client(world, user):
    client = Client()
    if user:
        client.force_login(world.users[user])
    return client


@pytest.mark.parametrize("view", FOLLOWERS)
def test_a_foreign_next_falls_back_to_the_views_own_page(world, view):
    user, post, default = FOLLOWERS[view](world)
    client = _client(world, user)
    for foreign in FOREIGN:
        response = post(client, foreign)
        assert response.status_code == 302, (foreign, response.status_code)
        assert response["Location"] == default, (foreign, response["Location"])


@pytest.mark.parametrize("view", FOLLOWERS)
def test_this_sites_next_is_followed(world, view):
    user, post, _default = FOLLOWERS[view](world)
    response = post(_client(world, user), OWN)
    assert response.status_code == 302 and response["Location"] == OWN


@pytest.mark.parametrize("view", FOLLOWERS)
def test_over_https_a_plain_http_next_of_this_site_is_not_followed(world, view):
    user, post, default = FOLLOWERS[view](world)
    response = post(_client(world, user), "http://testserver/projects/", secure=True)
    assert response["Location"] == default
    response = post(_client(world, user), "https://testserver/projects/", secure=True)
    assert response["Location"] == "https://testserver/projects/"


def test_safe_next_reads_the_post_then_the_query(rf):
    request = rf.post("/x/?next=/from-query/", {"next": "//evil.example"})
    assert safe_next(request, "/default/") == "/default/"
    assert safe_next(rf.post("/x/?next=/from-query/"), "/default/") == "/from-query/"
    assert safe_next(rf.get("/x/"), "/default/") == "/default/"
