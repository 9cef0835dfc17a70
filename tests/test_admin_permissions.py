"""The permission matrix through the admin: every page and POST asks the same policy.

Expectations come from the shared table (tests/expectations.py). Forms are read back from the
rendered page and posted as a browser would (tests/forms.py), so a read-only field that is posted
anyway is ignored exactly as it would be for a crafted request.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from portfolio.policy import Role
from projects.models import Milestone, MonthlyReport, Programme, Project
from tests.expectations import ROLES, SIDES, cell_id, cells, is_allowed
from tests.forms import form_data
from tests.helpers import database_state, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_world(department, other_department):
    users = {
        "viewer": make_user("viewer", Role.VIEWER, is_staff=True),
        "editor": make_user("editor", Role.EDITOR, department, is_staff=True),
        "other_editor": make_user("other_editor", Role.EDITOR, other_department, is_staff=True),
        "coordinator": make_user("coordinator", Role.COORDINATOR, is_staff=True),
        "administrator": make_user("administrator", Role.ADMINISTRATOR, is_staff=True),
    }
    programme = Programme.objects.create(year=2025, level="district", name="2025年区重点项目")
    objects = {}
    for side, dept, author in (("own", department, users["editor"]), ("other", other_department, users["other_editor"])):
        project = Project.objects.create(
            programme=programme, code=f"P-{side}", name=f"项目{side}", lead_department=dept,
            annual_plan=Decimal("1000"), total_investment=Decimal("5000"), status="implementation",
        )
        objects[side] = {
            "project": project,
            "milestone": Milestone.objects.create(project=project, kind="start", planned_date=dt.date(2025, 3, 1)),
            "submitted": MonthlyReport.objects.create(
                project=project, year=2025, month=1, completed_month=Decimal(10), completed_ytd=Decimal(10),
                status="submitted", created_by=author, submitted_by=author),
            "draft": MonthlyReport.objects.create(
                project=project, year=2025, month=2, completed_month=Decimal(5), completed_ytd=Decimal(15),
                created_by=author),
        }
    return users, objects


def admin_url(obj_or_model, view, *args):
    meta = obj_or_model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def post_change(client, obj, **changes):
    """Open the change form, alter fields as a user would, post it. Returns the POST response or the GET one."""
    url = admin_url(obj, "change", obj.pk)
    page = client.get(url)
    if page.status_code != 200:
        return page
    data = form_data(page.content.decode())
    for name, value in changes.items():
        data[name] = [value]
    return client.post(url, data)


# (object key, field, new value, how to read it back, row in the shared table of expectations)
CHANGES = {
    "project(progress)": ("project", "progress_summary", "主体封顶", lambda o: o.progress_summary,
                          ("project", "change:progress")),
    "project(plan)": ("project", "annual_plan", "1234", lambda o: str(o.annual_plan.normalize()),
                      ("project", "change:plan")),
    "project(department)": ("project", "lead_department", None, lambda o: o.lead_department_id,
                            ("project", "change:department")),
    "milestone(actual)": ("milestone", "actual_date", "2025-03-05", lambda o: str(o.actual_date),
                          ("milestone", "change:actual")),
    "milestone(planned)": ("milestone", "planned_date", "2025-09-01", lambda o: str(o.planned_date),
                           ("milestone", "change:planned")),
    "report(draft)": ("draft", "problems", "用地未批", lambda o: o.problems, ("report:draft", "change")),
}
CHANGE_CELLS = cells({name: change[4] for name, change in CHANGES.items()})


@pytest.mark.parametrize(("name", "role", "side", "allowed"), CHANGE_CELLS,
                         ids=[cell_id(*c) for c in CHANGE_CELLS])
def test_admin_change_matrix(client, admin_world, department, other_department, name, role, side, allowed):
    users, objects = admin_world
    key, field, value, read, _expected = CHANGES[name]
    obj = objects[side][key]
    if field == "lead_department":
        value = str((other_department if side == "own" else department).pk)
    client.force_login(users[role])
    before = database_state()
    old = read(type(obj).objects.get(pk=obj.pk))
    response = post_change(client, obj, **{field: value})
    new = read(type(obj).objects.get(pk=obj.pk))
    if allowed:
        assert response.status_code == 302, response.content.decode()[:3000]
        assert new != old and str(new) == value
    else:
        assert response.status_code in (200, 302, 403)
        assert new == old
        assert database_state() == before


# object key -> its subject in the shared table; each is listed, viewed and deleted
SUBJECTS = {"project": "project", "milestone": "milestone", "draft": "report:draft"}
PAGE_CELLS = [
    (model_key, view, role, side, is_allowed((subject if view == "delete" else subject.split(":")[0],
                                              "delete" if view == "delete" else "view"), role, side))
    for model_key, subject in SUBJECTS.items()
    for view in ("list", "view", "delete")
    for role in ROLES
    for side in SIDES
]


@pytest.mark.parametrize(("model_key", "view", "role", "side", "allowed"), PAGE_CELLS,
                         ids=[f"{m}-{v}-{r}-{s}" for m, v, r, s, _a in PAGE_CELLS])
def test_admin_page_matrix(client, admin_world, model_key, view, role, side, allowed):
    users, objects = admin_world
    obj = objects[side][model_key]
    client.force_login(users[role])
    before = database_state()
    if view == "list":
        response = client.get(admin_url(obj, "changelist"))
        assert response.status_code == 200
        assert (admin_url(obj, "change", obj.pk) in response.content.decode()) == allowed
    elif view == "view":
        assert client.get(admin_url(obj, "change", obj.pk)).status_code == 200
    else:
        response = client.post(admin_url(obj, "delete", obj.pk), {"post": "yes"})
        exists = type(obj).objects.filter(pk=obj.pk).exists()
        if allowed:
            assert response.status_code == 302 and not exists
        else:
            assert response.status_code == 403 and exists
            assert database_state() == before


ADMIN_ACTIONS = {
    "approve_reports": ("report:submitted", "approve"),
    "return_reports": ("report:submitted", "return"),
    "submit_reports": ("report:draft", "submit"),
}
ACTION_CELLS = cells(ADMIN_ACTIONS)


@pytest.mark.parametrize(("action", "role", "side", "allowed"), ACTION_CELLS,
                         ids=[cell_id(*c) for c in ACTION_CELLS])
def test_admin_workflow_actions(client, admin_world, action, role, side, allowed):
    users, objects = admin_world
    report = objects[side]["draft" if action == "submit_reports" else "submitted"]
    client.force_login(users[role])
    before = database_state()
    data = {"action": action, "_selected_action": [report.pk], "comment": "请补充形象进度"}
    client.post(admin_url(report, "changelist"), data)
    status = MonthlyReport.objects.get(pk=report.pk).status
    expected = {"approve_reports": "approved", "return_reports": "returned", "submit_reports": "submitted"}[action]
    if allowed:
        assert status == expected
        assert MonthlyReport.history.filter(id=report.pk).latest().history_user == users[role]
    else:
        assert database_state() == before


def test_editor_cannot_open_the_add_pages_of_plan_records(client, admin_world):
    users, _objects = admin_world
    client.force_login(users["editor"])
    assert client.get(admin_url(Project, "add")).status_code == 403
    assert client.get(admin_url(Milestone, "add")).status_code == 403
    assert client.get(admin_url(MonthlyReport, "add")).status_code == 200


def test_editor_adds_a_report_only_for_their_own_projects(client, admin_world):
    users, objects = admin_world
    client.force_login(users["editor"])
    page = client.get(admin_url(MonthlyReport, "add"))
    data = form_data(page.content.decode())
    data.update({"year": ["2025"], "month": ["3"], "completed_month": ["7"], "progress_text": ["桩基施工"]})
    before = database_state()
    data["project"] = [str(objects["other"]["project"].pk)]
    response = client.post(admin_url(MonthlyReport, "add"), data)
    assert response.status_code == 403
    assert database_state() == before
    data["project"] = [str(objects["own"]["project"].pk)]
    response = client.post(admin_url(MonthlyReport, "add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    created = MonthlyReport.objects.get(project=objects["own"]["project"], month=3)
    assert created.completed_ytd == Decimal(22)  # computed: 15 to February + 7
    assert created.created_by == users["editor"]


def test_direct_post_to_another_departments_project_is_refused(client, admin_world):
    users, objects = admin_world
    client.force_login(users["coordinator"])
    data = form_data(client.get(admin_url(objects["other"]["project"], "change", objects["other"]["project"].pk))
                     .content.decode())
    client.force_login(users["editor"])
    data["progress_summary"] = ["篡改"]
    data["annual_plan"] = ["1"]
    before = database_state()
    response = client.post(admin_url(objects["other"]["project"], "change", objects["other"]["project"].pk), data)
    assert response.status_code == 403
    assert database_state() == before


def test_stale_admin_form_is_refused_keeping_what_was_typed(client, admin_world):
    users, objects = admin_world
    project = objects["own"]["project"]
    url = admin_url(project, "change", project.pk)
    client.force_login(users["editor"])
    editor_form = form_data(client.get(url).content.decode())
    client.force_login(users["coordinator"])
    coordinator_form = form_data(client.get(url).content.decode())
    coordinator_form["progress_summary"] = ["统筹先保存"]
    assert client.post(url, coordinator_form).status_code == 302
    history = Project.history.filter(id=project.pk).count()
    client.force_login(users["editor"])
    editor_form["progress_summary"] = ["部门后保存"]
    response = client.post(url, editor_form)
    assert response.status_code == 200
    page = response.content.decode()
    assert "已被他人修改" in page
    assert "部门后保存" in page  # what the editor typed is still in the form
    current = Project.objects.get(pk=project.pk)
    assert current.progress_summary == "统筹先保存"
    assert Project.history.filter(id=project.pk).count() == history


def test_coordinator_sees_who_changed_a_figure_and_reverts_it(client, admin_world):
    users, objects = admin_world
    project = objects["own"]["project"]
    client.force_login(users["coordinator"])
    assert post_change(client, project, annual_plan="2000").status_code == 302
    changed = Project.history.filter(id=project.pk).latest()
    original = Project.history.filter(id=project.pk).earliest()
    history_page = client.get(admin_url(project, "history", project.pk)).content.decode()
    assert "coordinator" in history_page
    revert_url = admin_url(project, "simple_history", project.pk, original.history_id)
    data = form_data(client.get(revert_url).content.decode())
    response = client.post(revert_url, data)
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.annual_plan == Decimal("1000")
    latest = Project.history.filter(id=project.pk).latest()
    assert latest.history_user == users["coordinator"] and latest.history_id != changed.history_id


def test_editor_cannot_revert_through_history(client, admin_world):
    users, objects = admin_world
    project = objects["other"]["project"]
    client.force_login(users["coordinator"])
    post_change(client, project, progress_summary="新进度")
    original = Project.history.filter(id=project.pk).earliest()
    client.force_login(users["editor"])
    revert_url = admin_url(project, "simple_history", project.pk, original.history_id)
    before = database_state()
    page = client.get(revert_url)
    response = client.post(revert_url, form_data(page.content.decode()) if page.status_code == 200 else {})
    assert response.status_code == 403
    assert database_state() == before


def test_users_and_groups_are_for_administrators_only(client, admin_world):
    users, _objects = admin_world
    for role in ("viewer", "editor", "coordinator"):
        client.force_login(users[role])
        assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    client.force_login(users["administrator"])
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200


def test_foreign_key_choices_come_from_the_policy(client, admin_world, settings):
    settings.PORTFOLIO_EDITOR_SEES_ALL_PROJECTS = False
    users, objects = admin_world
    client.force_login(users["editor"])
    response = client.get(reverse("admin:autocomplete"), {
        "app_label": "projects", "model_name": "monthlyreport", "field_name": "project", "term": "项目"})
    names = [row["text"] for row in response.json()["results"]]
    assert names == [str(objects["own"]["project"])]
    # A project outside what the editor may see answers 404 in the admin too.
    other = objects["other"]["project"]
    assert client.get(admin_url(other, "change", other.pk)).status_code in (302, 404)
