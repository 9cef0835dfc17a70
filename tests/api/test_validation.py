"""Bad input answers 400 with field errors (409 for an impossible transition), never 500, and changes nothing."""

import pytest
from django.urls import reverse

from projects import services
from projects.models import MonthlyReport, PeriodLock
from tests.helpers import act, database_state, etag_of, token_client

pytestmark = pytest.mark.django_db


def list_url(basename):
    return reverse(f"api:{basename}-list")


def detail(basename, obj, action=None):
    return reverse(f"api:{basename}-{action or 'detail'}", args=[obj.pk])


@pytest.fixture
def coordinator(world):
    return token_client(world.users["coordinator"])


def new_project(world, **fields):
    return {"code": "NEW-1", "name": "新项目", "programme": world.programme.pk, **fields}


BAD_PROJECTS = {
    "wrong type": ({"annual_plan": "很多"}, "annual_plan"),
    "wrong type (list for text)": ({"name": ["a", "b"]}, "name"),
    "negative money": ({"total_investment": "-1"}, "total_investment"),
    "too many digits": ({"annual_plan": "1234567890123.5"}, "annual_plan"),
    "too many decimals": ({"annual_plan": "1.23456"}, "annual_plan"),
    "not a choice": ({"category": "spaceport"}, "category"),
    "impossible date": ({"planned_start": "2025-02-30"}, "planned_start"),
    "unknown related id": ({"lead_department": 999999}, "lead_department"),
    "huge related id": ({"lead_department": 10**30}, "lead_department"),
    "oversized code": ({"code": "X" * 41}, "code"),
    "oversized text": ({"progress_summary": "长" * 20_001}, "progress_summary"),
    "NUL character": ({"name": "a\x00b"}, "name"),
    "unknown field": ({"colour": "red"}, "colour"),
    "read-only field": ({"version": 7}, "version"),
    "read-only source": ({"is_synthetic": True}, "is_synthetic"),
    "plan above total (model rule)": ({"annual_plan": "900", "total_investment": "100"}, "annual_plan"),
    "completion before start (model rule)": ({"planned_start": "2025-05-01", "planned_completion": "2025-01-01"},
                                             "planned_completion"),
}


