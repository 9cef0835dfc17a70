"""Free texts have one limit, the model field's, and every way in holds to it: the pages, the admin and the API
refuse one character more (naming the field, changing nothing) and take the limit itself.

The fields are read from the models and the ways in from the router and the admin site, so a text added
to a model is tried everywhere it can be written.
"""

import datetime as dt

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.db import models
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from portfolio.api_urls import router
from portfolio.models import TEXT_MAX_LENGTH
from portfolio.policy import Role
from projects import closing, letters
from projects.api.serializers import MonthlyReportBulkSerializer, MonthlyReportEntrySerializer
from projects.choices import LetterKind
from projects.models import MonthlyReport, ProgrammeSnapshot, SupervisionLetter
from tests.forms import bulk_url, entry_url, form_data
from tests.helpers import database_state, etag_of, make_user, token_client

pytestmark = pytest.mark.django_db

# Texts no user types: frozen copies of limited fields, the warnings' own words, messages the platform sends.
NOT_TYPED = {
    ("projects", "snapshotproject", "waiver_reason"), ("projects", "snapshotreport", "progress_text"),
    ("projects", "snapshotreport", "problems"), ("projects", "snapshotreport", "coordination_requests"),
    ("projects", "supervisionletteritem", "reason"), ("notifications", "notification", "body"),
    ("portfolio", "reportjob", "error"),
}
LONG = "长"  # counted in characters, not bytes


def _text_fields(model):
    return [f for f in model._meta.concrete_fields if isinstance(f, models.TextField) and f.editable]


def test_every_text_a_user_writes_has_its_limit_in_the_field():
    checked = 0
    for model in apps.get_models():
        if model._meta.app_label not in ("portfolio", "projects", "indicators", "notifications"):
            continue
        if model._meta.model_name.startswith("historical"):
            continue  # copies of the tracked rows, and reasons bounded by the texts they come from
        for field in _text_fields(model):
            if (model._meta.app_label, model._meta.model_name, field.name) in NOT_TYPED:
                continue
            assert field.max_length, f"{model._meta.label}.{field.name} has no max_length"
            assert any(isinstance(v, MaxLengthValidator) and v.limit_value == field.max_length
                       for v in field.validators), f"{model._meta.label}.{field.name}"
            assert any(isinstance(v, ProhibitNullCharactersValidator) for v in field.validators)
            checked += 1
    assert checked >= 25


def _state():
    return (database_state(departments=True), list(SupervisionLetter.objects.values()),
            list(ProgrammeSnapshot.objects.values()))


def _records(world):
    snapshot = ProgrammeSnapshot.objects.get_or_create(
        programme=world.programme, period_end=dt.date(2025, 6, 30),
        defaults={"period_start": dt.date(2025, 1, 1), "project_count": 1, "completed_investment": 1,
                  "plan_ratio": 1})[0]
    return {
        "projects.department": world.projects["own"].lead_department, "projects.programme": world.programme,
        "projects.project": world.projects["own"], "projects.milestone": world.milestones["own"],
        "projects.monthlyreport": world.drafts["own"], "projects.programmesnapshot": snapshot,
        "indicators.indicator": world.indicator, "indicators.observation": world.indicator.observations.first(),
        "indicators.target": world.indicator.targets.first(),
    }


# The API ------------------------------------------------------------------------------------------------


def _api_cases():
    for _prefix, viewset, basename in router.registry:
        model = viewset.model
        serializer = viewset.serializer_class()
        for name, field in serializer.fields.items():
            model_field = next((f for f in _text_fields(model) if f.name == name), None)
            if model_field is not None and not field.read_only:
                yield basename, model._meta.label_lower, name, model_field.max_length


API_CASES = list(_api_cases())


@pytest.mark.parametrize(("basename", "label", "name", "limit"), API_CASES,
                         ids=[f"{b}.{n}" for b, _l, n, _m in API_CASES])
