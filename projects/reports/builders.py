"""The programme progress report as plain data: (restricted, filtered projects, period) -> dataclasses.

Every format (page, PDF, Excel, Word) renders the structure built here, so they cannot disagree.
The figures come from database aggregation over the queryset the caller passes in; a fixed
number of queries is run whatever the number of projects. Amounts stay Decimal in 万元; they are
converted and rounded only through portfolio.money (亿元 and rates half-up to two places).
"""

import datetime as dt
from collections.abc import Iterator
from functools import lru_cache

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.reports import build_indicator_report
from portfolio.models import translated_labels
from portfolio.money import wan
from portfolio.paging import in_key_order
from portfolio.periods import Period, months_between, number_word, period_label
from projects.choices import DatePrecision, MilestoneKind, ProjectCategory, ProjectStatus, ReportStatus
from projects.figures import (
    NOT_GIVEN,
    ProgrammeFigures,
    aggregate,
    breakdowns,
    figured_projects,
    grouped_figures,
    programme_figures,
    report_months,
)
from projects.models import Milestone, MonthlyReport, Project
from projects.progress import GREEN, RED, YELLOW, WarningColour, rules, verdict
from projects.querysets import COUNTED_PROGRAMME
from projects.remembered import remembered, remembered_rows
from projects.selectors import (
    WARNING_RANK,
    FigureSource,
    figure_source,
    latest_counted_value,
    milestones_overdue,
    overdue_by_project,
    overdue_cutoff,
    period_letters,
    period_projects,
    period_sample_facts,
    progress_in_chunks,
    progress_of,
    reporting_status,
    warning_annotations,
    warning_order_annotations,
)
from projects.workflow import COUNTED_STATE

from .narrative import TOP, draft_narrative
from .structure import (
    WHOLE,
    IssueRow,
    LetterRow,
    ListPage,
    ListTotals,
    MilestoneRow,
    ProgressReport,
    ProjectRow,
    StreamedRows,
    WarningRow,
)


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


# Building it -----------------------------------------------------------------------------------

def _milestone_values(queryset: QuerySet) -> QuerySet:
    """What a list of milestones prints, one dict a milestone, in the queryset's order."""
    return queryset.values(
        "kind", "planned_date", "planned_date_precision", "actual_date", "actual_date_precision", "note",
        "is_synthetic", "project__is_synthetic", "project_id",
        code=F("project__code"), project_name=F("project__name"), department=F("project__lead_department__name"),
    )


def _milestone_rows(values, period: Period | None) -> Iterator[MilestoneRow]:
    """The lines of a list of milestones (``_milestone_values``), one at a time; with ``period``, the whole
    months each is overdue at its end."""
    labels, not_given = translated_labels(MilestoneKind.choices), str(NOT_GIVEN)
    text = lru_cache(maxsize=None)(date_text)  # worded once per date and precision, in this language
    end = period.end if period is not None else None
    for m in values:
        months = None
        if end is not None and m["planned_date"] is not None:
            months = months_between(m["planned_date"], end)
        yield MilestoneRow(
            code=m["code"],
            project=m["project_name"],
            department=m["department"] or not_given,
            kind=m["kind"],
            kind_label=str(labels.get(m["kind"], m["kind"])),
            planned_date=m["planned_date"],
            planned_text=text(m["planned_date"], m["planned_date_precision"]),
            planned_exact=m["planned_date_precision"] == DatePrecision.DAY,
            actual_date=m["actual_date"],
            actual_text=text(m["actual_date"], m["actual_date_precision"]),
            actual_exact=m["actual_date_precision"] == DatePrecision.DAY,
            months_overdue=months,
            note=m["note"],
            is_sample=m["is_synthetic"] or m["project__is_synthetic"],
        )


