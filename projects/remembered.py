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
period, the filters are all in it), the database's name and host, and the fingerprint of the tables
the figure was computed from: two users with the same scope share it. Values are the rows the queries
gave, never translated text nor what the code builds of them (a new release reads them as it builds).

Only the tables a figure read: a closed month's figures read its frozen snapshot, not the open month's
reports, so the departments' entries of the open month do not make the leaders' closed-month pages
compute them again. The tables are those the computation's statements name, recorded when it runs and
remembered beside the figure; the figure is stored under the state of those tables, plus the month
closes and reopens and the migrations. Why that is enough: the computation reads nothing else, so while
none of those tables changes it would read the same rows and give the same figure, whichever branch
its rows led it down. A table of a month's frozen figures is written only when its month closes (a new
snapshot) and changed by deleting what its rows point to: reading it counts as reading the snapshots and
those tables. A table the fingerprint does not follow, or a computation that ran no statement, makes
the figure depend on every table the fingerprint follows, as before. Tables are those of the platform's
models (Django's list of them); ``manage.py migrate``, which deploys a release, forgets everything.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import logging
import re
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


def _snapshot_models():
    """The tables of a month's frozen figures: written only with a new MonthSnapshot (the close's transaction)."""
    from .models import SnapshotProgramme, SnapshotProgrammeMonth, SnapshotProject, SnapshotReport

    return (SnapshotProject, SnapshotReport, SnapshotProgramme, SnapshotProgrammeMonth)


MIGRATIONS = "django_migrations"
_FINGERPRINTING: contextvars.ContextVar[bool] = contextvars.ContextVar("figures_fingerprinting", default=False)
# A figure that read a table the fingerprint does not follow, or ran no statement: every followed table decides it.
EVERY_TABLE = ("*",)


def _terms(connection) -> list[tuple[str, str]]:
    """(table, SQL of one term of its state) for every table the fingerprint follows, in a fixed order."""
    quote = connection.ops.quote_name
    terms = []
    for model in _models():
        name = model._meta.db_table
        table, pk = quote(name), quote(model._meta.pk.column)
        terms.append((name, f"(SELECT MAX({pk}) FROM {table})"))
        history = getattr(model, "history", None)
        if history is not None:
            terms.append((name, f"(SELECT MAX({quote('history_id')}) FROM {quote(history.model._meta.db_table)})"))
        else:
            terms.append((name, f"(SELECT COUNT(*) FROM {table})"))
    # A migration (a data migration saves through historical models: no history row, the same ids).
    terms.append((MIGRATIONS, f"(SELECT MAX({quote('id')}) FROM {quote(MIGRATIONS)})"))
    return terms


@functools.cache
def _table_groups() -> dict[str, tuple[str, ...]]:
    """For each table of the platform the fingerprint follows: the followed tables whose state stands for
    its rows. A table not in it is not followed: a figure that reads it depends on every followed table."""
    from .models import MonthSnapshot

    followed = {model._meta.db_table for model in _models()}
    groups = {}
    for model in _models():
        groups[model._meta.db_table] = (model._meta.db_table,)
        history = getattr(model, "history", None)
        if history is not None:
            groups[history.model._meta.db_table] = (model._meta.db_table,)
    for model in _snapshot_models():
        # Its month's snapshot, and the followed tables its rows point to (deleting one of those rows deletes
        # or empties a frozen row), through the other frozen tables too.
        pointed, seen, todo = {MonthSnapshot._meta.db_table}, set(), [model]
        while todo:
            current = todo.pop()
            seen.add(current)
            for field in current._meta.concrete_fields:
                target = field.related_model if field.is_relation else None
                if target is None:
                    continue
                if target._meta.db_table in followed:
                    pointed.add(target._meta.db_table)
                elif target in _snapshot_models() and target not in seen:
                    todo.append(target)
        groups[model._meta.db_table] = tuple(sorted(pointed))
    return groups


def _always() -> set[str]:
    """What every figure depends on: which months are closed (a closed month is read from its snapshot,
    chosen before the figure's query is built) and the migrations."""
    from .models import MonthSnapshot, PeriodLock

    return {PeriodLock._meta.db_table, MonthSnapshot._meta.db_table, MIGRATIONS}


@functools.cache
def _table_names(names: frozenset[str]) -> re.Pattern:
    """A table's name as a whole word: quoted as the ORM writes it, or bare in SQL written by hand (in any case)."""
    return re.compile(r"\b(" + "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True)) + r")\b",
                      re.IGNORECASE)


def _read_tables(connection, statements: list[str]) -> tuple[str, ...]:
    """The followed tables whose state decides what ``statements`` read (EVERY_TABLE when one of them names
    a table of the platform the fingerprint does not follow)."""
    groups = _table_groups()
    named = _table_names(frozenset(connection.introspection.django_table_names(include_views=False)))
    read = _always()
    for name in {found.lower() for sql in statements for found in named.findall(sql)}:
        if name not in groups:
            return EVERY_TABLE
        read.update(groups[name])
    return tuple(sorted(read))


def _fingerprint(using: str) -> tuple[list[tuple[str, object]], bool]:
    """Each followed table with a term of its state (one query), and whether the state is settled."""
    connection = connections[using]
    terms = _terms(connection)
    selected = [sql for _table, sql in terms]
    if connection.vendor == "postgresql":
        # Other sessions holding a transaction id: writing (a snapshot cannot tell, its xmax stops at the
        # latest completed transaction, so the newest one still open is in neither of its lists).
        selected.append("(SELECT COUNT(*) FROM pg_stat_activity WHERE backend_xid IS NOT NULL"
                        " AND datname = current_database() AND pid <> pg_backend_pid())")
    token = _FINGERPRINTING.set(True)  # names every table, and is no figure's reading
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(selected))
            row = tuple(cursor.fetchone())
    finally:
        _FINGERPRINTING.reset(token)
    settled = row[len(terms)] == 0 if connection.vendor == "postgresql" else True
    return [(table, value) for (table, _sql), value in zip(terms, row, strict=False)], settled


