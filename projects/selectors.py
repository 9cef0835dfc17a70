"""Reads shared by commands, pages and reports of the projects app."""

import calendar
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice

from django.core.paginator import Paginator
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    FilteredRelation,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextChoices,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest, NullIf
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portfolio.models import translated_labels
from portfolio.periods import Period, months_between, months_between_sql

from . import remembered
from .choices import LetterState, MilestoneKind, ProjectStatus, RecordKind, ReportStatus
from .models import (
    Milestone,
    MonthlyReport,
    MonthSnapshot,
    PeriodLock,
    Project,
    ReportWaiver,
    SheetReturn,
    SnapshotReport,
    SupervisionLetter,
    sample_facts,
)
from .permissions import Action, month_lock, restrict, reviews_reports, writable_rows
from .progress import (
    GREEN,
    RED,
    YELLOW,
    OverdueMilestone,
    ProjectWarning,
    WarningRules,
    completion_rate,
    rules,
)
from .querysets import (
    COUNTED_PLAN,
    COUNTED_PROGRAMME_PATHS,
    PLAN_FROM_SAMPLE,
    PROGRAMME_FROM_SAMPLE,
    SHOWS_SAMPLE_VALUES,
    as_flag,
    counted_in_year,
)
from .workflow import COUNTED_STATE


@dataclass(frozen=True)
class DataQuality:
    """What an administrator still has to complete, counted over the report's own projects."""

    report_projects: int
    report_places: int
    without_programme: int
    without_lead_department: int
    without_annual_plan: int
    without_status: int
    without_dates: int
    without_milestones: int
    with_sample_fields: int
    sample_projects: int


def data_quality() -> DataQuality:
    """Counts over the report's projects (one query); the sample's values beside a fact do not fill it.
    The places the report mentions are counted apart: they have no programme or plan to complete."""
    def count(condition: Q) -> Count:
        return Count("pk", filter=condition)

    no_milestones = ~Exists(Milestone.objects.filter(project=OuterRef("pk")))
    report = Project.objects.filter(is_synthetic=False)
    counts = report.filter(record_kind=RecordKind.PROJECT).aggregate(
        report_projects=Count("pk"),
        without_programme=count(Q(programme__isnull=True)),
        without_lead_department=count(Q(lead_department__isnull=True)),
        without_annual_plan=count(Q(annual_plan__isnull=True)),
        without_status=count(Q(status="")),
        without_dates=count(Q(planned_start__isnull=True, actual_start__isnull=True, planned_completion__isnull=True,
                              actual_completion__isnull=True)),
        without_milestones=count(no_milestones),
        with_sample_fields=count(SHOWS_SAMPLE_VALUES),
    )
    return DataQuality(**counts, report_places=report.filter(record_kind=RecordKind.PLACE).count(),
                       sample_projects=Project.objects.filter(is_synthetic=True).count())


# Progress of projects for a period ----------------------------------------------------------


@dataclass
class ProjectProgress:
    """One project's figures for a period, with its warning."""

    project: Project
    completed_ytd: Decimal
    completed_month: Decimal | None
    report_status: str | None
    rate: Decimal | None
    warning: ProjectWarning
    overdue: list[OverdueMilestone]

    @property
    def sample_fields(self) -> tuple[str, ...]:
        """The shown values that are sample data (``sample_values``), worked out once: the report's appendix
        line and warning line of a project read them both. (Before Python 3.12 functools.cached_property
        takes a class-wide lock on each instance's first read: slower over 100,000 rows than this.)"""
        fields = self.__dict__.get("_sample_fields")
        if fields is None:
            p = self.project
            fields = self.__dict__["_sample_fields"] = sample_values(
                is_synthetic=p.is_synthetic, fact_fields=period_sample_facts(p),
                generated_reports=getattr(p, "period_generated", False))
        return fields


def period_sample_facts(project) -> list[str]:
    """The facts (Project.sample_fields' names) a project annotated by ``with_period_figures`` shows from the
    sample generator's values for the period: for a closed month, as they were at its close; a project read
    without the annotations, as it stands."""
    if not hasattr(project, "period_plan_from_sample"):
        return sample_facts(project.programme_id, project.sample_programme_id, project.annual_plan,
                            project.sample_annual_plan)
    return [name for name, from_sample in (("programme", project.period_programme_from_sample),
                                           ("annual_plan", project.period_plan_from_sample)) if from_sample]


# A report project's facts shown from the generator's values (Project.sample_fields), and the row's
# fields each one makes sample: a generated plan makes the rate and the warning sample too.
SAMPLE_FACT_FIELDS = {
    "programme": ("programme",),
    "annual_plan": ("annual_plan", "rate", "colour", "colour_label"),
}
# The row's fields read from the monthly reports: sample when any of the year's reports up to the
# month was generated.
REPORT_FIELDS = ("completed_month", "completed_ytd", "rate", "colour", "colour_label", "report_status", "progress")
ROW_FIELDS = (
    "code", "name", "programme", "department", "town", "category", "status", "total_investment", "annual_plan",
    *REPORT_FIELDS,
)


