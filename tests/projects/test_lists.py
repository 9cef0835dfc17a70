"""The project list and the milestone lists: sorting by every column (computed ones in the database),
bad parameters answered with the list and a message, numbered pagination, pinned query counts."""

import datetime as dt
import re
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse

from portfolio.periods import Period
from portfolio.policy import Role
from projects.models import Department, Milestone, MonthlyReport, Programme, Project
from projects.progress import OverdueMilestone, classify
from projects.selectors import WARNING_RANK, figure_source, progress_of, with_list_figures
from tests.helpers import make_user

pytestmark = pytest.mark.django_db
LIST = reverse("projects:project_list")
JUNE = {"year": "2025", "month": "6"}

# code: (name, department, category, status, annual plan, year to date by June, overdue months of a milestone)
# June: 序时进度 50%. L-01 60% green; L-02 15% red; L-03 36% yellow; L-04 no plan but a milestone
# 5 months overdue: red; L-05 100% with a milestone only 2 months overdue: green.
PROJECTS = {
    "L-01": ("Echo", "C局", "transport", "implementation", 1000, 600, None),
    "L-02": ("Delta", "A局", "social", "preparation", 2000, 300, None),
    "L-03": ("Bravo", "B局", "industry", "suspended", 500, 180, None),
    "L-04": ("Alpha", "B局", "ecology", "completion", None, None, dt.date(2025, 1, 15)),
    "L-05": ("Foxtrot", "A局", "agriculture", "identification", 800, 800, dt.date(2025, 4, 15)),
}

# ordering -> (first code ascending, first code descending); empty values sort last both ways.
FIRST = {
    "code": ("L-01", "L-05"),
    "name": ("L-04", "L-05"),
    "programme": ("L-01", "L-02"),
    "lead_department": ("L-02", "L-01"),
    "category": ("L-05", "L-01"),
    "status": ("L-04", "L-03"),
    "annual_plan": ("L-03", "L-02"),
    "ytd": ("L-03", "L-05"),
    "rate": ("L-02", "L-05"),
    "warning": ("L-02", "L-01"),  # red first (L-02 and L-04 red, by code), descending green first
}


@pytest.fixture
def lists_world():
    viewer = make_user("viewer", Role.VIEWER)
    district = Programme.objects.create(year=2025, level="district", name="2025年区重点项目")
    city = Programme.objects.create(year=2025, level="city", name="2025年市重点项目")
    departments = {}
    for name in ("A局", "B局", "C局"):
        departments[name] = Department.objects.create(code=f"d-{name}", name=name, kind="bureau")
    for code, (name, dept, category, status, plan, ytd, overdue) in PROJECTS.items():
        project = Project.objects.create(
            programme=city if code == "L-02" else district, code=code, name=name, lead_department=departments[dept],
            category=category, status=status, annual_plan=Decimal(plan) if plan else None,
        )
        if ytd is not None:
            MonthlyReport.objects.create(project=project, year=2025, month=6, completed_month=Decimal(ytd),
                                         completed_ytd=Decimal(ytd), status="approved")
        if overdue:
            Milestone.objects.create(project=project, kind="start", planned_date=overdue)
    return viewer, departments, district


def codes(page: str) -> list[str]:
    return re.findall(r'<td class="text-nowrap" data-label="编号">([^<]+)</td>', page)


@pytest.mark.parametrize("ordering", FIRST)
def test_every_sortable_column_sorts_both_ways(client, lists_world, ordering):
    viewer, _departments, _district = lists_world
    client.force_login(viewer)
    ascending, descending = FIRST[ordering]
    page = client.get(LIST, {**JUNE, "ordering": ordering}).content.decode()
    assert codes(page)[0] == ascending and len(codes(page)) == 5
    assert 'aria-sort="ascending"' in page
    page = client.get(LIST, {**JUNE, "ordering": f"-{ordering}"}).content.decode()
    assert codes(page)[0] == descending and len(codes(page)) == 5
    assert 'aria-sort="descending"' in page


