"""Figures remembered per state of the data (projects.remembered): a remembered figure is read again
only while nothing it is made of has changed, whatever path the change took.

These tests commit (a remembered figure is never stored inside a transaction, as every other test
runs), so each compares what the pages read after a change with the same figures computed inside a
transaction, where nothing is remembered.
"""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction

from portfolio import bulk
from portfolio.periods import Period
from projects import closing, remembered, services
from projects.figures import totals_and_warnings
from projects.models import Milestone, MonthlyReport, Project
from projects.selectors import figure_source, milestone_counts, reporting_status

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def remembering(settings):
    """On, as with Redis in production (the tests' cache is the process's own, and so are they)."""
    settings.PORTFOLIO_REMEMBER_FIGURES = True

PERIOD = Period(2025, 3)


def read(projects=None):
    """What the dashboard reads of the period: totals, warnings, milestone counts, reporting by department."""
    projects = projects if projects is not None else Project.objects.all()
    status = reporting_status(projects, PERIOD, today=dt.date(2025, 4, 1))
    return (totals_and_warnings(projects, PERIOD), milestone_counts(projects, PERIOD),
            [(d.key, d.expected, d.missing, d.waived, d.approved, d.submitted, d.draft) for d in status.departments])


def computed():
    """The same figures computed afresh (inside a transaction nothing is remembered)."""
    with transaction.atomic():
        return read()


def counting():
    """A computation that returns how many times it ran."""
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    return compute


def approve(world):
    report = world.submitted["own"]
    services.monthly_report_approve(report=report, acting_user=world.users["coordinator"],
                                    expected_version=report.version)


def report_changed(world):
    report = world.approved["own"]
    report.completed_month = report.completed_ytd = Decimal(400)
    report.save()


def report_deleted(world):
    world.approved["other"].delete()


def milestone_replanned(world):
    milestone = world.milestones["own"]
    milestone.planned_date = dt.date(2025, 4, 20)  # no longer overdue at the end of March: due in April
    milestone.save()


def milestone_reached(world):
    milestone = world.milestones["own"]
    milestone.actual_date = dt.date(2025, 3, 10)
    milestone.save()


def milestone_deleted(world):
    world.milestones["other"].delete()


def milestone_added(world):
    Milestone.objects.create(project=world.projects["own"], kind="topping_out", planned_date=dt.date(2024, 12, 1))


def project_finished(world):
    project = world.projects["own"]
    project.status = "completion"  # judged on its milestones only: no longer behind on its rate
    project.save()


def plan_changed(world):
    project = world.projects["other"]
    project.annual_plan = Decimal(20)
    project.save()


def project_deleted(world):
    world.projects["other"].delete()


def month_waived(world):
    MonthlyReport.objects.filter(project=world.projects["own"], month=3).delete()
    closing.report_waive(project=world.projects["own"], year=2025, month=3, reason="停工",
                         acting_user=world.users["coordinator"])


def report_bulk_inserted(world):
    """Rows written by the bulk loader (COPY on PostgreSQL): no save, no signal, no history row."""
    project = Project.objects.create(programme=world.programme, code="P-bulk", name="批量项目",
                                     annual_plan=Decimal(100))
    remembered.forget()  # the project itself is not what this case is about: remember from here
    read()
    bulk.insert([MonthlyReport(project=project, year=2025, month=1, completed_month=Decimal(30),
                               completed_ytd=Decimal(30), status="approved")])


CHANGES = [approve, report_changed, report_deleted, milestone_replanned, milestone_reached, milestone_deleted,
           milestone_added, project_finished, plan_changed, project_deleted, month_waived, report_bulk_inserted]


@pytest.mark.parametrize("change", CHANGES, ids=[c.__name__ for c in CHANGES])
def test_remembered_figures_follow_every_change(world, change, count_queries):
    first = read()
    with count_queries() as q:
        again = read()
    assert again == first
    statements = [query["sql"] for query in q.context.captured_queries]
    # Read from the cache: a fingerprint for each of the three figures, and the figure source, no count.
    assert sum('MAX("history_id")' in s for s in statements) == 3, q.describe()
    assert not any("GROUP BY" in s or "COUNT(" in s for s in statements if 'MAX("history_id")' not in s), q.describe()
    before = computed()
    change(world)
    after = read()
    assert after == computed()
    assert after != before, "the change should move a figure this test reads"


