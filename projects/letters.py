"""Supervision letters (督办函 / 提醒函): how the bureau acts on red and yellow projects.

From the month's warnings a coordinator drafts one letter per department (a 督办函 when it has a red
project, a 提醒函 for yellow only: settings.PORTFOLIO_LETTER_KINDS), each project with its reason in
words. Issuing numbers and dates it (白发改督〔2025〕3号: one sequence a year, taken under a row lock, so
numbers have no gaps or duplicates); the department's editor opening it records the receipt; the
department responds; the coordinator closes it, or escalates it (a 提醒函 becomes a new 督办函 draft).

The steps a state allows are decided here (TRANSITIONS), who may take them by projects.permissions;
every write carries the version it read and is in the history. A refused step changes nothing.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from portfolio.periods import Period, document_date
from portfolio.records import ConflictError, bump_version, field_label
from portfolio.text import colon, semicolon

from .choices import AWAITING_RESPONSE, LetterKind, LetterState
from .models import LetterSequence, Project, SupervisionLetter, SupervisionLetterItem
from .permissions import Action, can, manages_letters, require, responds_to_letters, restrict
from .progress import RED, YELLOW

# The steps and the states they start from; every step ends in one state.
TRANSITIONS = {
    "update": ((LetterState.DRAFT,), LetterState.DRAFT, Action.CHANGE),
    "delete": ((LetterState.DRAFT,), None, Action.DELETE),
    "issue": ((LetterState.DRAFT,), LetterState.ISSUED, Action.APPROVE),
    "receive": ((LetterState.ISSUED,), LetterState.RECEIVED, Action.SUBMIT),
    "respond": ((LetterState.ISSUED, LetterState.RECEIVED, LetterState.RESPONDED), LetterState.RESPONDED,
                Action.SUBMIT),
    "close": ((LetterState.ISSUED, LetterState.RECEIVED, LetterState.RESPONDED), LetterState.CLOSED, Action.APPROVE),
    "escalate": ((LetterState.ISSUED, LetterState.RECEIVED, LetterState.RESPONDED), LetterState.ESCALATED,
                 Action.APPROVE),
}


class LetterError(Exception):
    """A step the letter's state does not allow, or input that cannot be saved; nothing was changed."""

    def __init__(self, message):
        super().__init__(message)
        self.message = str(message)


def allowed_steps(letter: SupervisionLetter, user) -> list[str]:
    """The steps ``user`` may take on ``letter`` now (for the buttons of its page)."""
    return [step for step, (sources, _target, action) in TRANSITIONS.items()
            if letter.state in sources and step != "receive" and can(user, action, letter)]


def _check(letter: SupervisionLetter, step: str, acting_user) -> str | None:
    """Refuse the step unless the user may take it and the letter's state allows it; the state it ends in."""
    sources, target, action = TRANSITIONS[step]
    require(acting_user, action, letter)
    if letter.state not in sources:
        raise LetterError(_("该函件当前为“%(state)s”，不能%(step)s。") % {
            "state": letter.get_state_display(), "step": step_label(step)})
    return target


def step_label(step: str) -> str:
    return {
        "update": _("修改"), "delete": _("删除"), "issue": _("发出"), "receive": _("签收"), "respond": _("回复"),
        "close": _("办结"), "escalate": _("升级督办"),
    }[step]


# Drafting ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DraftResult:
    letters: list[SupervisionLetter]
    already: int  # departments that already have a letter of the month
    without_department: int  # warned projects with no lead department to write to


def default_actions(kind: str, due: dt.date) -> str:
    deadline = document_date(due)
    if kind == LetterKind.SUPERVISION:
        return _("请你单位高度重视，对上述项目逐一分析原因，落实责任人和整改措施，加快推进项目建设，"
                 "并于%(deadline)s前将整改措施和推进情况书面反馈区发展和改革局。") % {"deadline": deadline}
    return _("请你单位关注上述项目进展，及时协调解决存在问题，确保完成年度投资计划，"
             "并于%(deadline)s前将推进情况反馈区发展和改革局。") % {"deadline": deadline}


def _kind_for(colours: set[str]) -> str:
    rules = settings.PORTFOLIO_LETTER_KINDS
    return rules[RED] if RED in colours else rules[YELLOW]


