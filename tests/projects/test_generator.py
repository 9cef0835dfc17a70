"""The itemised sample portfolio reconciles with the published aggregates, is deterministic,
idempotent, flagged as sample data, and leaves the report's facts as the report states them."""

import hashlib
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from portfolio.money import rate_percent, round_half_up, wan_to_yi
from projects.figures import programme_reconciliation
from projects.generator import (
    GeneratorError,
    allocate,
    clear_sample_portfolio,
    generate_portfolio,
    plan_total_for,
)
from projects.models import Milestone, MonthlyReport, Programme, Project
from projects.querysets import COUNTED_PLAN
from projects.selectors import data_quality

pytestmark = pytest.mark.django_db


def test_allocate_sums_exactly_and_follows_weights():
    parts = allocate(100, [1, 1, 1])
    assert sum(parts) == 100 and sorted(parts) == [33, 33, 34]
    assert allocate(10, [0, 0]) == [5, 5]
    assert allocate(7, [3, 0]) == [7, 0]


@pytest.mark.parametrize(("completed", "rate"), [(5900000, "54.66"), (1778000, "74.20")])
def test_plan_total_reproduces_the_published_rate(completed, rate):
    plan = plan_total_for(completed, Decimal(rate))
    assert rate_percent(Decimal(completed), Decimal(plan)) == Decimal(rate)


def _itemised(programme_level):
    """Count, year to date and rate of the projects counted in the programme (by fact or by the sample)."""
    programme = Programme.objects.get(year=2025, level=programme_level)
    projects = Project.objects.counted_in(programme)
    ytd = MonthlyReport.objects.filter(project__in=projects, year=2025, month=6).aggregate(s=Sum("completed_ytd"))["s"]
    plan = projects.aggregate(s=Sum(COUNTED_PLAN))["s"]
    return projects.count(), round_half_up(wan_to_yi(ytd)), rate_percent(ytd, plan)


def test_default_portfolio_reconciles_with_the_published_totals(report_data):
    generate_portfolio()
    assert _itemised("district") == (336, Decimal("590.00"), Decimal("54.66"))
    assert _itemised("city") == (98, Decimal("177.80"), Decimal("74.20"))
    rows = programme_reconciliation()
    assert len(rows) == 2 and all(row.reconciles for row in rows)
    # Monthly reports for every month up to the snapshot, year-to-date consistent with the months.
    assert MonthlyReport.objects.count() == 434 * 6
    for project in Project.objects.counted_in_year(2025).prefetch_related("monthly_reports")[:50]:
        reports = sorted(project.monthly_reports.all(), key=lambda r: r.month)
        running = Decimal(0)
        for r in reports:
            running += r.completed_month
            assert r.completed_ytd == running


@pytest.mark.slow
def test_5000_projects_reconcile(report_data):
    generate_portfolio(projects=5000)
    district, city = _itemised("district"), _itemised("city")
    assert district[0] + city[0] == 5000
    assert district[1:] == (Decimal("590.00"), Decimal("54.66"))
    assert city[1:] == (Decimal("177.80"), Decimal("74.20"))


def test_generated_records_are_flagged_and_report_facts_kept(report_data):
    facts_before = {
        p.code: (p.name, p.status, p.source_quote, p.progress_summary, p.h2_plan)
        for p in Project.objects.all()
    }
    milestones_before = list(Milestone.objects.order_by("pk").values())
    generate_portfolio()
    report_projects = Project.objects.filter(is_synthetic=False)
    assert {
        p.code: (p.name, p.status, p.source_quote, p.progress_summary, p.h2_plan) for p in report_projects
    } == facts_before
    assert list(Milestone.objects.filter(is_synthetic=False).order_by("pk").values()) == milestones_before
    itemised_named = report_projects.filter(sample_programme__isnull=False)
    assert itemised_named.exists()
    for p in itemised_named:
        # What the report does not state stays empty in the facts; the sample's values are kept apart.
        assert p.programme_id is None and p.annual_plan is None and p.lead_department_id is None
        assert p.sample_annual_plan is not None and p.sample_fields == ["programme", "annual_plan"]
        assert p.counted_programme == p.sample_programme and p.counted_plan == p.sample_annual_plan
    assert not MonthlyReport.objects.filter(is_synthetic=False).exists()
    assert not Milestone.objects.filter(is_synthetic=True, project__is_synthetic=False).exists()
    sample = Project.objects.filter(is_synthetic=True)
    assert sample.count() == 434 - itemised_named.count()
    assert all(p.name.startswith("样例") for p in sample)
    # A place the report mentions (the airport, a platform) is counted in no programme, not even the sample's.
    places = report_projects.filter(record_kind="place")
    assert places.exists() and not places.filter(sample_programme__isnull=False).exists()
    assert not places.filter(sample_annual_plan__isnull=False).exists()
    assert not MonthlyReport.objects.filter(project__in=places).exists()
    assert all(p.missing_fields == [] for p in places)
    # The data-quality summary counts the facts: nothing invented looks like one.
    quality = data_quality()
    named_projects = report_projects.filter(record_kind="project").count()
    assert quality.report_places == places.count() and quality.report_projects == named_projects
    assert quality.without_lead_department == quality.without_programme == named_projects
    assert quality.without_annual_plan == named_projects == quality.with_sample_fields == itemised_named.count()


