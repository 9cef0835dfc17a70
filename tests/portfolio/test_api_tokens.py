"""The user's API tokens page, the administrators' token admin, and the migration that drops the old
clear-text tokens."""

import datetime as dt

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken

from portfolio.models import ApiToken
from tests.helpers import api_token, make_user, token_client

pytestmark = pytest.mark.django_db

PAGE = reverse("api_tokens")


@pytest.fixture
def alice(db):
    return make_user("alice")


def test_the_page_lists_the_users_valid_tokens_and_never_a_secret(client, alice):
    secrets = [api_token(alice), api_token(alice)]
    bob_secret = api_token(make_user("bob"))
    AuthToken.objects.create(user=alice, expiry=dt.timedelta(days=-1))  # expired: not listed
    client.force_login(alice)
    response = client.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('name="token"') == 2
    for secret in [*secrets, bob_secret]:
        assert secret not in page and secret[:15] not in page  # neither the token nor its lookup key
    assert "撤销全部令牌" in page
    # The link from the user menu of every page.
    assert f'href="{PAGE}"' in client.get(reverse("dashboard")).content.decode()


def test_revoking_one_token_leaves_the_others(client, alice):
    keep, revoke = api_token(alice), api_token(alice)
    digest = AuthToken.objects.get(token_key=revoke[:15]).digest
    client.force_login(alice)
    response = client.post(reverse("api_token_revoke"), {"token": digest}, follow=True)
    assert "已撤销该 API 令牌" in response.content.decode()
    api = token_client(None)
    api.credentials(HTTP_AUTHORIZATION=f"Token {revoke}")
    assert api.get(reverse("api:project-list")).status_code == 401
    assert AuthToken.objects.filter(token_key=keep[:15]).exists()


def test_another_users_token_cannot_be_revoked_from_the_page(client, alice):
    api_token(make_user("bob"))
    theirs = AuthToken.objects.get(user__username="bob").digest
    client.force_login(alice)
    for value in (theirs, "", "x" * 500):
        response = client.post(reverse("api_token_revoke"), {"token": value}, follow=True)
        assert response.status_code == 200
        assert "令牌：没有这个令牌" in response.content.decode()
    assert AuthToken.objects.filter(digest=theirs).exists()


def test_revoke_all(client, alice):
    api_token(alice), api_token(alice)
    bob = make_user("bob")
    api_token(bob)
    client.force_login(alice)
    response = client.post(reverse("api_tokens_revoke_all"), follow=True)
    assert "已撤销全部 API 令牌（2 个）" in response.content.decode()
    assert not AuthToken.objects.filter(user=alice).exists()
    assert AuthToken.objects.filter(user=bob).exists()


def test_the_revocations_are_posts_with_csrf_and_for_signed_in_users(alice):
    api_token(alice)
    digest = AuthToken.objects.get(user=alice).digest
    anonymous = Client()
    assert anonymous.get(PAGE)["Location"].startswith(reverse("login"))
    assert anonymous.post(reverse("api_tokens_revoke_all"))["Location"].startswith(reverse("login"))
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    assert browser.post(reverse("api_token_revoke"), {"token": digest}).status_code == 403
    assert browser.post(reverse("api_tokens_revoke_all")).status_code == 403
    assert browser.get(reverse("api_tokens_revoke_all")).status_code == 405
    assert AuthToken.objects.filter(user=alice).exists()


def test_the_admin_lists_tokens_without_secrets_and_deletes_them(client, superuser, alice):
    secret = api_token(alice)
    token = ApiToken.objects.get(user=alice)
    client.force_login(superuser)
    page = client.get(reverse("admin:portfolio_apitoken_changelist")).content.decode()
    assert "alice" in page and "有效" in page
    assert secret not in page and secret[:15] not in page
    detail = client.get(reverse("admin:portfolio_apitoken_change", args=[token.pk])).content.decode()
    assert secret[:15] not in detail
    response = client.post(reverse("admin:portfolio_apitoken_delete", args=[token.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not AuthToken.objects.filter(user=alice).exists()
    assert AuthToken not in admin.site._registry  # knox's own admin (which shows digests) is not offered


def test_only_administrators_see_the_token_admin(client, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("admin:portfolio_apitoken_changelist")).status_code == 403


# The old clear-text tokens -----------------------------------------------------------------------------


class _SchemaEditor:
    """What the migration's function uses of a schema editor (SQLite's refuses to open in a test's transaction)."""

    def __init__(self):
        self.connection = connection

    def execute(self, sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)

    def quote_name(self, name):
        return connection.ops.quote_name(name)


def test_the_migration_drops_the_old_clear_text_tokens_table():
    from importlib import import_module

    from django.db.migrations.recorder import MigrationRecorder

    migration = import_module("portfolio.migrations.0004_drop_clear_text_api_tokens")
    editor = _SchemaEditor()
    editor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp)")
    editor.execute("INSERT INTO authtoken_token VALUES ('9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b', NULL)")
    MigrationRecorder(connection).record_applied("authtoken", "0001_initial")
    migration.drop_clear_text_tokens(None, editor)
    assert "authtoken_token" not in connection.introspection.table_names()
    assert not MigrationRecorder(connection).migration_qs.filter(app="authtoken").exists()
    migration.drop_clear_text_tokens(None, editor)  # nothing left to drop: nothing happens


def test_tokens_expire_after_the_configured_days(alice, settings):
    settings.PORTFOLIO_API_TOKEN_DAYS = 3
    from portfolio.api_tokens import api_token_create

    token, secret = api_token_create(user=alice)
    assert timezone.now() + dt.timedelta(days=3) - token.expiry < dt.timedelta(minutes=1)
    assert len(secret) == 64 and token.digest != secret
