"""Every model a user can change keeps a history, and a change through each way in (admin, API, pages,
imports, bulk writes) leaves a history row naming who made it; the admin's history view shows it.

The models are read from the admin site and the API router; the exceptions (what no user changes, or
what is its own record) are listed with their reason.
"""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from indicators.models import Indicator, Observation, Target
from portfolio.api_urls import router
from portfolio.models import ApiToken, DatasetLoad
from portfolio.policy import Role
from projects import closing
from projects.imports import services as imports
from projects.models import (
    Department,
    DepartmentMembership,
    Milestone,
    MonthlyReport,
    PeriodLock,
    Programme,
    ProgrammeSnapshot,
    Project,
    ReportWaiver,
)
from tests.forms import bulk_read, bulk_url, entry_url, form_data
from tests.helpers import etag_of, make_user, token_client

pytestmark = pytest.mark.django_db

# Changed by no user, or the record of a change itself: API tokens (a history would keep their digests;
# issuing and revoking them is the user's own act), the loader's record of data sets, django-axes' login
# records.
NO_HISTORY = {"portfolio.apitoken", "knox.authtoken", "portfolio.datasetload", "axes.accessattempt",
              "axes.accesslog", "axes.accessfailurelog"}


def test_every_model_a_user_changes_keeps_a_history():
    changed = set(admin.site._registry) | {viewset.model for _p, viewset, _b in router.registry}
    for model in changed:
        if model._meta.label_lower in NO_HISTORY:
            assert not hasattr(model, "history")
            continue
        assert hasattr(model, "history"), f"{model._meta.label} keeps no history"
        assert model in admin.site._registry and hasattr(admin.site._registry[model], "history_view"), model
    assert ApiToken in admin.site._registry and DatasetLoad in admin.site._registry


def _latest(record):
    return record.history.order_by("-history_date", "-history_id").first()


@pytest.fixture
def staff(db):
    return make_user("staff-admin", Role.ADMINISTRATOR, is_staff=True, first_name="管理员")


def _staff_client(user):
    client = Client()
    client.force_login(user)
    return client


def _records(world):
    snapshot = ProgrammeSnapshot.objects.create(
        programme=world.programme, period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 6, 30),
        project_count=1, completed_investment=Decimal(1), plan_ratio=Decimal(1))
    membership = DepartmentMembership.objects.get(user=world.users["editor"])
    return {
        Department: (world.projects["own"].lead_department, "name", "改名后的单位"),
        DepartmentMembership: (membership, "department", str(world.projects["other"].lead_department.pk)),
        Programme: (world.programme, "name", "改名后的计划"),
        ProgrammeSnapshot: (snapshot, "qualifier", "超序时进度"),
        Project: (world.projects["own"], "progress_summary", "主体封顶"),
        Milestone: (world.milestones["own"], "note", "已开工"),
        MonthlyReport: (world.drafts["own"], "problems", "用地未批"),
        Indicator: (world.indicator, "description", "口径说明"),
        Observation: (world.indicator.observations.first(), "note", "说明"),
        Target: (world.indicator.targets.first(), "note", "说明"),
        get_user_model(): (world.users["viewer"], "first_name", "新名字"),
        Group: (Group.objects.get(name=str(Role.VIEWER)), "name", "区领导"),
    }


ADMIN_MODELS = [Department, DepartmentMembership, Programme, ProgrammeSnapshot, Project, Milestone, MonthlyReport,
                Indicator, Observation, Target, get_user_model(), Group]


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda m: m._meta.label_lower)
def test_a_change_in_the_admin_leaves_a_history_row_with_the_user_and_the_history_view_shows_it(world, staff,
                                                                                                  model):
    record, name, value = _records(world)[model]
    client = _staff_client(staff)
    meta = model._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[record.pk])
    data = form_data(client.get(url).content.decode(), f"{meta.model_name}_form")
    data[name] = [value]
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    latest = _latest(record)
    assert latest.history_user == staff and latest.history_type == "~"
    assert str(getattr(latest, name if name != "department" else "department_id")) == value
    history = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_history", args=[record.pk]))
    assert history.status_code == 200
    assert "管理员" in history.content.decode() or "staff-admin" in history.content.decode()