def test_the_api_refuses_one_character_more_and_takes_the_limit(world, basename, label, name, limit):
    client = token_client(world.users["administrator"])
    record = _records(world)[label]
    url = reverse(f"api:{basename}-detail", args=[record.pk])
    before = _state()
    response = client.patch(url, {name: LONG * (limit + 1)}, format="json", HTTP_IF_MATCH=etag_of(client, url))
    assert response.status_code == 400, response.content[:300]
    assert str(limit) in response.json()[name][0]
    assert _state() == before
    response = client.patch(url, {name: LONG * limit}, format="json", HTTP_IF_MATCH=etag_of(client, url))
    assert response.status_code == 200, response.content[:300]
    record.refresh_from_db()
    assert getattr(record, name) == LONG * limit


def test_the_api_use_cases_and_comments_hold_to_the_same_limits(world):
    client = token_client(world.users["editor"])
    own = world.projects["own"]
    before = _state()
    for name in ("progress_text", "problems", "coordination_requests", "plausibility_note"):
        assert name in MonthlyReportEntrySerializer().fields and name in MonthlyReportBulkSerializer().fields[
            "rows"].child.fields
        entry = client.post(reverse("api:monthly-report-entry"), {
            "project": own.pk, "year": 2025, "month": 4, "version": 0, "completed_month": "1",
            name: LONG * (TEXT_MAX_LENGTH + 1)}, format="json")
        assert entry.status_code == 400 and name in entry.json(), entry.content[:300]
        bulk = client.post(reverse("api:monthly-report-bulk"), {"year": 2025, "month": 4, "rows": [
            {"project": own.pk, "version": 0, "completed_month": "1", name: LONG * (TEXT_MAX_LENGTH + 1)}]},
            format="json")
        assert bulk.status_code == 400 and name in bulk.json()["rows"]["0"], bulk.content[:300]
    coordinator = token_client(world.users["coordinator"])
    url = reverse("api:monthly-report-detail", args=[world.submitted["own"].pk])
    for action in ("approve", "return"):
        response = coordinator.post(reverse(f"api:monthly-report-{action}", args=[world.submitted["own"].pk]),
                                    {"comment": LONG * (TEXT_MAX_LENGTH + 1)}, format="json",
                                    HTTP_IF_MATCH=etag_of(coordinator, url))
        assert response.status_code == 400 and "comment" in response.json(), response.content[:300]
    assert _state() == before


def test_two_million_characters_are_refused_by_the_api(world):
    client = token_client(world.users["administrator"])
    url = reverse("api:project-detail", args=[world.projects["own"].pk])
    before = _state()
    response = client.patch(url, {"progress_summary": "x" * 2_000_000}, format="json",
                            HTTP_IF_MATCH=etag_of(client, url))
    assert response.status_code == 400 and "progress_summary" in response.json()
    assert _state() == before


# The admin ----------------------------------------------------------------------------------------------


def _admin_cases():
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        texts = {f.name: f.max_length for f in _text_fields(model)}
        for name, limit in texts.items():
            yield label, model_admin, model, name, limit, None
        for inline in model_admin.inlines:
            for field in _text_fields(inline.model):
                yield label, model_admin, inline.model, field.name, field.max_length, inline


ADMIN_CASES = [case for case in _admin_cases() if case[0] in {
    "projects.department", "projects.programme", "projects.project", "projects.milestone", "projects.monthlyreport",
    "projects.programmesnapshot", "indicators.indicator", "indicators.observation", "indicators.target"}]


def _admin_field_name(model_admin, inline, name, user) -> str:
    if inline is None:
        return name
    request = RequestFactory().get("/")
    request.user = user
    prefix = inline(model_admin.model, admin.site).get_formset(request).get_default_prefix()
    return f"{prefix}-0-{name}"


@pytest.mark.parametrize(("label", "model_admin", "model", "name", "limit", "inline"), ADMIN_CASES,
                         ids=[f"{c[0]}.{c[3]}" + (f"(inline {c[2]._meta.model_name})" if c[5] else "")
                              for c in ADMIN_CASES])