def _project_rows(progress_rows) -> Iterator[ProjectRow]:
    """The appendix's lines of projects annotated for it (``_with_text``), through ``selectors.progress_of``
    (the per-project figures and warning of the pages too), one at a time."""
    category_labels = translated_labels(ProjectCategory.choices)
    status_labels = translated_labels(ProjectStatus.choices)
    report_status_labels = translated_labels(ReportStatus.choices)
    colour_labels = translated_labels(WarningColour.choices)
    not_given, unreported = str(NOT_GIVEN), _("未填报")
    for progress in progress_rows:
        p, warning = progress.project, progress.warning
        yield ProjectRow(
            code=p.code, name=p.name, programme=p.as_programme_name or "", department=p.as_department_name or not_given,
            town=p.as_town_name or "",
            category=str(category_labels.get(p.as_category, p.as_category)),
            status=str(status_labels.get(p.as_status, p.as_status)) if p.as_status else not_given,
            total_investment=wan(p.as_total_investment), annual_plan=wan(p.period_plan),
            completed_month=wan(p.period_month), completed_ytd=wan(progress.completed_ytd),
            rate=progress.rate, colour=warning.colour, colour_label=colour_labels[warning.colour],
            report_status=str(report_status_labels.get(progress.report_status, unreported)),
            progress=p.period_progress or "", is_synthetic=p.is_synthetic,
            sample_fields=progress.sample_fields,
        )


# A warning line is sample data when what it judges is: the programme, the rate or the colour.
WARNING_SAMPLE_FIELDS = frozenset(("programme", "rate", "colour"))


def _warning_rows(progress_rows, period: Period) -> Iterator[WarningRow]:
    """The warning list's lines of red and yellow projects, in the order the database gave them, one at a time."""
    colour_labels = translated_labels(WarningColour.choices)
    not_given, time_elapsed = str(NOT_GIVEN), period.time_elapsed
    for progress in progress_rows:
        p, warning = progress.project, progress.warning
        word, points = verdict(progress.rate, time_elapsed)
        yield WarningRow(
            colour=warning.colour, colour_label=colour_labels[warning.colour], code=p.code, name=p.name,
            programme=p.as_programme_name or "", department=p.as_department_name or not_given, rate=progress.rate,
            behind=points if word == "behind" else None,
            max_overdue_months=max((m.months for m in progress.overdue), default=0),
            reasons=list(warning.reasons), rule_version=warning.rule_version,
            is_sample=not WARNING_SAMPLE_FIELDS.isdisjoint(progress.sample_fields),
        )


# The projects a streamed list (``STREAMED``) reads and judges at a time.
REPORT_FILE_CHUNK = 2000

# The project columns the appendix and warning lines read (with the figures' annotations, and the facts
# ``Project.sample_fields`` is made of).
LINE_COLUMNS = ("pk", "code", "name", "is_synthetic", "programme_id", "sample_programme_id", "annual_plan",
                "sample_annual_plan")


class _Line:
    """A project as the report's lines read it: LINE_COLUMNS and the queryset's annotations, read with
    ``values_list()``. A report of 100,000 projects built as many model instances, two fifths of its Python time."""

    def __init__(self, names: tuple[str, ...], values: tuple):
        self.__dict__.update(zip(names, values, strict=True))

    @property
    def sample_fields(self) -> list[str]:
        """As Project.sample_fields, for the period (``selectors.period_sample_facts``)."""
        return period_sample_facts(self)


def _line_names(queryset: QuerySet) -> tuple[str, ...]:
    return (*LINE_COLUMNS, *queryset.query.annotation_select)


def _lines(queryset: QuerySet):
    """The queryset's projects as ``_Line``s, in its order (read as tuples: a dict a row cost as much again)."""
    names = _line_names(queryset)
    for values in queryset.values_list(*names):
        yield _Line(names, values)


def _read_later(values: QuerySet, count: int, rows_of) -> StreamedRows:
    """A list of a streamed report (``STREAMED``) of ``count`` rows, as the report counted them: ``rows_of`` the
    rows of ``values``, read over one query REPORT_FILE_CHUNK rows at a time (a server-side cursor on
    PostgreSQL, closed when the iteration ends or is closed), each time it is iterated."""

    def read():
        rows = values.iterator(chunk_size=REPORT_FILE_CHUNK)
        try:
            yield from rows_of(rows)
        finally:
            rows.close()

    return StreamedRows(read, count)


