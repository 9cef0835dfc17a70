"""The production configuration: the health endpoint, request ids and log lines, demo passwords outside
the demo, the deployment checks, and settings that change nothing on disk when imported."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks
from django.core.cache import cache
from django.test import Client
from django.urls import path

from portfolio import health
from portfolio import urls as portfolio_urls
from portfolio.observability import RequestContextFilter
from portfolio.policy import Role
from projects.demo import DEMO_ACCOUNTS, check_demo_accounts
from tests.helpers import make_user

ROOT = Path(__file__).resolve().parents[2]


# Health -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_health_is_200_when_every_part_answers(client):
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["failing"] == []
    assert set(body["checks"]) == {"database", "cache", "broker", "storage", "migrations"}
    assert all(part["ok"] for part in body["checks"].values())
    assert response["Cache-Control"].startswith("max-age=0")


def _broken(message):
    def check():
        raise health.Unhealthy(message)
    return check


@pytest.mark.parametrize("part", ["database", "cache", "broker", "storage", "migrations"])
@pytest.mark.django_db
def test_health_names_the_part_that_fails_with_503(client, monkeypatch, part):
    monkeypatch.setitem(health.CHECKS, part, _broken("down"))
    response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == [part]
    assert body["checks"][part] == {"ok": False, "error": "down", "ms": body["checks"][part]["ms"]}
    assert all(result["ok"] for name, result in body["checks"].items() if name != part)


@pytest.mark.django_db
def test_an_unexpected_failure_is_named_without_its_details(client, monkeypatch):
    def explode():
        raise ConnectionError("redis://:secret@10.0.0.5:6379 refused")
    monkeypatch.setitem(health.CHECKS, "cache", explode)
    body = client.get("/health/").json()
    assert body["checks"]["cache"]["error"] == "ConnectionError"
    assert "secret" not in json.dumps(body)


@pytest.mark.django_db
def test_pending_migrations_make_the_node_unhealthy(client, monkeypatch):
    monkeypatch.setattr(health, "_migrations_checked", None)
    monkeypatch.setattr(health.MigrationExecutor, "migration_plan", lambda self, targets: [
        (type("M", (), {"app_label": "projects", "name": "0099_new"})(), False)])
    body = client.get("/health/").json()
    assert body["failing"] == ["migrations"] and body["checks"]["migrations"]["error"] == "1 not applied"
    monkeypatch.setattr(health, "_migrations_checked", None)


@pytest.mark.django_db
def test_the_cache_check_really_uses_the_cache(monkeypatch):
    monkeypatch.setattr(cache, "get", lambda key, default=None: None)
    with pytest.raises(health.Unhealthy):
        health.check_cache()


@pytest.mark.django_db
def test_health_reads_no_session_and_needs_no_sign_in(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):  # SELECT 1; the migration plan is cached from a warm call
        health.pending_migrations()
        client.get("/health/")


# Request ids and log lines ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_response_carries_a_request_id_and_one_log_line(client, caplog):
    user = make_user("logged", role=Role.VIEWER)
    client.force_login(user)
    with caplog.at_level(logging.INFO, logger="portfolio.requests"):
        response = client.get("/?q=张三的秘密项目")
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    lines = [r for r in caplog.records if r.name == "portfolio.requests"]
    assert len(lines) == 1
    line = lines[0]
    assert (line.method, line.path, line.status) == ("GET", "/", response.status_code)
    assert line.duration_ms > 0
    assert line.request_id == request_id and line.user_id == user.pk
    assert "张三" not in line.getMessage() and "秘密" not in str(line.__dict__)


@pytest.mark.django_db
def test_the_proxys_request_id_is_kept_when_it_is_a_token_and_replaced_otherwise(client):
    assert client.get("/health/", HTTP_X_REQUEST_ID="abcdef12-3456")["X-Request-ID"] == "abcdef12-3456"
    forged = client.get("/health/", HTTP_X_REQUEST_ID="x\r\nSet-Cookie: a=b")["X-Request-ID"]
    assert forged != "x\r\nSet-Cookie: a=b" and len(forged) == 32


def test_records_outside_a_request_say_so():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", (), None)
    RequestContextFilter().filter(record)
    assert record.request_id == "-" and record.user_id is None


def _python(code: str, **env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("DEBUG", "DATABASE_URL", "DEMO", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    environment.update({"DJANGO_SETTINGS_MODULE": "portfolio.settings", **env})
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=120)


PRODUCTION = {"DEBUG": "0", "SECRET_KEY": "t7#pQ2v!Lx9sWm4&Zr8@Kd3^Hn6*Bj1%Fc5(Yg0)Ae" * 2, "ALLOWED_HOSTS": "portfolio.example.gov.cn"}


def test_production_logs_are_json_lines_with_the_request_context():
    result = _python(
        "import django, logging; django.setup(); logging.getLogger('portfolio.x').warning('hello %s', 'world')",
        **PRODUCTION)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout.strip().splitlines()[-1])
    assert record["message"] == "hello world" and record["level"] == "WARNING" and record["logger"] == "portfolio.x"
    assert record["request_id"] == "-" and record["time"].endswith("+00:00")


def test_importing_the_settings_creates_no_directory(tmp_path):
    var = tmp_path / "var"
    result = _python("import django; django.setup(); from django.conf import settings; settings.DATABASES",
                     VAR_DIR=str(var))
    assert result.returncode == 0, result.stderr
    assert not var.exists()
    result = _python("from portfolio.runtime import prepare_local_directories; import django; django.setup(); "
                     "prepare_local_directories()", VAR_DIR=str(var))
    assert result.returncode == 0, result.stderr
    assert var.is_dir()


# Demo accounts outside the demo ----------------------------------------------------------------------------


def _demo_user(username="coordinator", password="demo-coord-2025"):
    user = make_user(username, role=Role.COORDINATOR, is_staff=True)
    user.set_password(password)
    user.save()
    return user


@pytest.mark.django_db
@pytest.mark.parametrize("demo", [True, False])
def test_a_demo_password_signs_in_only_in_the_demo(settings, demo):
    settings.DEMO = demo
    _demo_user()
    client = Client()
    page = client.post("/login/", {"username": "coordinator", "password": "demo-coord-2025"})
    assert (page.status_code == 302) is demo
    admin = Client()
    admin.post("/admin/login/", {"username": "coordinator", "password": "demo-coord-2025", "next": "/admin/"})
    assert ("_auth_user_id" in admin.session) is demo
    api = Client().post("/api/v1/auth/token/", {"username": "coordinator", "password": "demo-coord-2025"},
                        content_type="application/json")
    assert (api.status_code == 200) is demo


@pytest.mark.django_db
def test_any_account_with_any_demo_password_is_refused_outside_the_demo(settings):
    settings.DEMO = False
    for account in DEMO_ACCOUNTS:
        user = make_user(f"someone-{account.username}", role=Role.VIEWER)
        user.set_password(account.password)
        user.save()
        client = Client()
        response = client.post("/login/", {"username": user.username, "password": account.password})
        assert response.status_code == 200 and "_auth_user_id" not in client.session
    ordinary = make_user("ordinary", role=Role.VIEWER)
    ordinary.set_password("a-real-long-password-2025")
    ordinary.save()
    assert Client().post("/login/", {"username": "ordinary", "password": "a-real-long-password-2025"}).status_code == 302


@pytest.mark.django_db
def test_the_deploy_check_names_demo_accounts_that_kept_their_password(settings):
    settings.DEMO = False
    _demo_user()
    _demo_user("viewer", "changed-password-2025")
    errors = check_demo_accounts(databases=["default"])
    assert [e.id for e in errors] == ["projects.E020"]
    assert "coordinator" in errors[0].msg and "viewer" not in errors[0].msg
    assert "createsuperuser" in errors[0].hint
    settings.DEMO = True
    assert check_demo_accounts(databases=["default"]) == []


@pytest.mark.any_database
def test_the_deploy_check_of_the_production_settings_prints_nothing(tmp_path):
    static = tmp_path / "static"
    env = {**PRODUCTION, "STATIC_ROOT": str(static), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    collected = _python("import django, sys; django.setup(); from django.core.management import call_command; "
                        "call_command('collectstatic', '--no-input', '-v0')", **env)
    assert collected.returncode == 0, collected.stderr
    result = _python("import django; django.setup(); from django.core.management import call_command; "
                     "call_command('check', '--deploy', '--fail-level', 'INFO')", **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (1 silenced)."
    assert (static / "staticfiles.json").exists()
    assert any(static.rglob("*.css.gz"))  # compressed beside the hashed names, served by WhiteNoise


def test_without_collected_static_files_the_deploy_check_fails(tmp_path):
    env = {**PRODUCTION, "STATIC_ROOT": str(tmp_path / "none")}
    result = _python("import django; django.setup(); from django.core.management import call_command; "
                     "call_command('check', '--deploy')", **env)
    assert result.returncode != 0 and "portfolio.E010" in result.stderr + result.stdout


def test_registered_deploy_checks_include_the_platforms_own():
    ids = {getattr(c, "__name__", "") for c in checks.registry.registry.get_checks(include_deployment_checks=True)}
    assert {"check_collected_static", "check_demo_accounts"} <= ids


# Errors with DEBUG off ---------------------------------------------------------------------------------------


def _raising_view(request):
    raise RuntimeError("secret detail: postgres://portfolio:hunter2@db/portfolio")


urlpatterns = [path("boom/", _raising_view)]
handler500 = portfolio_urls.handler500  # the platform's own, as its URL conf names it


@pytest.mark.django_db
def test_a_view_that_raises_shows_the_platforms_page_and_logs_the_traceback_with_the_request_id(
        settings, caplog):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/boom/")
    html = response.content.decode()
    assert response.status_code == 500 and "系统错误" in html and "Server error" in html
    assert "Traceback" not in html and "hunter2" not in html and "RuntimeError" not in html
    request_id = response["X-Request-ID"]
    assert request_id in html  # the reference a user quotes
    errors = [r for r in caplog.records if r.name == "django.request"]
    assert errors and errors[0].exc_info and errors[0].request_id == request_id


def test_passwords_must_be_long_and_uncommon():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("short-pw-1", "123456789012", "password1234"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("a-long-district-passphrase")
