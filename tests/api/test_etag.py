"""Optimistic concurrency over HTTP: ETag on every record read, If-Match required on PUT and PATCH.

A missing If-Match answers 428, a stale one 412, and neither changes anything; the versioned models
(projects, monthly reports) take the ETag from their version, the others from their representation.
"""

import pytest
from django.urls import reverse

from projects.models import Milestone, MonthlyReport, Project
from tests.helpers import database_state, etag_of, token_client

pytestmark = pytest.mark.django_db


def detail(basename, obj, action=None):
    return reverse(f"api:{basename}-{action or 'detail'}", args=[obj.pk])


def objects(world):
    """One record of every resource that has PUT and PATCH, with a harmless change for each."""
    return [
        ("project", world.projects["own"], {"progress_summary": "主体封顶"}),
        ("monthly-report", world.drafts["own"], {"problems": "征地滞后"}),
        ("milestone", world.milestones["own"], {"note": "已完成"}),
        ("department", world.projects["own"].lead_department, {"name": "更名单位"}),
        ("programme", world.programme, {"declared_project_count": 336}),
        ("indicator", world.indicator, {"unit": "万元"}),
        ("observation", world.indicator.observations.get(), {"growth": "4.1"}),
        ("target", world.indicator.targets.get(), {"note": "全年目标"}),
    ]


def test_versioned_records_take_their_etag_from_the_version(world):
    client = token_client(world.users["viewer"])
    project = world.projects["own"]
    assert client.get(detail("project", project))["ETag"] == f'"{project.version}"'
    assert client.get(detail("monthly-report", world.drafts["own"]))["ETag"] == f'"{world.drafts["own"].version}"'


@pytest.mark.parametrize("method", ["put", "patch"])
@pytest.mark.parametrize("index", range(8), ids=lambda i: ["project", "monthly-report", "milestone", "department",
                                                            "programme", "indicator", "observation", "target"][i])
def test_a_change_without_if_match_is_428_and_a_stale_one_412_and_neither_changes_anything(world, method, index):
    basename, obj, change = objects(world)[index]
    client = token_client(world.users["coordinator"])
    target = detail(basename, obj)
    body = client.get(target).json() if method == "put" else {}
    body.update(change)
    before = database_state()

    missing = getattr(client, method)(target, body, format="json")
    assert missing.status_code == 428, missing.content
    assert "If-Match" in missing.json()["detail"]
    stale = getattr(client, method)(target, body, format="json", HTTP_IF_MATCH='"not-the-current-one"')
    assert stale.status_code == 412, stale.content
    wildcard = getattr(client, method)(target, body, format="json", HTTP_IF_MATCH="*")
    assert wildcard.status_code == 428
    assert database_state() == before

    etag = etag_of(client, target)
    response = getattr(client, method)(target, body, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.content
    assert response["ETag"] != etag
    assert response["ETag"] == etag_of(client, target)
    for name, value in change.items():
        assert str(response.json()[name]).rstrip("0").rstrip(".") == str(value).rstrip("0").rstrip(".")
    # The first writer's ETag is now stale: a second writer who read before is refused.
    after_first = database_state()
    second = getattr(client, method)(target, {**body, "note" if "note" in body else next(iter(change)): "第二人"},
                                     format="json", HTTP_IF_MATCH=etag)
    assert second.status_code == 412
    assert database_state() == after_first


def test_weak_and_listed_etags_are_compared_by_their_value(world):
    client = token_client(world.users["editor"])
    target = detail("project", world.projects["own"])
    etag = etag_of(client, target)
    response = client.patch(target, {"progress_summary": "弱标签"}, format="json",
                            HTTP_IF_MATCH=f'"999", W/{etag}')
    assert response.status_code == 200


def test_a_round_trip_put_of_what_was_read_is_accepted(world):
    """Read-only fields sent back unchanged are fine; only a different value is refused."""
    client = token_client(world.users["coordinator"])
    target = detail("project", world.projects["own"])
    read = client.get(target)
    body = read.json()
    body["progress_summary"] = "整体回写"
    response = client.put(target, body, format="json", HTTP_IF_MATCH=read["ETag"])
    assert response.status_code == 200, response.content
    assert Project.objects.get(pk=world.projects["own"].pk).progress_summary == "整体回写"


def test_the_service_checks_the_version_again_when_it_writes(world, monkeypatch):
    """Between the If-Match check and the UPDATE someone may save: the service's own check refuses it."""
    from projects import services

    client = token_client(world.users["editor"])
    target = detail("project", world.projects["own"])
    etag = etag_of(client, target)
    original = services.record_save  # what project_update writes with

    def someone_saves_first(*, instance, **kwargs):
        other = Project.objects.get(pk=instance.pk)
        other.progress_summary = "抢先"
        original(instance=other, acting_user=world.users["coordinator"], expected_version=other.version)
        return original(instance=instance, **kwargs)

    monkeypatch.setattr(services, "record_save", someone_saves_first)
    response = client.patch(target, {"progress_summary": "迟到"}, format="json", HTTP_IF_MATCH=etag)
    # (Here the interloper writes inside the request's transaction, so the refusal undoes it too.)
    assert response.status_code == 412
    assert Project.objects.get(pk=world.projects["own"].pk).progress_summary == ""


def test_delete_and_workflow_actions_check_if_match_when_given(world):
    client = token_client(world.users["coordinator"])
    milestone = world.milestones["own"]
    before = database_state()
    assert client.delete(detail("milestone", milestone), HTTP_IF_MATCH='"stale"').status_code == 412
    report = world.submitted["own"]
    # A workflow action is a write: without the version it read it is refused (428), stale it is 412.
    assert client.post(detail("monthly-report", report, "approve"), {}, format="json").status_code == 428
    assert client.post(detail("monthly-report", report, "approve"), {}, format="json",
                       HTTP_IF_MATCH='"0"').status_code == 412
    assert database_state() == before
    etag = etag_of(client, detail("monthly-report", report))
    approved = client.post(detail("monthly-report", report, "approve"), {"comment": "同意"}, format="json",
                           HTTP_IF_MATCH=etag)
    assert approved.status_code == 200
    assert approved["ETag"] == f'"{MonthlyReport.objects.get(pk=report.pk).version}"'
    assert client.delete(detail("milestone", milestone),
                         HTTP_IF_MATCH=etag_of(client, detail("milestone", milestone))).status_code == 204
    assert not Milestone.objects.filter(pk=milestone.pk).exists()


def test_created_records_answer_with_their_etag_and_location(world):
    client = token_client(world.users["editor"])
    response = client.post(reverse("api:monthly-report-list"), {
        "project": world.projects["own"].pk, "year": 2025, "month": 4, "completed_month": "7.5",
    }, format="json")
    assert response.status_code == 201, response.content
    created = MonthlyReport.objects.get(pk=response.json()["id"])
    assert response["ETag"] == f'"{created.version}"'
    assert response["Location"].endswith(detail("monthly-report", created))
