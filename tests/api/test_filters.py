"""Filtering, ordering, search and pagination: the pages' FilterSets, declared orderings, stable pages."""

import pytest
from django.urls import reverse

from indicators.api.views import IndicatorViewSet, ObservationViewSet, TargetViewSet
from indicators.filters import IndicatorFilterSet, ObservationFilterSet, TargetFilterSet
from portfolio.policy import Role
from projects.api.views import (
    DepartmentViewSet,
    MilestoneViewSet,
    MonthlyReportViewSet,
    ProgrammeViewSet,
    ProjectViewSet,
)
from projects.filters import (
    DepartmentFilterSet,
    MilestoneFilterSet,
    MonthlyReportFilterSet,
    ProgrammeFilterSet,
    ProjectFilterSet,
)
from projects.models import Department, MonthlyReport, Project
from projects.permissions import Action, restrict
from tests.helpers import build_portfolio, make_user, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio(db):
    build_portfolio(60)
    return make_user("reader", Role.VIEWER)


def ids(client, basename, **params):
    response = client.get(reverse(f"api:{basename}-list"), {"page_size": 1000, **params})
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_the_api_uses_the_pages_filtersets():
    assert ProjectViewSet.filterset_class is ProjectFilterSet
    assert DepartmentViewSet.filterset_class is DepartmentFilterSet
    assert ProgrammeViewSet.filterset_class is ProgrammeFilterSet
    assert MilestoneViewSet.filterset_class is MilestoneFilterSet
    assert MonthlyReportViewSet.filterset_class is MonthlyReportFilterSet
    assert IndicatorViewSet.filterset_class is IndicatorFilterSet
    assert ObservationViewSet.filterset_class is ObservationFilterSet
    assert TargetViewSet.filterset_class is TargetFilterSet


@pytest.mark.parametrize("params", [
    {"category": "transport"},
    {"status": "implementation"},
    {"q": "批量项目0001"},
    {"is_synthetic": "true"},
    {"ordering": "-annual_plan"},
    {"ordering": "lead_department"},
    {"category": "social", "ordering": "-total_investment"},
])
def test_project_filters_give_what_the_filterset_gives_the_pages(portfolio, params):
    client = token_client(portfolio)
    expected = ProjectFilterSet(params, queryset=restrict(Project.objects.all(), portfolio, Action.VIEW)).qs
    got = ids(client, "project", **params)
    assert got == list(expected.order_by(*expected.query.order_by, "pk").values_list("pk", flat=True))
    assert got, params


def test_project_filters_by_department_town_and_programme(portfolio):
    client = token_client(portfolio)
    department = Department.objects.get(code="bulk-1")
    assert set(ids(client, "project", lead_department=department.pk)) == set(
        Project.objects.filter(lead_department=department).values_list("pk", flat=True))
    assert set(ids(client, "project", town=department.pk)) == set(
        Project.objects.filter(town=department).values_list("pk", flat=True))
    programme = Project.objects.first().programme
    assert len(ids(client, "project", programme=programme.pk)) == 60


def test_project_ordering_is_the_filtersets_and_undeclared_fields_are_refused(portfolio):
    client = token_client(portfolio)
    rows = client.get(reverse("api:project-list"), {"ordering": "-code", "page_size": 5}).json()["results"]
    assert [r["code"] for r in rows] == sorted([p.code for p in Project.objects.all()], reverse=True)[:5]
    assert client.get(reverse("api:project-list"), {"ordering": "progress_summary"}).status_code == 400


def test_other_lists_order_only_by_declared_fields(portfolio):
    client = token_client(portfolio)
    by_date = ids(client, "milestone", ordering="-planned_date")
    dates = [r["planned_date"] for r in client.get(reverse("api:milestone-list"),
                                                   {"ordering": "-planned_date", "page_size": 1000}).json()["results"]]
    assert dates == sorted(dates, reverse=True) and len(by_date) == 60
    # An undeclared field is ignored (DRF's rule): the default order stays.
    assert ids(client, "milestone", ordering="note") == ids(client, "milestone")


def test_search_and_the_other_filtersets(portfolio):
    client = token_client(portfolio)
    assert len(ids(client, "project", search="批量项目00007")) == 1
    assert len(ids(client, "department", kind="town")) == Department.objects.filter(kind="town").count()
    assert len(ids(client, "department", q="批量单位")) == 8
    assert len(ids(client, "milestone", planned_after="2025-12-01")) == 5
    assert len(ids(client, "milestone", reached="false")) == 60
    assert len(ids(client, "monthly-report", year=2025, month=6, status="draft")) == 60
    assert ids(client, "monthly-report", status="approved") == []
    assert len(ids(client, "indicator", q="批量指标1")) == 11
    assert len(ids(client, "observation", period_end_after="2025-06-01")) == 60
    assert len(ids(client, "target", year=2025)) == 60


def test_pages_are_stable_even_when_the_order_has_ties(portfolio):
    """category has four values over 60 projects: without the pk tie-break pages could overlap."""
    client = token_client(portfolio)
    seen = []
    for page in range(1, 8):
        response = client.get(reverse("api:project-list"), {"ordering": "category", "page_size": 9, "page": page})
        assert response.status_code == 200
        seen += [row["id"] for row in response.json()["results"]]
    assert len(seen) == len(set(seen)) == 60
    reports = []
    for page in (1, 2, 3):
        reports += [r["id"] for r in client.get(reverse("api:monthly-report-list"),
                                                {"ordering": "status", "page_size": 20, "page": page}).json()["results"]]
    assert sorted(reports) == sorted(MonthlyReport.objects.values_list("pk", flat=True))


def test_page_size_is_capped(portfolio):
    client = token_client(portfolio)
    build_portfolio(1001, start=100)
    body = client.get(reverse("api:project-list"), {"page_size": 5000}).json()
    assert len(body["results"]) == 1000 and body["next"]
    assert len(client.get(reverse("api:project-list")).json()["results"]) == 50
