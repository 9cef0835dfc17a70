"""The monthly report's use cases through the API: POST monthly-reports/entry/ and monthly-reports/bulk/.

Both call the services the entry page and the bulk sheet call (projects.services); these tests hold the
HTTP side: statuses, bodies, the fields named, and that a refused request leaves the database as it was.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.urls import reverse

from projects import closing, services
from projects.models import Milestone, MonthlyReport, Project
from tests.helpers import database_state, token_client

pytestmark = pytest.mark.django_db

ENTRY = reverse("api:monthly-report-entry")
BULK = reverse("api:monthly-report-bulk")


def entry_body(project, month, version=0, **changes):
    return {"project": project.pk, "year": 2025, "month": month, "version": version, "completed_month": "7",
            "progress_text": "桩基施工", "problems": "", "coordination_requests": "", "plausibility_note": "",
            **changes}


def stored(report_pk):
    """A report as stored, without what differs between two saves of the same input (ids and times)."""
    row = MonthlyReport.objects.filter(pk=report_pk).values().get()
    for name in ("id", "created_at", "updated_at", "submitted_at"):
        row.pop(name)
    return row


# Entry ------------------------------------------------------------------------------------------------


def test_an_editor_starts_a_month_with_a_milestone_date(world):
    editor, project, milestone = world.users["editor"], world.projects["own"], world.milestones["own"]
    response = token_client(editor).post(ENTRY, entry_body(project, 4, milestones=[
        {"id": milestone.pk, "version": milestone.version, "actual_date": "2025-04-08", "note": "已开工"},
    ]), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["project"], body["month"], body["version"], body["status"]) == (project.pk, 4, 1, "draft")
    assert body["completed_ytd"] == "27.0000"  # March's 20 plus 7
    assert response["ETag"] == '"1"'
    assert response["Location"].endswith(reverse("api:monthly-report-detail", args=[body["id"]]))
    report = MonthlyReport.objects.get(pk=body["id"])
    assert list(report.contributors.all()) == [editor]
    assert report.history.get().history_user == editor
    milestone.refresh_from_db()
    assert (milestone.actual_date, milestone.note, milestone.version) == (dt.date(2025, 4, 8), "已开工", 2)
    assert milestone.history.latest().history_user == editor


def test_an_editor_changes_a_draft_and_omitted_texts_stay(world):
    editor, draft = world.users["editor"], world.drafts["own"]
    MonthlyReport.objects.filter(pk=draft.pk).update(problems="用地未批")
    response = token_client(editor).post(ENTRY, {
        "project": draft.project_id, "year": 2025, "month": 3, "version": draft.version, "completed_month": "6",
    }, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["version"] == draft.version + 1
    draft.refresh_from_db()
    assert (draft.completed_month, draft.completed_ytd, draft.problems) == (Decimal(6), Decimal(21), "用地未批")
    assert editor in draft.contributors.all()


def test_an_editor_saves_and_submits_in_one_call(world):
    editor, draft = world.users["editor"], world.drafts["own"]
    response = token_client(editor).post(
        ENTRY, entry_body(draft.project, 3, draft.version, submit=True), format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted"
    draft.refresh_from_db()
    assert (draft.status, draft.submitted_by, draft.completed_month) == ("submitted", editor, Decimal(7))


@pytest.mark.parametrize("case", ["stale report", "version 0 of a stored report", "stale milestone"])
def test_a_version_the_database_moved_past_answers_409_and_changes_nothing(world, case):
    draft, milestone = world.drafts["own"], world.milestones["own"]
    body = {
        "stale report": entry_body(draft.project, 3, draft.version + 1),
        "version 0 of a stored report": entry_body(draft.project, 3, 0),
        "stale milestone": entry_body(draft.project, 3, draft.version, milestones=[
            {"id": milestone.pk, "version": milestone.version + 1, "actual_date": "2025-03-02"}]),
    }[case]
    before = database_state()
    response = token_client(world.users["editor"]).post(ENTRY, body, format="json")
    assert response.status_code == 409, response.content
    assert response.json()["detail"]
    assert database_state() == before


@pytest.mark.parametrize(("who", "side", "month"), [
    ("editor", "other", 4),  # another department's project
    ("other_editor", "own", 3),  # another department's draft
    ("editor", "own", 2),  # submitted: the editor withdraws it first
    ("viewer", "own", 4),
])
def test_what_the_policy_refuses_answers_403_and_changes_nothing(world, who, side, month):
    project = world.projects[side]
    version = {2: world.submitted[side].version, 3: world.drafts[side].version}.get(month, 0)
    before = database_state()
    response = token_client(world.users[who]).post(ENTRY, entry_body(project, month, version), format="json")
    assert response.status_code == 403, response.content
    assert database_state() == before


def test_a_closed_month_answers_403_and_changes_nothing(world):
    closing.month_close(year=2025, month=5, acting_user=world.users["coordinator"], waive_missing="尚无投资")
    before = database_state()
    response = token_client(world.users["editor"]).post(ENTRY, entry_body(world.projects["own"], 5), format="json")
    assert response.status_code == 403, response.content
    assert "关闭" in response.json()["detail"]
    assert database_state() == before


def test_a_milestone_of_another_project_is_refused_and_nothing_is_written(world):
    other = world.milestones["other"]
    before = database_state()
    response = token_client(world.users["editor"]).post(ENTRY, entry_body(world.projects["own"], 4, milestones=[
        {"id": other.pk, "version": other.version, "actual_date": "2025-04-01"}]), format="json")
    assert response.status_code == 403, response.content  # the service's refusal, after the report was written
    assert database_state() == before


@pytest.mark.parametrize(("changes", "field"), [
    ({"completed_month": "abc"}, "completed_month"),
    ({"completed_month": "-1"}, "completed_month"),
    ({"completed_month": None}, "completed_month"),
    ({"month": 13}, "month"),
    ({"version": -1}, "version"),
    ({"progress_text": "进" * 20_001}, "progress_text"),
    ({"submit": "maybe"}, "submit"),
    ({"status": "approved"}, "status"),
    ({"milestones": [{"id": 999_999, "version": 1}]}, "milestones"),
    ({"milestones": [{"id": 1, "version": 1, "actual_date": "2025-13-01"}]}, "milestones"),
    ({"completed_month": "900"}, "plausibility_note"),  # 90% of the annual plan, no explanation
])
def test_bad_input_answers_400_naming_the_field_and_changes_nothing(world, changes, field):
    before = database_state()
    response = token_client(world.users["editor"]).post(
        ENTRY, {**entry_body(world.projects["own"], 4), **changes}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert database_state() == before


def test_a_milestone_named_twice_answers_400(world):
    milestone = world.milestones["own"]
    row = {"id": milestone.pk, "version": milestone.version, "note": "x"}
    response = token_client(world.users["editor"]).post(
        ENTRY, entry_body(world.projects["own"], 4, milestones=[row, row]), format="json")
    assert response.status_code == 400 and "milestones" in response.json()


def test_a_project_the_user_may_not_see_answers_404(world, settings):
    settings.PORTFOLIO_EDITOR_SEES_ALL_PROJECTS = False
    before = database_state()
    client = token_client(world.users["editor"])
    assert client.post(ENTRY, entry_body(world.projects["other"], 4), format="json").status_code == 404
    assert client.post(ENTRY, {**entry_body(world.projects["own"], 4), "project": 999_999},
                       format="json").status_code == 404
    # A milestone one may not see is the same as one that does not exist.
    hidden = world.milestones["other"]
    response = client.post(ENTRY, entry_body(world.projects["own"], 4, milestones=[
        {"id": hidden.pk, "version": hidden.version, "note": "x"}]), format="json")
    assert response.status_code == 400 and "milestones" in response.json()
    assert database_state() == before


def test_the_api_stores_what_the_entry_page_s_service_stores(world):
    """The same input through the API and straight through the service leaves the same records."""
    editor, project, milestone = world.users["editor"], world.projects["own"], world.milestones["own"]
    data = {"completed_month": Decimal("7.5"), "progress_text": "主体施工", "problems": "用地未批",
            "coordination_requests": "协调供电", "plausibility_note": ""}

    def outcome(report_pk):
        return (stored(report_pk), list(MonthlyReport.objects.get(pk=report_pk).contributors.all()),
                MonthlyReport.history.filter(id=report_pk).count(),
                Milestone.objects.filter(pk=milestone.pk).values("actual_date", "note", "version").get(),
                Milestone.history.filter(id=milestone.pk).count())

    savepoint = transaction.savepoint()
    response = token_client(editor).post(ENTRY, {
        "project": project.pk, "year": 2025, "month": 4, "version": 0, "submit": True,
        **{name: str(value) for name, value in data.items()},
        "milestones": [{"id": milestone.pk, "version": milestone.version, "actual_date": "2025-04-08", "note": "已开工"}],
    }, format="json")
    assert response.status_code == 201, response.content
    through_api = outcome(response.json()["id"])
    transaction.savepoint_rollback(savepoint)

    report = services.monthly_report_entry_save(
        project=project, year=2025, month=4, data=data, acting_user=editor, expected_version=0, submit=True,
        milestones=[services.MilestoneInput(milestone=Milestone.objects.get(pk=milestone.pk), expected_version=1,
                                            data={"actual_date": dt.date(2025, 4, 8), "note": "已开工"})],
    )
    assert through_api == outcome(report.pk)
    assert through_api[0]["status"] == "submitted"


# Bulk -------------------------------------------------------------------------------------------------


def own_projects(world, n):
    """n projects of the editor's department (the world has one)."""
    own = world.projects["own"]
    return [own] + [
        Project.objects.create(programme=world.programme, code=f"P-own-{i}", name=f"本单位项目{i}",
                               lead_department=own.lead_department, annual_plan=Decimal("1000"))
        for i in range(1, n)
    ]