def test_a_hit_runs_only_the_fingerprint(world, count_queries):
    projects = Project.objects.all()
    first = milestone_counts(projects, PERIOD)
    with count_queries() as q:
        assert milestone_counts(projects, PERIOD) == first
    assert q.count == 1, q.describe()


def test_nothing_is_remembered_inside_a_transaction(world):
    compute = counting()
    query = Project.objects.all()
    with transaction.atomic():
        assert remembered.remembered("t", query, compute) == 1
        assert remembered.remembered("t", query, compute) == 2
    assert remembered.remembered("t", query, compute) == 3
    assert remembered.remembered("t", query, compute) == 3
    # Another query, or the same query with other parameters, is another figure.
    assert remembered.remembered("t", query.filter(code="P-own"), compute) == 4
    assert remembered.remembered("t", query, compute, "other") == 5
    remembered.forget()
    assert remembered.remembered("t", query, compute) == 6


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a concurrent writer needs a server database")
def test_not_stored_while_another_transaction_writes(world):
    compute = counting()
    query = Project.objects.all()
    other = connections.create_connection("default")
    try:
        other.set_autocommit(False)
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id()")  # holds a transaction id, as a save does
        assert remembered.fingerprint()[1] is False
        assert remembered.remembered("t", query, compute) == 1
        assert remembered.remembered("t", query, compute) == 2  # computed again: not stored
        other.rollback()
    finally:
        other.close()
    assert remembered.fingerprint()[1] is True
    assert remembered.remembered("t", query, compute) == 3
    assert remembered.remembered("t", query, compute) == 3


def test_a_cache_that_fails_leaves_the_figures_computed(world, monkeypatch):
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    expected = computed()
    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "get_or_set", down)
    assert read() == expected


def test_data_version_changes_with_the_data_and_only_then(world):
    version = remembered.data_version()
    assert remembered.data_version() == version
    report_changed(world)
    assert remembered.data_version() != version


def test_a_fixture_loaded_over_existing_rows_is_not_read_from_the_cache(world, tmp_path):
    """loaddata saves rows raw, with their own ids and no history: the fingerprint cannot see it."""
    from django.core import serializers
    from django.core.management import call_command

    before = read()
    report = MonthlyReport.objects.get(pk=world.approved["own"].pk)
    report.completed_month = report.completed_ytd = Decimal(900)
    fixture = tmp_path / "report.json"
    fixture.write_text(serializers.serialize("json", [report]))
    call_command("loaddata", str(fixture), verbosity=0)
    assert read() == computed() != before


def test_a_fixture_loaded_in_a_transaction_is_forgotten_again_when_it_commits(world, tmp_path):
    """A page read while the load runs may remember the rows before it (SQLite: nothing says a load is
    under way): forgotten once more at the commit."""
    from django.core import serializers
    from django.core.management import call_command

    fixture = tmp_path / "report.json"
    fixture.write_text(serializers.serialize("json", [MonthlyReport.objects.get(pk=world.approved["own"].pk)]))
    with transaction.atomic():
        call_command("loaddata", str(fixture), verbosity=0)
        during = remembered.cache.get(remembered.NAMESPACE_KEY)
    assert remembered.cache.get(remembered.NAMESPACE_KEY) not in (None, during)


def test_a_migration_gives_a_new_fingerprint(world):
    """A data migration saves through historical models (no history row, the same ids)."""
    from django.db.migrations.recorder import MigrationRecorder

    state = remembered.fingerprint()[0]
    record = MigrationRecorder.Migration.objects.create(app="projects", name="9999_data_fix")
    assert remembered.fingerprint()[0] != state
    record.delete()


def test_without_a_shared_cache_nothing_is_remembered(world, settings):
    settings.PORTFOLIO_REMEMBER_FIGURES = False
    compute, query = counting(), Project.objects.all()
    assert remembered.remembered("t", query, compute) == 1
    assert remembered.remembered("t", query, compute) == 2


def test_another_database_is_another_figure(world, monkeypatch):
    """Two installations sharing one cache (a staging copy of production's backup) share no figure."""
    compute, query = counting(), Project.objects.all()
    assert remembered.remembered("t", query, compute) == 1
    assert remembered.remembered("t", query, compute) == 1
    monkeypatch.setitem(connection.settings_dict, "NAME", "another-database")
    assert remembered.remembered("t", query, compute) == 2


def test_forgetting_with_the_cache_down_logs_and_goes_on(world, monkeypatch, caplog):
    from django.core.management import call_command

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(remembered.cache, "set", down)
    remembered.forget()
    assert "could not be forgotten" in caplog.text
    call_command("forget_figures", stdout=io.StringIO())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a concurrent writer needs a server database")
