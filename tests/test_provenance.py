"""Where a record comes from (its source quote, its sample flag, the report's quote of the second half) is
shown everywhere and changed by no user: not in the admin (change and add forms, inlines), not through
the pages, not through the API, not through the services; imports that are the source still set it.

The models and their provenance fields are read from the models (``PROVENANCE_FIELDS``), the admin
forms from the admin site, so a new sourced model is tried without a line here.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from portfolio.api_urls import router
from portfolio.policy import Role
from portfolio.records import record_update
from projects import services
from projects.models import Milestone, ProgrammeSnapshot, Project
from tests.forms import form_data
from tests.helpers import etag_of, make_user, token_client

pytestmark = pytest.mark.django_db

SOURCED = [model for model in apps.get_models() if getattr(model, "PROVENANCE_FIELDS", ())]
FORGED = {"source_quote": "伪造的报告原文", "is_synthetic": "on", "h2_plan_quote": "伪造的下半年安排原文"}


def _records(world):
    snapshot = ProgrammeSnapshot.objects.create(
        programme=world.programme, period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 6, 30),
        project_count=1, completed_investment=Decimal(1), plan_ratio=Decimal(1), source_quote="报告原文")
    for record in (world.projects["own"], world.milestones["own"], world.drafts["own"], world.programme,
                   world.projects["own"].lead_department, world.indicator.observations.first(),
                   world.indicator.targets.first()):
        type(record).objects.filter(pk=record.pk).update(source_quote="报告原文")
    Project.objects.filter(pk=world.projects["own"].pk).update(h2_plan_quote="报告中的下半年安排")
    return {
        "projects.department": world.projects["own"].lead_department, "projects.programme": world.programme,
        "projects.programmesnapshot": snapshot, "projects.project": world.projects["own"],
        "projects.milestone": world.milestones["own"], "projects.monthlyreport": world.drafts["own"],
        "indicators.observation": world.indicator.observations.first(),
        "indicators.target": world.indicator.targets.first(),
    }


def _provenance(record):
    record = type(record).objects.get(pk=record.pk)
    return {name: getattr(record, name) for name in type(record).PROVENANCE_FIELDS}


def test_every_sourced_model_is_tried_here():
    assert {m._meta.label_lower for m in SOURCED} == {
        "projects.department", "projects.programme", "projects.programmesnapshot", "projects.project",
        "projects.milestone", "projects.monthlyreport", "indicators.observation", "indicators.target"}


def _staff(role):
    user = make_user(f"staff-{role}", role, is_staff=True)
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.COORDINATOR], ids=["administrator", "coordinator"])
@pytest.mark.parametrize("model", SOURCED, ids=lambda m: m._meta.label_lower)
def test_the_admin_shows_provenance_read_only_and_a_forged_post_changes_nothing(world, role, model):
    record = _records(world)[model._meta.label_lower]
    client = _staff(role)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[record.pk])
    page = client.get(url).content.decode()
    data = form_data(page, f"{model._meta.model_name}_form")
    before = _provenance(record)
    for name in model.PROVENANCE_FIELDS:
        assert name not in data, f"{name} is a form field"
        assert f"field-{name}" in page, f"{name} is not shown"  # shown, read-only
        data[name] = [FORGED[name]]
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert _provenance(record) == before


@pytest.mark.parametrize("model", SOURCED, ids=lambda m: m._meta.label_lower)
def test_the_admins_add_form_has_no_provenance_field(world, model):
    client = _staff(Role.ADMINISTRATOR)
    page = client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")).content.decode()
    data = form_data(page, f"{model._meta.model_name}_form")
    for name in model.PROVENANCE_FIELDS:
        assert name not in data


def test_an_added_record_gets_no_forged_provenance(world):
    client = _staff(Role.ADMINISTRATOR)
    url = reverse("admin:projects_milestone_add")
    data = form_data(client.get(url).content.decode(), "milestone_form")
    data.update({"project": [str(world.projects["own"].pk)], "kind": ["topping_out"], "planned_date": ["2025-09-30"],
                 "planned_date_precision": ["day"], "actual_date_precision": ["day"],
                 **{name: [value] for name, value in FORGED.items()}})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    added = Milestone.objects.get(project=world.projects["own"], kind="topping_out")
    assert (added.source_quote, added.is_synthetic) == ("", False)


def test_an_inline_row_cannot_forge_provenance(world):
    records = _records(world)
    client = _staff(Role.ADMINISTRATOR)
    url = reverse("admin:projects_programme_change", args=[world.programme.pk])
    data = form_data(client.get(url).content.decode(), "programme_form")
    prefix = next(key[: -len("-TOTAL_FORMS")] for key in data if key.endswith("-TOTAL_FORMS")
                  and "snapshot" in key)
    before = _provenance(records["projects.programmesnapshot"])
    data[f"{prefix}-0-source_quote"] = ["伪造"]
    data[f"{prefix}-0-is_synthetic"] = ["on"]
    assert client.post(url, data).status_code == 302
    assert _provenance(records["projects.programmesnapshot"]) == before


def _api_cases():
    for _prefix, viewset, basename in router.registry:
        for name in getattr(viewset.model, "PROVENANCE_FIELDS", ()):
            yield basename, viewset.model._meta.label_lower, name


API_CASES = list(_api_cases())


@pytest.mark.parametrize(("basename", "label", "name"), API_CASES, ids=[f"{b}.{n}" for b, _l, n in API_CASES])
def test_the_api_refuses_provenance_on_change_and_on_create(world, basename, label, name):
    records = _records(world)
    client = token_client(world.users["administrator"])
    record = records[label]
    url = reverse(f"api:{basename}-detail", args=[record.pk])
    before = _provenance(record)
    forged = True if name == "is_synthetic" else FORGED[name]
    response = client.patch(url, {name: forged}, format="json", HTTP_IF_MATCH=etag_of(client, url))
    assert response.status_code == 400 and name in response.json(), response.content[:300]
    assert _provenance(record) == before
    response = client.post(reverse(f"api:{basename}-list"), {name: forged}, format="json")
    assert response.status_code == 400 and name in response.json()


@pytest.mark.parametrize("role", ["coordinator", "administrator"])
def test_the_services_refuse_provenance_whoever_asks(world, role):
    records = _records(world)
    user = world.users[role]
    for record in records.values():
        model = type(record)
        for name in model.PROVENANCE_FIELDS:
            value = not getattr(record, name) if name == "is_synthetic" else "伪造"
            kwargs = {"expected_version": getattr(model.objects.get(pk=record.pk), "version", None)}
            with pytest.raises(PermissionDenied):
                record_update(instance=model.objects.get(pk=record.pk), data={name: value}, acting_user=user, **kwargs)
    project = Project.objects.get(pk=world.projects["own"].pk)
    with pytest.raises(PermissionDenied):
        services.project_update(project=project, data={"h2_plan_quote": "伪造"}, acting_user=world.users["coordinator"],
                                expected_version=project.version)


def test_the_project_page_ignores_forged_provenance(world):
    client = Client()
    client.force_login(world.users["coordinator"])
    _records(world)
    project = world.projects["own"]
    url = reverse("projects:project_edit", args=[project.pk])
    data = form_data(client.get(url).content.decode(), "project-form")
    before = _provenance(project)
    data.update({name: [value] for name, value in FORGED.items()})
    data["progress_summary"] = ["主体封顶"]
    assert client.post(url, data).status_code == 302
    assert _provenance(project) == before
    assert Project.objects.get(pk=project.pk).progress_summary == "主体封顶"


def test_every_admin_of_a_sourced_model_is_covered():
    assert set(SOURCED) <= set(admin.site._registry)


def test_an_import_is_the_source_of_what_it_creates_and_leaves_a_quoted_records_provenance(report_data, coordinator):
    """An import writes the data it carries: a new project is real data without a quote, and a report
    project it updates keeps the report's quote and flag."""
    from projects.imports import services as imports
    from tests.imports.helpers import HEADERS, project_row, workbook

    quoted = Project.objects.exclude(source_quote="").filter(record_kind="project").order_by("code").first()
    before = _provenance(quoted)
    assert before["source_quote"] and before["is_synthetic"] is False
    data = workbook([HEADERS, project_row(quoted.code, quoted.name, total=90000, plan=1000),
                     project_row("IMP-NEW", "导入的新项目")])
    kind = imports.KINDS["projects"]
    table, mapping = imports.read(kind, data, name="清单.xlsx")
    plan = imports.apply(kind, table, mapping, acting_user=coordinator, file_name="清单.xlsx")
    assert plan.applied, (plan.errors, [row.errors for row in plan.rows])
    assert [row.kind for row in plan.rows] == ["update", "new"]
    assert _provenance(quoted) == before and Project.objects.get(pk=quoted.pk).total_investment == 90000
    new = Project.objects.get(code="IMP-NEW")
    assert (new.source_quote, new.is_synthetic, new.h2_plan_quote) == ("", False, "")