def _content():
    return (
        list(Project.objects.order_by("code").values_list(
            "code", "name", "programme__level", "lead_department__code", "town__code", "annual_plan",
            "total_investment", "status", "planned_start", "actual_start", "sample_programme__level",
            "sample_annual_plan")),
        list(MonthlyReport.objects.order_by("project__code", "month").values_list(
            "project__code", "month", "completed_month", "completed_ytd", "progress_text", "problems")),
        list(Milestone.objects.order_by("project__code", "kind").values_list(
            "project__code", "kind", "planned_date", "actual_date")),
    )


def test_same_seed_gives_identical_data(report_data):
    generate_portfolio(seed=7)
    first = _content()
    clear_sample_portfolio()
    assert not Project.objects.filter(is_synthetic=True).exists()
    generate_portfolio(seed=7)
    assert _content() == first
    clear_sample_portfolio()
    generate_portfolio(seed=8)
    assert _content() != first


def test_generating_twice_changes_nothing(report_data):
    generate_portfolio()
    before = _content()
    history = Project.history.count() + MonthlyReport.history.count()
    assert generate_portfolio().generated is False
    assert _content() == before
    assert Project.history.count() + MonthlyReport.history.count() == history


def test_other_parameters_need_replace(report_data):
    generate_portfolio()
    with pytest.raises(GeneratorError):
        generate_portfolio(seed=9)
    generate_portfolio(seed=9, replace=True)
    assert all(row.reconciles for row in programme_reconciliation())


def test_generation_records_history(report_data):
    generate_portfolio()
    assert Project.history.filter(is_synthetic=True).count() == Project.objects.filter(is_synthetic=True).count()
    assert MonthlyReport.history.count() == MonthlyReport.objects.count()


def test_without_report_data_the_generator_refuses():
    with pytest.raises(GeneratorError):
        generate_portfolio()


def _fingerprint(result):
    """A hash over everything the generator writes, in a stable order, and over what it reports.

    Pinned so that a change to how the generator is written cannot silently change what it makes.
    """
    def stable(value):
        return format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)

    rows = [
        *Project.objects.order_by("code").values_list(
            "code", "name", "programme__year", "programme__level", "category", "lead_department__code",
            "town__code", "annual_plan", "total_investment", "status", "planned_start", "actual_start",
            "planned_completion", "actual_completion", "sample_programme__year", "sample_programme__level",
            "sample_annual_plan", "is_synthetic"),
        *MonthlyReport.objects.order_by("project__code", "year", "month").values_list(
            "project__code", "year", "month", "completed_month", "completed_ytd", "progress_text",
            "problems", "coordination_requests", "status", "is_synthetic"),
        *Milestone.objects.order_by("project__code", "kind", "planned_date").values_list(
            "project__code", "kind", "planned_date", "actual_date", "is_synthetic"),
        (result.seed, result.milestones, result.monthly_reports),
        *((p.programme, p.projects, p.named_projects, p.annual_plan, p.completed_ytd, p.months)
          for p in result.programmes),
    ]
    text = "\n".join("|".join(stable(v) for v in row) for row in rows)
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({}, "591463f222e0c980b7cdcd59ba7fd72f0e68559c349bc82023217d96f8154607"),
        ({"projects": 40, "seed": 11, "months": 9, "batch_size": 7},
         "6808c3df9bcc4f6a182592ecb5a451399d0721e0bfef7d390f92f40c21f5ee90"),
    ],
)
def test_generated_portfolio_is_pinned(report_data, arguments, expected):
    assert _fingerprint(generate_portfolio(**arguments)) == expected


NOT_STARTED_TEXT = "开展前期工作"
FINISHED_TEXT = {"completion": "项目已建成", "maintenance": "项目已投产运营"}