def test_the_admin_refuses_one_character_more_and_takes_the_limit(world, label, model_admin, model, name, limit,
                                                                   inline):
    staff = make_user("staff-admin", Role.ADMINISTRATOR, is_staff=True)
    client = Client()
    client.force_login(staff)
    record = _records(world)[label]
    url = reverse(f"admin:{record._meta.app_label}_{record._meta.model_name}_change", args=[record.pk])
    data = form_data(client.get(url).content.decode(), f"{record._meta.model_name}_form")
    posted = _admin_field_name(model_admin, inline, name, staff)
    before = _state()
    if posted not in data:
        # Shown read-only (provenance, workflow fields): posted anyway, it changes nothing.
        data[posted] = [LONG * (limit + 1)]
        assert client.post(url, data).status_code in (200, 302)
        assert _state()[0] == before[0]
        return
    data[posted] = [LONG * (limit + 1)]
    response = client.post(url, data)
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    assert f"不超过 {limit} 字符" in html
    assert _state() == before
    data = form_data(client.get(url).content.decode(), f"{record._meta.model_name}_form")
    data[posted] = [LONG * limit]
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    stored = model._default_manager.filter(**({"pk": record.pk} if inline is None else {})).order_by("pk").first()
    assert getattr(stored, name) == LONG * limit


def test_two_million_characters_are_refused_by_the_admin(world):
    staff = make_user("staff-admin", Role.ADMINISTRATOR, is_staff=True)
    client = Client()
    client.force_login(staff)
    url = reverse("admin:projects_project_change", args=[world.projects["own"].pk])
    data = form_data(client.get(url).content.decode(), "project_form")
    data["progress_summary"] = ["x" * 2_000_000]
    before = _state()
    response = client.post(url, data)
    assert response.status_code == 200 and f"不超过 {TEXT_MAX_LENGTH} 字符" in response.content.decode()
    assert _state() == before


# The pages ----------------------------------------------------------------------------------------------


def _letter(world, *, issued=False):
    letter = SupervisionLetter.objects.create(
        kind=LetterKind.REMINDER, department=world.projects["own"].lead_department, year=2025, month=3,
        response_due=timezone.localdate() + dt.timedelta(days=10), requested_actions="请核实进度。",
        created_by=world.users["coordinator"])
    if issued:
        letter = letters.letter_issue(letter=letter, acting_user=world.users["coordinator"], expected_version=1)
    return letter


def _closed_month(world):
    closing.month_close(year=2024, month=12, acting_user=world.users["coordinator"])  # nothing expected in 2024
    return reverse("projects:month", args=[2024, 12])


def _page(user, url, field, *, form_id=None, built=None, extra=None, stored=None, limit=TEXT_MAX_LENGTH):
    return {"user": user, "url": url, "field": field, "form_id": form_id, "built": built, "extra": extra or {},
            "stored": stored, "limit": limit}


def _report(world, month=3):
    return MonthlyReport.objects.filter(project=world.projects["own"], month=month).first()


def _review(action):
    def built(world):
        report = world.submitted["own"]
        return {"version": str(MonthlyReport.objects.get(pk=report.pk).version), "next": "/"}
    return built


