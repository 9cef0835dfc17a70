"""The one home of the portfolio's aggregates: what a set of projects has planned and completed.

Programme totals, breakdowns by department, category, town and status with their ranks, the
programmes beside their published figures (the reconciliation), and month-by-month completion.
Pages, reports, the API and the commands read these; the report builders only arrange them for
print. Every figure is a database aggregation over ``selectors.with_period_figures`` (year to date =
the latest counted report up to the period's month), a fixed number of queries whatever the number
of projects. Amounts stay Decimal in 万元 and are rounded only through portfolio.money.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Max, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portfolio.money import format_fixed, round_half_up, yi
from portfolio.periods import Period

from .choices import ProgrammeLevel, ProjectCategory, ProjectStatus
from .models import ProgrammeSnapshot, Project, SnapshotProgramme
from .progress import COLOURS, completion_rate, verdict
from .querysets import COUNTED_PROGRAMME, COUNTED_PROGRAMME_OF_REPORT
from .remembered import remembered_rows
from .selectors import (
    WARNING_RANK,
    FigureSource,
    figure_source,
    period_projects,
    warning_annotations,
    with_period_figures,
)

ZERO = Decimal(0)
NOT_GIVEN = gettext_lazy("未明确")
# Programmes are told district first, as the report does.
LEVEL_ORDER = {ProgrammeLevel.DISTRICT: 0, ProgrammeLevel.CITY: 1}


def verdict_text(rate: Decimal | None, time_elapsed: Decimal) -> str:
    """超序时进度N个百分点 / 落后序时进度N个百分点 / 与序时进度持平; empty without a rate."""
    word, points = verdict(rate, time_elapsed)
    if word == "ahead":
        return _("超序时进度%(points)s个百分点") % {"points": format_fixed(points, grouping=False)}
    if word == "behind":
        return _("落后序时进度%(points)s个百分点") % {"points": format_fixed(points, grouping=False)}
    if word == "on":
        return _("与序时进度持平")
    return ""


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
        return "" if difference is None else format_fixed(difference, grouping=False, signed=bool(difference))

    @property
    def verdict(self) -> str:
        """ahead / behind / on, or "" without a rate."""
        return verdict(self.rate, self.time_elapsed)[0]

    @property
    def verdict_points(self) -> Decimal | None:
        """How many points ahead of or behind 序时进度 (never negative)."""
        return verdict(self.rate, self.time_elapsed)[1]

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
    def amounts_reconcile(self) -> bool:
        """The published amount and rate equal the itemised ones (a sample scaled with --projects
        has another count but the same amounts)."""
        return self.completed_difference_yi == 0 and self.rate_difference == 0

    @property
    def reconciles(self) -> bool:
        return self.count_difference == 0 and self.amounts_reconcile


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


def figures_of(row: dict, period: Period) -> Figures:
    """Figures from an aggregate row of TOTALS."""
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


# What the report groups its figures by (FigureSource.attributes), and the names read beside the keys.
GROUP_KEYS = ("as_programme", "as_department", "as_category", "as_town", "as_status")
GROUP_NAMES = ("as_programme_name", "as_programme_level", "as_department_name", "as_town_name")


def grouped_figures(figured: QuerySet) -> list[dict]:
    """TOTALS of projects annotated by ``figured_projects`` for each combination of programme, department,
    category, town and status that occurs, with the names (one query): the totals, the programmes and
    every breakdown are added up from these rows (``added_up``), where each was a scan of every project's
    figures (six scans, 0.7 s at 100,000 projects, against 0.2 s for this one). A district has a few
    hundred combinations, a province a few thousand; the sums are Decimals, added exactly."""
    names = {f"name_{i}": Max(field) for i, field in enumerate(GROUP_NAMES)}
    rows = remembered_rows("grouped_figures", figured.values(*GROUP_KEYS).annotate(**TOTALS, **names).order_by())
    for row in rows:
        for i, field in enumerate(GROUP_NAMES):
            row[field] = row.pop(f"name_{i}")
    return rows


def added_up(rows: list[dict], fields: tuple[str, ...] = ()) -> list[dict]:
    """``grouped_figures`` rows added up by ``fields`` (all rows into one when none), with the fields."""
    sums: dict[tuple, dict] = {}
    for row in rows:
        key = tuple(row[field] for field in fields)
        total = sums.get(key)
        if total is None:
            sums[key] = {**{field: row[field] for field in fields}, **{name: row[name] for name in TOTALS}}
            continue
        for name in TOTALS:
            if row[name] is not None:
                total[name] = row[name] if total[name] is None else total[name] + row[name]
    return list(sums.values())


def figures_added_up(rows: list[dict], period: Period) -> Figures:
    """The figures of all ``rows`` of TOTALS together (zero when there are none)."""
    return figures_of((added_up(rows) or [{}])[0], period)


def breakdown(grouped: list[dict], period: Period, spec) -> Breakdown:
    """One breakdown, ranked, added up from ``grouped`` (the rows of ``grouped_figures``)."""
    key, title, dimension, group_field, label_field, choices = spec
    fields = (group_field, *((label_field,) if label_field else ()))
    rows = []
    for row in added_up(grouped, fields):
        value = row[group_field]
        if label_field:
            label = row[label_field]
        elif choices is not None and value:
            label = str(choices(value).label) if value in choices.values else value
        else:
            label = None
        rows.append((str(value or ""), label or str(NOT_GIVEN), figures_of(row, period)))
    return Breakdown(key=key, title=str(title), dimension=str(dimension), rows=ranked(rows))


def programme_figures(figured: QuerySet, period: Period, grouped: list[dict] | None = None) -> list[ProgrammeFigures]:
    """Per programme: itemised figures, and the snapshot published for this period (3 queries; 2 given
    ``grouped``, the rows of ``grouped_figures(figured)``)."""
    grouped = added_up(grouped_figures(figured) if grouped is None else grouped,
                       ("as_programme", "as_programme_name", "as_programme_level"))
    ids = [row["as_programme"] for row in grouped]
    snapshots = {
        s.programme_id: s for s in ProgrammeSnapshot.objects.filter(programme__in=ids, period_end=period.end)
    }
    # How many projects each programme has in all: the published figures describe the whole list.
    whole = dict(
        Project.objects.annotate(counted=COUNTED_PROGRAMME).filter(counted__in=list(snapshots))
        .values_list("counted").annotate(n=Count("pk")).order_by()
    ) if snapshots else {}
    result = []
    for row in grouped:
        figures = figures_of(row, period)
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


def report_months(figured: QuerySet, source: FigureSource, programmes: list[ProgrammeFigures],
                  annual_plan: Decimal) -> tuple[list[MonthPoint], dict]:
    """Month by month for the report's projects, and for each programme apart (keyed by programme pk):
    the programmes overlap, so a report never adds them together; the programme is the one the project
    is counted in for the period (as frozen, for a closed month). Every project is counted in one
    programme, so the report's months are the programmes' added up. From the live reports, one query
    grouped by programme and month through a join to the project; for a frozen month, the months the close
    stored for each programme the report has whole (one query), and one query for each programme it has a
    part of (a year has two or three)."""
    period = source.period
    by_programme: dict = {p.pk: {} for p in programmes}
    if source.frozen:
        stored = stored_programme_months(source)
        for p in programmes:
            count, months = stored.get(p.pk, (None, None))
            if count == p.figures.count:
                # The report's projects of the programme are some of those it froze: as many are all of them,
                # so its months are those the close added up (else every frozen report of the year is read).
                by_programme[p.pk] = months
                continue
            by_programme[p.pk] = dict(remembered_rows(
                "report_months", frozen_programme_months(source, figured.filter(as_programme=p.pk))))
    else:
        rows = (
            source.reports().filter(project__in=figured, year=period.year, month__lte=period.month)
            .values_list(COUNTED_PROGRAMME_OF_REPORT, "month").annotate(s=Sum("completed_month")).order_by()
        )
        # Every report of the year up to the month (1.2 million at a province's scale): remembered.
        for programme, month, amount in remembered_rows("report_months", rows):
            by_programme.setdefault(programme, {})[month] = amount
    whole: dict = {}
    for amounts in by_programme.values():
        for month, amount in amounts.items():
            whole[month] = whole.get(month, ZERO) + amount
    apart = {p.pk: _month_points(by_programme[p.pk], period, p.figures.annual_plan) for p in programmes}
    return _month_points(whole, period, annual_plan), apart


def frozen_programme_months(source: FigureSource, projects: QuerySet) -> QuerySet:
    """(month, completed that month) of ``projects`` from a closed month's frozen reports, each month of the
    year up to the closed one that has any (one query): a programme's months in the report, and as the close
    stores them for the whole programme (``stored_programme_months``)."""
    period = source.period
    return (source.reports().filter(project__in=projects, year=period.year, month__lte=period.month)
            .values_list("month").annotate(s=Sum("completed_month")).order_by())


def stored_programme_months(source: FigureSource) -> dict:
    """Programme pk -> (the projects it froze, {month: completed}) as the close stored them (one query); a
    programme whose months were not stored (closed by an earlier release) is not in it."""
    stored: dict = {}
    rows = (SnapshotProgramme.objects.filter(snapshot=source.snapshot, months_stored=True)
            .values_list("programme", "project_count", "months__month", "months__completed_month"))
    for programme, count, month, amount in rows:
        months = stored.setdefault(programme, (count, {}))[1]
        if month is not None:
            months[month] = amount
    return stored


def _month_points(by_month: dict, period: Period, annual_plan: Decimal) -> list[MonthPoint]:
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




def figured_projects(base: QuerySet, period: Period, source: FigureSource | None = None) -> QuerySet:
    """``base`` (from ``selectors.period_projects``) annotated with the period's figures and with the
    attributes the figures are grouped by: live, or as they stood when a closed month was frozen."""
    source = source or figure_source(period)
    return with_period_figures(base, period, source).annotate(**source.attributes())


def totals(projects: QuerySet, period: Period, source: FigureSource | None = None) -> Figures:
    """Count, plan, year to date and this month of a set of projects (one query)."""
    source = source or figure_source(period)
    return aggregate(figured_projects(period_projects(projects, period, source), period, source), period)


def totals_and_warnings(projects: QuerySet, period: Period, source: FigureSource | None = None
                        ) -> tuple[Figures, dict[str, int]]:
    """The dashboard's headline: ``totals`` and the red, yellow and green projects, in one query (the
    warning as ``selectors.warning_annotations`` computes it), so that the per-project figures are
    read once for both."""
    source = source or figure_source(period)
    figured = with_period_figures(period_projects(projects, period, source), period, source)
    colour_of = {rank: colour for colour, rank in WARNING_RANK.items()}
    # Grouped by colour (three rows) and added up here: the warning is computed once a project, where
    # a count filtered by each colour would compute it three times.
    # Remembered until the data changes: at a province's scale this is every project's warning.
    rows = remembered_rows("totals_and_warnings", (
        figured.annotate(**warning_annotations(period)).values("list_warning").annotate(**TOTALS).order_by()))
    counts = dict.fromkeys(COLOURS, 0)
    for row in rows:
        counts[colour_of[row["list_warning"]]] += row["count"]
    return figures_added_up(rows, period), counts


def aggregate(figured: QuerySet, period: Period, grouped: list[dict] | None = None) -> Figures:
    """The figures of projects already annotated by ``figured_projects`` (one query, none given ``grouped``,
    the rows of ``grouped_figures(figured)``)."""
    if grouped is None:
        return figures_of(figured.aggregate(**TOTALS), period)
    return figures_added_up(grouped, period)


def breakdowns(grouped: list[dict], period: Period) -> list[Breakdown]:
    """By lead department, category, town and status, each ranked by completion rate, added up from
    ``grouped`` (the rows of ``grouped_figures``: no query)."""
    return [breakdown(grouped, period, spec) for spec in BREAKDOWNS]


def programme_reconciliation() -> list[ReconciliationRow]:
    """Every published programme snapshot beside the itemised figures at its date, as the progress
    report reconciles them (approved reports; year to date = the latest up to the month)."""
    rows = []
    for snapshot in ProgrammeSnapshot.objects.select_related("programme").order_by("programme__year", "pk"):
        period = Period(snapshot.period_end.year, snapshot.period_end.month)
        source = figure_source(period)
        base = period_projects(Project.objects.counted_in(snapshot.programme_id), period, source)
        figured = figured_projects(base, period, source)
        rows.extend(p.snapshot for p in programme_figures(figured, period)
                    if p.snapshot is not None and p.snapshot.period_end == snapshot.period_end)
    return rows