def _progress_later(ordered: QuerySet, count: int, period: Period, overdue: dict, lines_of) -> StreamedRows:
    """``_read_later`` of projects: ``lines_of`` the progress of ``ordered``'s projects, judged REPORT_FILE_CHUNK
    at a time on the overdue milestones the report read (``overdue``)."""
    names = _line_names(ordered)

    def judged(rows):
        lines = (_Line(names, values) for values in rows)
        return lines_of(progress_in_chunks(lines, period, overdue, chunk=REPORT_FILE_CHUNK))

    return _read_later(ordered.values_list(*names), count, judged)


def _with_text(figured: QuerySet, source: FigureSource) -> QuerySet:
    return figured.annotate(period_progress=latest_counted_value(source, "progress_text"))


def _cut(queryset: QuerySet, page: ListPage, *, number: int = 1) -> QuerySet:
    """The whole list, or its page ``number`` of ``page.size`` rows."""
    if page.whole:
        return queryset
    start = (number - 1) * page.size
    return queryset[start : start + page.size]


def _list_totals(warned: QuerySet, base: QuerySet, source: FigureSource, reached: QuerySet,
                 overdue: QuerySet) -> tuple[ListTotals, dict, int, bool]:
    """The lists' totals, the warning counts, the projects without an approved report for the month and
    whether any figure is sample data, counted in the database (at most five queries)."""
    period = source.period
    far_behind = warning_order_annotations(period)["list_far_behind"]
    flags = warned.annotate(
        list_far_behind=far_behind,
        list_unapproved=Case(When(period_status=COUNTED_STATE, then=Value(False)), default=Value(True),
                             output_field=BooleanField()),
        list_sample=Case(When(Q(is_synthetic=True) | Q(period_programme_from_sample=True)
                              | Q(period_plan_from_sample=True) | Q(period_generated=True), then=Value(True)),
                         default=Value(False), output_field=BooleanField()),
    )
    # Every count scans the scope's projects, reports or milestones: their rows are remembered until the
    # data changes. ``flags`` holds the scope, the period, the source and the rules, which decide them all.
    flag_rows, by_kind, milestones, said, common = remembered(
        "list_totals", flags, lambda: _count_rows(flags, base, source, reached, overdue))
    # Grouped by the flags (a few rows) and added up here: each flag is computed once a project, where a
    # count filtered by each would compute the warning again for every count.
    counted = dict.fromkeys(("red", "yellow", "far", "late", "unapproved", "sample", "projects"), 0)
    for row in flag_rows:
        n = row["n"]
        counted["projects"] += n
        counted["red"] += n if row["list_warning"] == WARNING_RANK[RED] else 0
        counted["yellow"] += n if row["list_warning"] == WARNING_RANK[YELLOW] else 0
        counted["far"] += n if row["list_warning"] == WARNING_RANK[RED] and row["list_far_behind"] else 0
        counted["late"] += n if row["list_late_milestone"] else 0
        counted["unapproved"] += n if row["list_unapproved"] else 0
        counted["sample"] += n if row["list_sample"] else 0
    warning_counts = {RED: counted["red"], YELLOW: counted["yellow"],
                      GREEN: counted["projects"] - counted["red"] - counted["yellow"]}
    totals = ListTotals(
        projects=counted["projects"], warnings=counted["red"] + counted["yellow"], red_far_behind=counted["far"],
        red_overdue=counted["late"], milestones_reached=sum(by_kind.values()), milestones_reached_by_kind=by_kind,
        milestones_overdue=milestones["all"], milestones_long_overdue=milestones["long"], issues=said["all"],
        issues_with_problems=said["problems"], issues_with_requests=said["requests"], common_problems=common,
    )
    return totals, warning_counts, counted["unapproved"], counted["sample"] > 0


