"""The load script in its short mode (5 users, 10 seconds) against gunicorn on PostgreSQL: it prepares its
own database, serves, loads, stops by itself and reports no error."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("DATABASE_URL", "").split(":")[0] not in ("postgres", "postgresql"),
        reason="the load test runs gunicorn on PostgreSQL: the PostgreSQL run of the suite runs it",
    ),
]


@pytest.fixture
def load_database(db):
    settings = connection.settings_dict
    name = f"portfolio_load_{uuid.uuid4().hex[:8]}"
    server = {"host": settings["HOST"] or "127.0.0.1", "port": settings["PORT"] or 5432,
                  "user": settings["USER"] or "postgres", "password": settings["PASSWORD"] or None}
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://{server['user']}@{server['host']}:{server['port']}/{name}"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_short_load_run_serves_every_request_without_error(load_database):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update({"DATABASE_URL": load_database, "REDIS_URL": "redis://127.0.0.1:6379/12"})
    run = subprocess.run([sys.executable, "-m", "bench.load", "--short"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    figures = dict(line.split(None, 1) for line in run.stdout.splitlines() if line.strip())
    assert int(figures["requests"]) > 10 and int(figures["errors"]) == 0
    assert float(figures["p95_ms"]) >= float(figures["p50_ms"]) > 0
