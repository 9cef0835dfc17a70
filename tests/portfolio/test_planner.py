"""The commands that write many rows at once leave the planner's statistics fresh on PostgreSQL, where
autovacuum would gather them only later (or never where it is off); tests/portfolio/test_backup.py checks
the restore. SQLite plans without them: nothing is run there.
"""

import io
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection

from portfolio.planner import refresh_statistics
from projects.models import Department, MonthlyReport, Project
from tests.helpers import analyzed_columns, planner_rows

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="statistics are PostgreSQL's")


@postgresql_only
def test_generating_a_portfolio_gathers_the_statistics_of_what_it_wrote(report_data):
    call_command("generate_portfolio", projects=40, months=3, replace=True, stdout=io.StringIO())
    assert planner_rows(connection, "projects_project") == Project.objects.count() >= 40
    assert planner_rows(connection, "projects_monthlyreport") == MonthlyReport.objects.count() > 0
    assert analyzed_columns(connection, "projects_monthlyreport") > 0


@postgresql_only
def test_refreshing_names_the_tables_or_every_table():
    Project.objects.create(code="P1", name="项目一")
    Department.objects.bulk_create([Department(code=f"D{i}", name=f"单位{i}") for i in range(7)])
    assert refresh_statistics([Project]) is True
    assert planner_rows(connection, "projects_project") == 1
    assert planner_rows(connection, "projects_department") != Department.objects.count()  # not named
    assert refresh_statistics() is True
    assert planner_rows(connection, "projects_department") == Department.objects.count()


def test_it_runs_one_statement_on_postgresql_and_none_on_sqlite(django_assert_num_queries):
    on_postgresql = connection.vendor == "postgresql"
    with django_assert_num_queries(1 if on_postgresql else 0):
        assert refresh_statistics([Project]) is on_postgresql


@postgresql_only
def test_refreshing_every_table_leaves_the_catalogs_other_databases_share_unlocked():
    """A bare ANALYZE also takes the shared catalogs' lock to the end of the transaction: another database's
    ANALYZE on the same server then waits for it. Naming the platform's tables keeps it to this database."""
    assert refresh_statistics() is True
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE l.pid = pg_backend_pid() AND c.relisshared AND l.mode = 'ShareUpdateExclusiveLock'"
        )
        shared = [name for (name,) in cursor.fetchall()]
        assert shared == []
        cursor.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE l.pid = pg_backend_pid() AND c.relname = 'projects_project' AND l.mode = 'ShareUpdateExclusiveLock'"
        )
        assert cursor.fetchone()[0] == 1  # the platform's own tables were analysed, in this transaction


@postgresql_only
def test_refreshing_every_table_skips_the_tables_a_database_does_not_have_yet(monkeypatch):
    """A backup restored from before a migration lacks the migration's tables until migrate runs."""
    not_migrated = SimpleNamespace(_meta=SimpleNamespace(db_table="projects_added_by_a_later_migration",
                                                         managed=True, local_many_to_many=[]))
    models = [*connection.introspection.get_migratable_models(), not_migrated]
    Project.objects.create(code="P1", name="项目一")
    with monkeypatch.context() as patched:  # the models the refresh reads, with one whose table is not there
        patched.setattr(connection.introspection, "get_migratable_models", lambda: models)
        assert refresh_statistics() is True
    assert planner_rows(connection, "projects_project") == 1
