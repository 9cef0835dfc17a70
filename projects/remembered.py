"""Figures remembered for one state of the data: an aggregate over a province's projects is computed
once, then read from the cache until anything it is made of changes.

The state of the data is a fingerprint read in one query of index lookups, whatever the number of
rows: for each table a figure is made of, its highest id and the highest id of its history (every
save and delete through Django writes a history row, every insert takes a new id), or for a table
without history its row count and highest id; and the latest migration (a data migration saves
through historical models: no history, the same ids). Ids only grow, so a committed change to any of
these tables gives a fingerprint never seen before, and a remembered figure is never read for data it
was not computed from. Not remembered, only computed:

- inside a transaction (a service that writes and then reads, a test): what it sees may be rolled
  back, and SQLite then gives the same ids again to other rows;
- on PostgreSQL, while another session of the database holds a writing transaction: ids are drawn
  when a row is written, not when it commits, so a transaction still open may hold ids below the
  highest one seen and would commit without changing the fingerprint. Figures may be read from the
  cache then (a fingerprint remembered when nothing was in progress stands for everything committed
  up to it), but are not stored;
- without a cache every process shares (PORTFOLIO_REMEMBER_FIGURES, on with Redis): ``forget`` in a
  command or a restore must reach the web processes.

``forget`` starts a new namespace, so nothing remembered before it is read again: after a fixture is
loaded over existing rows (raw saves: no history, the same ids; again when the load commits), after a
restore, and by ``manage.py forget_figures`` after a change made outside Django's saves.

The key is the SQL and parameters of the query that decides the figure (the user's scope, the
period, the filters are all in it), the database's name and host, and the fingerprint: two users
with the same scope share it. Values are the rows the queries gave, never translated text nor what
the code builds of them (a new release reads them as it builds).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connections, transaction
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
    # A migration (a data migration saves through historical models: no history row, the same ids).
    terms.append(f"(SELECT MAX({quote('id')}) FROM {quote('django_migrations')})")
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


def _database(using: str) -> tuple:
    """Which database: two installations sharing one cache (a staging copy restored from production's
    backup runs through the same ids) never read each other's figures."""
    settings_dict = connections[using].settings_dict
    return settings_dict.get("NAME"), settings_dict.get("HOST"), settings_dict.get("PORT")


def _namespace() -> str:
    return cache.get_or_set(NAMESPACE_KEY, uuid.uuid4().hex, None)


def data_version(using: str = "default") -> str:
    """The fingerprint as text, with the namespace (the key of a rendered report file). Unique while
    another transaction writes (PostgreSQL): a file rendered then is not the file of what it commits."""
    state, settled = fingerprint(using)
    try:
        namespace = _namespace()
    except Exception:  # the cache is down: a fixture loaded raw meanwhile would go unseen, nothing else
        logger.warning("figures cache unavailable", exc_info=True)
        namespace = ""
    parts = [namespace, *("-" if value is None else str(value) for value in state)]
    if not settled:
        parts.append(uuid.uuid4().hex)
    return ":".join(parts)


def remembered(name: str, query: QuerySet, compute: Callable[[], T], *extra) -> T:
    """``compute()``'s value for the current state of the data, computed once: ``query`` (with ``name``
    and ``extra``) is what decides it. Computed every time inside a transaction, and without a shared
    cache. Values are rows and numbers as the queries gave them (what is built of them is built anew)."""
    connection = connections[query.db]
    # PORTFOLIO_REMEMBER_FIGURES: on with a cache every process shares, so that ``forget`` reaches them all.
    if connection.in_atomic_block or not settings.PORTFOLIO_REMEMBER_FIGURES:
        return compute()
    try:
        sql, params = query.query.sql_with_params()
    except EmptyResultSet:  # nothing can match (a scope of no projects): nothing to scan either
        return compute()
    state, settled = fingerprint(query.db)
    try:
        key = "figures:" + hashlib.sha256(repr(
            (_namespace(), _database(query.db), name, sql, params, extra, state)).encode()).hexdigest()
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


def remembered_rows(name: str, query: QuerySet, *extra) -> list:
    """``query``'s rows, remembered for the current state of the data."""
    return remembered(name, query, lambda: list(query), *extra)


def forget() -> None:
    """Nothing remembered so far is read again (after a bulk load or a restore). With the cache down,
    logged: nothing can be read from it either, and what forgets (a load, a restore) goes on."""
    try:
        cache.set(NAMESPACE_KEY, uuid.uuid4().hex, None)
    except Exception:
        logger.warning("figures cache unavailable: the remembered figures could not be forgotten", exc_info=True)


def forget_after_raw_save(sender, raw=False, **kwargs) -> None:
    """A fixture loaded over existing rows (loaddata saves them raw: no history row, the same ids): now,
    and again once the load commits (a page read meanwhile may have remembered the rows before it)."""
    if raw:
        forget()
        transaction.on_commit(forget, using=kwargs.get("using"))


def forget_after_restore(sender, **kwargs) -> None:
    forget()


def connect() -> None:
    """Forget what was remembered when data changes without a trace in the fingerprint (apps.ready)."""
    from django.db.models.signals import post_save

    from portfolio.backups import data_replaced

    for model in _models():
        post_save.connect(forget_after_raw_save, sender=model, dispatch_uid=f"remembered-raw-{model._meta.label}")
    data_replaced.connect(forget_after_restore, dispatch_uid="remembered-restore")