PAGES = {
    "project edit: progress_summary": _page(
        "coordinator", lambda w: reverse("projects:project_edit", args=[w.projects["own"].pk]), "progress_summary",
        form_id="project-form", stored=lambda w: w.projects["own"].__class__.objects.get(pk=w.projects["own"].pk)
        .progress_summary),
    "project edit: h2_plan": _page(
        "coordinator", lambda w: reverse("projects:project_edit", args=[w.projects["own"].pk]), "h2_plan",
        form_id="project-form", stored=lambda w: w.projects["own"].__class__.objects.get(pk=w.projects["own"].pk)
        .h2_plan),
    **{f"report entry: {name}": _page(
        "editor", lambda w: entry_url(w.projects["own"], 2025, 3), name, form_id="report-form",
        extra={"save": "1"}, stored=lambda w, name=name: getattr(_report(w), name))
       for name in ("progress_text", "problems", "coordination_requests", "plausibility_note")},
    "report entry: milestone note": _page(
        "editor", lambda w: entry_url(w.projects["own"], 2025, 3), "ms-0-note", form_id="report-form",
        extra={"save": "1"}, stored=lambda w: w.milestones["own"].__class__.objects.get(pk=w.milestones["own"].pk).note),
    **{f"bulk sheet: {name}": _page(
        "editor", lambda w: bulk_url(2025, 4), f"rows-0-{name}", form_id="bulk-form",
        extra={"save": "1", "rows-0-completed_month": "1"}, stored=lambda w, name=name: getattr(_report(w, 4), name, None))
       for name in ("progress_text", "problems", "coordination_requests", "plausibility_note")},
    "approve: comment": _page(
        "coordinator", lambda w: reverse("projects:review_action", args=[w.submitted["own"].pk, "approve"]), "comment",
        built=_review("approve"), stored=lambda w: _report(w, 2).review_comment),
    "return: comment": _page(
        "coordinator", lambda w: reverse("projects:review_action", args=[w.submitted["own"].pk, "return"]), "comment",
        built=_review("return"), stored=lambda w: _report(w, 2).review_comment),
    "month: waiver reason": _page(
        "coordinator", lambda w: reverse("projects:month", args=[2025, 4]), "reason",
        built=lambda w: {"action": "waive", "project": str(w.projects["own"].pk)},
        stored=lambda w: getattr(w.projects["own"].report_waivers.first(), "reason", None)),
    "month: reopening reason": _page(
        "coordinator", _closed_month, "reason", built=lambda w: {"action": "reopen"},
        stored=lambda w: closing.MonthSnapshot.objects.get(year=2024, month=12).reopen_reason),
    "letter: requested actions": _page(
        "coordinator", lambda w: reverse("projects:letter_detail", args=[_letter(w).pk]), "requested_actions",
        form_id="update-form", limit=5000, stored=lambda w: SupervisionLetter.objects.get().requested_actions),
    "letter: response": _page(
        "department editor", lambda w: reverse("projects:letter_detail", args=[_letter(w, issued=True).pk]), "response",
        form_id="respond-form", limit=5000, stored=lambda w: SupervisionLetter.objects.get().response),
}


def _client(world, user):
    client = Client()
    client.force_login(world.users["editor" if user == "department editor" else user])
    return client


@pytest.mark.parametrize("name", PAGES)
def test_the_pages_refuse_one_character_more_naming_the_field_and_take_the_limit(world, name):
    page = PAGES[name]
    client = _client(world, page["user"])
    url = page["url"](world)

    def data():
        if page["form_id"]:
            read = form_data(client.get(url).content.decode(), page["form_id"])
        else:
            read = {key: [value] for key, value in page["built"](world).items()}
        return {**read, **{key: [value] for key, value in page["extra"].items()}}

    limit = page["limit"]
    read = data()  # reading may write (a department's first look at a letter is its receipt)
    before = _state()
    response = client.post(url, {**read, page["field"]: [LONG * (limit + 1)]})
    html = response.content.decode()
    assert response.status_code == 400, html[:3000]
    assert str(limit) in html and (LONG * 50) in html  # the message, and the text typed still there
    assert _state() == before
    response = client.post(url, {**data(), page["field"]: [LONG * limit]})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert page["stored"](world) == LONG * limit


def test_two_million_characters_are_refused_by_the_pages(world):
    client = _client(world, "editor")
    url = entry_url(world.projects["own"], 2025, 3)
    data = form_data(client.get(url).content.decode(), "report-form")
    data.update({"progress_text": ["x" * 2_000_000], "save": ["1"]})
    before = _state()
    response = client.post(url, data)
    assert response.status_code == 400 and f"不超过 {TEXT_MAX_LENGTH} 字符" in response.content.decode()
    assert _state() == before


@pytest.mark.parametrize("name", PAGES)
def test_the_pages_refuse_a_nul_character(world, name):
    """PostgreSQL cannot store NUL: every way a page writes a text refuses it first (the form field, or
    the model field's validator where a service takes the text)."""
    page = PAGES[name]
    client = _client(world, page["user"])
    url = page["url"](world)
    if page["form_id"]:
        read = form_data(client.get(url).content.decode(), page["form_id"])
    else:
        read = {key: [value] for key, value in page["built"](world).items()}
    before = _state()
    response = client.post(url, {**read, **{k: [v] for k, v in page["extra"].items()}, page["field"]: ["甲\x00乙"]})
    assert response.status_code == 400, response.content.decode()[:2000]
    assert _state() == before