def sample_values(*, is_synthetic: bool, fact_fields, generated_reports: bool) -> tuple[str, ...]:
    """Which of a project's shown values the sample generator made, by the names of the report's appendix
    row (reports.structure.ProjectRow): the list, its Excel, the report and the API mark them."""
    if is_synthetic:
        return ROW_FIELDS
    if not fact_fields and not generated_reports:  # a report project shown from its own facts and reports
        return ()
    names = {name for fact in fact_fields for name in SAMPLE_FACT_FIELDS.get(fact, ())}
    if generated_reports:
        names.update(REPORT_FIELDS)
    return tuple(name for name in ROW_FIELDS if name in names)


class Basis(TextChoices):
    """Which monthly reports a figure counts. Leaders' figures count approved reports only."""

    APPROVED = "approved", gettext_lazy("仅计已审核月报")
    ALL = "all", gettext_lazy("含已提交、已退回和草稿（未审核）月报")


# The project's attributes a closed month keeps as they were (SnapshotProject has the same fields).
FROZEN_ATTRIBUTES = ("programme", "lead_department", "town", "category", "status", "total_investment")
# What the report reads of them: annotation -> path from the project (or from its snapshot row).
ATTRIBUTE_PATHS = {
    "as_programme": "programme", "as_programme_name": "programme__name", "as_programme_level": "programme__level",
    "as_department": "lead_department", "as_department_name": "lead_department__name",
    "as_town": "town", "as_town_name": "town__name",
    "as_category": "category", "as_status": "status", "as_total_investment": "total_investment",
}


# The join FigureSource.scope makes for a closed month: alias -> the project's relation it filters.
SCOPE_RELATIONS = {"frozen": "snapshot_rows"}


@dataclass(frozen=True)
class FigureSource:
    """Where a period's figures come from: the live monthly reports (approved only, or all of them),
    or, for a closed month on the approved basis, the frozen snapshot of the close.

    The snapshot's tables carry the monthly report's field names, so every reader below asks
    ``reports()`` and ``plan()`` and never which of the two it reads.
    """

    period: Period
    basis: str = Basis.APPROVED
    snapshot: MonthSnapshot | None = None
    closed: PeriodLock | None = None

    def reports(self) -> QuerySet:
        if self.snapshot is not None:
            return SnapshotReport.objects.filter(snapshot=self.snapshot)
        if self.basis == Basis.APPROVED:
            return MonthlyReport.objects.filter(status=COUNTED_STATE)
        return MonthlyReport.objects.all()

    def scope(self, projects: QuerySet) -> QuerySet:
        """A frozen month counts the projects it froze, not those added since: for a frozen month, the
        projects with a snapshot row, joined (``frozen``), one row each, so that ``plan``, ``attributes``
        and the figures read its columns (a subquery a figure, per project, took seconds for a province's
        closed month). Scoping twice joins once."""
        if self.snapshot is None or "frozen" in projects.query._filtered_relations:
            return projects
        return projects.annotate(**{
            alias: FilteredRelation(relation, condition=self._scope_condition(relation))
            for alias, relation in SCOPE_RELATIONS.items()
        }).filter(frozen__id__isnull=False)

    def _scope_condition(self, prefix: str) -> Q:
        """The condition of ``scope``'s joins, its lookups starting with ``prefix``: the relation's name as
        ``scope`` writes it, or the join's alias, as Django keeps it once the relation is added to a query."""
        return Q(**{f"{prefix}__snapshot": self.snapshot.pk})

    def scope_joins(self, projects: QuerySet) -> set[str]:
        """The aliases of the joins of ``scope``'s relations for this source in ``projects`` (none for a live
        one): its own, and those of filters on them (Django joins a reverse relation again for each ``filter()``
        that reads it, as a closed month's filters by department or category do). Each joins at most one row a
        project: its snapshot row (unique by snapshot and project)."""
        if self.snapshot is None:
            return set()

        def ours(relation: FilteredRelation) -> bool:
            alias = relation.alias
            return (SCOPE_RELATIONS.get(alias) == relation.relation_name
                    and relation.condition == self._scope_condition(alias))

        query = projects.query
        return {alias for alias, join in query.alias_map.items()
                if getattr(join, "filtered_relation", None) is not None and ours(join.filtered_relation)}

    def plan(self):
        """The annual plan the rates are computed against (the frozen one for a closed month, of projects
        that ``scope`` scoped)."""
        if self.snapshot is None:
            return COUNTED_PLAN
        return F("frozen__annual_plan")

    def attributes(self) -> dict:
        """The project's programme, department, town, category, status and total investment as
        ``as_*`` annotations: live, or as they stood at the close of a frozen month (of projects that
        ``scope`` scoped)."""
        if self.snapshot is None:
            return {name: COUNTED_PROGRAMME_PATHS.get(path, F(path)) for name, path in ATTRIBUTE_PATHS.items()}
        return {name: F(f"frozen__{path}") for name, path in ATTRIBUTE_PATHS.items()}

    @property
    def frozen(self) -> bool:
        return self.snapshot is not None

    @property
    def statement(self) -> str:
        """The basis in words, printed with every figure built from this source."""
        if self.snapshot is not None:
            text = _("%(year)s年%(month)s月关账数据第%(version)s版（%(when)s关闭，仅计已审核月报）") % {
                "year": self.period.year, "month": self.period.month, "version": self.snapshot.version,
                "when": timezone.localtime(self.snapshot.closed_at).strftime("%Y-%m-%d %H:%M"),
            }
            if self.closed is None:
                text += _("；该月份已重新打开更正，更正后重新关账将生成新版本")
            return text
        if self.basis == Basis.APPROVED:
            return _("仅计已审核月报（未审核的月报不计入）")
        return _("含已提交、已退回和草稿月报（未经审核，仅供内部参考）")


