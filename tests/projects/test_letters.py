"""Supervision letters (督办函 / 提醒函): drafting from the month's warnings, numbering, the workflow and
who may take each step, the pages, and the letter as PDF and Word."""

import datetime as dt
import io
import threading

import docx
import pytest
from django.core.exceptions import PermissionDenied
from django.db import close_old_connections, connection
from django.http import Http404
from django.urls import reverse
from pypdf import PdfReader

from portfolio.periods import Period
from portfolio.records import ConflictError
from projects import letters
from projects.choices import LetterKind, LetterState
from projects.models import Department, LetterSequence, Project, SupervisionLetter
from projects.permissions import Role
from projects.reports.builders import build_progress_report
from projects.reports.renderers.letters import render_letter
from tests.helpers import make_user

H1 = Period(2025, 6)
TODAY = dt.date(2025, 7, 10)


@pytest.fixture
def drafted(portfolio, coordinator):
    return letters.draft_letters(period=H1, acting_user=coordinator, today=TODAY)


def _warned_departments(user):
    report = build_progress_report(Project.objects.all(), H1, narrative=False)
    colours: dict = {}
    for w in report.warnings:
        department = Project.objects.get(code=w.code).lead_department_id
        if department is not None:
            colours.setdefault(department, set()).add(w.colour)
    return report, colours


def test_one_draft_per_warned_department_with_every_warned_project(drafted, coordinator):
    report, colours = _warned_departments(coordinator)
    assert {letter.department_id for letter in drafted.letters} == set(colours)
    for letter in drafted.letters:
        assert letter.state == LetterState.DRAFT and letter.number is None
        expected = LetterKind.SUPERVISION if "red" in colours[letter.department_id] else LetterKind.REMINDER
        assert letter.kind == expected
        assert letter.response_due == TODAY + dt.timedelta(days=10)
        codes = {item.project.code for item in letter.items.all()}
        assert codes == {w.code for w in report.warnings
                         if Project.objects.get(code=w.code).lead_department_id == letter.department_id}
    item = next(i for letter in drafted.letters for i in letter.items.all() if i.colour == "red")
    warning = next(w for w in report.warnings if w.code == item.project.code)
    assert item.reason.startswith(warning.reason_text)  # behind 序时进度 by how many points, in words
    assert any("原计划于" in i.reason for letter in drafted.letters for i in letter.items.all())
    # drafting again writes nothing new for the same month
    again = letters.draft_letters(period=H1, acting_user=coordinator, today=TODAY)
    assert again.letters == [] and again.already == len(drafted.letters)


def test_only_coordinators_draft(portfolio, editor, viewer):
    for user in (editor, viewer):
        with pytest.raises(PermissionDenied):
            letters.draft_letters(period=H1, acting_user=user, today=TODAY)
    assert not SupervisionLetter.objects.exists()


def test_the_workflow_and_who_may_take_each_step(drafted, coordinator, viewer):
    letter = drafted.letters[0]
    department = letter.department
    own = make_user("own-editor", Role.EDITOR, department)
    stranger = make_user("stranger", Role.EDITOR, Department.objects.exclude(pk=department.pk).first())
    # a draft is the bureau's: no department or viewer sees it
    for user in (own, stranger, viewer):
        assert not letters.visible_letters(user).filter(pk=letter.pk).exists()
    with pytest.raises((PermissionDenied, Http404)):  # a draft is not even visible to the department
        letters.letter_issue(letter=letter, acting_user=own, expected_version=letter.version, today=TODAY)
    issued = letters.letter_issue(letter=letter, acting_user=coordinator, expected_version=letter.version, today=TODAY)
    assert issued.state == LetterState.ISSUED and issued.number == 1 and issued.issued_on == TODAY
    assert issued.reference == "白发改督〔2025〕1号"
    # the department sees its letter, another department does not, the viewer reads it
    assert letters.visible_letters(own).filter(pk=letter.pk).exists()
    assert not letters.visible_letters(stranger).filter(pk=letter.pk).exists()
    assert letters.visible_letters(viewer).filter(pk=letter.pk).exists()
    # opening it records the receipt once; the coordinator opening it does not
    assert not letters.letter_receive(letter=issued, acting_user=coordinator)
    assert letters.letter_receive(letter=issued, acting_user=own)
    issued.refresh_from_db()
    assert issued.state == LetterState.RECEIVED and issued.received_by == own
    assert not letters.letter_receive(letter=issued, acting_user=own)
    for user in (stranger, viewer, coordinator):
        with pytest.raises((PermissionDenied, Http404)):
            letters.letter_respond(letter=issued, response="已整改", acting_user=user, expected_version=issued.version)
    with pytest.raises(letters.LetterError):
        letters.letter_respond(letter=issued, response="  ", acting_user=own, expected_version=issued.version)
    with pytest.raises(ConflictError):
        letters.letter_respond(letter=issued, response="已整改", acting_user=own, expected_version=issued.version - 1)
    issued.refresh_from_db()
    assert issued.state == LetterState.RECEIVED and issued.response == ""  # refused steps changed nothing
    responded = letters.letter_respond(letter=issued, response="已召开专题会，下月开工。", acting_user=own,
                                       expected_version=issued.version)
    assert responded.state == LetterState.RESPONDED
    with pytest.raises(PermissionDenied):
        letters.letter_close(letter=responded, note="", acting_user=own, expected_version=responded.version)
    closed = letters.letter_close(letter=responded, note="整改到位", acting_user=coordinator,
                                  expected_version=responded.version)
    assert closed.state == LetterState.CLOSED
    with pytest.raises(letters.LetterError):
        letters.letter_respond(letter=closed, response="补充", acting_user=own, expected_version=closed.version)
    states = list(closed.history.order_by("history_date").values_list("state", flat=True))
    assert states == ["draft", "issued", "received", "responded", "closed"]  # every step in the history


