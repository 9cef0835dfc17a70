"""The session's time limits: signed out after the idle minutes and after the absolute lifetime, the login
page saying why; the last request written at most once a minute; the cookie ends with the browser."""

import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portfolio.middleware import LAST_SEEN_RESOLUTION, SESSION_LAST_SEEN, SESSION_SIGNED_IN_AT
from portfolio.policy import Role
from tests.helpers import PASSWORD, make_user

pytestmark = pytest.mark.django_db

PAGE = "/notifications/"
API = "/api/v1/departments/"


@pytest.fixture
def signed_in(client, db):
    user = make_user("editor-1", Role.VIEWER)
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def move_back(client, seconds, *keys):
    """Move the session's clocks back in time, as if that many seconds had passed since."""
    session = client.session
    for key in keys:
        session[key] -= seconds
    session.save()


def session_writes(queries):
    return [q["sql"] for q in queries if "django_session" in q["sql"] and q["sql"].lstrip().upper().startswith(
        ("UPDATE", "INSERT"))]


def test_signing_in_starts_both_clocks(signed_in):
    session = signed_in.session
    now = int(time.time())
    assert now - 5 <= session[SESSION_SIGNED_IN_AT] == session[SESSION_LAST_SEEN] <= now


@override_settings(PORTFOLIO_SESSION_IDLE_MINUTES=30)
def test_an_idle_session_is_signed_out_and_the_login_page_says_why(signed_in):
    move_back(signed_in, 31 * 60, SESSION_LAST_SEEN, SESSION_SIGNED_IN_AT)
    response = signed_in.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert SESSION_KEY not in signed_in.session
    login = signed_in.get(response["Location"]).content.decode()
    assert "您已超过30分钟未操作，为保护数据已自动退出。请重新登录。" in login


@override_settings(PORTFOLIO_SESSION_IDLE_MINUTES=30)
def test_the_message_is_in_english_for_an_english_reader(signed_in, settings):
    signed_in.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    move_back(signed_in, 31 * 60, SESSION_LAST_SEEN)
    login = signed_in.get(PAGE, follow=True).content.decode()
    assert "30 minutes" in login and "sign in again" in login


@override_settings(PORTFOLIO_SESSION_IDLE_MINUTES=30)
def test_a_session_used_within_the_idle_minutes_stays(signed_in):
    move_back(signed_in, 29 * 60, SESSION_LAST_SEEN, SESSION_SIGNED_IN_AT)
    assert signed_in.get(PAGE).status_code == 200
    assert int(time.time()) - signed_in.session[SESSION_LAST_SEEN] < 5  # the clock moved on
    move_back(signed_in, 29 * 60, SESSION_LAST_SEEN)
    assert signed_in.get(PAGE).status_code == 200  # 58 minutes signed in, never 30 idle


@override_settings(PORTFOLIO_SESSION_IDLE_MINUTES=30)
def test_the_last_request_is_written_at_most_once_a_minute(signed_in):
    before = signed_in.session[SESSION_LAST_SEEN]
    with CaptureQueriesContext(connection) as queries:
        assert signed_in.get(PAGE).status_code == 200
    assert session_writes(queries.captured_queries) == []
    assert signed_in.session[SESSION_LAST_SEEN] == before
    move_back(signed_in, LAST_SEEN_RESOLUTION, SESSION_LAST_SEEN)
    with CaptureQueriesContext(connection) as queries:
        assert signed_in.get(PAGE).status_code == 200
    assert len(session_writes(queries.captured_queries)) == 1
    assert signed_in.session[SESSION_LAST_SEEN] >= before


@override_settings(PORTFOLIO_SESSION_IDLE_MINUTES=30, SESSION_COOKIE_AGE=12 * 3600)
def test_a_session_ends_after_its_lifetime_however_active(signed_in):
    move_back(signed_in, 12 * 3600 + 1, SESSION_SIGNED_IN_AT)
    response = signed_in.get(PAGE, follow=True)
    assert SESSION_KEY not in signed_in.session
    assert "本次登录已超过12小时，为保护数据已自动退出。请重新登录。" in response.content.decode()


@override_settings(PORTFOLIO_SESSION_IDLE_MINUTES=0)
def test_zero_idle_minutes_means_no_idle_limit(signed_in):
    move_back(signed_in, 6 * 3600, SESSION_LAST_SEEN)
    assert signed_in.get(PAGE).status_code == 200


@override_settings(PORTFOLIO_SESSION_IDLE_MINUTES=30)
def test_the_api_with_an_idle_session_is_refused_without_a_page_message(signed_in):
    move_back(signed_in, 31 * 60, SESSION_LAST_SEEN)
    response = signed_in.get(API)
    assert response.status_code in (401, 403)
    assert SESSION_KEY not in signed_in.session
    assert "messages" not in signed_in.cookies


def test_a_session_from_before_the_clocks_is_timed_from_its_next_request(signed_in):
    session = signed_in.session
    del session[SESSION_LAST_SEEN]
    del session[SESSION_SIGNED_IN_AT]
    session.save()
    assert signed_in.get(PAGE).status_code == 200
    assert SESSION_LAST_SEEN in signed_in.session and SESSION_SIGNED_IN_AT in signed_in.session


def test_the_session_cookie_ends_with_the_browser(client, db):
    user = make_user("viewer-1", Role.VIEWER)
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    cookie = response.cookies["sessionid"]
    assert cookie["expires"] == "" and cookie["max-age"] == ""