def test_a_role_given_in_the_admin_is_in_the_users_history(world, staff):
    user = world.users["viewer"]
    client = _staff_client(staff)
    url = reverse("admin:auth_user_change", args=[user.pk])
    data = form_data(client.get(url).content.decode(), "user_form")
    data["groups"] = [str(Group.objects.get(name=str(Role.COORDINATOR)).pk)]
    assert client.post(url, data).status_code == 302
    latest = _latest(user)
    assert latest.history_user == staff
    assert [g.group.name for g in latest.groups.all()] == [str(Role.COORDINATOR)]
    assert not hasattr(latest, "password")  # the history keeps no password hash


def test_logging_in_is_no_change_to_the_account(world, client):
    user = world.users["viewer"]
    rows = user.history.count()
    assert client.post(reverse("login"), {"username": "viewer", "password": "pw-for-tests-123"}).status_code == 302
    assert user.history.count() == rows


def test_a_record_added_in_the_admin_has_its_creation_in_the_history(world, staff):
    client = _staff_client(staff)
    url = reverse("admin:projects_department_add")
    data = form_data(client.get(url).content.decode(), "department_form")
    data.update({"code": ["new-dept"], "name": ["新单位"], "kind": ["bureau"], "active": ["on"]})
    assert client.post(url, data).status_code == 302
    added = Department.objects.get(code="new-dept")
    assert (_latest(added).history_type, _latest(added).history_user) == ("+", staff)


API_CHANGES = {
    "department": lambda w: (w.projects["own"].lead_department, {"name": "改名后的单位"}),
    "programme": lambda w: (w.programme, {"name": "改名后的计划"}),
    "project": lambda w: (w.projects["own"], {"progress_summary": "主体封顶"}),
    "milestone": lambda w: (w.milestones["own"], {"note": "已开工"}),
    "monthly-report": lambda w: (w.drafts["own"], {"problems": "用地未批"}),
    "indicator": lambda w: (w.indicator, {"description": "口径说明"}),
    "observation": lambda w: (w.indicator.observations.first(), {"note": "说明"}),
    "target": lambda w: (w.indicator.targets.first(), {"note": "说明"}),
}


def test_every_api_resource_that_changes_is_tried_here():
    assert {basename for _p, viewset, basename in router.registry if {"patch"} <= set(viewset.http_method_names)} == (
        set(API_CHANGES))


@pytest.mark.parametrize("basename", API_CHANGES)
def test_a_change_through_the_api_leaves_a_history_row_with_the_user(world, basename):
    record, change = API_CHANGES[basename](world)
    user = world.users["administrator"]
    client = token_client(user)
    url = reverse(f"api:{basename}-detail", args=[record.pk])
    response = client.patch(url, change, format="json", HTTP_IF_MATCH=etag_of(client, url))
    assert response.status_code == 200, response.content[:300]
    latest = _latest(record)
    assert latest.history_user == user and latest.history_type == "~"
    (name, value), = change.items()
    assert getattr(latest, name) == value


def test_closing_and_reopening_a_month_through_the_api_are_in_the_history(world):
    user = world.users["coordinator"]
    client = token_client(user)
    created = client.post(reverse("api:period-lock-list"), {"year": 2024, "month": 12}, format="json")
    assert created.status_code == 201, created.content
    lock = PeriodLock.objects.get(pk=created.json()["id"])
    assert (_latest(lock).history_type, _latest(lock).history_user) == ("+", user)
    assert client.delete(reverse("api:period-lock-detail", args=[lock.pk]) + "?reason=更正").status_code == 204
    deleted = PeriodLock.history.filter(id=lock.pk).order_by("-history_id").first()
    assert (deleted.history_type, deleted.history_user, deleted.history_change_reason) == ("-", user, "更正")


