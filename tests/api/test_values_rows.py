"""The API lists read with .values() (portfolio.api_rows) answer exactly what the serializers answer.

Each list is asked twice with the same parameters, once through the fast path and once through the
serializer row by row (the viewset's ``values_list_computed`` set to None), over the sample portfolio
(report projects and sample ones, places, projects with and without programme, lead department, town,
co-departments, plan and sample values) and over a restricted user's view.
"""

import json

import pytest
from django.urls import reverse
from rest_framework import serializers

from portfolio.api_rows import Computed, Unsupported, ValuesRepresentation
from portfolio.policy import Role
from projects.api import views
from projects.api.serializers import MonthlyReportSerializer, ProjectSerializer
from projects.models import Department, Project
from tests.helpers import make_user, token_client

pytestmark = pytest.mark.django_db

FAST = [views.ProjectViewSet, views.MilestoneViewSet, views.DepartmentViewSet, views.ProgrammeViewSet]
BASENAMES = {
    views.ProjectViewSet: "project", views.MilestoneViewSet: "milestone", views.DepartmentViewSet: "department",
    views.ProgrammeViewSet: "programme",
}
PARAMETERS = [
    {"page_size": 1000},
    {"page_size": 50, "page": 2},
    {"page_size": 1000, "ordering": "-annual_plan"},
    {"page_size": 1000, "ordering": "warning"},
    {"page_size": 200, "ordering": "-rate", "page": 2},
    {"page_size": 1000, "search": "广州"},
]


def both_answers(client, monkeypatch, viewset, params):
    url = reverse(f"api:{BASENAMES[viewset]}-list")
    fast = client.get(url, params)
    with monkeypatch.context() as patch:
        patch.setattr(viewset, "values_list_computed", None)
        slow = client.get(url, params)
    assert fast.status_code == slow.status_code == 200, (fast.content[:300], slow.content[:300])
    return json.loads(fast.content), json.loads(slow.content)


@pytest.fixture
def shaped_portfolio(portfolio):
    """The sample portfolio, with co-departments on some projects in an order their codes do not give."""
    departments = list(Department.objects.order_by("-code")[:3])
    for project in Project.objects.order_by("pk")[::7]:
        project.co_departments.set(departments)
    return departments


@pytest.mark.parametrize("viewset", FAST, ids=lambda v: BASENAMES[v])
@pytest.mark.parametrize("params", PARAMETERS, ids=["all", "page-2", "by-plan", "by-warning", "by-rate", "searched"])
def test_the_fast_list_is_the_serializers_list(shaped_portfolio, monkeypatch, viewset, params):
    client = token_client(make_user("reader", Role.VIEWER))
    if viewset is not views.ProjectViewSet:  # their own ordering parameters; fewer rows
        params = {k: (1 if k == "page_size" and "page" in params else v) for k, v in params.items() if k != "ordering"}
    fast, slow = both_answers(client, monkeypatch, viewset, params)
    assert fast == slow
    assert json.dumps(fast, ensure_ascii=False) == json.dumps(slow, ensure_ascii=False)  # the key order too
    if viewset is views.ProjectViewSet and "search" not in params:
        assert fast["count"] > 400


def test_the_project_rows_cover_every_shape(shaped_portfolio, monkeypatch):
    fast, slow = both_answers(token_client(make_user("reader", Role.VIEWER)), monkeypatch, views.ProjectViewSet,
                              {"page_size": 1000})
    rows = fast["results"]
    assert fast == slow
    assert any(r["co_departments"] and r["co_departments_detail"][0]["id"] == r["co_departments"][0] for r in rows)
    assert any(r["programme"] is None and "programme" in r["sample_fields"] for r in rows)
    assert any(r["lead_department"] is None and "lead_department" in r["missing_fields"] for r in rows)
    assert any(r["record_kind"] == "place" and r["missing_fields"] == [] for r in rows)
    assert any(r["town_detail"] is not None for r in rows) and any(r["town_detail"] is None for r in rows)
    assert any(r["annual_plan"] is not None for r in rows)


@pytest.mark.parametrize("params", [{"warning": "red"}, {"warning": "yellow", "ordering": "-rate"}, {}],
                         ids=["red", "yellow-by-rate", "department"])
def test_a_filtered_list_is_the_same_rows_either_way(shaped_portfolio, monkeypatch, params):
    if not params:
        params = {"lead_department": Department.objects.filter(projects_led__isnull=False).order_by("code")[0].pk}
    client = token_client(make_user("reader", Role.VIEWER))
    fast, slow = both_answers(client, monkeypatch, views.ProjectViewSet, {"page_size": 1000, **params})
    assert fast == slow
    assert 0 < fast["count"] < Project.objects.count()


def test_a_field_it_cannot_read_from_values_is_refused_when_planned():
    with pytest.raises(Unsupported):
        ValuesRepresentation(MonthlyReportSerializer())  # created_by: a username through a relation

    class WithMethod(ProjectSerializer):
        extra = serializers.SerializerMethodField()

        def get_extra(self, obj):
            return 1

        class Meta(ProjectSerializer.Meta):
            fields = [*ProjectSerializer.Meta.fields, "extra"]

    computed = views.ProjectViewSet.values_list_computed
    with pytest.raises(Unsupported):
        ValuesRepresentation(WithMethod(), computed)
    with pytest.raises(Unsupported):
        ValuesRepresentation(ProjectSerializer(), {})  # missing_fields: a property, not a column
    assert ValuesRepresentation(ProjectSerializer(), {**computed, "extra": Computed(("id",), int)}).columns[0] == "id"


def test_a_write_only_field_is_not_shown():
    class WithSecret(ProjectSerializer):
        secret = serializers.CharField(write_only=True)

        class Meta(ProjectSerializer.Meta):
            fields = [*ProjectSerializer.Meta.fields, "secret"]

    plan = ValuesRepresentation(WithSecret(), views.ProjectViewSet.values_list_computed)
    shown = [name for name, _kind, _details in plan.steps]
    assert "secret" not in shown and shown == list(ProjectSerializer.Meta.fields)