def _count_rows(flags: QuerySet, base: QuerySet, source: FigureSource, reached: QuerySet,
                overdue: QuerySet) -> tuple[list[dict], dict, dict, dict, list]:
    """The rows ``_list_totals`` adds up (at most five queries): projects by their flags, milestones reached
    by kind, overdue milestones (all, long overdue), the month's issue reports, the commonest problems (not
    read when no report states a problem)."""
    cutoff = overdue_cutoff(source.period, rules()["red_overdue_months"])
    issues = _issue_reports(base, source)
    said = issues.order_by().aggregate(all=Count("pk"), problems=Count("pk", filter=~Q(problems="")),
                                       requests=Count("pk", filter=~Q(coordination_requests="")))
    return (
        list(flags.values("list_warning", "list_far_behind", "list_late_milestone", "list_unapproved",
                          "list_sample").annotate(n=Count("pk")).order_by()),
        dict(reached.order_by().values_list("kind").annotate(n=Count("pk"))),
        overdue.order_by().aggregate(all=Count("pk"), long=Count("pk", filter=Q(planned_date__lte=cutoff))),
        said,
        # No problem stated, none to rank (PostgreSQL would look for one among every project of a province).
        list(issues.exclude(problems="").values("problems").annotate(n=Count("pk"), first=Min("project__code"))
             .order_by("-n", "first").values_list("problems", "n")[:TOP]) if said["problems"] else [],
    )


def _warning_order(warned: QuerySet, period: Period) -> QuerySet:
    """The warned projects (red, yellow), red first, the furthest behind 序时进度, the longest overdue,
    by code."""
    return (warned.filter(list_warning__in=[WARNING_RANK[RED], WARNING_RANK[YELLOW]])
            .annotate(**warning_order_annotations(period))
            .order_by("list_warning", "-list_behind", "-list_overdue_months", "code"))


def _by_keys(ordered: QuerySet, page: ListPage, name: str, number: int = 1):
    """The ``_lines`` of the page ``number`` of the ``ordered`` list: the page's keys remembered until the data
    changes (projects.remembered), then its rows read by key in that order."""
    keys = remembered_rows(name, _cut(ordered.values_list("pk", flat=True), page, number=number))
    return in_key_order(_lines(ordered.order_by().filter(pk__in=keys)), keys)


def _issue_reports(base: QuerySet, source: FigureSource) -> QuerySet:
    """The month's reports, of those the source counts, that state a problem or a coordination request."""
    period = source.period
    return (source.reports().filter(project__in=base, year=period.year, month=period.month)
            .filter(~Q(problems="") | ~Q(coordination_requests="")))


def _issues(base: QuerySet, source: FigureSource, page: ListPage, count: int) -> list[IssueRow] | StreamedRows:
    """The month's problems and coordination requests, from the reports the source counts (``count`` of
    them, counted before: with none, no list is read, where PostgreSQL would walk every project of a
    province in code order looking for one)."""
    if not count:
        return []
    period = source.period
    # Whether the project's report of the month (one a month) is generated: a frozen report's own flag, as it
    # was at the close; else looked up for the listed rows only, one lookup each (as an EXISTS, PostgreSQL
    # hashes every generated report of a province's month to answer for a page of 50).
    generated = F("is_synthetic") if source.frozen else Coalesce(Subquery(MonthlyReport.objects.filter(
        project=OuterRef("project"), year=period.year, month=period.month).order_by().values("is_synthetic")[:1]),
        Value(False))
    rows = (
        _issue_reports(base, source)
        .annotate(generated=generated)
        .values("project__code", "project__name", "project__lead_department__name", "problems",
                "coordination_requests", "generated", "project__is_synthetic")
        .order_by("project__code")
    )
    if page.streamed:
        return _read_later(rows, count, _issue_rows)
    return list(_issue_rows(_cut(rows, page) if page.whole else remembered_rows("issues_page", _cut(rows, page))))


def _issue_rows(values) -> Iterator[IssueRow]:
    not_given = str(NOT_GIVEN)
    for r in values:
        yield IssueRow(
            code=r["project__code"],
            project=r["project__name"],
            department=r["project__lead_department__name"] or not_given,
            problems=r["problems"],
            coordination_requests=r["coordination_requests"],
            is_sample=r["generated"] or r["project__is_synthetic"],
        )


def _title(programmes: list[ProgrammeFigures], period: Period) -> str:
    """白云区2025年区重点项目进度报告: the district the platform serves names every document."""
    if len(programmes) == 1:
        return _("%(district)s%(programme)s进度报告") % {"district": settings.PORTFOLIO_DISTRICT,
                                                        "programme": programmes[0].name}
    return _("%(district)s%(year)s年重点项目进度报告") % {"district": settings.PORTFOLIO_DISTRICT, "year": period.year}