def draft_letters(*, period: Period, acting_user, today: dt.date | None = None) -> DraftResult:
    """One draft per department with red or yellow projects in ``period`` and no letter of the month
    yet, each project with its reason in words (behind 序时进度 by how many points, which milestone is
    overdue since when). The warnings are the progress report's (projects.reports.builders)."""
    from .reports.builders import build_progress_report

    require(acting_user, Action.ADD, model=SupervisionLetter)
    today = today or timezone.localdate()
    report = build_progress_report(restrict(Project.objects.all(), acting_user, Action.VIEW), period, narrative=False)
    warned = [w for w in report.warnings if w.colour in (RED, YELLOW)]
    projects = {p.code: p for p in Project.objects.filter(code__in=[w.code for w in warned])
                .only("pk", "code", "lead_department_id")}
    overdue: dict[str, list[str]] = {}
    for m in report.milestones_overdue:
        overdue.setdefault(m.code, []).append(_("%(kind)s节点原计划于%(planned)s完成") % {
            "kind": m.kind_label, "planned": m.planned_text})
    by_department: dict[int, list] = {}
    without = 0
    for w in warned:
        project = projects.get(w.code)
        if project is None or project.lead_department_id is None:
            without += 1
            continue
        by_department.setdefault(project.lead_department_id, []).append((w, project))
    due = today + dt.timedelta(days=settings.PORTFOLIO_LETTER_RESPONSE_DAYS)
    letters = []
    with transaction.atomic():
        # Two drafting requests at once (a double click) take turns on the year's sequence row, so the
        # second sees the first one's drafts. A closed or escalated letter does not stop a new round.
        _sequence_row(period.year)
        written = set(SupervisionLetter.objects.filter(year=period.year, month=period.month)
                      .exclude(state__in=(LetterState.CLOSED, LetterState.ESCALATED))
                      .values_list("department_id", flat=True))
        for department_id, rows in by_department.items():
            if department_id in written:
                continue
            kind = _kind_for({w.colour for w, _p in rows})
            letter = SupervisionLetter(
                kind=kind, department_id=department_id, year=period.year, month=period.month, response_due=due,
                requested_actions=default_actions(kind, due), created_by=acting_user,
            )
            letter._history_user = acting_user
            letter.save()
            SupervisionLetterItem.objects.bulk_create([
                SupervisionLetterItem(letter=letter, project=project, colour=w.colour, position=position,
                                      reason=semicolon().join([w.reason_text, *overdue.get(w.code, [])]),
                                      is_sample=w.is_sample)
                for position, (w, project) in enumerate(rows)
            ])
            letters.append(letter)
    return DraftResult(letters, len(written & set(by_department)), without)


# Steps ----------------------------------------------------------------------------------------------


def _save(letter: SupervisionLetter, acting_user, expected_version, **changes) -> SupervisionLetter:
    for name, value in changes.items():
        setattr(letter, name, value)
    try:
        letter.full_clean(exclude=["department", "created_by", "escalated_to"])
    except ValidationError as exc:
        # Each message led by the field it is about, in the user's language.
        raise LetterError(" ".join(
            (f"{field_label(SupervisionLetter, name)}{colon()}" if name != NON_FIELD_ERRORS else "") + message
            for name, messages in exc.message_dict.items() for message in messages)) from None
    bump_version(letter, expected_version)
    letter._history_user = acting_user
    letter.save()
    return letter


def letter_update(*, letter: SupervisionLetter, data: dict, acting_user, expected_version) -> SupervisionLetter:
    """A draft's kind, requested actions and response deadline."""
    with transaction.atomic():
        letter = _locked(letter)
        _check(letter, "update", acting_user)
        allowed = {k: v for k, v in data.items() if k in ("kind", "requested_actions", "response_due")}
        return _save(letter, acting_user, expected_version, **allowed)


def letter_delete(*, letter: SupervisionLetter, acting_user, expected_version) -> None:
    with transaction.atomic():
        letter = _locked(letter)
        _check(letter, "delete", acting_user)
        bump_version(letter, expected_version)
        letter._history_user = acting_user
        letter.delete()


def _sequence_row(year: int) -> LetterSequence:
    """The year's sequence row, locked until the caller's transaction ends."""
    try:
        with transaction.atomic():
            LetterSequence.objects.get_or_create(year=year)
    except IntegrityError:  # created by a concurrent request at the same moment
        pass
    return LetterSequence.objects.select_for_update().get(year=year)


