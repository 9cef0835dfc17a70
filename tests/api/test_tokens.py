"""API tokens: issued hashed and expiring by the token endpoint, refused once expired or revoked, revoked by
the logouts, by a new password and by deactivation; the endpoint's throttle kept in the cache."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken

from portfolio.api_auth import TokenThrottle
from tests.helpers import PASSWORD, api_token, token_client

pytestmark = pytest.mark.django_db

TOKEN = reverse("api:token")
PROJECTS = reverse("api:project-list")


def obtain(client=None, username="editor", password=PASSWORD, **extra):
    client = client or token_client(None)
    return client.post(TOKEN, {"username": username, "password": password}, format="json", **extra)


def with_token(token: str):
    client = token_client(None)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_the_endpoint_issues_a_new_token_each_time_stored_only_as_a_digest(editor, settings):
    settings.PORTFOLIO_API_TOKEN_DAYS = 7
    before = timezone.now()
    response = obtain()
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"token", "expiry"}
    expiry = dt.datetime.fromisoformat(body["expiry"])
    assert before + dt.timedelta(days=7) <= expiry <= timezone.now() + dt.timedelta(days=7)
    # Form-encoded works too, and gives another token: one per client, each revocable on its own.
    again = token_client(None).post(TOKEN, f"username=editor&password={PASSWORD}",
                                    content_type="application/x-www-form-urlencoded")
    assert again.status_code == 200 and again.json()["token"] != body["token"]
    stored = list(AuthToken.objects.filter(user=editor).values())
    assert len(stored) == 2
    for row in stored:
        assert body["token"] not in {str(value) for value in row.values()}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {AuthToken._meta.db_table}")
        assert not any(body["token"] in str(value) for row in cursor.fetchall() for value in row)
    assert with_token(body["token"]).get(PROJECTS).status_code == 200
    assert with_token(again.json()["token"]).get(PROJECTS).status_code == 200


def test_wrong_passwords_and_inactive_users_get_no_token(editor):
    wrong = obtain(password="wrong")
    assert wrong.status_code == 400 and "non_field_errors" in wrong.json()
    missing = token_client(None).post(TOKEN, {"username": "editor"}, format="json")
    assert missing.status_code == 400 and "password" in missing.json()
    editor.is_active = False
    editor.save()
    assert obtain().status_code == 400
    assert not AuthToken.objects.exists()


def test_an_expired_token_is_refused_and_a_revoked_one_too(editor):
    token = obtain().json()["token"]
    client = with_token(token)
    assert client.get(PROJECTS).status_code == 200
    AuthToken.objects.filter(user=editor).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    expired = client.get(PROJECTS)
    assert expired.status_code == 401 and expired["WWW-Authenticate"] == "Token"
    assert "令牌无效、已过期或已撤销" in expired.json()["detail"]


@pytest.mark.parametrize("header", ["Token", "Token a b", "Token \xff\xfe", "Token " + "0" * 64])
def test_a_malformed_or_unknown_token_answers_401_not_500(editor, header):
    response = token_client(None).get(PROJECTS, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401, response.content
    assert response.json()["detail"]


def test_the_number_of_valid_tokens_per_user_is_capped_and_expired_ones_do_not_count(editor, settings):
    settings.PORTFOLIO_API_TOKEN_LIMIT = 2
    assert obtain().status_code == 200
    assert obtain().status_code == 200
    refused = obtain()
    assert refused.status_code == 403
    assert "上限（2 个）" in refused.json()["detail"] and "API 令牌" in refused.json()["detail"]
    assert AuthToken.objects.filter(user=editor).count() == 2
    english_client = token_client(None)
    english_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = obtain(english_client)
    assert english.status_code == 403 and "(2)" in english.json()["detail"]
    assert "“API tokens” page" in english.json()["detail"]
    # An expired token no longer counts, and is deleted when the next one is issued.
    oldest = AuthToken.objects.filter(user=editor).order_by("created").first()
    AuthToken.objects.filter(pk=oldest.pk).update(expiry=timezone.now() - dt.timedelta(days=1))
    assert obtain().status_code == 200
    assert AuthToken.objects.filter(user=editor).count() == 2
    assert not AuthToken.objects.filter(user=editor, expiry__lte=timezone.now()).exists()


def test_logout_revokes_the_token_used_and_logoutall_every_token(editor, viewer):
    first, second = api_token(editor), api_token(editor)
    others = api_token(viewer)
    response = with_token(first).post(reverse("api:token-logout"))
    assert response.status_code == 204
    assert with_token(first).get(PROJECTS).status_code == 401
    assert with_token(second).get(PROJECTS).status_code == 200
    third = api_token(editor)
    assert with_token(second).post(reverse("api:token-logout-all")).status_code == 204
    assert with_token(second).get(PROJECTS).status_code == 401
    assert with_token(third).get(PROJECTS).status_code == 401
    assert not AuthToken.objects.filter(user=editor).exists()
    assert with_token(others).get(PROJECTS).status_code == 200  # another user's tokens stay


def test_the_logouts_need_a_token(editor, client):
    for name in ("api:token-logout", "api:token-logout-all"):
        assert token_client(None).post(reverse(name)).status_code == 401
        client.force_login(editor)  # a session is not a token: nothing to revoke
        assert client.post(reverse(name)).status_code == 401


def test_a_new_password_revokes_every_token_of_the_user(editor, viewer):
    token, others = api_token(editor), api_token(viewer)
    editor.set_password("another-pw-for-tests-456")
    editor.save()
    assert with_token(token).get(PROJECTS).status_code == 401
    assert not AuthToken.objects.filter(user=editor).exists()
    assert with_token(others).get(PROJECTS).status_code == 200


def test_a_new_password_set_through_the_reset_page_revokes_the_tokens(editor, client):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    token = api_token(editor)
    uid = urlsafe_base64_encode(force_bytes(editor.pk))
    url = reverse("password_reset_confirm", args=[uid, default_token_generator.make_token(editor)])
    form_url = client.get(url)["Location"]
    response = client.post(form_url, {"new_password1": "Zq8-new-pw-for-tests", "new_password2": "Zq8-new-pw-for-tests"})
    assert response.status_code == 302, response.content
    assert with_token(token).get(PROJECTS).status_code == 401


def test_saving_the_user_otherwise_keeps_the_tokens(editor, settings):
    token = api_token(editor)
    editor.first_name = "新名字"
    editor.save()
    editor.save(update_fields=["last_login"])
    assert with_token(token).get(PROJECTS).status_code == 200


def test_a_password_hash_upgrade_at_login_keeps_the_tokens(editor, settings):
    """Django re-hashes a password with the current hasher at login: the password has not changed."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher",
                                 "django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    old_hash = PBKDF2PasswordHasher().encode(PASSWORD, "saltsaltsalt", iterations=1)
    type(editor).objects.filter(pk=editor.pk).update(password=old_hash)
    editor.refresh_from_db()
    token = api_token(editor)
    assert editor.check_password(PASSWORD)
    editor.refresh_from_db()
    assert editor.password.startswith("md5$")  # upgraded and saved
    assert with_token(token).get(PROJECTS).status_code == 200


