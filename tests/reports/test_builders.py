"""The report's figures: fixtures and itemised portfolio, rates and ranks, warnings at each boundary."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from portfolio.money import rate_percent, round_half_up, wan_to_yi
from portfolio.periods import Period
from projects.figures import ranked
from projects.models import MonthlyReport, Programme, Project
from projects.querysets import COUNTED_PLAN
from projects.reports.builders import build_progress_report
from projects.selectors import Basis, figure_source
from tests.helpers import date

pytestmark = pytest.mark.django_db
H1 = Period(2025, 6)


def test_totals_equal_the_published_snapshots(portfolio):
    report = build_progress_report(Project.objects.all(), H1)
    district, city = report.programmes
    assert (district.level, city.level) == ("district", "city")
    assert (district.figures.count, district.figures.completed_ytd_yi, district.figures.rate) == (
        336, Decimal("590.00"), Decimal("54.66"))
    assert (city.figures.count, city.figures.completed_ytd_yi, city.figures.rate) == (
        98, Decimal("177.80"), Decimal("74.20"))
    assert all(p.uses_published for p in report.programmes)
    assert [r.reconciles for r in report.reconciliation] == [True, True]
    assert report.reconciliation[0].published_completed_yi == Decimal("590.00")
    assert report.reconciliation[0].completed_difference_yi == 0

    totals = report.totals
    assert totals.count == 434 == len(report.projects)
    assert totals.completed_ytd == Decimal(5_900_000 + 1_778_000)
    assert totals.completed_ytd_yi == Decimal("767.80")
    plan = Project.objects.aggregate(s=Sum(COUNTED_PLAN))["s"]
    assert totals.annual_plan == plan
    assert totals.rate == rate_percent(totals.completed_ytd, plan)
    assert totals.time_elapsed == Decimal("50.00")
    assert totals.verdict == "ahead"
    assert totals.verdict_text == f"超序时进度{totals.rate - 50:f}".rstrip("0").rstrip(".") + "个百分点"

    # Each breakdown partitions the same projects and money.
    for breakdown in report.breakdowns:
        assert sum(r.figures.count for r in breakdown.rows) == 434
        assert sum(r.figures.completed_ytd for r in breakdown.rows) == totals.completed_ytd
        assert sum(r.figures.annual_plan for r in breakdown.rows) == totals.annual_plan
        rates = [r.figures.rate for r in breakdown.rows if r.figures.rate is not None and r.key]
        assert all(r.rank is None for r in breakdown.rows if not r.key)  # 未明确 is listed last, unranked
        assert rates == sorted(rates, reverse=True)
        assert breakdown.rows[0].rank == 1
    # The appendix adds up to the totals, in 万元.
    assert sum(p.completed_ytd for p in report.projects) == totals.completed_ytd
    # The month-by-month line ends on the year to date.
    assert [m.month for m in report.months] == [1, 2, 3, 4, 5, 6]
    assert report.months[-1].completed_cumulative == totals.completed_ytd
    assert report.months[-1].rate == totals.rate
    assert report.months[0].time_elapsed == Decimal("8.33")


def test_a_department_report_uses_its_own_figures_not_the_published_ones(portfolio):
    department = Project.objects.exclude(lead_department=None).values_list("lead_department", flat=True).first()
    projects = Project.objects.filter(lead_department=department)
    report = build_progress_report(projects, H1)
    assert report.totals.count == projects.count()
    assert all(not p.uses_published for p in report.programmes)
    assert all(r.covers_programme is False for r in report.reconciliation)
    assert {r.department for r in report.projects} == {report.breakdown("department").rows[0].label}


def test_a_filtered_report_states_its_scope_and_leaves_out_the_district_economy(portfolio):
    town = Project.objects.exclude(town=None).values_list("town__name", flat=True).first()
    projects = Project.objects.filter(town__name=town)
    narrowed = build_progress_report(projects, H1, scope=[("所在镇街", town)])
    assert narrowed.narrative[0].startswith(f"本报告范围：{town}（所列项目不是全部重点项目")
    assert not any("地区生产总值" in paragraph for paragraph in narrowed.narrative)
    # a whole programme, or both, is the district's report: its economy is in it, and no scope line
    district = Programme.objects.get(year=2025, level="district")
    for whole in (build_progress_report(Project.objects.all(), H1),
                  build_progress_report(Project.objects.counted_in(district), H1, scope=[("计划", district.name)])):
        assert any("地区生产总值" in paragraph for paragraph in whole.narrative)
        assert not any(paragraph.startswith("本报告范围") for paragraph in whole.narrative)


@pytest.mark.slow
def test_itemised_portfolio_at_another_scale_still_reconciles(report_data):
    from projects.generator import generate_portfolio

    generate_portfolio(projects=1000, months=12)
    report = build_progress_report(Project.objects.all(), H1)
    district, city = report.programmes
    assert district.figures.completed_ytd_yi == Decimal("590.00") and district.figures.rate == Decimal("54.66")
    assert city.figures.completed_ytd_yi == Decimal("177.80") and city.figures.rate == Decimal("74.20")
    assert district.figures.count + city.figures.count == 1000
    # The published count is 336, the itemised 7xx: it shows as a difference, not as a silent match.
    assert report.reconciliation[0].count_difference == district.figures.count - 336
    assert not report.reconciliation[0].reconciles
    assert not district.uses_published or district.snapshot.covers_programme
    # December: the year to date follows the reports, the time elapsed is 100%.
    december = build_progress_report(Project.objects.all(), Period(2025, 12))
    ytd = MonthlyReport.objects.filter(year=2025, month=12, project__in=Project.objects.counted_in_year(2025)).aggregate(
        s=Sum("completed_ytd"))["s"]
    assert december.totals.completed_ytd == ytd
    assert december.totals.time_elapsed == Decimal("100.00")
    assert not december.reconciliation  # nothing was published for December


def test_rates_round_half_up_and_equal_rates_share_a_rank(build):
    a, b, c, d = (build.department(code) for code in "abcd")
    build.project(plan=200000, ytd=109330, department=a)  # 54.665% -> 54.67 (half-even would give 54.66)
    build.project(plan=100000, ytd=54670, department=b)  # 54.67%
    build.project(plan=200000, ytd=109329, department=c)  # 54.6645% -> 54.66
    build.project(plan=None, ytd=500, department=d)  # no plan: no rate, no rank, listed last
    report = build_progress_report(Project.objects.all(), H1)
    rows = report.breakdown("department").rows
    assert [(r.label, r.figures.rate, r.rank) for r in rows] == [
        ("a", Decimal("54.67"), 1), ("b", Decimal("54.67"), 1), ("c", Decimal("54.66"), 3), ("d", None, None),
    ]
    assert rows[0].figures.difference == Decimal("4.67")
    assert rows[0].figures.verdict_text == "超序时进度4.67个百分点"
    assert report.totals.rate == rate_percent(Decimal(109330 + 54670 + 109329 + 500), Decimal(500000))
    assert report.totals.completed_ytd_yi == round_half_up(wan_to_yi(Decimal(273829)))


def test_rank_helper_orders_behind_groups_after_ahead_ones(build):
    from projects.figures import Figures

    def f(plan, ytd):
        return Figures(1, Decimal(plan), Decimal(ytd), Decimal(0), Decimal(50))

    rows = ranked([("x", "x", f(100, 40)), ("y", "y", f(100, 60)), ("z", "z", f(0, 5)), ("w", "w", f(100, 60))])
    assert [(r.key, r.rank) for r in rows] == [("w", 1), ("y", 1), ("x", 3), ("z", None)]
    assert rows[2].figures.verdict_text == "落后序时进度10.00个百分点"


@pytest.mark.parametrize(
    ("ytd", "colour", "reason"),
    [
        (4001, "green", None),  # 40.01%: 9.99 points behind
        (4000, "yellow", "完成率40.00%，落后序时进度10.00个百分点"),  # exactly 10 behind
        (2000, "yellow", "完成率20.00%，落后序时进度30.00个百分点"),  # exactly 30 behind: still yellow
        (1999, "red", "完成率19.99%，落后序时进度30.01个百分点"),
        (1200, "red", "完成率12.00%，落后序时进度38.00个百分点"),
    ],
)
def test_warning_boundaries_behind_time_elapsed(build, ytd, colour, reason):
    build.project(plan=10000, ytd=ytd, code="P1")
    report = build_progress_report(Project.objects.all(), H1)
    assert report.projects[0].colour == colour
    assert report.warning_counts[colour] == 1
    if reason is None:
        assert report.warnings == []
    else:
        (warning,) = report.warnings
        assert warning.reasons == [reason]
        assert warning.rule_version == "2025.2"
        assert warning.colour_label == {"red": "红灯", "yellow": "黄灯"}[colour]


@pytest.mark.parametrize(
    ("planned", "colour", "months"),
    [
        ("2025-03-30", "green", 3),  # 3 months overdue at 2025-06-30: not more than 3
        ("2025-03-31", "green", 2),  # not yet three whole months
        ("2025-02-28", "red", 4),  # 4 months: red
    ],
)
def test_warning_boundaries_overdue_milestones(build, planned, colour, months):
    build.project(plan=10000, ytd=6000, code="P1", milestones=[("start", date(planned), None)])
    report = build_progress_report(Project.objects.all(), H1)
    assert report.projects[0].colour == colour
    (overdue,) = report.milestones_overdue
    assert overdue.months_overdue == months and overdue.kind_label == "开工"
    if colour == "red":
        (warning,) = report.warnings
        assert warning.reasons == ["开工节点逾期4个月"]
        assert warning.max_overdue_months == 4


def test_warning_rules_come_from_settings(build, settings):
    settings.PORTFOLIO_WARNING_RULES = {
        "version": "test-9", "yellow_behind_points": 5, "red_behind_points": 8, "red_overdue_months": 1,
    }
    build.project(plan=10000, ytd=4100, code="P1")  # 9 behind: red under these rules
    report = build_progress_report(Project.objects.all(), H1)
    assert report.warnings[0].colour == "red" and report.warnings[0].rule_version == "test-9"
    assert report.rule_version == "test-9"


def test_milestones_problems_and_the_unapproved_count(build):
    build.project(
        plan=1000, ytd=500, code="P1",
        milestones=[("start", date("2025-02-01"), date("2025-03-15")),  # reached in the period
                    ("completion", date("2026-06-01"), None),  # not due
                    ("topping_out", date("2024-10-01"), date("2024-12-01"))],  # reached before the year
    )
    project = build.project(plan=1000, ytd=400, code="P2", status_report="submitted")
    MonthlyReport.objects.filter(project=project).update(problems="征地拆迁进度滞后", coordination_requests="请协调")
    report = build_progress_report(Project.objects.all(), H1)
    assert [(m.code, m.kind_label, m.actual_text) for m in report.milestones_reached] == [("P1", "开工", "2025-03-15")]
    assert report.milestones_overdue == []
    # Leaders' figures count approved reports: the submitted report's problems are not printed yet …
    assert report.issues == []
    assert report.unapproved_reports == 1
    # … and a coordinator who includes unapproved reports sees them, with the basis stated.
    everything = build_progress_report(Project.objects.all(), H1, source=figure_source(H1, Basis.ALL))
    assert [(i.code, i.problems, i.coordination_requests) for i in everything.issues] == [
        ("P2", "征地拆迁进度滞后", "请协调")]
    assert ("统计口径", "含已提交、已退回和草稿月报（未经审核，仅供内部参考）") in everything.scope


def test_only_the_periods_programme_year_counts(build):
    build.project(plan=1000, ytd=500, code="P2025")
    other = Programme.objects.create(year=2024, level="district", name="2024年")
    Project.objects.create(programme=other, code="P2024", name="旧项目", annual_plan=Decimal(1000))
    report = build_progress_report(Project.objects.all(), H1)
    assert [p.code for p in report.projects] == ["P2025"]


def test_an_empty_selection_still_builds(db):
    report = build_progress_report(Project.objects.none(), H1)
    assert report.totals.count == 0 and report.totals.rate is None
    assert report.programmes == [] and report.projects == []
    assert report.narrative  # says there is nothing to report


def test_a_milestone_reached_after_the_period_still_counts_as_overdue_for_it(build):
    """A past month's report keeps its warnings when a milestone's actual date is filled in later."""
    build.project(plan=1000, ytd=500, code="P1", milestones=[("start", date("2025-01-15"), date("2025-08-10"))])
    build.project(plan=1000, ytd=500, code="P2", milestones=[("start", date("2025-01-15"), date("2025-05-10"))])
    report = build_progress_report(Project.objects.all(), H1)
    assert [(m.code, m.months_overdue) for m in report.milestones_overdue] == [("P1", 5)]
    assert {w.code: w.colour for w in report.warnings} == {"P1": "red"}
    assert [m.code for m in report.milestones_reached] == ["P2"]


@pytest.mark.parametrize("closed", [False, True], ids=["open", "closed"])
def test_the_months_issues_are_read_through_their_partial_index(portfolio, closed):
    """PostgreSQL uses monthly_report_issues_idx for the report's problems and requests, and
    snapshot_report_issues_idx for a closed month's: their predicate is the condition the builder writes,
    so a report of 100,000 projects reads the few reports stating one instead of the month's every report."""
    from django.db import connection
    from django.utils import timezone

    from projects.closing import _freeze
    from projects.models import MonthSnapshot, SnapshotReport
    from projects.reports.builders import _issue_reports
    from projects.selectors import period_projects

    if connection.vendor != "postgresql":
        pytest.skip("the plan of PostgreSQL's planner")
    period = Period(2025, 6)
    if closed:  # June's figures frozen as a close freezes them
        _freeze(MonthSnapshot.objects.create(year=2025, month=6, version=1, closed_at=timezone.now()))
    source = figure_source(period)
    assert source.frozen is closed
    issues = _issue_reports(period_projects(Project.objects.all(), period, source), source)
    assert issues.exists()  # the portfolio states problems in June
    index, table, model = (("snapshot_report_issues_idx", "projects_snapshotreport", SnapshotReport) if closed
                           else ("monthly_report_issues_idx", "projects_monthlyreport", MonthlyReport))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")
        cursor.execute("SET LOCAL enable_seqscan = off")  # a test portfolio is small enough to read whole
    assert index in issues.values("pk").explain()
    # A condition the index's does not imply cannot use it, so the assertion above can fail.
    quiet = model.objects.filter(year=2025, month=6, problems="")
    assert index not in quiet.values("pk").explain()


