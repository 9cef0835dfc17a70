"""The programme progress report as plain data: (restricted, filtered projects, period) -> dataclasses.

Every format (page, PDF, Excel, Word) renders the structure built here, so they cannot disagree.
The figures come from database aggregation over the queryset the caller passes in; a fixed
number of queries is run whatever the number of projects. Amounts stay Decimal in 万元; they are
converted and rounded only through portfolio.money (亿元 and rates half-up to two places).
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portfolio.money import format_number, round_half_up, wan_to_yi
from portfolio.periods import Period, months_between, number_word, period_label
from projects.choices import DatePrecision, MilestoneKind, ProgrammeLevel, ProjectCategory, ProjectStatus
from projects.models import Milestone, MonthlyReport, ProgrammeSnapshot, Project
from projects.progress import GREEN, RED, YELLOW, classify, completion_rate, rules, verdict
from projects.selectors import (
    FigureSource,
    ReportingStatus,
    figure_source,
    not_reached_by,
    overdue_milestones,
    reporting_status,
    with_period_figures,
)

ZERO = Decimal(0)
COLOUR_LABELS = {RED: gettext_lazy("红灯"), YELLOW: gettext_lazy("黄灯"), GREEN: gettext_lazy("绿灯")}
# Programmes are told district first, as the report does.
LEVEL_ORDER = {ProgrammeLevel.DISTRICT: 0, ProgrammeLevel.CITY: 1}


def yi(amount_wan: Decimal | None) -> Decimal:
    """万元 -> 亿元 rounded half-up to two places, the way report tables show amounts."""
    return round_half_up(wan_to_yi(amount_wan or ZERO))


def wan(amount_wan: Decimal | None) -> Decimal | None:
    """万元 rounded half-up to two places (project-level figures)."""
    return None if amount_wan is None else round_half_up(amount_wan)


def colour_label(colour: str) -> str:
    return str(COLOUR_LABELS[colour])


def verdict_text(rate: Decimal | None, time_elapsed: Decimal) -> str:
    """超序时进度N个百分点 / 落后序时进度N个百分点 / 与序时进度持平; empty without a rate."""
    word, points = verdict(rate, time_elapsed)
    if word == "ahead":
        return _("超序时进度%(points)s个百分点") % {"points": format_number(points)}
    if word == "behind":
        return _("落后序时进度%(points)s个百分点") % {"points": format_number(points)}
    if word == "on":
        return _("与序时进度持平")
    return ""


def date_text(value: dt.date | None, precision: str = DatePrecision.DAY) -> str:
    """A date as precisely as it is known: 2025-03-15, 2025年3月, 2025年二季度, 2025年上半年, 2025年."""
    if value is None:
        return ""
    if precision == DatePrecision.MONTH:
        return _("%(year)s年%(month)s月") % {"year": value.year, "month": value.month}
    if precision == DatePrecision.QUARTER:
        quarter = number_word((value.month - 1) // 3 + 1)
        return _("%(year)s年%(quarter)s季度") % {"year": value.year, "quarter": quarter}
    if precision == DatePrecision.HALF_YEAR:
        if value.month <= 6:
            return _("%(year)s年上半年") % {"year": value.year}
        return _("%(year)s年下半年") % {"year": value.year}
    if precision == DatePrecision.YEAR:
        return _("%(year)s年") % {"year": value.year}
    return value.isoformat()


# The structure ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """Count, plan and completion of a set of projects (a programme, a department, the whole report)."""

    count: int
    annual_plan: Decimal  # 万元
    completed_ytd: Decimal  # 万元, year to date
    completed_month: Decimal  # 万元, the period's month
    time_elapsed: Decimal  # 序时进度, percent

    @property
    def rate(self) -> Decimal | None:
        return completion_rate(self.completed_ytd, self.annual_plan)

    @property
    def annual_plan_yi(self) -> Decimal:
        return yi(self.annual_plan)

    @property
    def completed_ytd_yi(self) -> Decimal:
        return yi(self.completed_ytd)

    @property
    def completed_month_yi(self) -> Decimal:
        return yi(self.completed_month)

    @property
    def difference(self) -> Decimal | None:
        """Completion rate minus 序时进度, in points (negative = behind)."""
        return None if self.rate is None else round_half_up(self.rate - self.time_elapsed)

    @property
    def difference_text(self) -> str:
        """+8.21 / -8.80 / 0.00, for tables."""
        difference = self.difference
        return "" if difference is None else f"{difference:+.2f}" if difference else "0.00"

    @property
    def verdict(self) -> str:
        return verdict(self.rate, self.time_elapsed)[0]

    @property
    def verdict_text(self) -> str:
        return verdict_text(self.rate, self.time_elapsed)


@dataclass(frozen=True)
class GroupRow:
    key: str
    label: str
    figures: Figures
    rank: int | None  # by completion rate, ties share a rank (1, 2, 2, 4); None without a plan


@dataclass(frozen=True)
class Breakdown:
    key: str  # department / category / town / status
    title: str  # 按牵头单位
    dimension: str  # 牵头单位
    rows: list[GroupRow]


@dataclass(frozen=True)
class WarningRow:
    colour: str
    colour_label: str
    code: str
    name: str
    programme: str
    department: str
    rate: Decimal | None
    behind: Decimal | None  # points behind 序时进度 when the rate is behind
    max_overdue_months: int
    reasons: list[str]
    rule_version: str

    @property
    def reason_text(self) -> str:
        return ";".join(self.reasons)


@dataclass(frozen=True)
class MilestoneRow:
    code: str
    project: str
    department: str
    kind: str
    kind_label: str
    planned_date: dt.date | None
    planned_text: str
    planned_exact: bool  # known to the day
    actual_date: dt.date | None
    actual_text: str
    actual_exact: bool
    months_overdue: int | None
    note: str

    @property
    def planned_cell(self) -> dt.date | str | None:
        """The date itself when known to the day, else how precisely it is known (2025年上半年)."""
        return self.planned_date if self.planned_exact else self.planned_text

    @property
    def actual_cell(self) -> dt.date | str | None:
        return self.actual_date if self.actual_exact else self.actual_text


@dataclass(frozen=True)
class IssueRow:
    code: str
    project: str
    department: str
    problems: str
    coordination_requests: str


@dataclass(frozen=True)
class ReconciliationRow:
    """A programme's published aggregates (ProgrammeSnapshot) beside the itemised totals."""

    programme: str
    period_end: dt.date
    qualifier: str
    published_count: int
    published_completed: Decimal  # 万元
    published_rate: Decimal
    itemised: Figures
    covers_programme: bool  # False when filters or permissions leave out some of its projects

    @property
    def published_completed_yi(self) -> Decimal:
        return yi(self.published_completed)

    @property
    def count_difference(self) -> int:
        return self.itemised.count - self.published_count

    @property
    def completed_difference_yi(self) -> Decimal:
        return yi(self.itemised.completed_ytd - self.published_completed)

    @property
    def rate_difference(self) -> Decimal | None:
        rate = self.itemised.rate
        return None if rate is None else round_half_up(rate - self.published_rate)

    @property
    def reconciles(self) -> bool:
        return (
            self.count_difference == 0
            and self.completed_difference_yi == 0
            and self.rate_difference == 0
        )