def bulk_body(projects, month=4, submit=False, versions=None):
    versions = versions or {}
    return {"year": 2025, "month": month, "submit": submit, "rows": [
        {"project": p.pk, "version": versions.get(p.pk, 0), "completed_month": str(i + 1), "progress_text": f"进度{i}"}
        for i, p in enumerate(projects)
    ]}


def test_bulk_saves_every_row(world):
    editor = world.users["editor"]
    projects = own_projects(world, 2)
    response = token_client(editor).post(BULK, bulk_body(projects), format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"saved": 2}
    reports = MonthlyReport.objects.filter(project__in=projects, year=2025, month=4).order_by("project_id")
    assert [(r.completed_month, r.status, r.version) for r in reports] == [
        (Decimal(1), "draft", 1), (Decimal(2), "draft", 1)]
    assert all(list(r.contributors.all()) == [editor] for r in reports)


def test_bulk_submits_every_row(world):
    projects = own_projects(world, 2)
    response = token_client(world.users["editor"]).post(BULK, bulk_body(projects, submit=True), format="json")
    assert response.status_code == 200, response.content
    assert set(MonthlyReport.objects.filter(project__in=projects, month=4).values_list("status", flat=True)) == {
        "submitted"}


def test_a_stale_row_refuses_the_whole_sheet_and_names_the_row(world):
    projects = own_projects(world, 2)
    draft = world.drafts["own"]  # month 3 of the first project
    before = database_state()
    response = token_client(world.users["editor"]).post(
        BULK, bulk_body(projects, month=3, versions={draft.project_id: draft.version + 1}), format="json")
    assert response.status_code == 400, response.content
    rows = response.json()["rows"]
    assert list(rows) == ["0"] and "他人" in rows["0"][0]  # the first row: the draft's project
    assert database_state() == before


