"""A closed month keeps marking as sample the programme and plan its figures used from the sample generator
(a report project whose report states neither): entering the real value afterwards changes the open months,
not what the closed month printed."""

import io
import re
from decimal import Decimal

import openpyxl
import pytest

from portfolio.periods import Period
from projects import closing
from projects.models import MonthlyReport, Programme, Project
from projects.reports.builders import build_progress_report
from projects.selectors import figure_source, project_progress

JANUARY, FEBRUARY = Period(2025, 1), Period(2025, 2)
PLAN_MARKS = {"annual_plan", "rate", "colour", "colour_label"}


@pytest.fixture
def january_closed_on_sample_values(world):
    """Report projects (not generated) of every shape of fact: both from the sample, the plan only, the
    programme only, neither; each with a real approved January report; January closed."""
    district = world.programme
    shapes = {"S-BOTH": (None, None), "S-PLAN": (district, None), "S-PROG": (None, Decimal(800)),
              "S-NONE": (district, Decimal(900))}
    for code, (programme, plan) in shapes.items():
        project = Project.objects.create(
            code=code, name=f"报告项目{code}", programme=programme, sample_programme=district,
            annual_plan=plan, sample_annual_plan=Decimal(1000), source_quote=f"{code}项目。")
        MonthlyReport.objects.create(project=project, year=2025, month=1, completed_month=Decimal(50),
                                     completed_ytd=Decimal(50), status="approved")
    closing.month_close(year=2025, month=1, acting_user=world.users["coordinator"], waive_missing="未报")
    return shapes


def marks(period) -> dict[str, set]:
    """Each report project's sample-marked fields in the period's report, and in the list's rows."""
    report = build_progress_report(Project.objects.filter(code__startswith="S-"), period)
    rows = project_progress(Project.objects.filter(code__startswith="S-"), period, figure_source(period))
    in_list = {row.project.code: set(row.sample_fields) for row in rows}
    in_report = {row.code: set(row.sample_fields) for row in report.projects}
    assert in_list == in_report
    return in_report | {"has_sample_data": report.has_sample_data}


def enter_the_real_facts(world):
    other = Programme.objects.create(year=2025, level="city", name="2025年市重点项目")
    for project in Project.objects.filter(code__startswith="S-"):
        project.programme = project.programme or other
        project.annual_plan = project.annual_plan or Decimal(1200)
        project.save()


def test_the_closed_month_marks_what_it_printed_from_the_sample(world, january_closed_on_sample_values):
    at_the_close = marks(JANUARY)
    assert at_the_close["S-BOTH"] >= PLAN_MARKS | {"programme"}
    assert at_the_close["S-PLAN"] >= PLAN_MARKS and "programme" not in at_the_close["S-PLAN"]
    assert at_the_close["S-PROG"] == {"programme"}
    assert at_the_close["S-NONE"] == set() and at_the_close["has_sample_data"]
    enter_the_real_facts(world)
    assert marks(JANUARY) == at_the_close
    # The open month reads the facts as they stand: nothing of them is sample any more.
    february = marks(FEBRUARY)
    assert all(february[code] == set() for code in january_closed_on_sample_values)
    assert not february["has_sample_data"]


def test_a_reopened_month_still_reads_its_frozen_marks_until_it_closes_again(world, january_closed_on_sample_values):
    at_the_close = marks(JANUARY)
    enter_the_real_facts(world)
    closing.month_reopen(year=2025, month=1, reason="更正", acting_user=world.users["coordinator"])
    assert marks(JANUARY) == at_the_close
    closing.month_close(year=2025, month=1, acting_user=world.users["coordinator"], waive_missing="未报")
    assert all(not fields for code, fields in marks(JANUARY).items() if code.startswith("S-"))
    assert figure_source(JANUARY).snapshot.version == 2


def test_the_list_shows_the_programme_and_plan_the_month_counted_with_their_marks(world, january_closed_on_sample_values,
                                                                                   client):
    """The list of a closed month (its page and its Excel) shows the programme and plan the close counted
    with the close's marks, as the report does; an open month shows the facts as they stand."""
    enter_the_real_facts(world)
    client.force_login(world.users["viewer"])
    for period, programme, marked in ((JANUARY, "2025年区重点项目", True), (FEBRUARY, "2025年市重点项目", False)):
        page = client.get("/projects/", {"year": period.year, "month": period.month, "q": "S-BOTH"}).content.decode()
        body = page.split("<tbody>", 1)[1]
        cell = re.search(r'data-label="计划">([^<]*)(<span class="badge[^"]*sample-mark")?', body)
        assert cell.group(1).strip() == programme and bool(cell.group(2)) == marked, (period, cell.group(0))
        sheet = {row[0]: row for row in rows_of(client.get(
            "/projects/export.xlsx", {"year": period.year, "month": period.month}).content)}
        assert sheet["S-BOTH"][2] == programme
        assert ("重点项目计划" in sheet["S-BOTH"][-1]) == marked and ("年度计划投资" in sheet["S-BOTH"][-1]) == marked


def rows_of(content: bytes) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return list(book.worksheets[0].iter_rows(values_only=True))