def test_a_report_file_version_is_never_reused_while_another_transaction_writes(world):
    other = connections.create_connection("default")
    try:
        other.set_autocommit(False)
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id()")
        assert remembered.data_version() != remembered.data_version()
        other.rollback()
    finally:
        other.close()
    assert remembered.data_version() == remembered.data_version()


def test_forget_figures_command_after_a_change_made_in_sql(world):
    """An UPDATE in SQL leaves no history row and no new id: the operator's command forgets."""
    from django.core.management import call_command

    before = read()
    MonthlyReport.objects.filter(pk=world.approved["own"].pk).update(completed_ytd=Decimal(700))
    assert read() == before  # unseen, as documented
    out = io.StringIO()
    call_command("forget_figures", stdout=out)
    assert "forgotten" in out.getvalue()
    assert read() == computed() != before


def test_a_scope_of_no_projects_is_computed(world, client):
    """A query that can match nothing has no SQL to key it by: computed, and the pages still answer."""
    assert remembered.remembered("t", Project.objects.none(), counting()) == 1
    assert read(Project.objects.none())[1] == (0, 0)
    client.force_login(world.users["coordinator"])
    Project.objects.all().delete()
    for url in ("/?year=2025&month=3", "/projects/?year=2025&month=3&warning=red", "/reports/progress/?year=2025&month=3",
                "/api/v1/reports/progress/?year=2025&month=3"):
        assert client.get(url).status_code == 200, url


# Only the tables a figure read ---------------------------------------------------------------------------------

CLOSED = Period(2025, 1)


def read_closed():
    """What the dashboard reads of a closed month: its frozen figures, and the milestones."""
    projects = Project.objects.all()
    return totals_and_warnings(projects, CLOSED), milestone_counts(projects, CLOSED)


def closed_computed():
    with transaction.atomic():
        return read_closed()


def close_january(world):
    closing.month_close(year=2025, month=1, acting_user=world.users["coordinator"])


def open_month_report_saved(world):
    draft = world.drafts["own"]
    draft.completed_month, draft.completed_ytd = Decimal(50), Decimal(65)
    draft.save()


def closed_status(source=None):
    return reporting_status(Project.objects.all(), CLOSED, today=dt.date(2025, 2, 1), source=source)


def test_a_closed_months_figures_outlive_the_open_months_reports(world, count_queries):
    """The departments' entries of the open month leave the leaders' closed-month figures remembered, its
    reporting status as the close froze it too; the month's own page, which reads the live reports, computes
    it again."""
    close_january(world)
    source = figure_source(CLOSED)
    first, status = read_closed(), closed_status(source)
    closed_status()
    open_month_report_saved(world)
    with count_queries() as q:
        again, status_again = read_closed(), closed_status(source)
    assert again == first == closed_computed()
    assert status_again == status and status.total.approved == 2
    statements = [query["sql"] for query in q.context.captured_queries if 'MAX("history_id")' not in query["sql"]]
    assert not [s for s in statements if "GROUP BY" in s or "COUNT(" in s], q.describe()
    with count_queries() as q:
        assert closed_status() == status
    counted = [query["sql"] for query in q.context.captured_queries if "GROUP BY" in query["sql"]]
    assert len(counted) == 2 and all("projects_monthlyreport" in s for s in counted), q.describe()


def milestone_overdue_in_january(world):
    Milestone.objects.create(project=world.projects["own"], kind="topping_out", planned_date=dt.date(2025, 1, 10))


def closed_project_deleted(world):
    world.projects["other"].delete()  # its frozen rows go with it


def reopened_corrected_and_closed_again(world):
    coordinator = world.users["coordinator"]
    closing.month_reopen(year=2025, month=1, reason="更正", acting_user=coordinator)
    report = MonthlyReport.objects.get(pk=world.approved["own"].pk)
    report.completed_month = report.completed_ytd = Decimal(600)
    report.save()
    close_january(world)


CLOSED_CHANGES = [milestone_overdue_in_january, closed_project_deleted, reopened_corrected_and_closed_again]


@pytest.mark.parametrize("change", CLOSED_CHANGES, ids=[c.__name__ for c in CLOSED_CHANGES])
def test_a_closed_months_figures_follow_what_they_read(world, change):
    close_january(world)
    before = read_closed()
    open_month_report_saved(world)
    assert read_closed() == before
    change(world)
    after = read_closed()
    assert after == closed_computed()
    assert after != before, "the change should move a figure this test reads"


