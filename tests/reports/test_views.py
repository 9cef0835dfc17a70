"""Report pages and downloads: login, permissions, filters, bad parameters, fixed query counts."""

import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portfolio.periods import Period
from portfolio.policy import Role
from projects.models import Department, Programme, Project
from projects.reports.builders import build_progress_report
from tests.helpers import make_user

pytestmark = pytest.mark.django_db
PROGRESS = reverse("reports:progress")
INDICATORS = reverse("reports:indicators")


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


def test_anonymous_users_are_sent_to_log_in(client, settings):
    settings.LOGIN_URL = "/accounts/sign-in/"
    for url in (PROGRESS, INDICATORS):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/sign-in/?next=")


def test_a_user_without_a_role_is_refused(client, db):
    client.force_login(make_user("nobody"))
    assert client.get(PROGRESS).status_code == 403
    assert client.get(INDICATORS).status_code == 403


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"month": "13"}, "月份须在1至12之间"),
        ({"month": "六"}, "月份须为1至12之间的整数"),
        ({"year": "abc"}, "年度须为整数"),
        ({"year": "1800"}, "年度须在2000至2100之间"),
        ({"format": "exe"}, "不支持的报告格式“exe”"),
        ({"programme": "999999"}, "重点项目计划"),
        ({"lead_department": "x"}, "牵头单位"),
    ],
)
def test_bad_parameters_answer_400_in_words(coordinator_client, portfolio, params, message):
    response = coordinator_client.get(PROGRESS, {"year": 2025, "month": 6, **params})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_programme_of_another_year_is_refused(coordinator_client, portfolio):
    other = Programme.objects.create(year=2024, level="district", name="2024年区重点项目")
    response = coordinator_client.get(PROGRESS, {"year": 2025, "month": 6, "programme": other.pk})
    assert response.status_code == 400 and "与报告年度2025不一致" in response.content.decode()


def test_indicator_report_bad_parameters(coordinator_client, report_data):
    assert coordinator_client.get(INDICATORS, {"month": "0"}).status_code == 400
    assert coordinator_client.get(INDICATORS, {"format": "csv"}).status_code == 400


def test_every_format_downloads(coordinator_client, portfolio):
    city = Programme.objects.get(level="city")
    expected = {
        "html": "text/html; charset=utf-8",
        "pdf": "application/pdf",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }
    for fmt, content_type in expected.items():
        response = coordinator_client.get(PROGRESS, {"year": 2025, "month": 6, "programme": city.pk, "format": fmt})
        assert response.status_code == 200, fmt
        assert response["Content-Type"] == content_type
        if fmt != "html":
            assert response["Content-Disposition"].startswith(
                f'attachment; filename="progress-report-2025-06.{fmt}"')
    page = coordinator_client.get(PROGRESS, {"year": 2025, "month": 6, "programme": city.pk}).content.decode()
    assert "98个市重点项目完成投资177.8亿元，完成年度投资计划74.20%，超全市总体进度" in page
    assert f"?year=2025&amp;month=6&amp;programme={city.pk}&amp;format=pdf" in page
    assert "重点项目计划：2025年市重点项目（白云区牵头）" in page
    for fmt in expected:
        response = coordinator_client.get(INDICATORS, {"year": 2025, "month": 6, "format": fmt})
        assert response.status_code == 200 and response["Content-Type"] == expected[fmt]


def test_defaults_to_the_latest_period(coordinator_client, portfolio):
    page = coordinator_client.get(PROGRESS).content.decode()
    assert "2025年1—6月" in page and "上半年，336个区重点项目完成投资590亿元" in page
    assert "截至2025年1—6月" in coordinator_client.get(INDICATORS).content.decode()


