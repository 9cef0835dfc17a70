"""The permission matrix of the service layer, extended to every API endpoint.

Same world, same roles, same own/other split and the same table of expectations
(tests/expectations.py) as tests/projects/test_permissions.py; each cell is an HTTP request with a
token. Allowed cells answer 2xx and change the database; refused cells answer 403 (or 404 for what
the user may not see) and leave the database exactly as it was.
"""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.urls import reverse

from tests.expectations import cell_id, cells
from tests.helpers import act, etag_of, make_user, token_client
from tests.helpers import database_state as service_state

pytestmark = pytest.mark.django_db

def database_state():
    """The service matrix's state, with departments (which only the API matrix writes)."""
    return service_state(departments=True)


def url(basename, obj=None, action=None):
    if obj is None:
        return reverse(f"api:{basename}-list")
    return reverse(f"api:{basename}-{action or 'detail'}", args=[obj.pk])


@dataclass
class Cell:
    """One request: how to send it, its row in the shared table of expectations, and what success answers."""

    send: callable
    key: tuple[str, str]
    success: int = 200
    writes: bool = True


def patch(basename, pick, data):
    def send(client, w, side):
        obj = pick(w, side)
        target = url(basename, obj)
        return client.patch(target, data(w, side) if callable(data) else data, format="json",
                            HTTP_IF_MATCH=etag_of(client, target))
    return send


def delete(basename, pick):
    def send(client, w, side):
        return client.delete(url(basename, pick(w, side)))
    return send


def post(basename, data):
    def send(client, w, side):
        return client.post(url(basename), data(w, side), format="json")
    return send


def workflow(action, pick, body=None):
    def send(client, w, side):
        return act(client, pick(w, side), action, body)
    return send


def get_list(basename, pick):
    def send(client, w, side):
        response = client.get(url(basename), {"page_size": 1000})
        if response.status_code == 200:
            assert pick(w, side).pk in [row["id"] for row in response.json()["results"]]
        return response
    return send


def get_detail(basename, pick):
    def send(client, w, side):
        return client.get(url(basename, pick(w, side)))
    return send


def project(w, side):
    return w.projects[side]


def milestone(w, side):
    return w.milestones[side]


def draft(w, side):
    return w.drafts[side]


def submitted(w, side):
    return w.submitted[side]


def approved(w, side):
    return w.approved[side]


def department(w, side):
    return w.projects[side].lead_department


def observation(w, side):
    return w.indicator.observations.get()


def target(w, side):
    return w.indicator.targets.get()


def indicator(w, side):
    return w.indicator


def other_side(side):
    return "other" if side == "own" else "own"


READS = {
    f"{basename}.{kind}": Cell(reader(basename, pick), (subject, "view"), writes=False)
    for basename, subject, pick in [
        ("department", "department", department), ("programme", "programme", lambda w, s: w.programme),
        ("project", "project", project), ("milestone", "milestone", milestone), ("monthly-report", "report", draft),
        ("indicator", "indicator", indicator), ("observation", "observation", observation),
        ("target", "target", target),
    ]
    for kind, reader in (("list", get_list), ("retrieve", get_detail))
}