def _first_and_finished_month(project, nodes, year):
    """When a project's investment may start and when it is finished, read from what is stored: the
    project's own dates (sample projects) or the actual dates of its report nodes (named projects)."""
    start = project.actual_start or nodes.get("start")
    if project.status == "preparation" or (project.is_synthetic and project.actual_start is None):
        first = None
    elif start is None or start.year < year:
        first = 1
    else:
        first = start.month if start.year == year else None
    finished = None
    if project.status in FINISHED_TEXT:
        day = project.actual_completion or nodes.get("operation") or nodes.get("completion")
        finished = 1 if day is None or day.year < year else day.month
    return first, finished


def _check_the_sample_follows_each_project(year=2025):
    """No investment before a project starts, and every monthly text matches the project's stage."""
    nodes = {}
    for project_id, kind, day in Milestone.objects.filter(actual_date__isnull=False).order_by(
            "actual_date").values_list("project", "kind", "actual_date"):
        nodes.setdefault(project_id, {}).setdefault(kind, day)
    reports = {}
    for report in MonthlyReport.objects.filter(is_synthetic=True, year=year).order_by("month"):
        reports.setdefault(report.project_id, []).append(report)
    checked = {"not started": 0, "finished": 0, "working": 0}
    for project in Project.objects.filter(pk__in=reports):
        first, finished = _first_and_finished_month(project, nodes.get(project.pk, {}), year)
        for report in reports[project.pk]:
            if first is None or report.month < first:
                assert report.completed_month == 0 and report.progress_text == NOT_STARTED_TEXT, (project.code, report.month)
                checked["not started"] += 1
            elif finished is not None and report.month >= finished:
                assert report.progress_text == FINISHED_TEXT[project.status], (project.code, report.month)
                checked["finished"] += 1
            else:
                assert report.progress_text not in (NOT_STARTED_TEXT, *FINISHED_TEXT.values()), project.code
                checked["working"] += 1
    return checked


def test_the_sample_follows_each_projects_dates_and_stage(portfolio):
    checked = _check_the_sample_follows_each_project()
    # Every stage occurs, so each branch above was taken (the checks cannot pass on nothing).
    assert all(checked.values()), checked
    named_finished = Project.objects.filter(is_synthetic=False, status__in=list(FINISHED_TEXT))
    assert MonthlyReport.objects.filter(project__in=named_finished, progress_text__in=FINISHED_TEXT.values()).exists()


@pytest.mark.parametrize("seed", [1, 99])
def test_other_seeds_follow_the_dates_and_stages_and_still_reconcile(report_data, seed):
    generate_portfolio(seed=seed, months=12)
    checked = _check_the_sample_follows_each_project()
    assert all(checked.values()), checked
    for level, published in (("district", (Decimal("590.00"), Decimal("54.66"))),
                             ("city", (Decimal("177.80"), Decimal("74.20")))):
        assert _itemised(level)[1:] == published


def test_new_report_data_rebuilds_the_sample_on_setup(report_data, settings):
    """An upgrade brings new fixtures: loading them rewrites the report projects (their sample values
    too), so setup_demo rebuilds the sample, and a plain generate_portfolio refuses rather than keep
    a sample that no longer adds up."""
    from django.core.management import call_command

    from portfolio.datasets import REPORT_DATASET
    from portfolio.models import DatasetLoad

    settings.DEMO = False
    earlier = DatasetLoad.objects.filter(name=REPORT_DATASET)
    earlier.update(checksum="an earlier version of the fixtures")
    generate_portfolio()  # built on the earlier version
    call_command("load_report_data", stdout=io.StringIO())  # the new files are loaded: the report projects lose their sample values
    assert not Project.objects.filter(sample_annual_plan__isnull=False).exists()
    with pytest.raises(GeneratorError):
        generate_portfolio()
    DatasetLoad.objects.filter(name=REPORT_DATASET).update(checksum="an earlier version of the fixtures")
    call_command("setup_demo", stdout=io.StringIO())
    assert all(row.reconciles for row in programme_reconciliation())
    assert _itemised("district") == (336, Decimal("590.00"), Decimal("54.66"))


def test_a_place_takes_no_programme_and_no_plan(report_data):
    place = Project.objects.filter(record_kind="place").first()
    place.programme = Programme.objects.get(year=2025, level="district")
    place.annual_plan = Decimal("100")
    with pytest.raises(ValidationError) as refused:
        place.full_clean()
    assert set(refused.value.message_dict) == {"programme", "annual_plan"}
    assert "不是建设项目" in refused.value.message_dict["programme"][0]