@pytest.mark.parametrize("case", ["another department's project", "a project named twice", "a submitted report",
                                  "a project one may not see"])
def test_a_refused_row_answers_400_naming_it_and_nothing_is_saved(world, settings, case):
    """Rows are named by their index in the body; the others would have been saved."""
    own = own_projects(world, 2)
    if case == "another department's project":
        body, named = bulk_body([own[1], world.projects["other"]]), "1"
    elif case == "a project named twice":
        body, named = bulk_body(own), "2"
        body["rows"].append(dict(body["rows"][1]))
    elif case == "a submitted report":
        body, named = bulk_body(own, month=2, versions={own[0].pk: world.submitted["own"].version}), "0"
    else:
        settings.PORTFOLIO_EDITOR_SEES_ALL_PROJECTS = False
        body, named = bulk_body([own[1], world.projects["other"]]), "1"
    before = database_state()
    response = token_client(world.users["editor"]).post(BULK, body, format="json")
    assert response.status_code == 400, response.content
    rows = response.json()["rows"]
    assert list(rows) == [named] and rows[named]
    assert database_state() == before


def test_bulk_bad_input_names_the_field(world):
    client = token_client(world.users["editor"])
    body = bulk_body(own_projects(world, 1))
    body["rows"][0]["completed_month"] = "abc"
    response = client.post(BULK, body, format="json")
    assert response.status_code == 400 and "completed_month" in response.json()["rows"]["0"]
    assert client.post(BULK, {**body, "rows": []}, format="json").status_code == 400
    assert client.post(BULK, {**bulk_body([world.projects["own"]]), "month": 0}, format="json").json().keys() == {
        "month"}


def test_a_viewer_may_not_send_a_sheet(world):
    before = database_state()
    response = token_client(world.users["viewer"]).post(BULK, bulk_body([world.projects["own"]]), format="json")
    assert response.status_code == 403
    assert database_state() == before


@pytest.mark.parametrize(("rows", "queries"), [(2, 80), (20, 746)])
def test_bulk_query_count(world, count_queries, rows, queries):
    """Per row, not constant: 6 queries for the request plus 37 a new row (savepoints included), and
    on PostgreSQL one more a row, the month's shared advisory lock.

    monthly_report_bulk_save calls the entry's use case row by row (the project's lock, the month's
    closing and the policy's questions, the insert with its checks, history and contributors, the later
    months' year to date); pinned at two sizes so that a change of either part shows."""
    projects = own_projects(world, rows)
    client = token_client(world.users["editor"])
    with count_queries() as q:
        response = client.post(BULK, bulk_body(projects), format="json")
    assert response.status_code == 200, response.content
    expected = queries + (rows if connection.vendor == "postgresql" else 0)
    assert q.count == expected, q.describe()