def test_computed_columns_sort_in_full_with_empty_values_last(client, lists_world):
    viewer, _departments, _district = lists_world
    client.force_login(viewer)
    assert codes(client.get(LIST, {**JUNE, "ordering": "rate"}).content.decode()) == [
        "L-02", "L-03", "L-01", "L-05", "L-04"]
    assert codes(client.get(LIST, {**JUNE, "ordering": "-rate"}).content.decode()) == [
        "L-05", "L-01", "L-03", "L-02", "L-04"]
    assert codes(client.get(LIST, {**JUNE, "ordering": "warning"}).content.decode()) == [
        "L-02", "L-04", "L-03", "L-01", "L-05"]
    # The warning filter reads the same computed column.
    assert codes(client.get(LIST, {**JUNE, "warning": "red"}).content.decode()) == ["L-02", "L-04"]
    assert codes(client.get(LIST, {**JUNE, "warning": "yellow"}).content.decode()) == ["L-03"]


def test_the_database_warning_agrees_with_classify_at_the_thresholds(lists_world, settings):
    """Rates at and beside the yellow (10 points) and red (30 points) thresholds, rounding included,
    for projects in each status: a built or operating one is judged on its milestones alone."""
    _viewer, departments, district = lists_world
    period = Period(2025, 6)
    statuses = ["implementation", "completion", "maintenance", "suspended"]
    for i, (plan, ytd) in enumerate([(10000, 1999), (10000, 2000), (10000, 2001), (10000, 3999), (10000, 4000),
                                     (10000, 4001), (3, 1), (30000, 11999.5), (30000, 11999.4), (7, 0),
                                     # Exact ties in hundredths of a percent (40.005%, 19.995%), rounded half-up.
                                     (20000, 8001), (20000, 3999)]):
        for status in statuses:
            project = Project.objects.create(programme=district, code=f"T-{i:02d}-{status}", name=f"阈值{i}",
                                             lead_department=departments["A局"], annual_plan=Decimal(plan),
                                             status=status)
            MonthlyReport.objects.create(project=project, year=2025, month=6, completed_month=Decimal(str(ytd)),
                                         completed_ytd=Decimal(str(ytd)), status="approved")
    judged = {}
    for rules in ({}, {"red_overdue_months": 4, "yellow_behind_points": 14, "red_behind_points": 35}):
        settings.PORTFOLIO_WARNING_RULES = {**settings.PORTFOLIO_WARNING_RULES, **rules}
        figured = list(with_list_figures(Project.objects.all(), period, figure_source(period)))
        for row, project in zip(progress_of(figured, period), figured, strict=True):
            expected = classify(rate=row.rate, time_elapsed=period.time_elapsed, overdue=row.overdue,
                                status=project.status).colour
            assert project.list_warning == WARNING_RANK[expected], (project.code, row.rate)
            assert row.warning.colour == expected
            judged.setdefault(project.code, expected)  # under the settings' own rules
    # The exemption decided something: the same figures are red or yellow in work, green once built.
    for i in (0, 1, 4):
        assert judged[f"T-{i:02d}-implementation"] != "green" and judged[f"T-{i:02d}-suspended"] != "green"
        assert judged[f"T-{i:02d}-completion"] == judged[f"T-{i:02d}-maintenance"] == "green"


def test_a_built_project_is_still_red_for_an_overdue_milestone():
    late = [OverdueMilestone(kind_label="竣工", planned_date=dt.date(2025, 1, 31), months=4)]
    for status in ("completion", "maintenance"):
        warning = classify(rate=Decimal("5"), time_elapsed=Decimal("50"), overdue=late, status=status)
        assert warning.colour == "red" and warning.reasons == ["竣工节点逾期4个月"]
        assert classify(rate=Decimal("5"), time_elapsed=Decimal("50"), status=status).colour == "green"
    assert classify(rate=Decimal("5"), time_elapsed=Decimal("50"), status="implementation").colour == "red"


def test_rules_without_the_exemption_judge_every_status_on_its_rate(settings):
    settings.PORTFOLIO_WARNING_RULES = {
        k: v for k, v in settings.PORTFOLIO_WARNING_RULES.items() if k != "milestones_only_statuses"}
    assert classify(rate=Decimal("5"), time_elapsed=Decimal("50"), status="completion").colour == "red"


