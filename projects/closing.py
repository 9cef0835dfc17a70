"""Closing a month (关账): what blocks it, waivers, the frozen snapshot, and reopening with a reason.

A month closes only when every expected report of it is approved or waived with a reason. Closing
locks the month for everyone (projects.permissions reads the PeriodLock row) and copies the
month's counted figures into a new MonthSnapshot version; every report, export and API answer for
the month then reads that snapshot (projects.selectors.figure_source). A correction after the
close reopens the month with a reason; closing it again makes the next version, and the earlier
versions stay as they were printed.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextField,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from portfolio.periods import Period
from portfolio.planner import refresh_statistics
from portfolio.records import clean_text

from .choices import ReportStatus
from .figures import frozen_programme_months
from .models import (
    MonthlyReport,
    MonthSnapshot,
    PeriodLock,
    Project,
    ReportWaiver,
    SnapshotProgramme,
    SnapshotProgrammeMonth,
    SnapshotProject,
    SnapshotReport,
)
from .permissions import Action, can, month_closed
from .querysets import COUNTED_PLAN, COUNTED_PROGRAMME, PLAN_FROM_SAMPLE, PROGRAMME_FROM_SAMPLE, as_flag
from .selectors import (
    FROZEN_ATTRIBUTES,
    FigureSource,
    expected_projects,
    generated_reports,
    latest_report_value,
    rate_hundredths,
    with_period_figures,
)
from .services import WorkflowError, month_guard
from .workflow import COUNTED_STATE, MISSING


@dataclass(frozen=True)
class Blocker:
    """A project whose report keeps the month from closing, and in which state it is."""

    project_id: int
    code: str
    name: str
    department: str
    state: str  # "missing" or a ReportStatus value

    @property
    def state_label(self) -> str:
        if self.state == MISSING:
            return _("未填报")
        return str(ReportStatus(self.state).label)


class CloseBlocked(Exception):
    """The month cannot close yet: ``blockers`` lists every report not approved and not waived."""

    def __init__(self, blockers: list[Blocker]):
        super().__init__(_("还有%(n)s个项目的月报未审核通过或未免报，不能关闭该月份。") % {"n": len(blockers)})
        self.blockers = blockers
        self.message = str(self.args[0])


def _require_coordinator(user) -> None:
    if not can(user, Action.LOCK, model=PeriodLock):
        raise PermissionDenied(_("只有发改局统筹人员可以关闭、重新打开月份或确认免报。"))


def close_blockers(year: int, month: int) -> list[Blocker]:
    """What keeps the month from closing (one query): every report of the month that is not approved,
    whichever project it belongs to, and every expected project without a report that is not waived.
    A waiver excuses a missing report only; a report once written needs a review."""
    report = MonthlyReport.objects.filter(project=OuterRef("pk"), year=year, month=month)
    status = Subquery(report.values("status")[:1])
    waived = Exists(ReportWaiver.objects.filter(project=OuterRef("pk"), year=year, month=month))
    expected = expected_projects(Project.objects.all(), year)
    rows = (
        Project.objects.annotate(report_status=status, waived=waived)
        .filter(
            (Q(pk__in=expected.values("pk")) & Q(report_status__isnull=True, waived=False))
            | (Q(report_status__isnull=False) & ~Q(report_status=COUNTED_STATE))
        )
        .values("pk", "code", "name", "lead_department__name", "report_status")
        .order_by("lead_department__name", "code")
    )
    return [
        Blocker(r["pk"], r["code"], r["name"], r["lead_department__name"] or _("未明确牵头单位"),
                r["report_status"] or MISSING)
        for r in rows
    ]


@transaction.atomic
def report_waive(*, project: Project, year: int, month: int, reason: str, acting_user) -> ReportWaiver:
    """Excuse a project from one month's report (for example a project not started or stopped)."""
    _require_coordinator(acting_user)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("免报须填写原因。")})
    reason = clean_text(ReportWaiver, "reason", reason.strip())
    month_guard(year, month, exclusive=True)
    if month_closed(year, month):
        raise WorkflowError(_("该月份已关闭，不能再确认免报。"))
    if MonthlyReport.objects.filter(project=project, year=year, month=month).exists():
        raise WorkflowError(_("该项目本月已有月报，不能免报：月报须审核通过（或退回后由填报单位处理）。"))
    waiver, _created = ReportWaiver.objects.update_or_create(
        project=project, year=year, month=month, defaults={"reason": reason, "waived_by": acting_user}
    )
    return waiver


