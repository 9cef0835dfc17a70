"""/health/ for the load balancer: is this node fit to serve?

Each part is tried for real: the database answers a query, the cache keeps and returns a value, the
broker takes a connection (when background jobs go through one), the file storage saves and deletes a
file, and no migration is waiting. 200 when all are well; 503 naming each part that is not, with the
reason in a word or two (no hosts, passwords or tracebacks: the endpoint needs no sign-in).
"""

import logging
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# Reading every migration file takes a tenth of a second or more: the answer is kept this long.
MIGRATIONS_TTL = 30.0
_migrations_checked: tuple[float, list[str]] | None = None


class Unhealthy(Exception):
    pass


def check_database() -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise Unhealthy("unexpected answer")


def check_cache() -> None:
    key, value = f"health:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, timeout=10)
    try:
        if cache.get(key) != value:
            raise Unhealthy("value not kept")
    finally:
        cache.delete(key)


def check_broker() -> None:
    from portfolio.celery import app, runs_in_process

    if runs_in_process():
        return  # no broker configured: jobs run in the web process
    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=2)


def check_storage() -> None:
    name = default_storage.save(f"health/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        with default_storage.open(name) as handle:
            if handle.read() != b"ok":
                raise Unhealthy("file not kept")
    finally:
        default_storage.delete(name)


def pending_migrations() -> list[str]:
    global _migrations_checked
    now = time.monotonic()
    if _migrations_checked is not None and now - _migrations_checked[0] < MIGRATIONS_TTL:
        return _migrations_checked[1]
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    pending = [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]
    _migrations_checked = (now, pending)
    return pending


def check_migrations() -> None:
    pending = pending_migrations()
    if pending:
        raise Unhealthy(f"{len(pending)} not applied")


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "storage": check_storage,
    "migrations": check_migrations,
}


def run_checks() -> dict[str, dict]:
    results = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Unhealthy as exc:
            results[name] = {"ok": False, "error": str(exc)}
        except Exception as exc:  # what failed is named; the details go to the log, not the answer
            logger.warning("Health check %s failed", name, exc_info=True)
            results[name] = {"ok": False, "error": type(exc).__name__}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return results


@never_cache
@require_safe
def health(request):
    results = run_checks()
    failing = [name for name, result in results.items() if not result["ok"]]
    body = {"status": "ok" if not failing else "unavailable", "failing": failing, "checks": results,
            "version": settings.PORTFOLIO_VERSION}
    return JsonResponse(body, status=503 if failing else 200)