def build_progress_report(
    projects: QuerySet,
    period: Period,
    *,
    title: str = "",
    scope: list[tuple[str, str]] | None = None,
    indicators: QuerySet | None = None,
    letters: QuerySet | None = None,
    narrative: bool = True,
    source: FigureSource | None = None,
    page: ListPage = WHOLE,
) -> ProgressReport:
    """The whole report for ``projects`` (already restricted and filtered) and ``period``.

    The figures come from projects.figures and projects.selectors, as on the pages; this function
    arranges them. ``indicators`` are the indicators the reader may see (all by default) for the
    narrative's economic paragraph. ``source`` says which reports are counted: approved ones by
    default, and for a closed month its frozen snapshot. ``page`` cuts the per-project lists to one
    page (the report page and the API), or (``STREAMED``, the Excel file's) leaves them (the appendix, the
    warnings, the milestones and the issues) to be read from the database as they are written; what they
    hold in all, the narrative and every summary are counted in the database either way. About thirty
    queries, independent of the number of projects.
    """
    source = source or figure_source(period)
    base = period_projects(projects, period, source)
    figured = figured_projects(base, period, source)
    current_rules = rules()
    # The totals, the programmes and the breakdowns added up from one grouped scan of the figures.
    grouped = grouped_figures(figured)
    totals = aggregate(figured, period, grouped)
    programmes = programme_figures(figured, period, grouped)
    warned = figured.annotate(**warning_annotations(period))
    reached = Milestone.objects.filter(project__in=base, actual_date__gte=period.start, actual_date__lte=period.end)
    overdue = milestones_overdue(base, period)
    listed, warning_counts, unapproved, sample = _list_totals(warned, base, source, reached, overdue)
    # The appendix goes programme by programme (district first), then by project code; the warnings red
    # first, then the furthest behind 序时进度, the longest overdue, by code: both ordered in the database.
    in_programme_order = Case(*[When(as_programme=p.pk, then=Value(position)) for position, p in enumerate(programmes)],
                              default=Value(len(programmes)), output_field=IntegerField())
    appendix = _with_text(figured, source).annotate(appendix_order=in_programme_order).order_by("appendix_order", "code")
    if not programmes:
        # No programme, no order by it: a bare constant would be ORDER BY 0 once only the keys are selected.
        appendix = appendix.order_by("code")
    page = page.within(listed.projects)
    warning_order = _warning_order(warned, period)
    overdue_in_order = overdue.order_by("planned_date", "project__code", "pk")
    reached_in_order = reached.order_by("actual_date", "project__code", "pk")
    if page.streamed:
        # No list held: each is read as its sheet is written, a chunk at a time. The warnings judge the
        # projects on every overdue milestone, read first as (project, kind, date); the warned projects are
        # read and judged a second time, where the whole lists below pick them out of the appendix's.
        by_project = overdue_by_project(overdue_in_order.values_list("project_id", "kind", "planned_date"), period)
        overdue_rows = _read_later(_milestone_values(overdue_in_order), listed.milestones_overdue,
                                   lambda values: _milestone_rows(values, period))
        reached_rows = _read_later(_milestone_values(reached_in_order), listed.milestones_reached,
                                   lambda values: _milestone_rows(values, None))
        project_rows = _progress_later(appendix, listed.projects, period, by_project, _project_rows)
        warnings = _progress_later(warning_order, listed.warnings, period, by_project,
                                   lambda warned: _warning_rows(warned, period))
    else:
        overdue_values = list(_milestone_values(_cut(overdue_in_order, page)))
        overdue_rows = list(_milestone_rows(overdue_values, period))
        reached_rows = list(_milestone_rows(_milestone_values(_cut(reached_in_order, page)), None))
        if page.whole:
            # Every overdue milestone is in the report's list: the warnings judge the projects on those it
            # read. Every project is in the appendix: the warning list is its red and yellow projects in the
            # warnings' order, read as keys (a province's 40,000 warned projects were read and judged a second
            # time).
            by_project = overdue_by_project(
                ((m["project_id"], m["kind"], m["planned_date"]) for m in overdue_values), period)
            progress = progress_of(_lines(appendix), period, by_project)
            project_rows = list(_project_rows(progress))
            # (A project added between the two reads is in neither list or only in this one: it is left out.)
            warned = in_key_order(progress, warning_order.values_list("pk", flat=True),
                                  key=lambda row: row.project.pk)
            warnings = list(_warning_rows(warned, period))
        else:
            # A page's keys are remembered until the data changes (ordering every warned project of a province
            # took 0.4 s), then its rows read by key.
            appendix_page = _by_keys(appendix, page, "appendix_page", page.number)
            project_rows = list(_project_rows(progress_of(appendix_page, period)))
            warnings = list(_warning_rows(progress_of(_by_keys(warning_order, page, "warning_page"), period),
                                          period))
    report_months_whole, report_months_apart = report_months(figured, source, programmes, totals.annual_plan)
    report = ProgressReport(
        title=title or _title(programmes, period),
        period=period,
        period_label=period_label(period),
        generated_at=timezone.localtime(),
        # The basis is part of what the figures mean: every format prints it with the scope.
        scope=[*(scope or []), (str(_("统计口径")), source.statement)],
        rule_version=current_rules["version"],
        rules=dict(current_rules),
        totals=totals,
        programmes=programmes,
        breakdowns=breakdowns(grouped, period),
        warnings=warnings,
        warning_counts=warning_counts,
        milestones_reached=reached_rows,
        milestones_overdue=overdue_rows,
        issues=_issues(base, source, page, listed.issues),
        reconciliation=[p.snapshot for p in programmes if p.snapshot is not None],
        months=report_months_whole,
        projects=project_rows,
        unapproved_reports=unapproved,
        has_sample_data=sample,
        basis=source.basis,
        basis_statement=source.statement,
        snapshot_version=source.snapshot.version if source.snapshot else None,
        completeness=reporting_status(base, period, source=source),
        listed=listed,
        page=page,
    )
    report.letters = _letters(base, period, letters)
    # Several programmes: shown apart, each with its months; or added, naming the projects in both.
    if report.programmes_added:
        report.in_several_programmes = _in_several_programmes(figured)
    elif len(programmes) > 1:
        report.programme_months = report_months_apart
    if narrative:
        # The district's economy is the subject of a report on whole programmes only: a report filtered
        # to a department or a town states its scope instead.
        whole = _covers_whole_programmes(report, period, source)
        report.narrative = draft_narrative(
            report, build_indicator_report(period, indicators) if whole else None,
            scope=None if whole else [value for _label, value in report.scope if value != source.statement],
        )
    return report