@pytest.mark.parametrize("case", BAD_PROJECTS, ids=list(BAD_PROJECTS))
def test_bad_project_fields_answer_400_with_the_field_named(world, coordinator, case):
    fields, field = BAD_PROJECTS[case]
    before = database_state()
    response = coordinator.post(list_url("project"), new_project(world, **fields), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert database_state() == before


@pytest.mark.parametrize(("language", "expected"), [("zh-hans", "未知字段：detail、non_field_errors。"),
                                                  ("en", "Unknown fields: detail, non_field_errors.")])
def test_an_unknown_field_named_like_the_error_answers_keys_is_named_in_its_overall_errors(
        world, coordinator, language, expected):
    """"detail" is the error answer's one text (a string in the schema): an unknown field of that name
    cannot be answered under its own name."""
    before = database_state()
    coordinator.cookies["django_language"] = language
    response = coordinator.post(list_url("project"), new_project(world, detail=[1], non_field_errors={}, colour=1),
                                format="json")
    assert response.status_code == 400
    body = response.json()
    assert "detail" not in body and body["non_field_errors"] == [expected] and "colour" in body, body
    assert database_state() == before


def test_a_duplicate_code_answers_400(world, coordinator):
    response = coordinator.post(list_url("project"), new_project(world, code="P-own"), format="json")
    assert response.status_code == 400 and "code" in response.json()


@pytest.mark.parametrize("body", ['{"name": ', "not json", "[1, 2]", '"text"', "null", "NaN", '{"annual_plan": NaN}'])
def test_malformed_or_non_object_json_answers_400(world, coordinator, body):
    before = database_state()
    response = coordinator.post(list_url("project"), body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert database_state() == before


def test_a_body_that_is_not_json_answers_415(world, coordinator):
    response = coordinator.post(list_url("project"), "code=X", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415


MONTHLY_REPORT_CASES = {
    "month out of range": ({"month": 13}, "month"),
    "month zero": ({"month": 0}, "month"),
    "year out of range": ({"year": 1999}, "year"),
    "year of another programme": ({"year": 2024}, "year"),
    "huge integer": ({"month": 10**20}, "month"),
    "float for integer": ({"month": 4.5}, "month"),
    "boolean for money": ({"completed_month": True}, "completed_month"),
    "computed field": ({"completed_ytd": "100"}, "completed_ytd"),
    "workflow field": ({"status": "approved"}, "status"),
    "existing month": ({"month": 3}, "non_field_errors"),
}


@pytest.mark.parametrize("case", MONTHLY_REPORT_CASES, ids=list(MONTHLY_REPORT_CASES))
def test_bad_monthly_reports_answer_400(world, case):
    fields, field = MONTHLY_REPORT_CASES[case]
    client = token_client(world.users["editor"])
    body = {"project": world.projects["own"].pk, "year": 2025, "month": 4, "completed_month": "3", **fields}
    before = database_state()
    response = client.post(list_url("monthly-report"), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert database_state() == before


def test_create_only_and_read_only_fields_cannot_be_changed_by_an_update(world, coordinator):
    report = world.drafts["own"]
    target = detail("monthly-report", report)
    before = database_state()
    for change in ({"project": world.projects["other"].pk}, {"month": 9}, {"status": "approved"},
                   {"completed_ytd": "999"}, {"reviewed_by": "coord"}, {"version": 99}):
        response = coordinator.patch(target, change, format="json", HTTP_IF_MATCH=etag_of(coordinator, target))
        assert response.status_code == 400, (change, response.content)
        assert set(response.json()) == set(change)
    assert database_state() == before
    same = coordinator.patch(target, {"month": 3, "status": "draft", "problems": "无"}, format="json",
                             HTTP_IF_MATCH=etag_of(coordinator, target))
    assert same.status_code == 200, same.content


def test_year_to_date_is_computed_by_the_service_not_taken_from_the_client(world):
    client = token_client(world.users["editor"])
    target = detail("monthly-report", world.drafts["own"])  # month 3: ytd 15 (Feb) + 5
    response = client.patch(target, {"completed_month": "8"}, format="json", HTTP_IF_MATCH=etag_of(client, target))
    assert response.status_code == 200
    assert response.json()["completed_ytd"] == "23.0000"


def test_an_editor_changing_a_field_of_the_plan_gets_403_naming_it(world):
    client = token_client(world.users["editor"])
    target = detail("project", world.projects["own"])
    before = database_state()
    response = client.patch(target, {"annual_plan": "1", "progress_summary": "x"}, format="json",
                            HTTP_IF_MATCH=etag_of(client, target))
    assert response.status_code == 403
    assert "年度计划投资" in response.json()["detail"]
    assert database_state() == before


def test_impossible_transitions_answer_409_and_a_missing_return_comment_400(world, coordinator):
    before = database_state()
    approved, draft, submitted = world.approved["own"], world.drafts["own"], world.submitted["own"]
    assert act(coordinator, approved, "submit").status_code == 409
    assert act(coordinator, draft, "approve").status_code == 409
    assert act(coordinator, draft, "reopen").status_code == 409
    response = act(coordinator, submitted, "return", {})
    assert response.status_code == 400 and "comment" in response.json()
    response = act(coordinator, submitted, "return", {"comment": "   "})
    assert response.status_code == 400 and "comment" in response.json()
    response = act(coordinator, submitted, "approve", {"verdict": "ok"})
    assert response.status_code == 400 and "verdict" in response.json()
    response = act(coordinator, draft, "submit", [1])
    assert response.status_code == 400
    assert database_state() == before


def test_an_editor_cannot_review_and_a_reviewer_cannot_approve_their_own_entry(world, coordinator):
    editor = token_client(world.users["editor"])
    assert act(editor, world.submitted["own"], "approve").status_code == 403
    created = coordinator.post(list_url("monthly-report"), {"project": world.projects["own"].pk, "year": 2025,
                                                            "month": 7}, format="json").json()
    report = MonthlyReport.objects.get(pk=created["id"])
    assert act(coordinator, report, "submit").status_code == 200
    response = act(coordinator, report, "approve")
    assert response.status_code == 403 and "自己" in response.json()["detail"]


def test_the_workflow_through_the_api(world, coordinator):
    editor = token_client(world.users["editor"])
    report = world.drafts["own"]
    submitted = act(editor, report, "submit")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert submitted.json()["submitted_by"] == "editor"
    returned = act(coordinator, report, "return", {"comment": "请补充"})
    assert returned.json()["status"] == "returned" and returned.json()["review_comment"] == "请补充"
    target = detail("monthly-report", report)
    fixed = editor.patch(target, {"problems": "已补充"}, format="json", HTTP_IF_MATCH=etag_of(editor, target))
    assert fixed.status_code == 200
    assert act(editor, report, "submit").status_code == 200
    refused = act(coordinator, report, "approve", {"comment": "同意"})
    assert refused.status_code == 403 and "按月份顺序" in refused.json()["detail"]  # February is still submitted
    assert act(coordinator, world.submitted["own"], "approve").status_code == 200
    approved = act(coordinator, report, "approve", {"comment": "同意"})
    assert approved.json()["status"] == "approved" and approved.json()["reviewed_by"] == "coordinator"
    assert editor.patch(target, {"problems": "再改"}, format="json",
                        HTTP_IF_MATCH=etag_of(editor, target)).status_code == 403
    reopened = act(coordinator, report, "reopen", {})
    assert reopened.json()["status"] == "returned"


def test_period_locks_through_the_api(world, coordinator):
    """Closing a month through the API: refused with the blocking reports until all are approved or waived."""
    editor = token_client(world.users["editor"])
    blocked = coordinator.post(list_url("period-lock"), {"year": 2025, "month": 3}, format="json")
    assert blocked.status_code == 409
    assert {b["state"] for b in blocked.json()["blockers"]} == {"draft"}
    assert not PeriodLock.objects.exists()
    # Month 2's submitted and month 3's drafts: approve them in order (the editors entered them).
    for report in MonthlyReport.objects.filter(month=2):
        services.monthly_report_approve(report=report, acting_user=world.users["coordinator"])
    for report in MonthlyReport.objects.filter(month=3):
        services.monthly_report_submit(report=report, acting_user=world.users["administrator"])
        services.monthly_report_approve(report=MonthlyReport.objects.get(pk=report.pk), acting_user=world.users["coordinator"])
    lock = coordinator.post(list_url("period-lock"), {"year": 2025, "month": 3}, format="json")
    assert lock.status_code == 201 and lock.json()["locked_by"] == "coordinator"
    assert coordinator.post(list_url("period-lock"), {"year": 2025, "month": 3}, format="json").status_code == 400
    assert coordinator.post(list_url("period-lock"), {"year": 2025, "month": 13}, format="json").status_code == 400
    target = detail("monthly-report", world.drafts["own"])
    assert act(coordinator, world.drafts["own"], "reopen").status_code in (403, 409)  # closed: nobody reopens
    assert editor.delete(reverse("api:period-lock-detail", args=[lock.json()["id"]])).status_code == 403
    url = reverse("api:period-lock-detail", args=[lock.json()["id"]])
    assert coordinator.delete(url).status_code == 400  # a reopening needs a reason
    assert coordinator.delete(url + "?reason=更正3月数据").status_code == 204
    assert act(coordinator, world.drafts["own"], "reopen").status_code == 200
    response = editor.patch(target, {"problems": "重新打开后"}, format="json", HTTP_IF_MATCH=etag_of(editor, target))
    assert response.status_code == 200
    assert coordinator.put(reverse("api:period-lock-detail", args=[1]), {}, format="json").status_code == 405


def test_deleting_a_record_still_referenced_answers_409(world, coordinator):
    department = world.projects["own"].lead_department
    before = database_state()
    response = coordinator.delete(detail("department", department))
    assert response.status_code == 409
    assert database_state() == before
    response = coordinator.delete(detail("indicator", world.indicator))
    assert response.status_code == 409


@pytest.mark.parametrize("query", [
    {"programme": "abc"}, {"programme": "999999"}, {"status": "flying"}, {"ordering": "secret_field"},
    {"warning": "purple"}, {"search": "a\x00b"}, {"q": "a\x00b"},
])
def test_bad_filters_answer_400(world, coordinator, query):
    assert coordinator.get(list_url("project"), query).status_code == 400


@pytest.mark.parametrize("path", ["/api/v1/projects/abc/", "/api/v1/projects/99999999999999999999999/",
                                  "/api/v1/projects/-1/", "/api/v1/projects/?page=999", "/api/v1/projects/?page=x"])
def test_unknown_records_and_pages_answer_404(world, coordinator, path):
    response = coordinator.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