def figure_source(period: Period, basis: str = Basis.APPROVED, version: int | None = None) -> FigureSource:
    """The source of a period's figures: a closed month on the approved basis reads its snapshot (two queries)."""
    closed = month_lock(period.year, period.month)
    snapshot = None
    if basis == Basis.APPROVED:
        snapshots = MonthSnapshot.objects.filter(year=period.year, month=period.month)
        if version is not None:
            snapshots = snapshots.filter(version=version)
        snapshot = snapshots.order_by("-version").first()
    return FigureSource(period=period, basis=basis, snapshot=snapshot, closed=closed)


def latest_period(projects: QuerySet | None = None) -> Period | None:
    """The default period for leaders: the latest closed month, or before any month closes, the latest
    month with approved reports (for these projects). Drafts in a later month never move it."""
    closed = PeriodLock.objects.order_by("-year", "-month").values_list("year", "month").first()
    if closed:
        return Period(*closed)
    reports = MonthlyReport.objects.filter(status=COUNTED_STATE)
    if projects is not None:
        reports = reports.filter(project__in=projects.values("pk"))
    latest = reports.order_by("-year", "-month").values_list("year", "month").first()
    return Period(*latest) if latest else None


def latest_report_value(source: FigureSource, field: str) -> Subquery:
    """A field of the project's latest counted report up to the period's month."""
    period = source.period
    reports = source.reports().filter(project=OuterRef("pk"), year=period.year, month__lte=period.month)
    return Subquery(reports.order_by("-month").values(field)[:1])


def with_period_figures(projects: QuerySet, period: Period, source: FigureSource | None = None) -> QuerySet:
    """Annotate year-to-date (latest counted report up to the month), this month's figure, the month's
    report status and the annual plan, from ``source`` (approved live reports by default).

    From the live reports, the month's own report is joined (one per project and month) and gives the
    month's figure and status, and the year to date when it counts; only a project whose month report
    does not count looks back for its latest earlier one (a subquery PostgreSQL runs for those rows
    only, in the CASE's default). A province's dashboard reads 100,000 projects' figures this way,
    where a subquery for every figure of every project took seconds.
    """
    source = source or figure_source(period)
    projects = source.scope(projects)
    if source.frozen:
        # The snapshot row holds the month's figures as they stood at the close (closing._freeze).
        figures = {
            "period_ytd": F("frozen__completed_ytd"),
            "period_month": F("frozen__completed_month"),
            "period_status": NullIf(F("frozen__report_status"), Value("")),
        }
    else:
        projects = projects.annotate(period_report=FilteredRelation(
            "monthly_reports", condition=Q(monthly_reports__year=period.year, monthly_reports__month=period.month)))
        figures = {
            "period_ytd": latest_counted_value(source, "completed_ytd"),
            "period_month": Case(When(_month_report_counts(source), then=F("period_report__completed_month")),
                                 default=None),
            "period_status": F("period_report__status"),
        }
    # Read by warning_annotations: a closed month's rate as stored at the close, not computed again per project.
    rate = F("frozen__rate_hundredths") if source.frozen else rate_hundredths("period_ytd", "period_plan")
    return projects.annotate(
        **figures,
        period_plan=source.plan(),
        # The project's status as it stood at the close for a frozen month: the warnings read it.
        period_project_status=source.attributes()["as_status"],
        # Whether the figures rest on a generated monthly report (marked as sample where shown); for a frozen
        # month, as it stood at the close.
        period_generated=F("frozen__generated") if source.frozen else generated_reports(period),
        # The programme the period counts the project in, by name (for a frozen month, as it stood at the close,
        # beside the plan of the close), and whether it and the plan shown are the sample generator's
        # (``period_sample_facts``): for a frozen month, as they were at the close, whatever was entered since.
        period_programme_name=source.attributes()["as_programme_name"],
        period_programme_from_sample=F("frozen__programme_from_sample") if source.frozen
        else as_flag(PROGRAMME_FROM_SAMPLE),
        period_plan_from_sample=F("frozen__plan_from_sample") if source.frozen else as_flag(PLAN_FROM_SAMPLE),
    ).alias(period_rate_hundredths=rate)


