"""Figures remembered for one state of the data: an aggregate over a province's projects is computed
once, then read from the cache until anything it is made of changes.

The state of the data is a fingerprint read in one query of index lookups, whatever the number of
rows: for each table a figure is made of, its highest id and the highest id of its history (every
save and delete through Django writes a history row, every insert takes a new id), or for a table
without history its row count and highest id. Ids only grow, so a committed change to any of these
tables gives a fingerprint never seen before, and a remembered figure is never read for data it was
not computed from. Three cases are not remembered, only computed:

- inside a transaction (a service that writes and then reads, a test): what it sees may be rolled
  back, and SQLite then gives the same ids again to other rows;
- on PostgreSQL, while another transaction that writes is in progress: ids are drawn when a row is
  written, not when it commits, so a transaction still open may hold ids below the highest one seen
  and would commit without changing the fingerprint. Its figures may be read from the cache (a
  fingerprint remembered when nothing was in progress stands for everything committed up to it),
  but are not stored;
- after a load that leaves no trace in the fingerprint (a fixture loaded over existing rows, saved
  raw with their own ids and no history; a restore of a backup), ``forget`` starts a new namespace,
  so nothing remembered before it is read again.

The key is the SQL and parameters of the query that decides the figure (the user's scope, the
period, the filters are all in it) with the fingerprint: two users with the same scope share it.
Values are plain rows and numbers, never translated text.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet

T = TypeVar("T")
logger = logging.getLogger(__name__)

NAMESPACE_KEY = "figures:namespace"
# A remembered figure is dropped after this long even if nothing changed (keys of past states are
# never asked for again and expire with it).
TIMEOUT = 6 * 3600
_MISSING = object()


def _models():
    from indicators.models import Indicator, Observation, Target

    from .models import (
        Department,
        Milestone,
        MonthlyReport,
        MonthSnapshot,
        PeriodLock,
        Programme,
        ProgrammeSnapshot,
        Project,
        ReportWaiver,
        SupervisionLetter,
    )

    return (Project, MonthlyReport, Milestone, Programme, ProgrammeSnapshot, Department, SupervisionLetter,
            PeriodLock, ReportWaiver, MonthSnapshot, Indicator, Observation, Target)


def _terms(connection) -> list[str]:
    quote = connection.ops.quote_name
    terms = []
    for model in _models():
        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
        terms.append(f"(SELECT MAX({pk}) FROM {table})")
        history = getattr(model, "history", None)
        if history is not None:
            terms.append(f"(SELECT MAX({quote('history_id')}) FROM {quote(history.model._meta.db_table)})")
        else:
            terms.append(f"(SELECT COUNT(*) FROM {table})")
    return terms


def fingerprint(using: str = "default") -> tuple[tuple, bool]:
    """The state of the data (a tuple of ids and counts), and whether it is settled: no other transaction
    that writes is in progress (PostgreSQL), so figures computed now may be remembered for it. One query."""
    connection = connections[using]
    terms = _terms(connection)
    if connection.vendor == "postgresql":
        # Other sessions holding a transaction id: writing (a snapshot cannot tell, its xmax stops at the
        # latest completed transaction, so the newest one still open is in neither of its lists).
        terms.append("(SELECT COUNT(*) FROM pg_stat_activity WHERE backend_xid IS NOT NULL"
                     " AND datname = current_database() AND pid <> pg_backend_pid())")
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(terms))
        row = tuple(cursor.fetchone())
    if connection.vendor == "postgresql":
        return row[:-1], row[-1] == 0
    return row, True


def data_version(using: str = "default") -> str:
    """The fingerprint as text, with the namespace (the key of a rendered report file)."""
    try:
        namespace = cache.get_or_set(NAMESPACE_KEY, uuid.uuid4().hex, None)
    except Exception:  # the cache is down: a fixture loaded raw meanwhile would go unseen, nothing else
        logger.warning("figures cache unavailable", exc_info=True)
        namespace = ""
    return ":".join([namespace, *("-" if value is None else str(value) for value in fingerprint(using)[0])])


def remembered(name: str, query: QuerySet, compute: Callable[[], T], *extra) -> T:
    """``compute()``'s value for the current state of the data, computed once: ``query`` (with ``name``
    and ``extra``) is what decides it. Computed every time inside a transaction."""
    connection = connections[query.db]
    if connection.in_atomic_block:
        return compute()
    try:
        sql, params = query.query.sql_with_params()
    except EmptyResultSet:  # nothing can match (a scope of no projects): nothing to scan either
        return compute()
    state, settled = fingerprint(query.db)
    try:
        namespace = cache.get_or_set(NAMESPACE_KEY, uuid.uuid4().hex, None)
        key = "figures:" + hashlib.sha256(repr((namespace, name, sql, params, extra, state)).encode()).hexdigest()
        value = cache.get(key, _MISSING)
    except Exception:  # the cache is down: the page is computed, as before there was one
        logger.warning("figures cache unavailable", exc_info=True)
        return compute()
    if value is _MISSING:
        value = compute()
        if settled:
            try:
                cache.set(key, value, TIMEOUT)
            except Exception:
                logger.warning("figures cache unavailable", exc_info=True)
    return value


def forget() -> None:
    """Nothing remembered so far is read again (after a bulk load or a restore)."""
    cache.set(NAMESPACE_KEY, uuid.uuid4().hex, None)


def forget_after_raw_save(sender, raw=False, **kwargs) -> None:
    """A fixture loaded over existing rows (loaddata saves them raw: no history row, the same ids)."""
    if raw:
        forget()


def forget_after_restore(sender, **kwargs) -> None:
    forget()


def connect() -> None:
    """Forget what was remembered when data changes without a trace in the fingerprint (apps.ready)."""
    from django.db.models.signals import post_save

    from portfolio.backups import data_replaced

    for model in _models():
        post_save.connect(forget_after_raw_save, sender=model, dispatch_uid=f"remembered-raw-{model._meta.label}")
    data_replaced.connect(forget_after_restore, dispatch_uid="remembered-restore")
