"""Expensive data built once per test run, captured as rows and put back per test with bulk inserts.

Why this design (issue 12): the 2025-H1 sample portfolio (report fixtures + generate_portfolio(),
434 projects with their milestones, monthly reports and history) took seconds to build and about
70 tests built it again each. The alternatives considered:

* Build it once in the base test database (pytest-django's ``django_db_setup``). Every test would
  then see it: many tests start from an empty database and count rows globally, and a transactional
  test (``transaction=True``, the browser tests with ``live_server``) flushes every table at its end,
  so the data would be gone for the tests after it, in an order that changes with ``-n``/``-k``.
* One outer transaction held open across the portfolio tests, each test a savepoint in it: breaks
  as soon as a transactional test runs in between, and ties the tests to their collection order.

So the rows are built once per session (per xdist worker) in a transaction that is rolled back,
read out table by table, and each test that asks for them gets them inserted again, inside its own
transaction: the test sees exactly what the build wrote, with the same primary keys, and nobody
else sees anything. A snapshot can sit on another (the portfolio on the report fixtures): it then
holds the rows its build added and the new values of the rows it changed (generate_portfolio()
fills in the plan of the named report projects), applied after the base snapshot. On PostgreSQL the sequences are moved past the inserted keys so the test's own
inserts do not collide; SQLite's AUTOINCREMENT follows inserted keys by itself. A transactional
test gets the rows committed, and its flush removes them like any other row.

The capture refuses a build that deleted rows or changed rows of the empty database (then replaying
would not reproduce it), and the restore refuses to run after the test wrote rows with the same
keys, saying which fixture to ask for first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, models, transaction

from portfolio.bulk import copy_rows


class _Rollback(Exception):
    pass


@dataclass
class Snapshot:
    """The rows a build added (per model, foreign keys first) and the rows of its base it changed."""

    name: str
    base: Snapshot | None = None
    inserts: list[tuple[type[models.Model], list[dict]]] = field(default_factory=list)
    updates: list[tuple[type[models.Model], list[dict]]] = field(default_factory=list)
    _statements: list | None = field(default=None, repr=False)
    _key_ranges: list = field(default_factory=list, repr=False)

    @property
    def row_count(self) -> int:
        return sum(len(rows) for _model, rows in self.inserts)

    def restore(self, *, with_base: bool = False) -> None:
        """Write the rows again, in the caller's transaction (or in one of its own under autocommit).

        Plain INSERT/UPDATE with executemany and values converted for the database once: the ORM's
        bulk_create spent seconds per test compiling expressions for the seven thousand rows. On
        PostgreSQL the rows are copied (COPY … FROM STDIN): executemany took about a second for the
        portfolio's seven thousand rows in each of some three hundred tests, COPY a fifth of that.
        """
        if self._statements is None:
            self._statements = self._prepare()
        with transaction.atomic(), connection.cursor() as cursor:
            if with_base and self.base:
                self.base.restore(with_base=True)
            for model, (low, high) in self._key_ranges:
                if model._default_manager.filter(pk__gte=low, pk__lte=high).exists():
                    raise AssertionError(
                        f"snapshot {self.name!r}: {model._meta.label} already has rows among the snapshot's keys; "
                        f"ask for the {self.name!r} fixture before fixtures that create rows"
                    )
            for write, rows in self._statements:
                write(cursor, rows)
            for sql in connection.ops.sequence_reset_sql(no_style(), [model for model, _rows in self.inserts]):
                cursor.execute(sql)

    def _prepare(self) -> list[tuple[Callable, list[tuple]]]:
        """(how to write them with a cursor, rows) for every model's new rows, then its changed rows."""
        quote = connection.ops.quote_name
        statements = []
        self._key_ranges = []
        for model, rows in self.inserts:
            keys = [row[model._meta.pk.attname] for row in rows]
            self._key_ranges.append((model, (min(keys), max(keys))))
            fields = model._meta.concrete_fields
            values = [_db_values(fields, row) for row in rows]
            if connection.vendor == "postgresql":
                statements.append((_copy(model._meta.db_table, fields), values))
                continue
            statements.append((_executemany(
                f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
                f"VALUES ({', '.join(['%s'] * len(fields))})"), values))
        for model, rows in self.updates:
            pk = model._meta.pk
            fields = [f for f in model._meta.concrete_fields if not f.primary_key]
            statements.append((_executemany(
                f"UPDATE {quote(model._meta.db_table)} SET {', '.join(f'{quote(f.column)} = %s' for f in fields)} "
                f"WHERE {quote(pk.column)} = %s"), [_db_values([*fields, pk], row) for row in rows]))
        return statements


def _executemany(sql: str) -> Callable:
    return lambda cursor, rows: cursor.executemany(sql, rows)


def _copy(table: str, fields) -> Callable:
    return lambda cursor, rows: copy_rows(cursor, connection, table, fields, rows)


def _db_values(fields, row: dict) -> tuple:
    return tuple(f.get_db_prep_save(row[f.attname], connection) for f in fields)


def _all_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy]


def _rows(model) -> dict:
    names = [f.attname for f in model._meta.concrete_fields]
    return {row[model._meta.pk.attname]: row for row in model._default_manager.order_by("pk").values(*names)}


def _dependency_order(found) -> list[type[models.Model]]:
    """Models ordered so that a model comes after every model its foreign keys point to."""
    ordered, seen = [], set()

    def visit(model, path=()):
        if model in seen or model not in found or model in path:
            return  # a cycle is left to the deferred foreign-key checks of the restore's transaction
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is not model:
                visit(f.related_model, (*path, model))
        seen.add(model)
        ordered.append(model)

    for model in sorted(found, key=lambda m: m._meta.label):
        visit(model)
    return ordered


def capture(name: str, build: Callable[[], object], *, base: Snapshot | None = None) -> Snapshot:
    """Run build() (on top of the base snapshot) in a transaction that is rolled back; return what it wrote."""
    everything = _all_models()
    snapshot = Snapshot(name, base=base)
    try:
        with transaction.atomic():
            if base:
                base.restore(with_base=True)
            base_keys = {model: set() for model in everything}
            for b in _chain(base):
                for model, rows in b.inserts:
                    base_keys[model].update(row[model._meta.pk.attname] for row in rows)
            before = {model: _rows(model) for model in everything}
            build()
            inserts, updates = {}, {}
            for model in everything:
                after = _rows(model)
                gone = [pk for pk in before[model] if pk not in after]
                changed = [pk for pk, row in before[model].items() if pk in after and after[pk] != row]
                foreign = [pk for pk in changed if pk not in base_keys[model]]
                if gone or foreign:
                    raise AssertionError(f"snapshot {name!r}: the build deleted {model._meta.label} rows {gone[:5]} "
                                         f"or changed rows it did not find in its base {foreign[:5]}")
                if changed:
                    updates[model] = [after[pk] for pk in changed]
                new = [row for pk, row in after.items() if pk not in before[model]]
                if new:
                    inserts[model] = new
            snapshot.inserts = [(model, inserts[model]) for model in _dependency_order(set(inserts))]
            snapshot.updates = [(model, updates[model]) for model in _dependency_order(set(updates))]
            raise _Rollback
    except _Rollback:
        pass
    return snapshot


def _chain(snapshot: Snapshot | None):
    while snapshot is not None:
        yield snapshot
        snapshot = snapshot.base