def generated_reports(period: Period) -> Exists:
    """Whether a project (``pk``) has a generated monthly report of the year up to the period's month."""
    return Exists(MonthlyReport.objects.filter(
        project=OuterRef("pk"), year=period.year, month__lte=period.month, is_synthetic=True))


def _month_report_counts(source: FigureSource) -> Q:
    """Whether the month's own live report (``period_report``, joined by ``with_period_figures``) counts."""
    if source.basis == Basis.APPROVED:
        return Q(period_report__status=COUNTED_STATE)
    return Q(period_report__isnull=False)


def latest_counted_value(source: FigureSource, field: str) -> Case:
    """``latest_report_value`` of projects annotated by ``with_period_figures`` with the same source (and so
    the same period): from the live reports, the month's own report, joined, when it counts (it is the
    latest then); only a project without one looks back for its latest earlier one, in a subquery PostgreSQL
    runs for those rows only. A frozen month looks it up in its frozen reports (for the rows shown)."""
    if source.frozen:
        return latest_report_value(source, field)
    return Case(When(_month_report_counts(source), then=F(f"period_report__{field}")),
                default=latest_report_value(source, field))


def not_reached_by(period: Period) -> Q:
    """Milestones not reached by the period's end, as of that date: a milestone reached later (its
    actual date filled in afterwards) still counts as open for the earlier period, so a regenerated
    report of a past month keeps its warnings."""
    return Q(actual_date__isnull=True) | Q(actual_date__gt=period.end)


def planned_before_end(period: Period) -> Q:
    """Of milestones not reached by the period's end: overdue, planned before the end."""
    return Q(planned_date__lt=period.end)


def planned_soon_after_end(period: Period, days: int) -> Q:
    """Of milestones not reached by the period's end: due, planned within ``days`` after the end."""
    return Q(planned_date__gte=period.end, planned_date__lte=period.end + dt.timedelta(days=days))


def milestones_overdue(projects: QuerySet, period: Period) -> QuerySet:
    """Milestones planned before the period's end and not reached by it: the one definition of an
    overdue milestone, read by the dashboard, the milestone list, the warnings and the report."""
    return (
        Milestone.objects.filter(not_reached_by(period), planned_before_end(period), project__in=projects.values("pk"))
        .select_related("project")
        .order_by("planned_date", "pk")
    )


def overdue_milestones(projects: QuerySet, period: Period) -> dict[int, list[OverdueMilestone]]:
    """``milestones_overdue`` by project, with the months each is overdue (one query)."""
    return overdue_by_project(milestones_overdue(projects, period).values_list("project_id", "kind", "planned_date"),
                              period)


def overdue_by_project(rows, period: Period) -> dict[int, list[OverdueMilestone]]:
    """(project id, kind, planned date) of ``milestones_overdue``, in its order, by project with the months each
    is overdue at the period's end: for a caller that has read the milestones already (a whole report)."""
    labels, end = translated_labels(MilestoneKind.choices), period.end
    overdue: dict[int, list[OverdueMilestone]] = {}
    for project_id, kind, planned in rows:
        overdue.setdefault(project_id, []).append(
            OverdueMilestone(kind_label=labels.get(kind, kind), planned_date=planned, months=months_between(planned, end))
        )
    return overdue


# The related rows a project's progress line shows (programme, department, town): read with the project.
PROGRESS_RELATED = ("programme", "sample_programme", "lead_department", "town")


def project_progress(
    projects: QuerySet, period: Period, source: FigureSource | None = None
) -> list[ProjectProgress]:
    """Every project's progress for the period: two queries whatever the number of projects."""
    related = projects.select_related(*PROGRESS_RELATED)
    figured = with_period_figures(related, period, source)
    return progress_of(figured, period, overdue_milestones(projects, period))