def test_escalating_a_reminder_drafts_a_supervision_letter(drafted, coordinator):
    reminder = next((x for x in drafted.letters if x.kind == LetterKind.REMINDER), None) or drafted.letters[0]
    reminder.kind = LetterKind.REMINDER
    reminder.save()
    issued = letters.letter_issue(letter=reminder, acting_user=coordinator, expected_version=reminder.version,
                                  today=TODAY)
    escalated = letters.letter_escalate(letter=issued, note="逾期未回复", acting_user=coordinator,
                                        expected_version=issued.version, today=TODAY)
    follow_up = escalated.escalated_to
    assert escalated.state == LetterState.ESCALATED and follow_up.kind == LetterKind.SUPERVISION
    assert follow_up.state == LetterState.DRAFT and follow_up.department_id == issued.department_id
    assert sorted(follow_up.items.values_list("project_id", flat=True)) == sorted(
        issued.items.values_list("project_id", flat=True))


def test_numbers_run_on_without_gaps_and_drafts_take_none(drafted, coordinator):
    for letter in drafted.letters[:3]:
        letters.letter_issue(letter=letter, acting_user=coordinator, expected_version=letter.version, today=TODAY)
    deleted = drafted.letters[3]
    letters.letter_delete(letter=deleted, acting_user=coordinator, expected_version=deleted.version)
    last = drafted.letters[4]
    letters.letter_issue(letter=last, acting_user=coordinator, expected_version=last.version, today=TODAY)
    numbers = sorted(SupervisionLetter.objects.exclude(number=None).values_list("number", flat=True))
    assert numbers == [1, 2, 3, 4] and LetterSequence.objects.get(year=2025).last == 4
    # a new year starts at 1
    next_year = drafted.letters[5]
    next_year.response_due = dt.date(2026, 1, 20)
    next_year.save()
    letters.letter_issue(letter=next_year, acting_user=coordinator, expected_version=next_year.version,
                         today=dt.date(2026, 1, 5))
    next_year.refresh_from_db()
    assert (next_year.number_year, next_year.number) == (2026, 1)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need a server database")
def test_concurrent_issues_take_distinct_consecutive_numbers(report_data):
    coordinator = make_user("coord", Role.COORDINATOR)
    department = Department.objects.first()
    project = Project.objects.first()
    drafts = []
    for _ in range(8):
        letter = SupervisionLetter.objects.create(kind="reminder", department=department, year=2025, month=6,
                                                  response_due=TODAY, requested_actions="请推进。")
        letter.items.create(project=project, colour="yellow", reason="落后")
        drafts.append(letter)
    errors = []
    barrier = threading.Barrier(len(drafts))

    def issue(letter):
        try:
            barrier.wait()
            letters.letter_issue(letter=letter, acting_user=coordinator, expected_version=1, today=TODAY)
        except Exception as exc:
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=issue, args=(letter,)) for letter in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(SupervisionLetter.objects.values_list("number", flat=True)) == list(range(1, 9))