@dataclass(frozen=True)
class ProgrammeFigures:
    """One programme in the report, with the published snapshot for the period when there is one."""

    pk: int
    name: str
    level: str
    level_label: str
    figures: Figures
    snapshot: ReconciliationRow | None

    @property
    def uses_published(self) -> bool:
        """The narrative quotes the published figures when they describe exactly this set of projects."""
        return self.snapshot is not None and self.snapshot.covers_programme


@dataclass(frozen=True)
class MonthPoint:
    month: int
    completed_month: Decimal  # 万元
    completed_cumulative: Decimal  # 万元
    rate: Decimal | None  # cumulative ÷ the annual plan of the report's projects
    time_elapsed: Decimal

    @property
    def completed_cumulative_yi(self) -> Decimal:
        return yi(self.completed_cumulative)

    @property
    def completed_month_yi(self) -> Decimal:
        return yi(self.completed_month)


@dataclass(frozen=True)
class ProjectRow:
    """One line of the appendix: every project of the report."""

    code: str
    name: str
    programme: str
    department: str
    town: str
    category: str
    status: str
    total_investment: Decimal | None  # 万元
    annual_plan: Decimal | None  # 万元
    completed_month: Decimal | None  # 万元
    completed_ytd: Decimal  # 万元
    rate: Decimal | None
    colour: str
    colour_label: str
    report_status: str
    progress: str
    is_synthetic: bool