def progress_of(
    figured, period: Period, overdue: dict[int, list[OverdueMilestone]] | None = None
) -> list[ProjectProgress]:
    """The progress rows of projects already annotated by ``with_period_figures`` (a list page's
    page of them, say): one query for their overdue milestones unless ``overdue`` is given."""
    figured = list(figured)
    if overdue is None:
        overdue = overdue_milestones(Project.objects.filter(pk__in=[p.pk for p in figured]), period)
    rows, judge, time_elapsed = [], WarningRules.current().classify, period.time_elapsed
    for project in figured:
        ytd = project.period_ytd or Decimal(0)
        rate = completion_rate(ytd, project.period_plan)
        project_overdue = overdue.get(project.pk, [])
        rows.append(
            ProjectProgress(
                project=project,
                completed_ytd=ytd,
                completed_month=project.period_month,
                report_status=project.period_status,
                rate=rate,
                warning=judge(rate=rate, time_elapsed=time_elapsed, overdue=project_overdue,
                              status=project.period_project_status),
                overdue=project_overdue,
            )
        )
    return rows


def progress_in_chunks(
    figured: Iterator, period: Period, overdue: dict[int, list[OverdueMilestone]], *, chunk: int,
    on_chunk: Callable[[int], None] | None = None,
) -> Iterator[ProjectProgress]:
    """``progress_of`` over an iterator of projects (a server-side cursor's rows), ``chunk`` of them at a time,
    with their overdue milestones read before (``overdue``): a list of any length judged in bounded memory.
    ``on_chunk`` is told the number of rows given so far as each chunk is read (a job's progress)."""
    done = 0
    while rows := list(islice(figured, chunk)):
        if on_chunk is not None:
            on_chunk(done)
        yield from progress_of(rows, period, overdue)
        done += len(rows)


# The warning as the database computes it, so that a list can sort by it: red, yellow, green.
WARNING_RANK = {RED: 0, YELLOW: 1, GREEN: 2}


def overdue_cutoff(period: Period, months: int) -> dt.date:
    """The latest planned date of a milestone overdue by more than ``months`` whole months at the
    period's end (progress.months_between's counting: a month is whole once its day comes round)."""
    index = period.end.year * 12 + period.end.month - 1 - (months + 1)
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(period.end.day, calendar.monthrange(year, month)[1]))


def with_list_figures(projects: QuerySet, period: Period, source: FigureSource | None = None) -> QuerySet:
    """``with_period_figures`` plus the completion rate (``list_rate``, percent) and the warning
    (``list_warning``: 0 red, 1 yellow, 2 green) computed in the database, for sorting a list."""
    has_plan, ytd, plan = _rate_terms()
    rate = Case(When(has_plan, then=ytd * Value(100.0) / plan), default=None, output_field=FloatField())
    return with_period_figures(projects, period, source).annotate(**warning_annotations(period), list_rate=rate)


def _has_plan(plan: str = "period_plan") -> Q:
    """Whether a project has a plan to compute a rate against: ``plan``, a field or annotation (by default
    ``with_period_figures``'s)."""
    return Q(**{f"{plan}__isnull": False}) & ~Q(**{plan: 0})


def rate_hundredths(ytd: str, plan: str) -> Case:
    """The completion rate of the year to date ``ytd`` against the plan ``plan`` (fields or annotations) in
    hundredths of a percent (``RateHundredths``), null without a plan: the one expression of the rate the
    warnings compare, for the live figures and stored at a month's close."""
    return Case(
        When(_has_plan(plan), then=RateHundredths(Coalesce(F(ytd), Value(Decimal(0))), F(plan))),
        default=None, output_field=IntegerField(),
    )


def _rate_terms():
    """Whether a project has a plan, and its year to date and plan as floats, of ``with_period_figures``."""
    return _has_plan(), Cast(Coalesce(F("period_ytd"), Value(0)), FloatField()), Cast(F("period_plan"), FloatField())


class RateHundredths(Func):
    """``part`` × 10000 ÷ ``whole`` rounded half away from zero to an integer: a completion rate in hundredths
    of a percent, as money.rate_percent rounds it. PostgreSQL computes it in exact numerics (a third of a
    warning scan's time went to casting floats to numeric for ROUND); SQLite in floats, since a decimal it
    stores as an integer would divide as an integer."""

    arity = 2
    output_field = IntegerField()

    def _terms(self, compiler):
        (part, part_params), (whole, whole_params) = (compiler.compile(e) for e in self.get_source_expressions())
        return part, whole, (*part_params, *whole_params)

    def as_sql(self, compiler, connection, **extra_context):
        part, whole, params = self._terms(compiler)
        return f"CAST(ROUND(CAST({part} AS REAL) * 10000.0 / CAST({whole} AS REAL), 0) AS INTEGER)", params

    def as_postgresql(self, compiler, connection, **extra_context):
        part, whole, params = self._terms(compiler)
        return f"ROUND(({part})::numeric * 10000 / ({whole})::numeric)::integer", params


def _thresholds(period: Period) -> tuple[int, int, int]:
    """序时进度, and the rates below which a project is red and up to which it is yellow, in hundredths of
    a percent, under PORTFOLIO_WARNING_RULES."""
    r = rules()
    elapsed = int(period.time_elapsed * 100)
    return (elapsed, elapsed - int(Decimal(r["red_behind_points"]) * 100),
            elapsed - int(Decimal(r["yellow_behind_points"]) * 100))


