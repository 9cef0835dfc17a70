"""Tampered and malformed posts to every page that writes: the form again (400; the admin's 200), a message
naming the field, what was typed kept, and nothing changed.

Each page is read as a browser reads it, a value is typed (so that an untampered post would write:
the control case proves it), then one field the page wrote itself (a version, a row's id, a formset's
counts) is replaced by each malformed value, or left out; the generated table is pages x fields x
values. Bytes that are not UTF-8 are posted to every page too.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from portfolio.policy import Role
from projects import letters
from projects.choices import LetterKind
from projects.models import Milestone, MonthlyReport, Project, ReportWaiver, SupervisionLetter
from tests.forms import bulk_url, entry_url, form_data
from tests.helpers import database_state, make_user

pytestmark = pytest.mark.django_db

ABSENT = object()
# How a refusal names what the page wrote itself (the words of the message, not of a heading or menu).
VERSION = r"版本号(：|“)|读取时的版本号"
MILESTONES = r"节点表单"
PROJECT = r"项目：(本行的项目|输入整数|确保该值|该字段|“|找不到)"
MALFORMED = {"empty": "", "letters": "abc", "negative": "-1", "past any column": "9" * 30, "decimal": "1.5",
             "NUL": "1\x00", "absent": ABSENT}


def _state():
    return database_state(departments=True), list(SupervisionLetter.objects.values()), ReportWaiver.objects.count()


@dataclass(frozen=True)
class PageWrite:
    """A page that writes: who posts, where, the form read from the page (or built as its buttons post it),
    the value typed, and the fields the page wrote itself with the words the refusal names each by."""

    user: str
    url: object  # world -> url
    typed: dict  # field -> value typed in the form
    hidden: dict  # field the page wrote -> the words (a pattern) naming it in the refusal
    form_id: str | None = None  # read from the page; None: ``built`` is what the page's button posts
    built: object = None  # world -> post data
    refused_status: int = 400
    other_ids: dict = field(default_factory=dict)  # field -> world -> an id of another project's record
    kept: tuple = ()  # typed values the refused page shows again

    def data(self, client, world) -> dict:
        if self.form_id is None:
            data = {name: [value] for name, value in self.built(world).items()}
        else:
            page = client.get(self.url(world))
            assert page.status_code == 200, page.content.decode()[:300]
            data = form_data(page.content.decode(), self.form_id)
        for name, value in self.typed.items():
            data[name] = [value]
        return data


def _staff(world, role="coordinator"):
    return make_user(f"staff-{role}", Role.COORDINATOR, is_staff=True)


def _letter(world):
    letter = SupervisionLetter.objects.filter(requested_actions="请核实进度。").first()
    if letter is None:
        letter = letters.SupervisionLetter.objects.create(
            kind=LetterKind.REMINDER, department=world.projects["own"].lead_department, year=2025, month=3,
            response_due=dt.date(2025, 7, 20), requested_actions="请核实进度。", created_by=world.users["coordinator"])
    return letter


def _admin_url(obj):
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def _review(action, report_key):
    def built(world):
        report = getattr(world, report_key)["own"]
        return {"version": str(MonthlyReport.objects.get(pk=report.pk).version), "comment": "请补充形象进度",
                "next": entry_url(report.project, report.year, report.month)}
    return built


PAGES = {
    "report entry": PageWrite(
        user="editor", url=lambda w: entry_url(w.projects["own"], 2025, 3), form_id="report-form",
        typed={"completed_month": "7", "ms-0-note": "已开工", "save": "1"},
        hidden={"version": VERSION, "ms-0-id": MILESTONES, "ms-0-version": VERSION, "ms-TOTAL_FORMS": MILESTONES,
                "ms-INITIAL_FORMS": MILESTONES},
        other_ids={"ms-0-id": lambda w: w.milestones["other"].pk}, kept=('value="7"',)),
    "bulk sheet": PageWrite(
        user="editor", url=lambda w: bulk_url(2025, 4), form_id="bulk-form",
        typed={"rows-0-completed_month": "3", "rows-0-progress_text": "桩基施工", "save": "1"},
        hidden={"rows-0-project": PROJECT, "rows-0-version": VERSION, "rows-TOTAL_FORMS": "表格与本单位当月可填报的项目不一致",
                "rows-INITIAL_FORMS": "表格与本单位当月可填报的项目不一致"},
        other_ids={"rows-0-project": lambda w: w.projects["other"].pk}, kept=('value="3"', "桩基施工")),
    "project edit": PageWrite(
        user="coordinator", url=lambda w: reverse("projects:project_edit", args=[w.projects["own"].pk]),
        form_id="project-form", typed={"progress_summary": "主体封顶"}, hidden={"version": VERSION},
        kept=("主体封顶",)),
    "approve": PageWrite(
        user="coordinator", url=lambda w: reverse("projects:review_action", args=[w.submitted["own"].pk, "approve"]),
        built=_review("approve", "submitted"), typed={}, hidden={"version": VERSION}, kept=("请补充形象进度",)),
    "return": PageWrite(
        user="coordinator", url=lambda w: reverse("projects:review_action", args=[w.submitted["own"].pk, "return"]),
        built=_review("return", "submitted"), typed={}, hidden={"version": VERSION}, kept=("请补充形象进度",)),
    "reopen": PageWrite(
        user="coordinator", url=lambda w: reverse("projects:review_action", args=[w.approved["own"].pk, "reopen"]),
        built=_review("reopen", "approved"), typed={}, hidden={"version": VERSION}),
    "withdraw": PageWrite(
        user="editor", url=lambda w: reverse("projects:review_action", args=[w.submitted["own"].pk, "withdraw"]),
        built=_review("withdraw", "submitted"), typed={}, hidden={"version": VERSION}),
    "letter": PageWrite(
        user="coordinator", url=lambda w: reverse("projects:letter_detail", args=[_letter(w).pk]), form_id="update-form",
        typed={"requested_actions": "请于月底前报送整改情况。"}, hidden={"version": VERSION},
        kept=("请于月底前报送整改情况。",)),
    "month waiver": PageWrite(
        user="coordinator", url=lambda w: reverse("projects:month", args=[2025, 4]),
        built=lambda w: {"action": "waive", "project": str(w.projects["own"].pk), "reason": "尚未开工"}, typed={},
        hidden={"project": PROJECT}),
    "admin: project": PageWrite(
        user="staff", url=lambda w: _admin_url(w.projects["own"]), form_id="project_form",
        typed={"progress_summary": "主体封顶"}, hidden={"_version": VERSION}, refused_status=200, kept=("主体封顶",)),
    "admin: milestone": PageWrite(
        user="staff", url=lambda w: _admin_url(w.milestones["own"]), form_id="milestone_form",
        typed={"note": "已开工"}, hidden={"_version": VERSION}, refused_status=200, kept=("已开工",)),
    "admin: monthly report": PageWrite(
        user="staff", url=lambda w: _admin_url(w.drafts["own"]), form_id="monthlyreport_form",
        typed={"problems": "用地未批"}, hidden={"_version": VERSION}, refused_status=200, kept=("用地未批",)),
}


def _client(world, page: PageWrite) -> Client:
    client = Client()
    client.force_login(_staff(world) if page.user == "staff" else world.users[page.user])
    return client


def _cases():
    for name, page in PAGES.items():
        for hidden in page.hidden:
            for value in MALFORMED:
                yield name, hidden, value
            if hidden in page.other_ids:
                yield name, hidden, "another project's"


CASES = list(_cases())


@pytest.mark.parametrize("name", PAGES)
def test_the_untampered_post_writes(world, name):
    """The control: the same post, untouched, is saved (so each refusal below is the tampering's)."""
    page = PAGES[name]
    client = _client(world, page)
    data = page.data(client, world)
    before = _state()
    response = client.post(page.url(world), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _state() != before


@pytest.mark.parametrize(("name", "hidden", "value"), CASES, ids=[f"{n}-{h}-{v}" for n, h, v in CASES])
def test_a_tampered_field_is_refused_by_name_and_changes_nothing(world, name, hidden, value):
    page = PAGES[name]
    client = _client(world, page)
    data = page.data(client, world)
    assert hidden in data, f"the page no longer writes {hidden}"
    if value == "another project's":
        data[hidden] = [str(page.other_ids[hidden](world))]
    elif MALFORMED[value] is ABSENT:
        del data[hidden]
    else:
        data[hidden] = [MALFORMED[value]]
    before = _state()
    response = client.post(page.url(world), data)
    html = response.content.decode()
    assert response.status_code == page.refused_status, html[:2000]
    assert re.search(page.hidden[hidden], html), html
    for typed in page.kept:
        assert typed in html, typed
    assert _state() == before


def _undecodable_body(data: dict, field_name: str) -> bytes:
    parts = []
    for name, values in data.items():
        for value in values:
            encoded = "%FF%FE%FA" if name == field_name else quote(value, safe="")
            parts.append(f"{quote(name, safe='')}={encoded}")
    return "&".join(parts).encode()


@pytest.mark.parametrize("name", PAGES)
def test_bytes_that_are_not_utf8_are_refused_naming_the_field(world, name):
    page = PAGES[name]
    client = _client(world, page)
    data = page.data(client, world)
    typed = [name for name in page.typed if name != "save"]
    target = typed[0] if typed else next(name for name in ("comment", "reason", "version") if name in data)
    before = _state()
    response = client.post(page.url(world), _undecodable_body(data, target),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert f"字段“{target}”的内容不是有效的 UTF-8 文本" in response.content.decode()
    assert _state() == before


def test_a_stale_bulk_sheet_is_shown_again_with_what_was_typed(world):
    """A project joined the department's sheet after the page was read: the form counts differ, the sheet
    is shown as it is now, and the typed row is still filled in."""
    client = _client(world, PAGES["bulk sheet"])
    data = PAGES["bulk sheet"].data(client, world)
    Project.objects.create(programme=world.programme, code="P-new", name="新项目", lead_department=world.projects[
        "own"].lead_department, annual_plan=100)
    before = _state()
    response = client.post(bulk_url(2025, 4), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "表格与本单位当月可填报的项目不一致" in html and 'value="3"' in html and "桩基施工" in html
    assert "新项目" in html
    assert _state() == before


def test_a_milestone_named_twice_is_refused(world):
    Milestone.objects.create(project=world.projects["own"], kind="topping_out", planned_date=dt.date(2025, 9, 1))
    client = _client(world, PAGES["report entry"])
    data = PAGES["report entry"].data(client, world)
    data["ms-1-id"] = data["ms-0-id"]
    before = _state()
    response = client.post(entry_url(world.projects["own"], 2025, 3), data)
    assert response.status_code == 400
    assert "节点表单：同一节点出现了多次" in response.content.decode()
    assert _state() == before