@pytest.mark.parametrize("closed", [False, True], ids=["open", "closed"])
@pytest.mark.parametrize("page_size", [None, 1], ids=["whole", "paged"])
def test_the_months_issues_each_with_its_sample_flag_and_none_read_when_none_is_stated(build, closed, page_size):
    """The issue list over both sources, whole and paged: each row's sample flag is its own report's, and a
    month whose reports state no problem reads no list (counted first: zero)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from portfolio.policy import Role
    from projects import closing
    from projects.reports.structure import WHOLE, ListPage
    from tests.helpers import make_user

    generated = build.project(plan=1000, ytd=500, code="P1")
    entered = build.project(plan=1000, ytd=500, code="P2")
    build.project(plan=1000, ytd=500, code="P3")  # states nothing
    MonthlyReport.objects.filter(project=generated).update(problems="资金未到位", is_synthetic=True)
    MonthlyReport.objects.filter(project=entered).update(coordination_requests="请协调用地")
    quiet = Period(2025, 5)  # no report at all in May
    if closed:
        from projects.models import ReportWaiver

        coordinator = make_user("coord-issues", role=Role.COORDINATOR)
        for month in (5, 6):
            for project in Project.objects.exclude(monthly_reports__month=month):
                ReportWaiver.objects.create(project=project, year=2025, month=month, reason="暂停", waived_by=coordinator)
            closing.month_close(year=2025, month=month, acting_user=coordinator)
    page = WHOLE if page_size is None else ListPage(1, page_size)
    assert figure_source(H1).frozen is closed
    report = build_progress_report(Project.objects.all(), H1, source=figure_source(H1), page=page)
    expected = [("P1", "资金未到位", "", True), ("P2", "", "请协调用地", False)]
    assert report.listed.issues == 2
    assert [(i.code, i.problems, i.coordination_requests, i.is_sample) for i in report.issues] == \
        expected[:page_size or 2]
    assert report.listed.common_problems == [("资金未到位", 1)]
    with CaptureQueriesContext(connection) as queries:
        none = build_progress_report(Project.objects.all(), quiet, source=figure_source(quiet), page=page)
    assert none.issues == [] and none.listed.issues == 0 and none.listed.common_problems == []
    assert sum('"coordination_requests"' in q["sql"] for q in queries.captured_queries) == 1  # the count only


def test_a_month_with_requests_and_no_problem_lists_them_and_ranks_no_problem(build):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    project = build.project(plan=1000, ytd=500, code="P1")
    MonthlyReport.objects.filter(project=project).update(coordination_requests="请协调用地")
    with CaptureQueriesContext(connection) as queries:
        report = build_progress_report(Project.objects.all(), H1)
    assert [(i.code, i.problems, i.coordination_requests) for i in report.issues] == [("P1", "", "请协调用地")]
    assert report.listed.issues == 1 and report.listed.issues_with_problems == 0
    assert report.listed.common_problems == []
    # The issue count and the list read the month's reports; no query ranks problems (counts by problem).
    assert not [q for q in queries.captured_queries if '"problems" AS "problems", COUNT(' in q["sql"]]


def _report_text(project, month, status, text):
    MonthlyReport.objects.create(project=project, year=H1.year, month=month, completed_month=Decimal(1),
                                 completed_ytd=Decimal(month), status=status, progress_text=text)


def test_the_appendixs_progress_is_the_latest_counted_reports(build):
    """形象进度 is the text of the latest report the figures count, up to the month: the month's own when
    it counts, an earlier approved one when the month's is a draft or missing; the draft's own on the
    all-reports basis; the frozen one once the month is closed."""
    from portfolio.policy import Role
    from projects import closing
    from tests.helpers import make_user

    own, drafted, earlier, none = (build.project(plan="100", ytd=None) for _ in range(4))
    _report_text(own, 5, "approved", "五月进度")
    _report_text(own, 6, "approved", "六月进度")
    _report_text(drafted, 5, "approved", "五月已审核")
    _report_text(drafted, 6, "draft", "六月草稿")
    _report_text(earlier, 4, "approved", "四月进度")

    def texts(**kwargs):
        report = build_progress_report(Project.objects.all(), H1, **kwargs)
        return {row.code: row.progress for row in report.projects}

    assert texts() == {own.code: "六月进度", drafted.code: "五月已审核", earlier.code: "四月进度", none.code: ""}
    assert texts(source=figure_source(H1, Basis.ALL)) == {
        own.code: "六月进度", drafted.code: "六月草稿", earlier.code: "四月进度", none.code: ""}

    # A closed month has no uncounted report of its own (a draft keeps it from closing).
    MonthlyReport.objects.filter(project=drafted, month=6).delete()
    closing.month_close(year=H1.year, month=H1.month, acting_user=make_user("closer", role=Role.COORDINATOR),
                        waive_missing="未开工")
    assert figure_source(H1).frozen
    assert texts() == {own.code: "六月进度", drafted.code: "五月已审核", earlier.code: "四月进度", none.code: ""}