def test_the_list_filters_apply(coordinator_client, portfolio):
    department = Department.objects.get(pk=Project.objects.exclude(lead_department=None)
                                        .values_list("lead_department", flat=True).first())
    response = coordinator_client.get(PROGRESS, {"year": 2025, "month": 6, "lead_department": department.pk,
                                                 "format": "xlsx"})
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(wb["项目明细"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == Project.objects.filter(lead_department=department).count()
    assert {row[3] for row in rows} == {department.name}
    red = coordinator_client.get(PROGRESS, {"year": 2025, "month": 6, "warning": "red", "format": "xlsx"})
    colours = {row[12] for row in openpyxl.load_workbook(io.BytesIO(red.content))["项目明细"]
               .iter_rows(min_row=2, values_only=True)}
    assert colours == {"红灯"}


def test_an_editors_report_covers_only_what_they_may_see(client, portfolio, settings):
    settings.PORTFOLIO_EDITOR_SEES_ALL_PROJECTS = False
    own, other = (Department.objects.get(pk=pk) for pk in Project.objects.exclude(lead_department=None)
                  .values_list("lead_department", flat=True).distinct().order_by("lead_department")[:2])
    editor = make_user("dept-editor", Role.EDITOR, own)
    co_project = Project.objects.filter(lead_department=other).order_by("code").first()
    co_project.co_departments.add(own)
    client.force_login(editor)
    response = client.get(PROGRESS, {"year": 2025, "month": 6, "format": "xlsx"})
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    codes = {row[0] for row in wb["项目明细"].iter_rows(min_row=2, values_only=True)}
    visible = set(Project.objects.filter(lead_department=own).values_list("code", flat=True)) | {co_project.code}
    assert codes == visible
    assert not codes & set(Project.objects.filter(lead_department=other).exclude(pk=co_project.pk)
                           .values_list("code", flat=True))
    # One row per programme, never added together: each project is counted in its own programme.
    summary = [row for row in wb["总体进度"].iter_rows(min_row=2, values_only=True) if row[0]]
    assert "合计" not in [row[0] for row in summary] and sum(row[1] for row in summary) == len(visible)
    page = client.get(PROGRESS, {"year": 2025, "month": 6}).content.decode()
    assert "可见范围：本单位牵头或配合的项目" in page
    assert "336个区重点项目完成投资590亿元" not in page  # the published total is not theirs to quote
    # The same editor sees everything when the policy says so.
    settings.PORTFOLIO_EDITOR_SEES_ALL_PROJECTS = True
    client.force_login(editor)
    assert "336个区重点项目完成投资590亿元" in client.get(PROGRESS, {"year": 2025, "month": 6}).content.decode()


def _queries(callable_):
    with CaptureQueriesContext(connection) as captured:
        callable_()
    return [q["sql"] for q in captured.captured_queries]


# The builder, the page and the Excel file (see below).
# The page (and the JSON) read the warnings' and the appendix's page by key: the page's keys, then its rows.
REPORT_QUERIES = (23, 33, 28)


def test_query_count_is_pinned_at_10_and_1000_projects(client, portfolio_of_size, coordinator):
    counts = {}
    for size in (10, 1000):
        with portfolio_of_size(size):
            client.force_login(coordinator)
            assert Project.objects.counted_in_year(2025).count() == size
            build = _queries(lambda: build_progress_report(Project.objects.all(), Period(2025, 6)))
            page = _queries(lambda: client.get(PROGRESS, {"year": 2025, "month": 6}))
            xlsx = _queries(lambda: client.get(PROGRESS, {"year": 2025, "month": 6, "format": "xlsx"}))
            counts[size] = (len(build), len(page), len(xlsx))
            queries = "\n".join(f"{i}. {sql}" for i, sql in enumerate(page, 1))
    # The builder: about fifteen for the figures (the totals, programmes and breakdowns from one grouped
    # scan, figures.grouped_figures), appendix, warnings and milestones, the lists'
    # totals (5: warnings, milestones reached by kind, overdue, issues, common problems), the months by
    # programme (1), plus the figure source (closed month and snapshot, 2), the month's
    # reporting completeness (2) and whether it covers whole programmes (1, for the narrative). The page
    # and the file add the session, the user and what they show around the report; the file also counts
    # the projects (whether it renders in the background). Both are asked for a year and month, so the
    # latest month with data (two queries) is not looked up. The file's lists are streamed: each read as
    # its sheet is written, the overdue milestones read first to judge the warnings (one query more).
    assert counts[10] == counts[1000] == REPORT_QUERIES, f"{counts}\n{queries}"
