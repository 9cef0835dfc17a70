"""The monthly cycle's reminders: reports still to do, departments that are late, and the daily reminder run.

A project owes a report for a month when its programme is of that year and it is not cancelled.
A report is still to do while it is missing, a draft or returned, the project is not waived for
the month and the month is not closed. The selectors run a fixed number of queries whatever the
number of projects; ``send_reminders`` adds a few queries per editor to ask the policy which
projects each one reports.
"""

import datetime as dt
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.services import in_every_language, notification_send
from portfolio.periods import Period

from . import selectors
from .choices import ReportStatus
from .models import Department, MonthlyReport, PeriodLock, Project, ReportWaiver
from .permissions import Action, closed_months, month_closed, month_closed_q, report_fillers, restrict
from .workflow import EDITABLE_STATES, MISSING

DRAFT, RETURNED = ReportStatus.DRAFT.value, ReportStatus.RETURNED.value
STATE_LABELS = {
    MISSING: gettext_lazy("未填报"),
    DRAFT: gettext_lazy("草稿未提交"),
    RETURNED: gettext_lazy("已退回待修改"),
}
# Notification kinds: before the deadline and after it.
DUE_SOON, OVERDUE = "report_due_soon", "report_overdue"


@dataclass(frozen=True)
class OutstandingReport:
    """A month's report a project still owes: missing, a draft, or returned for correction."""

    project: Project
    department: Department | None
    period: Period
    state: str
    return_comment: str
    due_date: dt.date

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    def days_overdue(self, today: dt.date) -> int:
        return max(0, (today - self.due_date).days)


@dataclass(frozen=True)
class LateDepartment:
    """A department with reports of a month still not submitted after the deadline."""

    department: Department | None
    period: Period
    missing: int
    draft: int
    returned: int
    due_date: dt.date
    days_overdue: int

    @property
    def outstanding(self) -> int:
        return self.missing + self.draft + self.returned


def _done(year: int, months: list[int]) -> QuerySet:
    """Reports of these months that are submitted or approved: nothing more to do for them."""
    return MonthlyReport.objects.filter(year=year, month__in=months).exclude(status__in=EDITABLE_STATES)


def _waived(year: int, months: list[int]) -> QuerySet:
    return ReportWaiver.objects.filter(year=year, month__in=months)


def _still_to_do(period: Period) -> Q:
    """A project's report of the month is still to fill, correct or submit: the project is expected (of
    the year's programmes, not cancelled), the month is not closed, it is not waived, and it has no
    submitted or approved report (one report per project and month: a unique constraint)."""
    year, month = period.year, period.month
    done = _done(year, [month]).filter(project=OuterRef("pk"))
    waived = _waived(year, [month]).filter(project=OuterRef("pk"))
    return selectors.expected_q(year) & ~Exists(done) & ~Exists(waived) & ~month_closed_q(year, month)


def _outstanding_projects(projects: QuerySet, period: Period) -> QuerySet:
    """The projects whose report of the month is still to do, with that report's status and comment."""
    report = MonthlyReport.objects.filter(project=OuterRef("pk"), year=period.year, month=period.month).order_by()
    return projects.filter(_still_to_do(period)).annotate(
        report_status=Subquery(report.values("status")[:1]),
        report_comment=Subquery(report.values("review_comment")[:1]),
    )


def outstanding_reports(projects: QuerySet, period: Period) -> list[OutstandingReport]:
    """The month's reports still to fill, correct or submit among ``projects`` (already restricted).

    One query whatever the number of projects; an empty list once the month is closed.
    """
    due = period.due_date
    rows = _outstanding_projects(projects, period).select_related("lead_department").order_by("code", "pk")
    return [
        OutstandingReport(
            project=project,
            department=project.lead_department,
            period=period,
            state=project.report_status or MISSING,
            return_comment=(project.report_comment or "") if project.report_status == RETURNED else "",
            due_date=due,
        )
        for project in rows
    ]


def _how_many(rows: QuerySet) -> Coalesce:
    """The number of ``rows`` (correlated to the outer query), 0 when there are none."""
    counted = rows.order_by().values(group=Value(1)).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def outstanding_count(projects: QuerySet, periods: list[Period]) -> int:
    """How many reports of these months are still to fill, correct or submit: the rows ``outstanding_reports``
    lists (``_still_to_do``), added over the months (each month once), in one query whatever their number.

    Per expected project and year: the year's months that are not closed, less those with a submitted or
    approved report and those waived (a waived month with such a report counted once): a few subqueries
    a year rather than one condition a month (23 open months: 7 ms rather than 33, mostly compiling).
    """
    months_by_year: dict[int, list[int]] = {}
    for period in dict.fromkeys(periods):
        months_by_year.setdefault(period.year, []).append(period.month)
    if not months_by_year:
        return 0
    owed = []
    for year, months in months_by_year.items():
        is_open = ~Exists(PeriodLock.objects.filter(year=year, month=OuterRef("month")))
        done = _done(year, months).filter(is_open)
        waived = _waived(year, months).filter(is_open).exclude(
            Exists(_done(year, months).filter(project=OuterRef("project"), month=OuterRef("month"))))
        open_months = Value(len(months)) - _how_many(PeriodLock.objects.filter(year=year, month__in=months))
        owed.append(When(
            selectors.expected_q(year),
            then=open_months - _how_many(done.filter(project=OuterRef("pk")))
            - _how_many(waived.filter(project=OuterRef("pk"))),
        ))
    # Over the projects' keys: a restricted queryset may be DISTINCT, and an aggregate over it becomes a
    # subquery that the correlated conditions above cannot see into.
    total = Project.objects.filter(pk__in=projects.values("pk")).aggregate(
        n=Sum(Case(*owed, default=Value(0), output_field=IntegerField())))["n"]
    return total or 0