def _waive_missing(year: int, month: int, reason: str, acting_user) -> int:
    missing = [b for b in close_blockers(year, month) if b.state == MISSING]
    bulk_create_with_history([
        ReportWaiver(project_id=b.project_id, year=year, month=month, reason=reason, waived_by=acting_user)
        for b in missing
    ], ReportWaiver, default_user=acting_user)
    return len(missing)


@transaction.atomic
def month_close(*, year: int, month: int, acting_user, waive_missing: str | None = None) -> MonthSnapshot:
    """Close the month and freeze its figures; refused with the list of blockers while any remain.

    ``waive_missing``: a reason with which every project that has no report at all is waived first
    (drafts, submitted and returned reports still block: they need a review).
    """
    _require_coordinator(acting_user)
    Period(year, month)  # refuses a month outside 1-12
    # No report of the month is written while it closes, and two closes of one month queue up.
    month_guard(year, month, exclusive=True)
    if month_closed(year, month):
        raise WorkflowError(_("%(year)s年%(month)s月已经关闭。") % {"year": year, "month": month})
    if waive_missing is not None:
        if not waive_missing.strip():
            raise ValidationError({"reason": _("免报须填写原因。")})
        _waive_missing(year, month, clean_text(ReportWaiver, "reason", waive_missing.strip()), acting_user)
    blockers = close_blockers(year, month)
    if blockers:
        raise CloseBlocked(blockers)
    lock = PeriodLock(year=year, month=month, locked_by=acting_user)
    lock._history_user = acting_user
    try:
        with transaction.atomic():
            lock.save()
    except IntegrityError:  # closed meanwhile (SQLite without the guard's lock, or a row written around it)
        raise WorkflowError(_("%(year)s年%(month)s月已经关闭。") % {"year": year, "month": month}) from None
    previous = MonthSnapshot.objects.filter(year=year, month=month).aggregate(v=Max("version"))["v"] or 0
    reopened = MonthSnapshot.objects.filter(year=year, month=month, version=previous).first()
    snapshot = MonthSnapshot.objects.create(
        year=year, month=month, version=previous + 1, closed_by=acting_user, closed_at=timezone.now(),
        reason=reopened.reopen_reason if reopened else "",
    )
    _freeze(snapshot)
    return snapshot