def test_deactivating_the_user_revokes_every_token(editor):
    token = api_token(editor)
    editor.is_active = False
    editor.save()
    assert not AuthToken.objects.filter(user=editor).exists()
    editor.is_active = True
    editor.save()
    assert with_token(token).get(PROJECTS).status_code == 401


def test_an_inactive_users_token_is_refused_even_if_it_was_left(editor):
    token = api_token(editor)
    type(editor).objects.filter(pk=editor.pk).update(is_active=False)  # no signal: the check at use still holds
    response = with_token(token).get(PROJECTS)
    assert response.status_code == 401 and "停用" in response.json()["detail"]


# The throttle -------------------------------------------------------------------------------------


def test_the_token_endpoint_is_throttled_with_its_counts_in_the_cache(db):
    client = token_client(None)
    statuses = [obtain(client, username=f"user{i}", password="guess").status_code for i in range(25)]
    assert statuses[:20] == [400] * 20
    assert set(statuses[20:]) == {429}
    key = TokenThrottle.cache_format % {"scope": TokenThrottle.scope, "ident": "127.0.0.1"}
    # The requests' times are in Django's cache (shared by every process where the cache is): 20 allowed.
    assert len(cache.get(key)) == 20
    cache.delete(key)
    assert obtain(client, username="user-after", password="guess").status_code == 400


def test_the_throttle_tells_clients_apart_by_the_address_behind_the_proxy(db, settings):
    client = token_client(None)

    def attempts(forwarded, n=1):
        return [obtain(client, username=f"u{i}", password="guess", HTTP_X_FORWARDED_FOR=forwarded)
                for i in range(n)]

    def throttled(response):
        return response.status_code == 429 and response.has_header("Retry-After")

    settings.PORTFOLIO_PROXY_COUNT = 0  # the header is the client's own: ignored
    assert {r.status_code for r in attempts("10.0.0.1", 20)} == {400}
    assert throttled(attempts("10.0.0.2")[0])  # the same connection address: the same count
    cache.clear()
    settings.PORTFOLIO_PROXY_COUNT = 1  # nginx appends the address it saw
    assert {r.status_code for r in attempts("1.2.3.4, 10.0.0.1", 20)} == {400}
    assert attempts("1.2.3.4, 10.0.0.2")[0].status_code == 400  # another client behind the proxy
    assert throttled(attempts("5.6.7.8, 10.0.0.1")[0])  # the same client, whatever it wrote itself
