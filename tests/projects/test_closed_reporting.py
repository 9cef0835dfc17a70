"""A closed month's reporting status (selectors.reporting_status given the figures' source): as the close
froze it, the same as the live reports gave at the close, and unmoved by what changes after it."""

import datetime as dt
from decimal import Decimal

import pytest

from portfolio.periods import Period
from projects import closing
from projects.figures import totals
from projects.models import MonthlyReport, Project
from projects.selectors import figure_source, reporting_status

JANUARY = Period(2025, 1)
TODAY = dt.date(2025, 2, 20)


def shape(status):
    """What a page shows of a reporting status: every department's counts and the total."""
    return [(d.key, d.label, d.expected, d.missing, d.waived, d.draft, d.returned, d.submitted, d.approved)
            for d in [*status.departments, status.total]]


def live():
    return reporting_status(Project.objects.all(), JANUARY, today=TODAY)


def frozen():
    return reporting_status(Project.objects.all(), JANUARY, today=TODAY, source=figure_source(JANUARY))


@pytest.fixture
def closed_january(world):
    """January of every shape: approved (two departments), waived without a department, cancelled (not
    expected), then closed."""
    unled = Project.objects.create(programme=world.programme, code="P-unled", name="无牵头单位项目",
                                   annual_plan=Decimal(100))
    Project.objects.create(programme=world.programme, code="P-cancelled", name="已取消项目", status="cancelled")
    closing.month_close(year=2025, month=1, acting_user=world.users["coordinator"], waive_missing="未开工")
    return unled


def test_a_closed_month_reads_its_status_as_the_live_reports_gave_it_at_the_close(world, closed_january):
    status = frozen()
    assert shape(status) == shape(live())
    assert status.total.expected == 3 and status.total.approved == 2 and status.total.waived == 1
    assert status.total.missing == 0 and not status.late_departments
    assert {d.key for d in status.departments[:2]} == {str(world.projects[side].lead_department_id)
                                                       for side in ("own", "other")}
    assert (status.departments[2].key, status.departments[2].waived) == ("", 1)


def test_what_changes_after_the_close_moves_only_the_live_status(world, closed_january):
    at_close = shape(frozen())
    # A project added to the year's programme, and a project moved to another department, after the close.
    Project.objects.create(programme=world.programme, code="P-late", name="关账后新增", annual_plan=Decimal(50))
    moved = world.projects["own"]
    moved.lead_department = world.projects["other"].lead_department
    moved.save()
    assert shape(frozen()) == at_close
    assert shape(live()) != at_close
    assert live().total.expected == 4 and live().total.missing == 1
    # The status counts the projects the month's figures count.
    assert frozen().total.expected == totals(Project.objects.all(), JANUARY).count


def test_a_reopened_month_reads_the_live_reports(world, closed_january):
    closing.month_reopen(year=2025, month=1, reason="更正", acting_user=world.users["coordinator"])
    report = MonthlyReport.objects.get(pk=world.approved["own"].pk)
    report.status = "returned"
    report.save()
    assert figure_source(JANUARY).frozen and figure_source(JANUARY).closed is None
    status = frozen()
    assert shape(status) == shape(live())
    assert status.total.returned == 1 and status.total.approved == 1


def test_the_unapproved_basis_reads_the_live_reports(world, closed_january):
    Project.objects.create(programme=world.programme, code="P-late", name="关账后新增", annual_plan=Decimal(50))
    source = figure_source(JANUARY, basis="all")
    status = reporting_status(Project.objects.all(), JANUARY, today=TODAY, source=source)
    assert shape(status) == shape(live()) and status.total.missing == 1