def warning_annotations(period: Period) -> dict:
    """The rate and warning of projects annotated by ``with_period_figures``, as annotations.

    The warning follows progress.classify on the figures a reader sees: the rate rounded to two
    places is compared in hundredths of a percent, in integers, against 序时进度 less the
    thresholds of PORTFOLIO_WARNING_RULES; a milestone not reached by the period's end and
    planned more than ``red_overdue_months`` before it makes the project red whatever its rate,
    and a built or operating project (``milestones_only_statuses``) is not judged on its rate.
    """
    r = rules()
    _elapsed, red_below, yellow_from = _thresholds(period)
    late = Milestone.objects.filter(
        not_reached_by(period), project=OuterRef("pk"),
        planned_date__lte=overdue_cutoff(period, r["red_overdue_months"]),
    )
    return {
        "list_rate_hundredths": F("period_rate_hundredths"),
        "list_late_milestone": Exists(late),
        "list_warning": Case(
            When(list_late_milestone=True, then=Value(WARNING_RANK[RED])),
            When(period_project_status__in=r["milestones_only_statuses"], then=Value(WARNING_RANK[GREEN])),
            When(list_rate_hundredths__lt=red_below, then=Value(WARNING_RANK[RED])),
            When(list_rate_hundredths__lte=yellow_from, then=Value(WARNING_RANK[YELLOW])),
            default=Value(WARNING_RANK[GREEN]),
            output_field=IntegerField(),
        ),
    }


def warning_order_annotations(period: Period) -> dict:
    """After ``warning_annotations``: whether the rate is more than ``red_behind_points`` behind
    (``list_far_behind``), how many hundredths of a point it is behind (``list_behind``, 0 when it is not
    or without a rate) and the whole months of the project's longest overdue milestone
    (``list_overdue_months``, 0 without one): the report's warning list is ordered and counted by them."""
    elapsed, red_below, _yellow_from = _thresholds(period)
    longest_overdue = Subquery(
        Milestone.objects.filter(not_reached_by(period), project=OuterRef("pk"), planned_date__lt=period.end)
        .annotate(overdue_months=months_between_sql("planned_date", period.end))
        .order_by("planned_date").values("overdue_months")[:1]
    )
    return {
        "list_far_behind": Case(When(list_rate_hundredths__lt=red_below, then=Value(True)), default=Value(False),
                                output_field=BooleanField()),
        "list_behind": Greatest(Value(elapsed) - Coalesce(F("list_rate_hundredths"), Value(elapsed)), Value(0)),
        "list_overdue_months": Coalesce(longest_overdue, Value(0)),
    }


def period_projects(projects: QuerySet, period: Period, source: FigureSource | None = None) -> QuerySet:
    """The projects a period's figures count: those of the period's year programmes (the annual plan
    is a plan for that year), and for a closed month those it froze. Re-selecting by primary key
    keeps aggregates right whatever joins the caller's filters used."""
    source = source or figure_source(period)
    if _on_its_own_columns(projects, source):
        # Filters on the project's own columns (a programme, a department), and for a closed month the joins
        # of its snapshot row (``scope``'s, and one more for each filter on a frozen column), join nothing
        # that could repeat a project: they are kept as they are, and PostgreSQL does not join 100,000
        # projects to themselves (0.1 s a query at 100,000 projects) nor judge them all before filtering.
        return source.scope(projects.order_by().filter(counted_in_year(period.year)))
    return source.scope(Project.objects.filter(counted_in_year(period.year), pk__in=projects.values("pk")))


def _on_its_own_columns(projects: QuerySet, source: FigureSource) -> bool:
    """Whether a queryset of projects only filters the project table, and the rows of ``source.scope``'s
    relations joined to it (``FigureSource.scope_joins``): no other join, no annotation, slice or union."""
    query = projects.query
    own = {query.base_table, *source.scope_joins(projects)}
    joined = [alias for alias in query.alias_map if alias not in own and query.alias_refcount.get(alias)]
    return (
        projects.model is Project and not query.is_sliced and not query.distinct and not query.combinator
        and not query.annotations and not query.extra and not joined
    )


# Dashboard ------------------------------------------------------------------------------------


def milestones_due(projects: QuerySet, period: Period, *, days: int = 30) -> QuerySet:
    """Milestones planned within ``days`` after the period's end and not yet reached."""
    return (
        Milestone.objects.filter(
            not_reached_by(period), planned_soon_after_end(period, days), project__in=projects.values("pk"))
        .select_related("project")
        .order_by("planned_date", "pk")
    )