def _letters(base: QuerySet, period: Period, letters: QuerySet | None) -> list[LetterRow]:
    """The letters issued on the period's warnings to the departments leading the report's projects,
    of ``letters`` (those the reader may see; all by default) (one query)."""
    return [
        LetterRow(reference=letter.reference, kind_label=letter.get_kind_display(), department=letter.department.name,
                  project_count=letter.item_count, issued_on=letter.issued_on, response_due=letter.response_due,
                  state_label=letter.get_state_display())
        for letter in period_letters(period, base.values("lead_department"), letters)
    ]


def _in_several_programmes(figured: QuerySet) -> list[str]:
    """Names listed in more than one of the report's programmes (one query): counted once in each."""
    return list(
        figured.values("name").annotate(n=Count("as_programme", distinct=True)).filter(n__gt=1)
        .order_by("name").values_list("name", flat=True)
    )


def _covers_whole_programmes(report: ProgressReport, period: Period, source: FigureSource) -> bool:
    """Whether the report counts every project of each programme it shows (one query)."""
    shown = [p.pk for p in report.programmes]
    if not shown:
        return False
    every = period_projects(Project.objects.all(), period, source).alias(counted=COUNTED_PROGRAMME)
    every = every.filter(counted__in=shown)
    return remembered("programme_count", every, every.count) == report.totals.count


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