def test_the_letter_as_pdf_and_word(drafted, coordinator):
    letter = drafted.letters[0]
    letter = letters.letter_issue(letter=letter, acting_user=coordinator, expected_version=letter.version, today=TODAY)
    rendered = render_letter(letter, "pdf")
    reader = PdfReader(io.BytesIO(rendered.content))
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", "")
    kind = letter.get_kind_display()
    assert kind in text and "白发改督〔2025〕1号" in text and f"{letter.department.name}：" in text
    assert "广州市白云区发展和改革局" in text and "2025年7月10日" in text and "— 1 —" in text
    for item in letter.items.all():
        assert item.project.code in text
    assert rendered.filename == f"白发改督〔2025〕1号{kind}（{letter.department.name}）.pdf"
    word = docx.Document(io.BytesIO(render_letter(letter, "docx").content))
    paragraphs = [(p.style.name, p.text) for p in word.paragraphs]
    assert paragraphs[0] == ("公文标题", kind) and ("公文正文", "白发改督〔2025〕1号") in paragraphs
    assert len(word.tables[0].rows) == 1 + letter.items.count()
    assert ("公文正文", "2025年7月10日") in paragraphs


def test_the_pages_as_each_role_would_use_them(drafted, client, coordinator, viewer):
    letter = drafted.letters[0]
    letter.response_due = dt.date.today() + dt.timedelta(days=30)
    letter.save()
    own = make_user("own-editor", Role.EDITOR, letter.department)
    client.force_login(coordinator)
    page = client.get(reverse("projects:letter_list"))
    assert page.status_code == 200 and letter.department.name in page.content.decode()
    detail = reverse("projects:letter_detail", args=[letter.pk])
    assert client.post(detail, {"step": "update", "version": letter.version, "kind": "supervision",
                                "requested_actions": "请加快推进", "response_due": "不是日期"}).status_code == 400
    response = client.post(detail, {"step": "issue", "version": letter.version})
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.state == LetterState.ISSUED
    # a stale version is refused with the page and its message, nothing changes
    stale = client.post(detail, {"step": "close", "version": letter.version - 1, "note": "x"})
    assert stale.status_code == 409 and "已被他人修改" in stale.content.decode()
    client.force_login(own)
    assert client.get(detail).status_code == 200
    letter.refresh_from_db()
    assert letter.state == LetterState.RECEIVED  # the department's editor opened it
    typed = "已制定整改方案" * 3
    refused = client.post(detail, {"step": "respond", "version": letter.version - 1, "response": typed})
    assert refused.status_code == 409 and typed in refused.content.decode()  # nothing the user typed is lost
    assert client.post(detail, {"step": "respond", "version": letter.version, "response": typed}).status_code == 302
    assert client.post(detail, {"step": "close", "version": letter.version + 1}).status_code == 403
    for fmt in ("pdf", "docx", "html"):
        assert client.get(reverse("projects:letter_file", args=[letter.pk, fmt])).status_code == 200
    client.force_login(make_user("stranger", Role.EDITOR, Department.objects.exclude(pk=letter.department_id).first()))
    assert client.get(detail).status_code == 404
    client.force_login(viewer)
    assert client.get(detail).status_code == 200 and client.post(reverse("projects:letter_list"),
                                                                 {"year": 2025, "month": 6}).status_code == 403


def test_overdue_responses_show_on_the_list_and_the_to_do(drafted, client, coordinator):
    letter = drafted.letters[0]
    letter.response_due = TODAY
    letter.save()
    letters.letter_issue(letter=letter, acting_user=coordinator, expected_version=letter.version, today=TODAY)
    assert letters.overdue(SupervisionLetter.objects.all(), TODAY + dt.timedelta(days=1)).get() == letter
    assert not letters.overdue(SupervisionLetter.objects.all(), TODAY).exists()
    client.force_login(coordinator)
    assert "1份函件已过回复期限" in client.get(reverse("projects:letter_list")).content.decode()
    own = make_user("own-editor", Role.EDITOR, letter.department)
    client.force_login(own)
    todo = client.get(reverse("projects:todo")).content.decode()
    assert "白发改督〔2025〕1号" in todo


@pytest.mark.parametrize(("data", "field"), [
    ({"kind": "not-a-kind"}, "函件类型"),
    ({"requested_actions": "要" * 5001}, "工作要求"),
    ({"requested_actions": ""}, "工作要求"),
])
def test_bad_input_names_the_field_and_changes_nothing(drafted, coordinator, data, field):
    letter = drafted.letters[0]
    before = (letter.kind, letter.requested_actions, letter.version)
    with pytest.raises(letters.LetterError) as refused:
        letters.letter_update(letter=letter, data=data, acting_user=coordinator, expected_version=letter.version)
    assert refused.value.message.startswith(f"{field}：")
    letter.refresh_from_db()
    assert (letter.kind, letter.requested_actions, letter.version) == before


@pytest.mark.parametrize("version", ["", "abc", "-1", "99"])
def test_a_missing_or_wrong_version_is_refused(drafted, coordinator, version):
    letter = drafted.letters[0]
    with pytest.raises(ConflictError):
        letters.letter_issue(letter=letter, acting_user=coordinator, expected_version=version, today=TODAY)
    letter.refresh_from_db()
    assert letter.state == LetterState.DRAFT and letter.number is None
    assert not LetterSequence.objects.filter(last__gt=0).exists()  # no number was taken