def milestone_counts(projects: QuerySet, period: Period, *, days: int = 30) -> tuple[int, int]:
    """How many of ``milestones_overdue`` and of ``milestones_due`` there are, in one query (the projects'
    milestones are read once for both: at a province's scale each count was a scan of its own)."""
    overdue, due = planned_before_end(period), planned_soon_after_end(period, days)
    milestones = Milestone.objects.filter(not_reached_by(period), overdue | due, project__in=projects.values("pk"))

    def count() -> tuple[int, int]:
        counts = milestones.aggregate(overdue=Count("pk", filter=overdue), due=Count("pk", filter=due))
        return counts["overdue"], counts["due"]

    return remembered.remembered("milestone_counts", milestones, count, days)


def reports_waiting_for(user) -> QuerySet:
    """Coordinator: the submitted reports this user may approve (asked of the policy, four eyes included);
    editor: their drafts and returned reports still to submit."""
    if reviews_reports(user):
        return restrict(MonthlyReport.objects.all(), user, Action.APPROVE).for_list().order_by("submitted_at", "pk")
    return restrict(MonthlyReport.objects.all(), user, Action.SUBMIT).for_list().order_by("year", "month", "pk")


# Reporting completeness ---------------------------------------------------------------------------


def expected_q(year: int) -> Q:
    """A project reports for a month of ``year``: it is of one of the year's programmes and not cancelled."""
    return counted_in_year(year) & ~Q(status=ProjectStatus.CANCELLED)


def expected_projects(projects: QuerySet, year: int) -> QuerySet:
    """The projects that report for a month of ``year`` (``expected_q``)."""
    return projects.filter(expected_q(year))


@dataclass(frozen=True)
class Completeness:
    """How far a month's reporting has come, for all the given projects or one department."""

    key: str
    label: str
    expected: int
    missing: int
    draft: int
    returned: int
    submitted: int
    approved: int
    waived: int

    @property
    def reported(self) -> int:
        """Projects with a report of any status."""
        return self.draft + self.returned + self.submitted + self.approved

    @property
    def outstanding(self) -> int:
        """Still to fill, correct or submit."""
        return self.missing + self.draft + self.returned

    @property
    def done(self) -> bool:
        return self.approved + self.waived == self.expected


@dataclass(frozen=True)
class ReportingStatus:
    period: Period
    due_date: dt.date
    overdue: bool  # the deadline has passed
    total: Completeness
    departments: list[Completeness]

    @property
    def late_departments(self) -> list[Completeness]:
        return [d for d in self.departments if self.overdue and d.outstanding]


def reporting_status(projects: QuerySet, period: Period, *, today: dt.date | None = None,
                     source: FigureSource | None = None) -> ReportingStatus:
    """Who has reported, submitted and been approved for the month, by lead department (two queries).

    Given the ``source`` of the period's figures and it is a month closed now, as it stood at the close
    (one query): the projects it froze, by the department they had then, approved or waived as the close
    required; the figures beside it count the same projects, and the departments' entries of the open
    month do not make it computed again. The month's own page (closing it, waivers) and the reminders
    ask without a source: the live reports.
    """
    today = today or timezone.localdate()
    if source is not None and source.frozen and source.closed is not None:
        by_state, waived = _closed_reporting(projects, period, source)
    else:
        by_state, waived = _live_reporting(projects, period)
    labels, tallies = {}, {}
    names = ("expected", "waived", "missing", *ReportStatus.values)

    def tally(department) -> dict:
        return tallies.setdefault(department, dict.fromkeys(names, 0))

    for department, label, state, n in by_state:
        labels[department] = label
        tally(department)["expected"] += n
        if state is not None:
            tally(department)[state] += n
    for department, n in waived:
        tally(department)["waived"] += n
    departments = []
    for department, counts in tallies.items():
        reported = sum(counts[state] for state in ReportStatus.values)
        counts["missing"] = counts["expected"] - reported - counts["waived"]
        departments.append(Completeness(
            key=str(department or ""), label=labels.get(department) or _("未明确牵头单位"), **counts,
        ))
    departments.sort(key=lambda d: (not d.key, d.label))
    total = Completeness(key="", label=_("合计"), **{name: sum(getattr(d, name) for d in departments) for name in names})
    return ReportingStatus(
        period=period, due_date=period.due_date, overdue=today > period.due_date, total=total,
        departments=departments,
    )


WAIVED = "waived"


def _closed_reporting(projects: QuerySet, period: Period, source: FigureSource) -> tuple[list, list]:
    """``_live_reporting``'s rows from a closed month's snapshot: each frozen project of ``projects`` (as the
    figures count them, ``period_projects``) by its department at the close and its report's state then
    (approved, or none and waived: a close leaves no other), in one query, remembered until those tables
    change."""
    state = Case(When(~Q(frozen__report_status=""), then=F("frozen__report_status")),
                 When(frozen__waived=True, then=Value(WAIVED)), default=None, output_field=CharField())
    query = (period_projects(projects, period, source).annotate(closed_state=state)
             .values_list("frozen__lead_department", "frozen__lead_department__name", "closed_state")
             .annotate(n=Count("pk")).order_by())
    rows = remembered.remembered("reporting_status", query, lambda: list(query))
    by_state = [(department, label, None if state == WAIVED else state, n) for department, label, state, n in rows]
    return by_state, [(department, n) for department, _label, state, n in rows if state == WAIVED]