def fingerprint(using: str = "default") -> tuple[tuple, bool]:
    """The state of the data (a tuple of ids and counts), and whether it is settled: no other transaction
    that writes is in progress (PostgreSQL), so figures computed now may be remembered for it. One query."""
    state, settled = _fingerprint(using)
    return tuple(value for _table, value in state), settled


def _state_of(state: list[tuple[str, object]], tables: tuple[str, ...]) -> tuple:
    """The terms of ``tables`` (all of them for EVERY_TABLE)."""
    wanted = None if tables == EVERY_TABLE else set(tables)
    return tuple(value for table, value in state if wanted is None or table in wanted)


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


# The tables read by the figures being computed now, innermost last: a figure computed within another's
# computation and read from the cache runs none of its statements, so it adds its tables to theirs.
_READING: contextvars.ContextVar[tuple[set, ...]] = contextvars.ContextVar("figures_reading", default=())


def _note(tables: tuple[str, ...]) -> None:
    for read in _READING.get():
        read.update(tables)


def _computed(connection, compute: Callable[[], T]) -> tuple[T, tuple[str, ...]]:
    """``compute()``'s value and the followed tables whose state decides it (the statements it ran, and the
    tables of the figures it read from the cache)."""
    statements, noted = [], set()

    def record(execute, sql, params, many, context):
        if not _FINGERPRINTING.get():
            statements.append(sql)
        return execute(sql, params, many, context)

    token = _READING.set((*_READING.get(), noted))
    try:
        with connection.execute_wrapper(record):
            value = compute()
    finally:
        _READING.reset(token)
    tables = _read_tables(connection, statements)
    # No statement and no figure read: the value was not computed here (a lazy one, rows read before), so
    # nothing says what it is made of.
    if tables == EVERY_TABLE or EVERY_TABLE[0] in noted or not (statements or noted):
        return value, EVERY_TABLE
    return value, tuple(sorted({*tables, *noted}))


def _value_key(head: str, tables: tuple[str, ...], state: list[tuple[str, object]]) -> str:
    return head + ":" + hashlib.sha256(repr((tables, _state_of(state, tables))).encode()).hexdigest()


def remembered(name: str, query: QuerySet, compute: Callable[[], T], *extra) -> T:
    """``compute()``'s value for the current state of the tables it reads, computed once: ``query`` (with
    ``name`` and ``extra``) is what decides it. Computed every time inside a transaction, and without a
    shared cache. Values are rows and numbers as the queries gave them (what is built of them is built anew)."""
    connection = connections[query.db]
    # PORTFOLIO_REMEMBER_FIGURES: on with a cache every process shares, so that ``forget`` reaches them all.
    if connection.in_atomic_block or not settings.PORTFOLIO_REMEMBER_FIGURES:
        return compute()
    try:
        sql, params = query.query.sql_with_params()
    except EmptyResultSet:  # nothing can match (a scope of no projects): nothing to scan either
        return compute()
    state, settled = _fingerprint(query.db)
    try:
        head = "figures:" + hashlib.sha256(repr(
            (_namespace(), _database(query.db), name, sql, params, extra)).encode()).hexdigest()
        # The tables the figure read when it was last computed, then the figure for their state.
        tables = cache.get(head + ":tables")
        value = _MISSING if tables is None else cache.get(_value_key(head, tables, state), _MISSING)
    except Exception:  # the cache is down: the page is computed, as before there was one
        logger.warning("figures cache unavailable", exc_info=True)
        return compute()
    if value is _MISSING:
        value, tables = _computed(connection, compute)
        if settled:
            try:
                cache.set_many({head + ":tables": tables, _value_key(head, tables, state): value}, TIMEOUT)
            except Exception:
                logger.warning("figures cache unavailable", exc_info=True)
    _note(tables)
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


def forget_now_and_at_commit(using: str | None = None) -> None:
    """After a change the fingerprint cannot see: now, and again once the transaction commits (a page read
    meanwhile may have remembered the rows before it)."""
    forget()
    transaction.on_commit(forget, using=using)


def forget_after_raw_save(sender, raw=False, **kwargs) -> None:
    """A fixture loaded over existing rows (loaddata saves them raw: no history row, the same ids)."""
    if raw:
        forget_now_and_at_commit(kwargs.get("using"))


def forget_after_restore(sender, **kwargs) -> None:
    forget()


def forget_after_migrate(sender, **kwargs) -> None:
    """A new release is deployed with ``manage.py migrate`` (scripts/serve.sh, docs/operations.md): its
    computations may read other tables than those the figures remembered before it were recorded with."""
    forget()


def connect() -> None:
    """Forget what was remembered when data changes without a trace in the fingerprint (apps.ready)."""
    from django.apps import apps
    from django.db.models.signals import post_migrate, post_save

    from portfolio.backups import data_replaced

    for model in _models():
        post_save.connect(forget_after_raw_save, sender=model, dispatch_uid=f"remembered-raw-{model._meta.label}")
    data_replaced.connect(forget_after_restore, dispatch_uid="remembered-restore")
    post_migrate.connect(forget_after_migrate, sender=apps.get_app_config("projects"),
                         dispatch_uid="remembered-migrate")