@dataclass
class ProgressReport:
    title: str
    period: Period
    period_label: str
    generated_at: dt.datetime
    scope: list[tuple[str, str]]
    rule_version: str
    rules: dict
    totals: Figures
    programmes: list[ProgrammeFigures]
    breakdowns: list[Breakdown]
    warnings: list[WarningRow]
    warning_counts: dict[str, int]
    milestones_reached: list[MilestoneRow]
    milestones_overdue: list[MilestoneRow]
    issues: list[IssueRow]
    reconciliation: list[ReconciliationRow]
    months: list[MonthPoint]
    projects: list[ProjectRow]
    unapproved_reports: int  # projects whose report for the month is missing or not yet approved
    has_sample_data: bool
    basis: str  # which reports the figures count (projects.selectors.Basis)
    basis_statement: str  # the same in words, printed with the figures
    snapshot_version: int | None  # the frozen version of a closed month the figures come from
    completeness: ReportingStatus
    narrative: list[str] = field(default_factory=list)

    @property
    def time_elapsed(self) -> Decimal:
        return self.period.time_elapsed

    @property
    def red(self) -> list[WarningRow]:
        return [w for w in self.warnings if w.colour == RED]

    @property
    def yellow(self) -> list[WarningRow]:
        return [w for w in self.warnings if w.colour == YELLOW]

    def breakdown(self, key: str) -> Breakdown:
        return next(b for b in self.breakdowns if b.key == key)


# Building it -----------------------------------------------------------------------------------

NOT_GIVEN = gettext_lazy("未明确")


def _figures(row: dict, period: Period) -> Figures:
    return Figures(
        count=row.get("count") or 0,
        annual_plan=row.get("annual_plan") or ZERO,
        completed_ytd=row.get("completed_ytd") or ZERO,
        completed_month=row.get("completed_month") or ZERO,
        time_elapsed=period.time_elapsed,
    )


TOTALS = {
    "count": Count("pk"),
    "annual_plan": Sum("period_plan"),
    "completed_ytd": Sum("period_ytd"),
    "completed_month": Sum("period_month"),
}


def ranked(rows: list[tuple[str, str, Figures]]) -> list[GroupRow]:
    """Sort by completion rate (highest first) and rank; equal rates share a rank.

    A group without a rate (no annual plan) and the group of projects without a value (key "",
    shown as 未明确: no department, no town) come last, unranked: they compete with nobody.
    """
    ordered = sorted(
        rows, key=lambda r: (not r[0], r[2].rate is None, -(r[2].rate or ZERO), -r[2].completed_ytd, r[1], r[0])
    )
    result, rank, previous = [], 0, None
    for position, (key, label, figures) in enumerate(ordered, start=1):
        if figures.rate is None or not key:
            result.append(GroupRow(key, label, figures, None))
            continue
        if figures.rate != previous:
            rank, previous = position, figures.rate
        result.append(GroupRow(key, label, figures, rank))
    return result


BREAKDOWNS = [
    # key, title, dimension, group-by field, label field, choices for labels
    # (the fields are FigureSource.attributes(): live, or as they stood when a closed month was frozen)
    ("department", gettext_lazy("按牵头单位"), gettext_lazy("牵头单位"), "as_department",
     "as_department_name", None),
    ("category", gettext_lazy("按项目类别"), gettext_lazy("项目类别"), "as_category", None, ProjectCategory),
    ("town", gettext_lazy("按镇街"), gettext_lazy("所在镇街"), "as_town", "as_town_name", None),
    ("status", gettext_lazy("按项目状态"), gettext_lazy("项目状态"), "as_status", None, ProjectStatus),
]