WRITES = {
    "department.create": Cell(post("department", lambda w, s: {"code": f"new-{s}", "name": f"新单位{s}",
                                                                "kind": "bureau"}),
        ("department", "add"), 201),
    "department.update": Cell(patch("department", department, {"name": "改名单位"}), ("department", "change")),
    "programme.update": Cell(patch("programme", lambda w, s: w.programme, {"declared_project_count": 400}),
        ("programme", "change")),
    "programme.create": Cell(post("programme", lambda w, s: {"year": 2026 if s == "own" else 2027,
                                                              "level": "district", "name": "新计划"}),
        ("programme", "add"), 201),
    "project.create": Cell(post("project", lambda w, s: {
        "code": f"NEW-{s}", "name": "新项目", "programme": w.programme.pk,
        "lead_department": w.projects[s].lead_department_id, "co_departments": [w.projects[other_side(s)]
                                                                                .lead_department_id],
    }), ("project", "add"), 201),
    "project.update(progress)": Cell(patch("project", project, {"progress_summary": "主体封顶"}),
        ("project", "change:progress")),
    "project.update(plan)": Cell(patch("project", project, {"annual_plan": "1200"}),
        ("project", "change:plan")),
    "project.update(department)": Cell(
        patch("project", project, lambda w, s: {"lead_department": w.projects[other_side(s)].lead_department_id}),
        ("project", "change:department")),
    "project.update(co_departments)": Cell(
        patch("project", project, lambda w, s: {"co_departments": [w.projects[other_side(s)].lead_department_id]}),
        ("project", "change:co_departments")),
    "project.delete": Cell(delete("project", project), ("project", "delete"), 204),
    "milestone.create": Cell(post("milestone", lambda w, s: {"project": w.projects[s].pk, "kind": "completion",
                                                              "planned_date": "2026-01-01"}),
        ("milestone", "add"), 201),
    "milestone.update(actual)": Cell(patch("milestone", milestone, {"actual_date": "2025-03-05", "note": "已开工"}),
        ("milestone", "change:actual")),
    "milestone.update(planned)": Cell(patch("milestone", milestone, {"planned_date": "2025-09-01"}),
        ("milestone", "change:planned")),
    "milestone.delete": Cell(delete("milestone", milestone), ("milestone", "delete"), 204),
    "report.create": Cell(post("monthly-report", lambda w, s: {
        "project": w.projects[s].pk, "year": 2025, "month": 4, "completed_month": "7", "progress_text": "桩基施工",
    }), ("report", "add"), 201),
    "report.update(draft)": Cell(patch("monthly-report", draft, {"completed_month": "6", "problems": "用地未批"}),
        ("report:draft", "change")),
    "report.update(approved)": Cell(patch("monthly-report", approved, {"progress_text": "改"}),
        ("report:approved", "change")),
    "report.delete": Cell(delete("monthly-report", draft), ("report:draft", "delete"), 204),
    "report.submit": Cell(workflow("submit", draft), ("report:draft", "submit")),
    "report.approve": Cell(workflow("approve", submitted), ("report:submitted", "approve")),
    "report.return": Cell(workflow("return", submitted, {"comment": "请补充形象进度"}),
        ("report:submitted", "return")),
    "report.reopen": Cell(workflow("reopen", approved), ("report:approved", "reopen")),
    # January is approved for every project of the world: the month can close.
    "period-lock.create": Cell(post("period-lock", lambda w, s: {"year": 2025, "month": 1}),
        ("month", "close"), 201),
    "indicator.create": Cell(post("indicator", lambda w, s: {"code": f"ind-{s}", "name": "新指标", "unit": "%"}),
        ("indicator", "add"), 201),
    "indicator.update": Cell(patch("indicator", indicator, {"unit": "万元"}), ("indicator", "change")),
    "observation.update": Cell(patch("observation", observation, {"value": "1533"}),
        ("observation", "change")),
    "observation.create": Cell(post("observation", lambda w, s: {
        "indicator": w.indicator.pk, "period_start": "2025-01-01", "period_end": "2025-03-31", "growth": "5.2",
    }), ("observation", "add"), 201),
    "target.update": Cell(patch("target", target, {"value": "3100"}), ("target", "change")),
    "target.delete": Cell(delete("target", target), ("target", "delete"), 204),
}
MATRIX = {**READS, **WRITES}
CELLS = cells({name: cell.key for name, cell in MATRIX.items()})


def test_the_matrix_covers_every_resource_and_is_large_enough():
    resources = {name.split(".")[0] for name in MATRIX}
    assert resources >= {"department", "programme", "project", "milestone", "monthly-report", "report",
                         "indicator", "observation", "target", "period-lock"}
    assert len(CELLS) >= 300