def test_the_pages_writes_are_in_the_history_with_the_user(world):
    editor, coordinator = world.users["editor"], world.users["coordinator"]
    client = _staff_client(editor)
    url = entry_url(world.projects["own"], 2025, 3)
    data = form_data(client.get(url).content.decode(), "report-form")
    data.update({"completed_month": ["7"], "ms-0-note": ["已开工"], "save": ["1"]})
    assert client.post(url, data).status_code == 302
    assert _latest(world.drafts["own"]).history_user == editor
    assert _latest(world.milestones["own"]).history_user == editor
    client = _staff_client(coordinator)
    url = reverse("projects:project_edit", args=[world.projects["own"].pk])
    data = form_data(client.get(url).content.decode(), "project-form")
    data["progress_summary"] = ["主体封顶"]
    assert client.post(url, data).status_code == 302
    assert _latest(world.projects["own"]).history_user == coordinator


def test_bulk_writes_record_a_history_row_for_every_record_with_the_user(world):
    """The bulk sheet saves each row through the services; closing a month with its missing reports
    waived writes the waivers with bulk_create_with_history, naming the coordinator."""
    editor, coordinator = world.users["editor"], world.users["coordinator"]
    second = Project.objects.create(programme=world.programme, code="P-own2", name="项目own2",
                                    lead_department=world.projects["own"].lead_department, annual_plan=Decimal(500))
    client = _staff_client(editor)
    url = bulk_url(2025, 4)
    data, rows = bulk_read(client, url)
    for pk in (world.projects["own"].pk, second.pk):
        data[f"{rows[pk]}-completed_month"] = "3"
    data["save"] = "1"
    assert client.post(url, data).status_code == 302
    saved = MonthlyReport.objects.filter(month=4)
    assert saved.count() == 2
    for report in saved:
        assert (_latest(report).history_type, _latest(report).history_user) == ("+", editor)
    # December of the year before: nothing is expected, the programme is missing its reports.
    Programme.objects.create(year=2024, level="district", name="2024年区重点项目")
    old = Project.objects.create(programme=Programme.objects.get(year=2024), code="P-2024", name="去年的项目",
                                 lead_department=world.projects["own"].lead_department)
    old_two = Project.objects.create(programme=Programme.objects.get(year=2024), code="P-2024b", name="去年的项目乙",
                                     lead_department=world.projects["own"].lead_department)
    closing.month_close(year=2024, month=12, acting_user=coordinator, waive_missing="项目未开工")
    waivers = ReportWaiver.objects.filter(project__in=[old, old_two])
    assert waivers.count() == 2
    for waiver in waivers:
        assert (_latest(waiver).history_type, _latest(waiver).history_user) == ("+", coordinator)


def _sheet(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _import(kind, rows, user, name="名录.xlsx"):
    kind = imports.KINDS[kind]
    table, mapping = imports.read(kind, _sheet(rows), name=name)
    plan = imports.apply(kind, table, mapping, acting_user=user, file_name=name)
    assert plan.applied, (plan.errors, [row.errors for row in plan.rows])
    return plan


def test_imports_leave_history_rows_with_the_user_and_the_file(report_data):
    user = make_user("importer", Role.ADMINISTRATOR, email="importer@example.gov.cn")
    _import("departments", [["单位编码", "单位名称", "单位类型"], ["new-import", "导入的单位", "区直部门"]], user)
    department = Department.objects.get(code="new-import")
    latest = _latest(department)
    assert (latest.history_type, latest.history_user, latest.history_change_reason) == ("+", user, "导入：名录.xlsx")
    _import("departments", [["单位编码", "单位名称", "单位类型"], ["new-import", "改名的单位", "区直部门"]], user)
    assert (_latest(department).history_type, _latest(department).history_user) == ("~", user)
    _import("editors", [["姓名", "所属单位", "电子邮箱"], ["张三", "改名的单位", "zhangsan@example.gov.cn"]], user)
    account = get_user_model().objects.get(email="zhangsan@example.gov.cn")
    assert _latest(account).history_user == user and _latest(account).history_change_reason == "导入：名录.xlsx"
    membership = DepartmentMembership.objects.get(user=account)
    assert (_latest(membership).history_type, _latest(membership).history_user) == ("+", user)