def _breakdown(figured: QuerySet, period: Period, spec) -> Breakdown:
    key, title, dimension, group_field, label_field, choices = spec
    fields = [group_field] + ([label_field] if label_field else [])
    rows = []
    for row in figured.values(*fields).annotate(**TOTALS).order_by():
        value = row[group_field]
        if label_field:
            label = row[label_field]
        elif choices is not None and value:
            label = str(choices(value).label) if value in choices.values else value
        else:
            label = None
        rows.append((str(value or ""), label or str(NOT_GIVEN), _figures(row, period)))
    return Breakdown(key=key, title=str(title), dimension=str(dimension), rows=ranked(rows))


def _programme_figures(figured: QuerySet, period: Period) -> list[ProgrammeFigures]:
    """Per programme: itemised figures, and the snapshot published for this period (3 queries)."""
    grouped = list(
        figured.values("as_programme", "as_programme_name", "as_programme_level").annotate(**TOTALS).order_by()
    )
    ids = [row["as_programme"] for row in grouped]
    snapshots = {
        s.programme_id: s for s in ProgrammeSnapshot.objects.filter(programme__in=ids, period_end=period.end)
    }
    # How many projects each programme has in all: the published figures describe the whole list.
    whole = dict(
        Project.objects.filter(programme__in=list(snapshots)).values_list("programme").annotate(n=Count("pk"))
        .order_by()
    ) if snapshots else {}
    result = []
    for row in grouped:
        figures = _figures(row, period)
        snapshot = snapshots.get(row["as_programme"])
        reconciliation = None
        if snapshot is not None:
            reconciliation = ReconciliationRow(
                programme=row["as_programme_name"],
                period_end=snapshot.period_end,
                qualifier=snapshot.qualifier,
                published_count=snapshot.project_count,
                published_completed=snapshot.completed_investment,
                published_rate=snapshot.plan_ratio,
                itemised=figures,
                covers_programme=whole.get(row["as_programme"], 0) == figures.count,
            )
        level = row["as_programme_level"]
        result.append(
            ProgrammeFigures(
                pk=row["as_programme"],
                name=row["as_programme_name"],
                level=level,
                level_label=str(ProgrammeLevel(level).label) if level in ProgrammeLevel.values else level,
                figures=figures,
                snapshot=reconciliation,
            )
        )
    result.sort(key=lambda p: (LEVEL_ORDER.get(p.level, 9), p.name))
    return result


def _months(base: QuerySet, source: FigureSource, annual_plan: Decimal) -> list[MonthPoint]:
    """Cumulative completion month by month (one query), over the reports the source counts.

    Year to date is the running sum of each month's completed investment, which equals the
    latest reported year-to-date figure (MonthlyReport.compute_ytd keeps them equal).
    """
    period = source.period
    by_month = dict(
        source.reports().filter(project__in=base, year=period.year, month__lte=period.month)
        .values_list("month")
        .annotate(s=Sum("completed_month"))
        .order_by()
    )
    points, cumulative = [], ZERO
    for month in range(1, period.month + 1):
        completed = by_month.get(month) or ZERO
        cumulative += completed
        points.append(
            MonthPoint(
                month=month,
                completed_month=completed,
                completed_cumulative=cumulative,
                rate=completion_rate(cumulative, annual_plan),
                time_elapsed=Period(period.year, month).time_elapsed,
            )
        )
    return points


def _milestone_rows(queryset: QuerySet, period: Period | None) -> list[MilestoneRow]:
    labels = dict(MilestoneKind.choices)
    rows = []
    for m in queryset.values(
        "kind", "planned_date", "planned_date_precision", "actual_date", "actual_date_precision", "note",
        code=F("project__code"), project_name=F("project__name"), department=F("project__lead_department__name"),
    ):
        months = None
        if period is not None and m["planned_date"] is not None:
            months = months_between(m["planned_date"], period.end)
        rows.append(
            MilestoneRow(
                code=m["code"],
                project=m["project_name"],
                department=m["department"] or str(NOT_GIVEN),
                kind=m["kind"],
                kind_label=str(labels.get(m["kind"], m["kind"])),
                planned_date=m["planned_date"],
                planned_text=date_text(m["planned_date"], m["planned_date_precision"]),
                planned_exact=m["planned_date_precision"] == DatePrecision.DAY,
                actual_date=m["actual_date"],
                actual_text=date_text(m["actual_date"], m["actual_date_precision"]),
                actual_exact=m["actual_date_precision"] == DatePrecision.DAY,
                months_overdue=months,
                note=m["note"],
            )
        )
    return rows