@pytest.mark.parametrize(("params", "parameter"), [
    ({"ordering": "-bogus"}, "ordering"),
    ({"ordering": "rate,nonsense"}, "ordering"),
    ({"category": "nonsense"}, "category"),
    ({"lead_department": "abc"}, "lead_department"),
    ({"warning": "purple"}, "warning"),
    ({"page_size": "7"}, "page_size"),
])
def test_a_bad_parameter_shows_the_list_and_names_the_parameter(client, lists_world, params, parameter):
    viewer, _departments, _district = lists_world
    client.force_login(viewer)
    response = client.get(LIST, {**JUNE, "q": "L-0", **params})
    page = response.content.decode()
    assert response.status_code == 200
    assert len(codes(page)) == 5
    message = re.search(r'<div class="alert alert-warning" role="alert">(.*?)</div>', page, re.S)
    assert message and parameter in message.group(1)


@pytest.mark.parametrize("ordering", ["code,", ",,,", "-code,,", ","])
@pytest.mark.parametrize("url", [LIST, "/projects/milestones/overdue/", "/projects/export.xlsx"])
def test_blank_sort_terms_are_ignored(client, lists_world, url, ordering):
    viewer, _departments, _district = lists_world
    client.force_login(viewer)
    assert client.get(url, {**JUNE, "ordering": ordering}).status_code == 200


def test_other_parameters_still_apply_when_one_is_bad(client, lists_world):
    viewer, _departments, _district = lists_world
    client.force_login(viewer)
    page = client.get(LIST, {**JUNE, "ordering": "-rate", "category": "nonsense"}).content.decode()
    assert codes(page) == ["L-05", "L-01", "L-03", "L-02", "L-04"]


def test_empty_choices_read_all(client, lists_world):
    viewer, _departments, _district = lists_world
    client.force_login(viewer)
    page = client.get(LIST).content.decode()
    assert "---------" not in page
    form = re.search(r'<form method="get"[^>]*id="filters".*?</form>', page, re.S).group(0)
    for name in ("programme", "lead_department", "category", "status", "town", "warning", "is_synthetic"):
        select = re.search(rf'<select name="{name}".*?</select>', form, re.S).group(0)
        assert re.search(r'<option value=""[^>]*>全部</option>', select), name
        assert f'for="id_{name}"' in form


def test_numbered_pagination_keeps_the_filters(client, lists_world):
    viewer, departments, district = lists_world
    for i in range(60):
        Project.objects.create(programme=district, code=f"M-{i:03d}", name=f"分页{i}",
                               lead_department=departments["C局"], annual_plan=Decimal(100))
    client.force_login(viewer)
    page = client.get(LIST, {"q": "M-", "page_size": "25", "page": "2", "ordering": "-code"}).content.decode()
    assert codes(page)[0] == "M-034" and len(codes(page)) == 25
    links = {unescape(href) for href in re.findall(r'class="page-link" href="([^"]+)"', page)}
    for number in ("1", "3"):
        assert f"?q=M-&page_size=25&page={number}&ordering=-code" in links
    assert '<li class="page-item active" aria-current="page"><span class="page-link">2</span>' in page
    assert "首页" in page and "末页" in page
    # The page-size form carries the filters and the sort, not the page.
    size_form = re.search(r'<form method="get"[^>]*id="page-size-form".*?</form>', page, re.S).group(0)
    assert 'name="q" value="M-"' in size_form and 'name="ordering" value="-code"' in size_form
    assert 'name="page"' not in size_form
    page = client.get(LIST, {"q": "M-", "page_size": "100"}).content.decode()
    assert len(codes(page)) == 60 and "page-link" not in page
    # A page beyond the last shows the last.
    page = client.get(LIST, {"q": "M-", "page_size": "50", "page": "99"}).content.decode()
    assert len(codes(page)) == 10


# The milestone lists ---------------------------------------------------------------------------

OVERDUE = reverse("projects:milestones_overdue")