def test_a_figure_is_computed_again_only_when_a_table_it_read_changes(world):
    calls = []
    projects = Project.objects.all()

    def compute():
        calls.append(1)
        return len(calls), len(list(projects))

    assert remembered.remembered("t", projects, compute) == (1, 2)
    world.indicator.name = "地区生产总值（现价）"
    world.indicator.save()  # a table the figure did not read
    assert remembered.remembered("t", projects, compute) == (1, 2)
    plan_changed(world)
    assert remembered.remembered("t", projects, compute) == (2, 2)


def test_a_figure_that_reads_a_table_the_fingerprint_does_not_follow_depends_on_every_table(world):
    from projects.models import SheetReturn

    calls = []
    returns = SheetReturn.objects.all()  # no history, not followed

    def compute():
        calls.append(1)
        return len(calls), len(list(returns))

    assert remembered.remembered("t", returns, compute) == (1, 0)
    assert remembered.remembered("t", returns, compute) == (1, 0)
    world.indicator.name = "地区生产总值（现价）"
    world.indicator.save()
    assert remembered.remembered("t", returns, compute) == (2, 0)


def test_a_figure_read_from_the_cache_within_another_adds_its_tables_to_it(world):
    """The inner figure runs no statement when it is remembered: the outer one still depends on its tables."""
    milestones, projects = Milestone.objects.all(), Project.objects.all()

    def inner():
        return remembered.remembered_rows("inner", milestones.values_list("planned_date", flat=True).order_by("pk"))

    def outer():
        return len(list(projects)), inner()

    inner()  # remembered before the outer figure is first computed
    first = remembered.remembered("outer", projects, outer)
    milestone_replanned(world)
    again = remembered.remembered("outer", projects, outer)
    assert again != first
    assert again == (2, [dt.date(2025, 4, 20), dt.date(2025, 3, 1)])


def test_reading_a_months_frozen_figures_is_reading_its_snapshot_and_what_its_rows_point_to():
    """Frozen rows change only with a new snapshot, or when a row they point to is deleted (CASCADE, SET_NULL)."""
    groups = remembered._table_groups()
    assert set(groups["projects_snapshotproject"]) == {
        "projects_monthsnapshot", "projects_project", "projects_programme", "projects_department"}
    assert set(groups["projects_snapshotprogrammemonth"]) == {"projects_monthsnapshot", "projects_programme"}
    assert groups["projects_historicalmonthlyreport"] == ("projects_monthlyreport",)
    assert "projects_sheetreturn" not in groups


def test_a_table_named_in_sql_written_by_hand_counts_as_read(world):
    calls = []

    def compute():
        calls.append(1)
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM PROJECTS_MILESTONE WHERE planned_date < '2025-04-01'")
            return len(calls), cursor.fetchone()[0]

    projects = Project.objects.all()
    assert remembered.remembered("t", projects, compute) == (1, 2)
    plan_changed(world)  # the projects' table, which the statement does not read
    assert remembered.remembered("t", projects, compute) == (1, 2)
    milestone_replanned(world)
    assert remembered.remembered("t", projects, compute) == (2, 1)


def test_a_value_computed_without_a_statement_depends_on_every_table(world):
    """A computation that ran no statement (a value read before it, or evaluated after it returns) says
    nothing of what the value is made of."""
    compute = counting()
    projects = Project.objects.all()
    assert remembered.remembered("t", projects, compute) == 1
    assert remembered.remembered("t", projects, compute) == 1
    world.indicator.name = "地区生产总值（现价）"
    world.indicator.save()
    assert remembered.remembered("t", projects, compute) == 2


def test_a_migration_run_forgets_everything(world):
    """A new release is deployed with migrate: what it computes may read other tables than what the
    previous release recorded."""
    from django.core.management import call_command

    namespace = remembered.cache.get(remembered.NAMESPACE_KEY)
    call_command("migrate", verbosity=0)
    assert remembered.cache.get(remembered.NAMESPACE_KEY) not in (None, namespace)


def test_clearing_the_sample_forgets_everything(world):
    """Its set-based deletes leave no history row and can lower the highest ids the fingerprint reads."""
    from projects.generator import clear_sample_portfolio

    namespace = remembered.cache.get(remembered.NAMESPACE_KEY)
    with transaction.atomic():
        clear_sample_portfolio()
        during = remembered.cache.get(remembered.NAMESPACE_KEY)
    assert namespace != during != remembered.cache.get(remembered.NAMESPACE_KEY)