def _latest(field_name: str, source: FigureSource) -> Subquery:
    period = source.period
    reports = source.reports().filter(project=OuterRef("pk"), year=period.year, month__lte=period.month)
    return Subquery(reports.order_by("-month").values(field_name)[:1])


def build_progress_report(
    projects: QuerySet,
    period: Period,
    *,
    title: str = "",
    scope: list[tuple[str, str]] | None = None,
    indicators: QuerySet | None = None,
    narrative: bool = True,
    source: FigureSource | None = None,
) -> ProgressReport:
    """The whole report for ``projects`` (already restricted and filtered) and ``period``.

    Only projects of the period's year programmes are counted: the annual plan is a plan for
    that year. ``indicators`` are the indicators the reader may see (all by default) for the
    narrative's economic paragraph. ``source`` says which reports are counted: approved ones by
    default, and for a closed month its frozen snapshot. About twenty queries, independent of the
    number of projects.
    """
    source = source or figure_source(period)
    # Re-selecting by primary key makes the aggregates safe whatever joins the caller's filters
    # used (a permission filter through co-responsible departments can repeat rows).
    base = source.scope(Project.objects.filter(pk__in=projects.values("pk"), programme__year=period.year))
    figured = with_period_figures(base, period, source).annotate(**source.attributes())
    time_elapsed = period.time_elapsed
    current_rules = rules()

    totals = _figures(figured.aggregate(**TOTALS), period)
    programmes = _programme_figures(figured, period)
    breakdowns = [_breakdown(figured, period, spec) for spec in BREAKDOWNS]

    # Every project, with its figures and warning (one query + one for overdue milestones).
    overdue = overdue_milestones(base, period)
    category_labels = dict(ProjectCategory.choices)
    status_labels = dict(ProjectStatus.choices)
    report_status_labels = dict(MonthlyReport._meta.get_field("status").choices)
    project_rows, warnings = [], []
    values = figured.annotate(period_progress=_latest("progress_text", source)).values(
        "pk", "code", "name", "as_category", "as_status", "as_total_investment", "period_plan", "is_synthetic",
        "period_ytd", "period_month", "period_status", "period_progress",
        programme_name=F("as_programme_name"), department=F("as_department_name"), town_name=F("as_town_name"),
    ).order_by("code")
    unapproved = 0
    has_sample = False
    for row in values:
        ytd = row["period_ytd"] or ZERO
        rate = completion_rate(ytd, row["period_plan"])
        project_overdue = overdue.get(row["pk"], [])
        warning = classify(rate=rate, time_elapsed=time_elapsed, overdue=project_overdue)
        department = row["department"] or str(NOT_GIVEN)
        if row["period_status"] != "approved":
            unapproved += 1
        has_sample = has_sample or row["is_synthetic"]
        project_rows.append(
            ProjectRow(
                code=row["code"],
                name=row["name"],
                programme=row["programme_name"] or "",
                department=department,
                town=row["town_name"] or "",
                category=str(category_labels.get(row["as_category"], row["as_category"])),
                status=str(status_labels.get(row["as_status"], row["as_status"])) if row["as_status"] else str(NOT_GIVEN),
                total_investment=wan(row["as_total_investment"]),
                annual_plan=wan(row["period_plan"]),
                completed_month=wan(row["period_month"]),
                completed_ytd=wan(ytd),
                rate=rate,
                colour=warning.colour,
                colour_label=colour_label(warning.colour),
                report_status=str(report_status_labels.get(row["period_status"], _("未填报"))),
                progress=row["period_progress"] or "",
                is_synthetic=row["is_synthetic"],
            )
        )
        if warning.colour != GREEN:
            word, points = verdict(rate, time_elapsed)
            warnings.append(
                WarningRow(
                    colour=warning.colour,
                    colour_label=colour_label(warning.colour),
                    code=row["code"],
                    name=row["name"],
                    programme=row["programme_name"] or "",
                    department=department,
                    rate=rate,
                    behind=points if word == "behind" else None,
                    max_overdue_months=max((m.months for m in project_overdue), default=0),
                    reasons=list(warning.reasons),
                    rule_version=warning.rule_version,
                )
            )
    # The appendix goes programme by programme (district first), then by project code.
    programme_order = {p.name: position for position, p in enumerate(programmes)}
    project_rows.sort(key=lambda p: (programme_order.get(p.programme, len(programme_order)), p.code))
    # Red before yellow; within a colour the furthest behind first.
    warnings.sort(key=lambda w: (w.colour != RED, -(w.behind or ZERO), -w.max_overdue_months, w.code))
    counts = Counter(row.colour for row in project_rows)
    warning_counts = {colour: counts.get(colour, 0) for colour in (RED, YELLOW, GREEN)}

    in_base = Q(project__in=base)
    reached = _milestone_rows(
        Milestone.objects.filter(in_base, actual_date__gte=period.start, actual_date__lte=period.end)
        .order_by("actual_date", "project__code", "pk"),
        None,
    )
    overdue_rows = _milestone_rows(
        Milestone.objects.filter(in_base, not_reached_by(period), planned_date__lt=period.end)
        .order_by("planned_date", "project__code", "pk"),
        period,
    )
    issues = [
        IssueRow(
            code=r["project__code"],
            project=r["project__name"],
            department=r["project__lead_department__name"] or str(NOT_GIVEN),
            problems=r["problems"],
            coordination_requests=r["coordination_requests"],
        )
        for r in source.reports().filter(in_base, year=period.year, month=period.month)
        .filter(~Q(problems="") | ~Q(coordination_requests=""))
        .values("project__code", "project__name", "project__lead_department__name", "problems",
                "coordination_requests")
        .order_by("project__code")
    ]

    if not title:
        if len(programmes) == 1:
            title = _("%(programme)s进度报告") % {"programme": programmes[0].name}
        else:
            title = _("%(year)s年重点项目进度报告") % {"year": period.year}
    report = ProgressReport(
        title=title,
        period=period,
        period_label=period_label(period),
        generated_at=timezone.localtime(),
        # The basis is part of what the figures mean: every format prints it with the scope.
        scope=[*(scope or []), (str(_("统计口径")), source.statement)],
        rule_version=current_rules["version"],
        rules=dict(current_rules),
        totals=totals,
        programmes=programmes,
        breakdowns=breakdowns,
        warnings=warnings,
        warning_counts=warning_counts,
        milestones_reached=reached,
        milestones_overdue=overdue_rows,
        issues=issues,
        reconciliation=[p.snapshot for p in programmes if p.snapshot is not None],
        months=_months(base, source, totals.annual_plan),
        projects=project_rows,
        unapproved_reports=unapproved,
        has_sample_data=has_sample,
        basis=source.basis,
        basis_statement=source.statement,
        snapshot_version=source.snapshot.version if source.snapshot else None,
        completeness=reporting_status(base, period),
    )
    if narrative:
        # Imported here: the narrative and indicator modules build on this one's dataclasses.
        from .indicators import build_indicator_report
        from .narrative import draft_narrative

        report.narrative = draft_narrative(report, build_indicator_report(period, indicators))
    return report


def scope_from_filterset(filterset) -> list[tuple[str, str]]:
    """The filters a report was built with, as (label, value) pairs in words (no queries)."""
    if not filterset.is_bound or not filterset.is_valid():
        return []
    scope = []
    for name, value in filterset.form.cleaned_data.items():
        if name == "ordering" or value in (None, "", [], ()):
            continue
        form_field = filterset.form.fields[name]
        if isinstance(value, bool):
            display = _("是") if value else _("否")
        elif hasattr(value, "pk"):  # a model choice: the instance is already loaded
            display = value
        else:
            display = dict(getattr(form_field, "choices", None) or []).get(value, value)
        scope.append((str(form_field.label), str(display)))
    return scope