def late_departments(period: Period, today: dt.date) -> list[LateDepartment]:
    """After the month's deadline, the departments whose reports are still not submitted, worst first.

    Counted by selectors.reporting_status (the dashboard's and the report's completeness), so the
    to-do page and those never disagree; a closed month has nobody late. Projects without a lead
    department are counted under ``department=None``.
    """
    due = period.due_date
    if today <= due or month_closed(period.year, period.month):
        return []
    late = selectors.reporting_status(Project.objects.all(), period, today=today).late_departments
    departments = Department.objects.in_bulk([int(d.key) for d in late if d.key])
    rows = [
        LateDepartment(
            department=departments.get(int(d.key)) if d.key else None, period=period,
            missing=d.missing, draft=d.draft, returned=d.returned, due_date=due, days_overdue=(today - due).days,
        )
        for d in late
    ]
    return sorted(rows, key=lambda r: (-r.outstanding, r.department is None, r.department.code if r.department else ""))


def open_periods(today: dt.date) -> list[Period]:
    """The months whose reports are due by now or next: the month just ended and every earlier month of
    its year that is not closed, and those of the year before when the platform was used for it (it
    has monthly reports), so a year's last months stay on the to-do list until they close. Two queries.
    """
    last = Period(today.year, today.month).preceding
    years = {last.year}
    if MonthlyReport.objects.filter(year=last.year - 1).exists():
        years.add(last.year - 1)
    closed = closed_months(years)
    return [
        Period(year, month)
        for year in sorted(years)
        for month in range(1, (12 if year < last.year else last.month) + 1)
        if (year, month) not in closed
    ]


def reminder_kind(period: Period, today: dt.date) -> str | None:
    """DUE_SOON within PORTFOLIO_REMINDER_DAYS_BEFORE days before the deadline (both ends included),
    OVERDUE every day after it, None otherwise."""
    due = period.due_date
    if today > due:
        return OVERDUE
    if due - dt.timedelta(days=settings.PORTFOLIO_REMINDER_DAYS_BEFORE) <= today:
        return DUE_SOON
    return None


@dataclass(frozen=True)
class SentReminder:
    username: str
    period: Period
    kind: str
    count: int
    emailed: bool


@dataclass
class ReminderRun:
    """What one ``send_reminders`` run did; ``already_sent`` counts reminders an earlier run made today."""

    notifications: int = 0
    emails: int = 0
    already_sent: int = 0
    sent: list[SentReminder] = field(default_factory=list)


def _message(kind: str, period: Period, rows: list[OutstandingReport], today: dt.date) -> tuple[str, str]:
    due = rows[0].due_date
    values = {
        "year": period.year, "month": period.month, "count": len(rows), "due": due.isoformat(),
        "days": (today - due).days,
    }
    if kind == OVERDUE:
        title = _("已逾期：%(year)s年%(month)s月月报还有%(count)s个项目未提交，已逾期%(days)s天") % values
    else:
        title = _("即将到期：%(year)s年%(month)s月月报还有%(count)s个项目未提交，%(due)s截止") % values
    lines = [_("以下项目的%(year)s年%(month)s月月报尚未提交（截止日期：%(due)s）：") % values]
    lines += [_("· %(name)s（%(state)s）") % {"name": row.project.name, "state": row.state_label} for row in rows]
    lines.append(_("共%(count)s个项目。请在“我的待办”页面填报，或修改后提交。") % values)
    return title, "\n".join(lines)


def send_reminders(*, today: dt.date) -> ReminderRun:
    """Remind each active editor of the reports they still owe, once per day, month and kind.

    Before a month's deadline (within PORTFOLIO_REMINDER_DAYS_BEFORE days) a "即将到期" reminder,
    after it an "已逾期" one every day, until every report of the month is submitted, waived or the
    month is closed. Each reminder is an in-app notification (keyed on kind, month and day, so a
    second run the same day sends nothing) and an e-mail to users with an address. Texts are
    written in the platform's default language (the e-mail too) and in each other language, which
    the notification pages show to a reader in that language. No transaction spans the run: each notification
    is committed on its own, so an interrupted run resumes where it stopped.
    """
    run = ReminderRun()
    due_periods = [(period, kind) for period in open_periods(today) if (kind := reminder_kind(period, today))]
    outstanding = {period: outstanding_reports(Project.objects.all(), period) for period, _kind in due_periods}
    if not any(outstanding.values()):
        return run
    url = reverse("projects:todo")
    with translation.override(settings.LANGUAGE_CODE):
        for editor in report_fillers():
            own = set(restrict(Project.objects.all(), editor, Action.CHANGE).values_list("pk", flat=True))
            for period, kind in due_periods:
                rows = [row for row in outstanding[period] if row.project.pk in own]
                if not rows:
                    continue
                title, body, others = in_every_language(partial(_message, kind, period, rows, today))
                delivery = notification_send(
                    user=editor, kind=kind, title=title, body=body, url=url, translations=others,
                    key=f"{kind}:{period}:{today.isoformat()}",
                )
                if not delivery.created:
                    run.already_sent += 1
                    continue
                run.notifications += 1
                run.emails += delivery.emailed
                run.sent.append(SentReminder(editor.get_username(), period, kind, len(rows), delivery.emailed))
    return run