def _live_reporting(projects: QuerySet, period: Period) -> tuple[list, list]:
    """(department, its name, the month's report state or None, projects) of the projects expected to report,
    and (department, projects waived without a report): from the live reports (two queries)."""
    expected = expected_projects(projects, period.year)
    # The expected projects with the month's report joined (one a project and month): one scan of the
    # projects, counted by department and the report's state (none: not reported).
    month_report = FilteredRelation(
        "monthly_reports", condition=Q(monthly_reports__year=period.year, monthly_reports__month=period.month))
    by_state = (expected.annotate(month_report=month_report)
                .values_list("lead_department", "lead_department__name", "month_report__status")
                .annotate(n=Count("pk")).order_by())
    in_month = {"project__in": expected.values("pk"), "year": period.year, "month": period.month}
    waived = (ReportWaiver.objects.filter(**in_month).exclude(
        project__in=MonthlyReport.objects.filter(**in_month).values("project"))
        .values_list("project__lead_department").annotate(n=Count("pk")).order_by())
    # Both counts scan the scope's projects: remembered until the data changes (projects.remembered).
    return remembered.remembered("reporting_status", by_state, lambda: (list(by_state), list(waived)))


@dataclass
class MonthSheet:
    """A department's monthly sheet: the projects the user may report for it, in code order, with the
    month's stored reports, each project's latest earlier report of the year (last month's year to
    date and 形象进度), their milestones, and which rows the user may write now. The bulk page and
    the Excel sheet (download and upload) both read it. The bulk page reads one page of the sheet
    (``page``: a Paginator page of BULK_PAGE_SIZE projects, None for the whole sheet)."""

    department: object
    period: Period
    projects: list
    existing: dict
    previous: dict
    milestones: dict
    editable: dict
    page: object = None


# Rows of the bulk page at a time: a department of a province's programme leads thousands of projects,
# more than a page can carry or a person fills at once. Each page is saved on its own.
BULK_PAGE_SIZE = 100


def month_sheet(user, department, period: Period, *, with_milestones: bool = False,
                page: str | int | None = None) -> MonthSheet:
    """The department's sheet for the month; with ``page``, only that page of it (the bulk page)."""
    own = restrict(Project.objects.filter(lead_department=department), user, Action.CHANGE)
    ordered = own.select_related("lead_department", "programme").order_by("code", "pk")
    sheet_page = None
    if page is not None:
        sheet_page = Paginator(ordered, BULK_PAGE_SIZE).get_page(page)
        projects = list(sheet_page.object_list)
    else:
        projects = list(ordered)
    existing = {
        r.project_id: r for r in MonthlyReport.objects.filter(project__in=projects, year=period.year, month=period.month)
    }
    previous = {}
    if period.month > 1:
        for row in (MonthlyReport.objects.filter(project__in=projects, year=period.year, month__lt=period.month)
                    .order_by("project_id", "-month").values("project_id", "month", "completed_ytd", "progress_text")):
            previous.setdefault(row["project_id"], row)
    milestones: dict[int, list] = {}
    if with_milestones:
        for milestone in Milestone.objects.filter(project__in=projects).order_by("project_id", "planned_date", "pk"):
            milestones.setdefault(milestone.project_id, []).append(milestone)
    return MonthSheet(
        department=department, period=period, projects=projects, existing=existing, previous=previous,
        milestones=milestones, editable=writable_rows(user, projects, period.year, period.month), page=sheet_page,
    )


def sheet_returns(year: int, month: int) -> dict[str, SheetReturn]:
    """Each department's latest Excel sheet returned for the month, by department key (as ``Completeness.key``)."""
    latest = {}
    for sheet_return in SheetReturn.objects.filter(year=year, month=month).select_related("uploaded_by"):
        latest.setdefault(str(sheet_return.department_id), sheet_return)
    return latest


def period_letters(period: Period, departments: QuerySet | None = None,
                   letters: QuerySet | None = None) -> list[SupervisionLetter]:
    """The letters issued on a month's warnings, of ``letters`` (those a reader may see; all by default),
    for the progress report (one query)."""
    letters = ((SupervisionLetter.objects.all() if letters is None else letters)
               .filter(year=period.year, month=period.month)
               .exclude(state=LetterState.DRAFT).select_related("department")
               .annotate(item_count=Count("items")).order_by("number_year", "number"))
    if departments is not None:
        letters = letters.filter(department__in=departments)
    return list(letters)