@pytest.mark.parametrize(("name", "role", "side", "allowed"), CELLS, ids=[cell_id(*c) for c in CELLS])
def test_api_permission_matrix(world, name, role, side, allowed):
    cell = MATRIX[name]
    client = token_client(world.users[role])
    before = database_state()
    response = cell.send(client, world, side)
    if allowed:
        assert response.status_code == cell.success, response.content.decode()
        if cell.writes:
            assert database_state() != before, "an allowed write changed nothing"
    else:
        assert response.status_code == 403, response.content.decode()
        assert database_state() == before, "a refused request changed the database"


ENDPOINTS = [
    ("get", "list"), ("post", "list"), ("get", "detail"), ("put", "detail"), ("patch", "detail"),
    ("delete", "detail"),
]
BASENAMES = ["department", "programme", "project", "milestone", "monthly-report", "indicator", "observation",
             "target", "period-lock"]


@pytest.mark.parametrize("basename", BASENAMES)
def test_anonymous_requests_answer_401_with_the_token_challenge(world, basename):
    client = token_client(None)
    objects = {"department": department, "programme": lambda w, s: w.programme, "project": project,
               "milestone": milestone, "monthly-report": draft, "indicator": indicator,
               "observation": observation, "target": target}
    for method, kind in ENDPOINTS:
        if kind == "detail" and basename not in objects:
            continue
        target_url = url(basename) if kind == "list" else url(basename, objects[basename](world, "own"))
        response = getattr(client, method)(target_url, {}, format="json")
        assert response.status_code == 401, (method, target_url, response.status_code)
        assert response["WWW-Authenticate"] == "Token"


def test_a_user_without_a_role_is_refused_everything(world):
    client = token_client(make_user("nobody"))
    assert client.get(url("project")).status_code == 403
    assert client.get(url("project", world.projects["own"])).status_code == 403


def test_editors_limited_to_their_department_get_404_outside_it(world, settings):
    settings.PORTFOLIO_EDITOR_SEES_ALL_PROJECTS = False
    client = token_client(world.users["editor"])
    ids = [row["id"] for row in client.get(url("project")).json()["results"]]
    assert ids == [world.projects["own"].pk]
    hidden = url("project", world.projects["other"])
    before = database_state()
    assert client.get(hidden).status_code == 404
    assert client.patch(hidden, {"progress_summary": "x"}, format="json", HTTP_IF_MATCH='"1"').status_code == 404
    assert client.post(url("monthly-report", world.drafts["other"], "submit")).status_code == 404
    # Naming a project one may not see in a new report is the same as naming one that does not exist.
    response = client.post(url("monthly-report"), {"project": world.projects["other"].pk, "year": 2025,
                                                    "month": 4}, format="json")
    assert response.status_code == 400 and "project" in response.json()
    assert database_state() == before


def test_session_authentication_needs_the_csrf_token_and_token_authentication_does_not(world):
    from rest_framework.test import APIClient

    editor = world.users["editor"]
    target_url = url("project", world.projects["own"])
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(editor)
    etag = browser.get(target_url)["ETag"]
    refused = browser.patch(target_url, {"progress_summary": "会话"}, format="json", HTTP_IF_MATCH=etag)
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    response = token_client(editor).patch(target_url, {"progress_summary": "令牌"}, format="json",
                                          HTTP_IF_MATCH=etag)
    assert response.status_code == 200 and response.json()["progress_summary"] == "令牌"


def test_a_date_from_the_matrix_is_written_as_sent(world):
    """Spot check of one allowed cell's outcome, beyond "something changed"."""
    client = token_client(world.users["editor"])
    MATRIX["milestone.update(actual)"].send(client, world, "own")
    world.milestones["own"].refresh_from_db()
    assert world.milestones["own"].actual_date == dt.date(2025, 3, 5)
    assert world.milestones["own"].history.first().history_user == world.users["editor"]