def _freeze(snapshot: MonthSnapshot) -> None:
    """Copy the month's counted figures into the snapshot: INSERT … SELECT, a fixed number of statements."""
    year, month = snapshot.year, snapshot.month
    source = FigureSource(Period(year, month), snapshot=snapshot)
    projects = expected_projects(Project.objects.all(), year)
    fields = ["year", "month", "completed_month", "completed_ytd", "status", "progress_text", "problems",
              "coordination_requests", "is_synthetic"]
    # The reports first: each project's row stores its figures of the month from them.
    _insert_select(
        SnapshotReport,
        MonthlyReport.objects.filter(
            project__in=projects.values("pk"), year=year, month__lte=month, status=COUNTED_STATE
        ).annotate(snapshot_id=_value(snapshot.pk)).values("snapshot_id", "project_id", *fields),
        ["snapshot_id", "project_id", *fields],
    )
    # The planner's statistics of the rows just copied, before they are read: without them PostgreSQL looked a
    # province's 100,000 projects' figures up in them by scanning (minutes), and read a closed month by nested
    # loops over 100,000 snapshot rows (its dashboard in 0.9 s instead of 0.5).
    refresh_statistics([SnapshotReport])
    waivers = ReportWaiver.objects.filter(project=OuterRef("pk"), year=year, month=month)
    _insert_select(
        SnapshotProject,
        projects.annotate(
            snapshot_id=_value(snapshot.pk), waived=Exists(waivers),
            waiver_reason=Coalesce(Subquery(waivers.values("reason")[:1]), Value(""), output_field=TextField()),
            # The programme and plan the month counted (a report project's sample ones when it has no facts).
            frozen_plan=COUNTED_PLAN, frozen_programme=COUNTED_PROGRAMME, **_frozen_figures(source),
            # Whether that programme and plan were the sample's, so that the month keeps marking them.
            frozen_programme_from_sample=as_flag(PROGRAMME_FROM_SAMPLE),
            frozen_plan_from_sample=as_flag(PLAN_FROM_SAMPLE),
        ).annotate(frozen_rate=rate_hundredths("frozen_ytd", "frozen_plan"))
        .values("snapshot_id", "pk", "frozen_plan", "waived", "waiver_reason",
                *("frozen_programme" if name == "programme" else name for name in FROZEN_ATTRIBUTES),
                "frozen_ytd", "frozen_month", "frozen_report_status", "frozen_rate", "frozen_generated",
                "frozen_programme_from_sample", "frozen_plan_from_sample"),
        ["snapshot_id", "project_id", "annual_plan", "waived", "waiver_reason", *FROZEN_ATTRIBUTES,
         "completed_ytd", "completed_month", "report_status", "rate_hundredths", "generated",
         "programme_from_sample", "plan_from_sample"],
    )
    refresh_statistics([SnapshotProject])
    totals = (
        with_period_figures(projects, source.period, source)
        .values(frozen_programme=source.attributes()["as_programme"])
        .annotate(n=Count("pk"), plan=Sum("period_plan"), ytd=Sum("period_ytd"), month_sum=Sum("period_month"))
        .order_by()
    )
    with transaction.atomic():
        programmes = SnapshotProgramme.objects.bulk_create([
            SnapshotProgramme(
                snapshot=snapshot, programme_id=row["frozen_programme"], project_count=row["n"],
                annual_plan=row["plan"] or 0, completed_ytd=row["ytd"] or 0, completed_month=row["month_sum"] or 0,
                months_stored=True,
            )
            for row in totals
        ])
        # Each programme's months, as the report adds them up for the programme's frozen projects (a query each).
        SnapshotProgrammeMonth.objects.bulk_create([
            SnapshotProgrammeMonth(totals=totals, month=month, completed_month=amount)
            for totals in programmes
            for month, amount in frozen_programme_months(source, SnapshotProject.objects.filter(
                snapshot=snapshot, programme=totals.programme_id).values("project"))
        ])


def _frozen_figures(source: FigureSource) -> dict:
    """Each project's figures of the month (``pk`` the project's), from the snapshot's frozen reports: the year
    to date, the month's own report's figure and status (SnapshotProject's comment)."""
    period = source.period
    month_report = source.reports().filter(project=OuterRef("pk"), year=period.year, month=period.month)
    return {
        "frozen_ytd": latest_report_value(source, "completed_ytd"),
        "frozen_month": Subquery(month_report.values("completed_month")[:1]),
        "frozen_report_status": Coalesce(Subquery(month_report.values("status")[:1]), Value("")),
        "frozen_generated": generated_reports(period),
    }


def _value(value: int) -> Value:
    return Value(value, output_field=IntegerField())


def _insert_select(model, queryset: QuerySet, columns: list[str]) -> None:
    """INSERT INTO model (columns) <queryset's SELECT>: the copy stays in the database."""
    sql, params = queryset.order_by().query.sql_with_params()
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(model._meta.get_field(c.removesuffix("_id")).column
                                                 if c.endswith("_id") else model._meta.get_field(c).column)
                      for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({names}) {sql}", params)


@transaction.atomic
def month_reopen(*, year: int, month: int, reason: str, acting_user) -> MonthSnapshot:
    """Reopen a closed month for a correction; the frozen versions stay, the next close makes a new one."""
    _require_coordinator(acting_user)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("重新打开月份须填写原因。")})
    reason = clean_text(MonthSnapshot, "reopen_reason", reason.strip())
    month_guard(year, month, exclusive=True)
    lock = PeriodLock.objects.select_for_update().filter(year=year, month=month).first()
    if lock is None:
        raise WorkflowError(_("%(year)s年%(month)s月没有关闭，无需重新打开。") % {"year": year, "month": month})
    snapshot = MonthSnapshot.objects.filter(year=year, month=month).order_by("-version").first()
    if snapshot is not None:
        snapshot.reopened_by, snapshot.reopened_at, snapshot.reopen_reason = acting_user, timezone.now(), reason
        snapshot.save(update_fields=["reopened_by", "reopened_at", "reopen_reason"])
    lock._history_user = acting_user
    lock._change_reason = reason
    lock.delete()
    return snapshot