def _next_number(year: int) -> int:
    """The year's next number, taken under the sequence row's lock (within the caller's transaction)."""
    sequence = _sequence_row(year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return sequence.last


def letter_issue(*, letter: SupervisionLetter, acting_user, expected_version,
                 today: dt.date | None = None) -> SupervisionLetter:
    """Number, date and send the letter: the department sees it from now on."""
    today = today or timezone.localdate()
    with transaction.atomic():
        letter = _locked(letter)
        state = _check(letter, "issue", acting_user)
        if letter.response_due < today:
            raise LetterError(_("回复期限（%(due)s）早于发文日期，请先修改回复期限。") % {"due": letter.response_due})
        return _save(letter, acting_user, expected_version, state=state, number_year=today.year,
                     number=_next_number(today.year), issued_on=today)


def letter_receive(*, letter: SupervisionLetter, acting_user) -> bool:
    """The department's editor opened the letter: recorded once, the first time. Whether it was now.
    Anyone else opening it (the bureau, a viewer) records nothing, and nothing is refused."""
    sources, target, action = TRANSITIONS["receive"]
    if letter.state not in sources or not responds_to_letters(acting_user) or not can(acting_user, action, letter):
        return False
    with transaction.atomic():
        letter = _locked(letter)
        if letter.state not in sources:
            return False
        _save(letter, acting_user, letter.version, state=target, received_at=timezone.now(), received_by=acting_user)
    return True


def letter_respond(*, letter: SupervisionLetter, response: str, acting_user, expected_version) -> SupervisionLetter:
    """The department's response and measures (it may add to it until the letter is closed)."""
    response = (response or "").strip()
    if not response:
        raise LetterError(_("请填写回复内容：整改措施和推进情况。"))
    with transaction.atomic():
        letter = _locked(letter)
        state = _check(letter, "respond", acting_user)
        changes = {"state": state, "response": response, "responded_at": timezone.now(),
                   "responded_by": acting_user}
        if letter.received_at is None:
            changes.update(received_at=changes["responded_at"], received_by=acting_user)
        return _save(letter, acting_user, expected_version, **changes)


def letter_close(*, letter: SupervisionLetter, note: str, acting_user, expected_version) -> SupervisionLetter:
    with transaction.atomic():
        letter = _locked(letter)
        state = _check(letter, "close", acting_user)
        return _save(letter, acting_user, expected_version, state=state, closed_at=timezone.now(),
                     closing_note=(note or "").strip())


def letter_escalate(*, letter: SupervisionLetter, note: str, acting_user, expected_version,
                    today: dt.date | None = None) -> SupervisionLetter:
    """Not resolved: the letter is escalated; a 提醒函 is followed by a 督办函 draft on the same projects."""
    today = today or timezone.localdate()
    with transaction.atomic():
        letter = _locked(letter)
        state = _check(letter, "escalate", acting_user)
        follow_up = None
        if letter.kind == LetterKind.REMINDER:
            due = today + dt.timedelta(days=settings.PORTFOLIO_LETTER_RESPONSE_DAYS)
            follow_up = SupervisionLetter(
                kind=LetterKind.SUPERVISION, department_id=letter.department_id, year=letter.year,
                month=letter.month, response_due=due, created_by=acting_user,
                requested_actions=default_actions(LetterKind.SUPERVISION, due),
            )
            follow_up._history_user = acting_user
            follow_up.save()
            SupervisionLetterItem.objects.bulk_create([
                SupervisionLetterItem(letter=follow_up, project_id=item.project_id, colour=item.colour,
                                      reason=item.reason, is_sample=item.is_sample, position=item.position)
                for item in letter.items.all()
            ])
        return _save(letter, acting_user, expected_version, state=state, closed_at=timezone.now(),
                     closing_note=(note or "").strip(), escalated_to=follow_up)


def _locked(letter: SupervisionLetter) -> SupervisionLetter:
    """The letter as stored now, its row locked until the step's transaction ends."""
    try:
        return SupervisionLetter.objects.select_for_update().get(pk=letter.pk)
    except SupervisionLetter.DoesNotExist:
        raise ConflictError() from None


# Reading --------------------------------------------------------------------------------------------


def visible_letters(user) -> QuerySet:
    """The letters ``user`` may read, with what their lists show (no per-row queries)."""
    return (restrict(SupervisionLetter.objects.all(), user, Action.VIEW)
            .select_related("department").annotate(item_count=Count("items")))


def overdue(letters: QuerySet, today: dt.date) -> QuerySet:
    """Letters whose response is past its deadline and still not given."""
    return letters.filter(state__in=AWAITING_RESPONSE, response_due__lt=today)


def awaiting_response(letters: QuerySet) -> QuerySet:
    return letters.filter(state__in=AWAITING_RESPONSE).order_by("response_due", "pk")


def letters_due(user, today: dt.date) -> tuple[str, QuerySet] | None:
    """What the user must follow up, for the dashboard and the to-do page: the bureau's letters whose
    response is overdue ("overdue"), or the letters to the user's department awaiting its response
    ("awaiting"); None for anyone else."""
    if manages_letters(user):
        return "overdue", overdue(visible_letters(user), today).order_by("response_due", "pk")
    if responds_to_letters(user):
        return "awaiting", awaiting_response(visible_letters(user))
    return None