def milestone_rows(page: str) -> list[tuple[str, str, str]]:
    """(project code, department, months) of each row."""
    return re.findall(
        r'<span class="text-muted small">([^<]+)</span>.*?data-label="牵头单位">([^<]+)</td>.*?'
        r'data-label="逾期月数">([^<]+)</td>', page, re.S)


def test_the_overdue_list_has_departments_and_months_and_sorts(client, lists_world):
    viewer, departments, district = lists_world
    late = Project.objects.get(code="L-03")
    Milestone.objects.create(project=late, kind="land", planned_date=dt.date(2025, 6, 10))  # less than a month
    Milestone.objects.create(project=late, kind="signing", planned_date=dt.date(2025, 5, 1),
                             actual_date=dt.date(2025, 5, 20))  # reached: not overdue
    client.force_login(viewer)
    page = client.get(OVERDUE, {"programme": "", **JUNE}).content.decode()
    assert milestone_rows(page) == [("L-04", "B局", "5 个月"), ("L-05", "A局", "2 个月"),
                                    ("L-03", "B局", "不足1个月")]
    page = client.get(OVERDUE, {"programme": "", **JUNE, "ordering": "months"}).content.decode()
    assert [row[0] for row in milestone_rows(page)] == ["L-03", "L-05", "L-04"]
    page = client.get(OVERDUE, {"programme": "", **JUNE, "ordering": "-months"}).content.decode()
    assert [row[0] for row in milestone_rows(page)] == ["L-04", "L-05", "L-03"]
    page = client.get(OVERDUE, {"programme": "", **JUNE, "ordering": "-lead_department"}).content.decode()
    assert [row[0] for row in milestone_rows(page)][0] == "L-04"
    page = client.get(OVERDUE, {"programme": "", **JUNE, "lead_department": departments["A局"].pk}).content.decode()
    assert milestone_rows(page) == [("L-05", "A局", "2 个月")]
    bad = client.get(OVERDUE, {"programme": "", **JUNE, "ordering": "colour", "kind": "x"})
    assert bad.status_code == 200 and len(milestone_rows(bad.content.decode())) == 3
    assert "ordering" in bad.content.decode() and "kind" in bad.content.decode()
    assert "---------" not in bad.content.decode()


def test_the_dashboard_links_to_the_complete_lists(client, lists_world):
    viewer, _departments, district = lists_world
    for i in range(20):
        project = Project.objects.create(programme=district, code=f"O-{i:02d}", name=f"逾期{i}")
        Milestone.objects.create(project=project, kind="start", planned_date=dt.date(2025, 2, 1) + dt.timedelta(i))
        Milestone.objects.create(project=project, kind="completion", planned_date=dt.date(2025, 7, 2))
    # The edges, counted by one query on the dashboard (selectors.milestone_counts) and listed by the lists'
    # own queries: planned on the period's end (due, not overdue), on the 30th day after it (due), on the
    # 31st (neither), and planned in March but reached only in July (overdue at June's end).
    edge = Project.objects.create(programme=district, code="O-EDGE", name="边界")
    for planned, reached in ((dt.date(2025, 6, 30), None), (dt.date(2025, 7, 30), None), (dt.date(2025, 7, 31), None),
                             (dt.date(2025, 3, 1), dt.date(2025, 7, 15))):
        Milestone.objects.create(project=edge, kind="other", planned_date=planned, actual_date=reached)
    client.force_login(viewer)
    page = client.get(reverse("dashboard"), JUNE).content.decode()
    # The district programme by default: its 21 + L-04 + L-05 overdue, the panel showing 15 of them.
    href = unescape(re.search(r'<a href="([^"]+)" id="overdue-all">全部 23 个</a>', page).group(1))
    assert href == f"{OVERDUE}?programme={district.pk}&year=2025&month=6"
    listed = client.get(href, {"page_size": "25"}).content.decode()
    assert listed.count('data-label="逾期月数"') == 23
    href = unescape(re.search(r'<a href="([^"]+)" id="due-all">全部 22 个</a>', page).group(1))
    listed = client.get(href).content.decode()
    assert listed.count('data-label="计划日期"') == 22 and "2025-07-02" in listed and "2025-07-31" not in listed