def test_the_report_lists_the_letters_issued_and_their_state(drafted, coordinator):
    import openpyxl

    from projects.reports.renderers import render_progress
    from projects.reports.renderers.html import render_progress_html

    sent = drafted.letters[0]
    sent = letters.letter_issue(letter=sent, acting_user=coordinator, expected_version=sent.version, today=TODAY)
    report = build_progress_report(Project.objects.all(), H1, narrative=False)
    assert [(row.reference, row.department, row.state_label, row.project_count) for row in report.letters] == [
        ("白发改督〔2025〕1号", sent.department.name, "已发出", sent.items.count())]  # drafts are not listed
    assert "白发改督〔2025〕1号" in render_progress_html(report)
    book = openpyxl.load_workbook(io.BytesIO(render_progress(report, "xlsx").content))
    assert [row[0] for row in book["督办函"].iter_rows(min_row=2, values_only=True)] == ["白发改督〔2025〕1号"]
    # a report on another department's projects does not list it
    other = build_progress_report(Project.objects.exclude(lead_department=sent.department), H1, narrative=False)
    assert other.letters == []


def test_what_the_review_found(drafted, client, coordinator, superuser, viewer):
    """Impossible dates, an administrator's visit, the report's list for an editor, the typed date kept,
    the overdue filter, a draft follow-up hidden from the department, January's wording."""
    from projects.reports.renderers.letters import letter_document
    from projects.reports.requests import progress_report_for

    sent, other = drafted.letters[0], drafted.letters[1]
    for letter in (sent, other):
        letter.response_due = dt.date.today() + dt.timedelta(days=30)
        letter.save()
    client.force_login(coordinator)
    detail = reverse("projects:letter_detail", args=[sent.pk])
    for bad in ("2025-02-30", "2025-13-01", "0000-01-01"):
        refused = client.post(detail, {"step": "update", "version": sent.version, "kind": "supervision",
                                        "requested_actions": "请推进", "response_due": bad})
        assert refused.status_code == 400 and "回复期限" in refused.content.decode()
    too_long = client.post(detail, {"step": "update", "version": sent.version, "kind": "supervision",
                                    "requested_actions": "要" * 5001, "response_due": "2031-08-01"})
    assert too_long.status_code == 400 and 'value="2031-08-01"' in too_long.content.decode()  # typed date kept
    for letter in (sent, other):
        letter.refresh_from_db()
        letters.letter_issue(letter=letter, acting_user=coordinator, expected_version=letter.version)
    # an administrator (or coordinator, or viewer) opening the letter is not the department's receipt
    for user in (superuser, coordinator, viewer):
        client.force_login(user)
        assert client.get(detail).status_code == 200
    sent.refresh_from_db()
    assert sent.state == LetterState.ISSUED and sent.received_by is None
    # an editor's report lists only the letters to their own department
    own = make_user("own-editor", Role.EDITOR, sent.department)
    report, _filters = progress_report_for(own, {"year": "2025", "month": "6"})
    assert [row.department for row in report.letters] == [sent.department.name]
    report, _filters = progress_report_for(coordinator, {"year": "2025", "month": "6"})
    assert {row.department for row in report.letters} == {sent.department.name, other.department.name}
    # the overdue filter lists exactly the overdue ones, opened or not
    SupervisionLetter.objects.filter(pk=sent.pk).update(response_due=dt.date(2025, 7, 1), state=LetterState.RECEIVED)
    client.force_login(coordinator)
    listed = client.get(reverse("projects:letter_list"), {"state": "overdue"}).content.decode()
    assert f'/projects/letters/{sent.pk}/"' in listed and f'/projects/letters/{other.pk}/"' not in listed
    # a 督办函 drafted on escalation is not linked for the department until it is issued
    other.refresh_from_db()
    other.kind = LetterKind.REMINDER
    other.save()
    letters.letter_escalate(letter=other, note="", acting_user=coordinator, expected_version=other.version)
    client.force_login(make_user("other-editor", Role.EDITOR, other.department))
    page = client.get(reverse("projects:letter_detail", args=[other.pk])).content.decode()
    assert "升级后的督办函" not in page
    client.force_login(coordinator)
    assert "升级后的督办函" in client.get(reverse("projects:letter_detail", args=[other.pk])).content.decode()
    # January reads 2025年1月, not 1—1月
    january = SupervisionLetter.objects.create(kind="reminder", department=sent.department, year=2025, month=1,
                                               response_due=TODAY, requested_actions="请推进。")
    assert "经对2025年1月重点项目" in letter_document(january).opening
