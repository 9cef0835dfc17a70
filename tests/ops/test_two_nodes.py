"""Two application servers (gunicorn, DEBUG off) on different ports against one PostgreSQL and one Redis,
with a Celery worker: what one node does, the other sees. A login, a render-limit count, an optimistic-
lock refusal and a generated report file are the same through either node."""

import os
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
import redis
import requests
from django.db import connection

from bench.load import free_port, production_environment, wait_healthy
from portfolio.policy import Role
from projects.models import Department, Programme, Project
from tests.helpers import make_user

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_URL = "redis://127.0.0.1:6379/13"
PASSWORD = "two-nodes-coordinator-2025"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("DATABASE_URL", "").split(":")[0] not in ("postgres", "postgresql"),
        reason="two servers share a server database: the PostgreSQL run of the suite runs it "
               "(the SQLite run's test database lives in this process's memory)",
    ),
]


@pytest.fixture
def environment(tmp_path):
    """The production configuration of both nodes: one database (the tests'), one Redis, one media directory."""
    db = connection.settings_dict
    database_url = f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = production_environment(
        str(tmp_path), REDIS_URL, DATABASE_URL=database_url, CACHE_KEY_PREFIX=f"t{uuid.uuid4().hex[:8]}",
        PORTFOLIO_RENDER_RATE="2", PORTFOLIO_BACKGROUND_PROJECTS="0", WEB_CONCURRENCY="2",
    )
    redis.Redis.from_url(REDIS_URL).flushdb()
    subprocess.run([str(BIN / "python"), "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env,
                   check=True, timeout=300)
    return env


@pytest.fixture
def nodes(environment, transactional_db):
    processes, urls = [], []
    try:
        for _ in range(2):
            port = free_port()
            processes.append(subprocess.Popen(
                [str(BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py", "portfolio.wsgi:application"],
                cwd=ROOT, env={**environment, "PORTFOLIO_BIND": f"127.0.0.1:{port}"},
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            urls.append(f"http://127.0.0.1:{port}")
        processes.append(subprocess.Popen(
            [str(BIN / "celery"), "-A", "portfolio", "worker", "--loglevel", "WARNING", "--concurrency", "1",
             "--pool", "solo", "--hostname", f"two-nodes-{uuid.uuid4().hex[:6]}@%h"],
            cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for url in urls:
            assert wait_healthy(url, 60), f"{url} did not answer"
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def world(transactional_db):
    department = Department.objects.create(code="D1", name="区发展和改革局")
    programme = Programme.objects.create(year=2025, level="district", name="2025年区重点项目")
    project = Project.objects.create(code="T-001", name="双节点测试项目", programme=programme,
                                     lead_department=department, annual_plan=Decimal("1000"))
    coordinator = make_user("coord-nodes", role=Role.COORDINATOR)
    # The servers check passwords with the production hashers, not the tests' fast one.
    coordinator.password = _pbkdf2(PASSWORD)
    coordinator.save(update_fields=["password"])
    return project


def _pbkdf2(password: str) -> str:
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hasher = PBKDF2PasswordHasher()
    return hasher.encode(password, hasher.salt())


def sign_in(session: requests.Session, node: str) -> requests.Response:
    session.get(f"{node}/login/")
    return session.post(f"{node}/login/", data={
        "username": "coord-nodes", "password": PASSWORD, "csrfmiddlewaretoken": session.cookies["csrftoken"],
    }, headers={"Referer": f"{node}/login/"}, allow_redirects=False)


def test_two_nodes_see_one_login_one_count_one_record_version_and_one_file(world, nodes):
    a, b = nodes
    browser = requests.Session()

    # A login through one node is a login through the other (sessions in the database).
    assert sign_in(browser, a).status_code == 302
    dashboard = browser.get(f"{b}/", allow_redirects=False)
    assert dashboard.status_code == 200 and "coord-nodes" in dashboard.text

    # The render limit (2 per window) is counted in Redis: the third render is refused whichever node.
    sheet = "/reports/indicators/?year=2025&month=6&format=xlsx"
    assert [browser.get(f"{node}{sheet}").status_code for node in (a, b)] == [200, 200]
    refused = browser.get(f"{a}{sheet}")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0

    # A token from one node works on the other; a change through one makes the other's ETag stale.
    token = requests.post(f"{a}/api/v1/auth/token/", json={"username": "coord-nodes", "password": PASSWORD})
    assert token.status_code == 200, token.text
    api = requests.Session()
    api.headers["Authorization"] = f"Token {token.json()['token']}"
    record = f"/api/v1/projects/{world.pk}/"
    etag = api.get(f"{b}{record}").headers["ETag"]
    assert api.patch(f"{a}{record}", json={"progress_summary": "主体封顶"}, headers={"If-Match": etag}).status_code == 200
    stale = api.patch(f"{b}{record}", json={"progress_summary": "基础施工"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert api.get(f"{a}{record}").json()["progress_summary"] == "主体封顶"

    # A report file asked through one node is rendered by the worker and offered by either.
    redis.Redis.from_url(REDIS_URL).flushdb()  # a fresh render allowance
    asked = browser.get(f"{a}/reports/progress/?year=2025&month=6&format=xlsx", allow_redirects=False)
    assert asked.status_code == 302, asked.text[:500]
    job = asked.headers["Location"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and "/file/" not in browser.get(f"{b}{job}").text:
        time.sleep(0.5)
    files = [browser.get(f"{node}{job}file/") for node in (a, b)]
    assert [f.status_code for f in files] == [200, 200]
    assert files[0].content == files[1].content and files[0].content.startswith(b"PK")
    assert requests.get(f"{b}{job}file/", allow_redirects=False).status_code == 302  # not signed in: login