def test_the_indicator_panel_shows_values_first_and_counts_the_rest(client, report_data):
    """The panel is the indicators report's rows with a full-year target: its figures and words."""
    from indicators.reports import build_indicator_report
    from projects.views import _indicator_panel

    report = build_indicator_report(Period(2025, 6))
    shown, without = _indicator_panel(report)
    assert len(shown) + len(without) == sum(row.target_value is not None for row in report.rows) > 0
    assert all(row.value is not None and row.value_text for row in shown)
    assert all(row.value is None and row.target_text for row in without)
    client.force_login(make_user("viewer", Role.VIEWER))
    page = client.get(reverse("dashboard"), {"year": "2025", "month": "6"}).content.decode()
    panel = re.search(r'id="indicator-panel".*?</div>\s*</div>\s*</div>', page, re.S).group(0)
    if without:
        assert f"另有 {len(without)} 个指标有全年目标" in panel
    values = re.findall(r'<th scope="row" class="fw-normal">[^<]*</th>\s*<td class="num">([^<]*)</td>', panel)
    assert len(values) == len(shown) and "—" not in values


# Query counts, pinned --------------------------------------------------------------------------

# Three for the session and the user, four for the period and its figure source, three for the
# page's frame (department, sample-data notice, unread notifications); then the list's own: the
# filter selects' choices, the count, the page, and the page's overdue milestones.
LIST_PINS = [
    (LIST, {}, 16),
    (LIST, {"ordering": "-rate"}, 16),
    (LIST, {"ordering": "warning", "warning": "red"}, 16),
    (LIST, {"ordering": "ytd", "page_size": "100", "page": "2"}, 16),
    (LIST, {"ordering": "-nonsense", "category": "nonsense"}, 16),
    (OVERDUE, {"programme": "", "ordering": "-months"}, 12),
    # The dashboard counts its warnings in one query (selectors.warning_counts), not per project, and the
    # overdue supervision letters in one more.
    (reverse("dashboard"), {}, 25),
]


def add_a_long_overdue_milestone():
    """One project red with a long-overdue milestone, so that no list is empty at any size."""
    Milestone.objects.create(project=Project.objects.order_by("pk").first(), kind="other",
                             planned_date=dt.date(2000, 1, 1))


@pytest.mark.parametrize(("url", "params", "expected"), LIST_PINS)
def test_list_query_counts_are_pinned_at_10_and_1000_projects(client, portfolio_of_size, count_queries, url, params,
                                                              expected):
    coordinator = make_user("coordinator", Role.COORDINATOR)
    counts = []
    for n in (10, 1000):
        with portfolio_of_size(n):
            add_a_long_overdue_milestone()
            client.force_login(coordinator)
            client.get(url, params)  # warm the session
            with count_queries() as q:
                response = client.get(url, params)
            assert response.status_code == 200
            assert Project.objects.counted_in_year(2025).count() == n
            counts.append((q.count, q.describe()))
    assert counts[0][0] == counts[1][0] == expected, f"10: {counts[0][0]}, 1000: {counts[1][0]}\n{counts[1][1]}"


def test_the_review_queue_pages_the_same_way(client, lists_world):
    _viewer, departments, district = lists_world
    editor = make_user("editor", Role.EDITOR, departments["A局"])
    for i in range(30):
        project = Project.objects.create(programme=district, code=f"Q-{i:02d}", name=f"审核{i}",
                                         lead_department=departments["A局"])
        MonthlyReport.objects.create(project=project, year=2025, month=7, completed_month=Decimal(1),
                                     completed_ytd=Decimal(1), status="submitted", created_by=editor,
                                     submitted_by=editor)
    client.force_login(make_user("coordinator", Role.COORDINATOR))
    page = client.get(reverse("projects:review_queue"), {"page_size": "25", "page": "2"}).content.decode()
    assert page.count('name="comment"') == 5
    assert '<li class="page-item active" aria-current="page"><span class="page-link">2</span>' in page
    assert 'id="page-size-form"' in page
