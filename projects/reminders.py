"""The monthly cycle's reminders: reports still to do and departments that are late.

A project owes a report for a month when its programme is of that year and it is not cancelled.
A report is still to do while it is missing, a draft or returned, the project is not waived for
the month and the month is not closed. The selectors run a fixed number of queries whatever the
number of projects.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy

from .choices import ProjectStatus, ReportStatus
from .models import Department, MonthlyReport, PeriodLock, Project, ReportWaiver
from .progress import Period

MISSING, DRAFT, RETURNED = "missing", ReportStatus.DRAFT.value, ReportStatus.RETURNED.value
STATE_LABELS = {
    MISSING: gettext_lazy("未填报"),
    DRAFT: gettext_lazy("草稿未提交"),
    RETURNED: gettext_lazy("已退回待修改"),
}


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


def expected_projects(projects: QuerySet, period: Period) -> QuerySet:
    """The projects that owe a report for the month: of that year's programmes, not cancelled."""
    return projects.filter(programme__year=period.year).exclude(status=ProjectStatus.CANCELLED)


def _outstanding_projects(projects: QuerySet, period: Period) -> QuerySet:
    """Expected projects annotated with their report's status and comment, only those still to do."""
    # One report per project and month (a unique constraint), so no ordering is needed.
    report = MonthlyReport.objects.filter(project=OuterRef("pk"), year=period.year, month=period.month).order_by()
    waived = ReportWaiver.objects.filter(project=OuterRef("pk"), year=period.year, month=period.month)
    closed = PeriodLock.objects.filter(year=period.year, month=period.month)
    return (
        expected_projects(projects, period)
        .annotate(
            report_status=Subquery(report.values("status")[:1]),
            report_comment=Subquery(report.values("review_comment")[:1]),
        )
        .filter(Q(report_status__isnull=True) | Q(report_status__in=[DRAFT, RETURNED]))
        .filter(~Exists(waived), ~Exists(closed))
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


def late_departments(period: Period, today: dt.date) -> list[LateDepartment]:
    """After the month's deadline, the departments whose reports are still not submitted, worst first.

    Two queries whatever the number of projects; before or on the due date an empty list.
    Projects without a lead department are counted under ``department=None``.
    """
    due = period.due_date
    if today <= due:
        return []
    counts = list(
        _outstanding_projects(Project.objects.all(), period)
        .order_by()
        .values("lead_department")
        .annotate(
            missing=Count("pk", filter=Q(report_status__isnull=True)),
            draft=Count("pk", filter=Q(report_status=DRAFT)),
            returned=Count("pk", filter=Q(report_status=RETURNED)),
        )
    )
    departments = Department.objects.in_bulk([row["lead_department"] for row in counts if row["lead_department"]])
    rows = [
        LateDepartment(
            department=departments.get(row["lead_department"]),
            period=period,
            missing=row["missing"],
            draft=row["draft"],
            returned=row["returned"],
            due_date=due,
            days_overdue=(today - due).days,
        )
        for row in counts
    ]
    return sorted(rows, key=lambda r: (-r.outstanding, r.department is None, r.department.code if r.department else ""))


def open_periods(today: dt.date) -> list[Period]:
    """The months whose reports are due by now or next: the month just ended and the earlier open months
    of its year (a closed month is left out). One query.
    """
    last = Period(today.year, today.month - 1) if today.month > 1 else Period(today.year - 1, 12)
    closed = set(PeriodLock.objects.filter(year=last.year, month__lte=last.month).values_list("month", flat=True))
    return [Period(last.year, month) for month in range(1, last.month + 1) if month not in closed]
