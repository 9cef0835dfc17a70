"""The report's sections as plain tables (headers, kinds, rows) for the Excel and Word renderers.

Values stay typed here (Decimal already rounded for display, int, date, str); each renderer
decides how a kind is written: an Excel number format, a right-aligned Word cell.
"""

from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from indicators.reports import IndicatorReport, IndicatorRow
from portfolio.text import enumeration_mark
from projects.figures import Breakdown, Figures, GroupRow, MonthPoint, ReconciliationRow

from ..fields import INT, NUMBER, POINTS, RATE, TEXT, WAN, YI, header, report_field
from ..structure import IssueRow, MilestoneRow, ProgressReport, ProjectRow, StreamedRows, WarningRow

NUMERIC = {INT, YI, WAN, RATE, POINTS, NUMBER}


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT
    width: int | None = None  # in characters, where the content does not say it well


@dataclass
class Table:
    key: str  # a stable identifier (tests, selection for Word)
    name: str  # the sheet name: at most 31 characters
    title: str
    columns: list[Column]
    # A list, or for the Excel writer alone an iterator read once (a long list streamed to the sheet).
    rows: list[list] | Iterator[list] = field(default_factory=list)
    note: str = ""
    # How the Excel sheet shows it: the frozen corner, a filter on the header row, and whether
    # the first row is the header (a sheet of label/value lines has none).
    freeze: str = "A2"
    auto_filter: bool = False
    with_header: bool = True


def _c(header, kind=TEXT, width=None) -> Column:
    """A column of the table's own (a label, a combination of fields, a verdict in words)."""
    return Column(str(header), kind, width)


def _f(structure, name: str, kind: str | None = None, width: int | None = None) -> Column:
    """A column that is one field of the report: header and kind as projects.reports.fields declares."""
    return Column(header(structure, name), kind or report_field(structure, name).kind, width)


FIGURE_FIELDS = ["count", "annual_plan_yi", "completed_ytd_yi", "rate", "time_elapsed", "difference", "verdict_text"]


def figure_columns() -> list[Column]:
    return [_f(Figures, name, width=22 if report_field(Figures, name).kind == TEXT else None)
            for name in FIGURE_FIELDS]


def figure_values(f: Figures) -> list:
    return [f.count, f.annual_plan_yi, f.completed_ytd_yi, f.rate, f.time_elapsed, f.difference, f.verdict_text]


def summary_table(report: ProgressReport) -> Table:
    table = Table("summary", _("总体进度"), _("总体进度"), [_c(_("范围"), width=30)] + figure_columns())
    for programme in report.programmes:
        table.rows.append([programme.name, *figure_values(programme.figures)])
    if report.programmes_added or not report.programmes:
        table.rows.append([_("合计"), *figure_values(report.totals)])
    return table


def months_table(report: ProgressReport) -> Table:
    """Month by month: of the report's projects, or of each programme apart when it has several."""
    apart = report.programmes_apart
    columns = [_f(MonthPoint, name) for name in
               ("month", "completed_month_yi", "completed_cumulative_yi", "rate", "time_elapsed")]
    table = Table("months", _("月度进度"), _("累计完成月度走势"),
                  ([_c(_("重点项目计划"), width=30)] if apart else []) + columns)
    series = [([programme.name], points) for programme, points in apart] or [([], report.months)]
    for lead, points in series:
        for p in points:
            table.rows.append([*lead, p.month, p.completed_month_yi, p.completed_cumulative_yi, p.rate,
                               p.time_elapsed])
    return table


def breakdown_table(breakdown: Breakdown) -> Table:
    table = Table(
        breakdown.key, breakdown.title, breakdown.title,
        [_f(GroupRow, "rank"), _c(breakdown.dimension, width=24)] + figure_columns(),
    )
    for row in breakdown.rows:
        table.rows.append([row.rank, row.label, *figure_values(row.figures)])
    return table


def warnings_table(report: ProgressReport) -> Table:
    table = Table(
        "warnings", _("预警项目"), _("预警项目（红灯、黄灯）"),
        [_f(WarningRow, "colour_label"), _f(WarningRow, "code"), _f(WarningRow, "name", width=34),
         _f(WarningRow, "department", width=22), _f(WarningRow, "rate"), _f(WarningRow, "reason_text", width=44),
         _f(WarningRow, "rule_version"), *_sample_column(report, WarningRow)],
        note=_("绿灯项目%(n)s个，未列出。") % {"n": report.warning_counts["green"]},
    )
    table.rows = _each(report.warnings, lambda w: [
        w.colour_label, w.code, w.name, w.department, w.rate, w.reason_text, w.rule_version, *_sample_cell(report, w)])
    return table


def _each(rows: list | StreamedRows, line: Callable) -> list[list] | Iterator[list]:
    """``line`` of each of a report's rows: a list, or for a streamed list (``StreamedRows``, the Excel file's)
    an iterator, reading it once as the sheet is written."""
    if isinstance(rows, StreamedRows):
        return _streamed_lines(rows, line)
    return [line(row) for row in rows]


def _streamed_lines(rows: StreamedRows, line: Callable) -> Iterator[list]:
    with closing(iter(rows)) as read:  # its cursor closed when the sheet is done or fails
        for row in read:
            yield line(row)


def _sample_column(report: ProgressReport, structure) -> list[Column]:
    """The 样例数据 column of a section, in a report with sample data (是 on a row showing generated values)."""
    return [_f(structure, "is_sample", TEXT)] if report.has_sample_data else []


def _sample_cell(report: ProgressReport, row) -> list[str]:
    return [_("是") if row.is_sample else ""] if report.has_sample_data else []


def _milestone_table(report: ProgressReport, key, name, rows: list[MilestoneRow] | StreamedRows,
                     overdue: bool) -> Table:
    # The date columns hold the dates as precisely as they are known (planned_cell, actual_cell).
    columns = [_f(MilestoneRow, "code"), _f(MilestoneRow, "project", width=34),
               _f(MilestoneRow, "department", width=22), _f(MilestoneRow, "kind_label"),
               _f(MilestoneRow, "planned_date")]
    columns.append(_f(MilestoneRow, "months_overdue") if overdue else _f(MilestoneRow, "actual_date"))
    columns.append(_f(MilestoneRow, "note", width=30))
    table = Table(key, name, name, [*columns, *_sample_column(report, MilestoneRow)])
    table.rows = _each(rows, lambda m: [m.code, m.project, m.department, m.kind_label, m.planned_cell,
                                        m.months_overdue if overdue else m.actual_cell, m.note,
                                        *_sample_cell(report, m)])
    return table


def issues_table(report: ProgressReport) -> Table:
    table = Table(
        "issues", _("问题与协调"), _("存在问题与需协调事项"),
        [_f(IssueRow, "code"), _f(IssueRow, "project", width=34), _f(IssueRow, "department", width=22),
         _f(IssueRow, "problems", width=36), _f(IssueRow, "coordination_requests", width=36),
         *_sample_column(report, IssueRow)],
    )
    table.rows = _each(report.issues, lambda i: [i.code, i.project, i.department, i.problems,
                                                  i.coordination_requests, *_sample_cell(report, i)])
    return table


def reconciliation_table(report: ProgressReport) -> Table:
    table = Table(
        "reconciliation", _("公布数核对"), _("公布汇总数与明细合计核对"),
        [_f(ReconciliationRow, "programme", width=30), _f(ReconciliationRow, "period_end"),
         _f(ReconciliationRow, "published_count"), _c(_("明细项目数"), INT), _f(ReconciliationRow, "count_difference"),
         _f(ReconciliationRow, "published_completed_yi"), _c(_("明细完成投资（亿元）"), YI),
         _f(ReconciliationRow, "completed_difference_yi"),
         _f(ReconciliationRow, "published_rate"), _c(_("明细完成率（%）"), RATE), _f(ReconciliationRow, "rate_difference"),
         _c(_("核对结果"), width=16)],
    )
    for r in report.reconciliation:
        table.rows.append([
            r.programme, r.period_end, r.published_count, r.itemised.count, r.count_difference,
            r.published_completed_yi, r.itemised.completed_ytd_yi, r.completed_difference_yi,
            r.published_rate, r.itemised.rate, r.rate_difference, reconciliation_status(r),
        ])
    return table


def reconciliation_status(row) -> str:
    if not row.covers_programme:
        return _("仅含部分项目")
    return _("一致") if row.reconciles else _("不一致")


def projects_table(report: ProgressReport) -> Table:
    table = Table(
        "projects", _("项目明细"), _("重点项目明细表"),
        [_f(ProjectRow, "code"), _f(ProjectRow, "name", width=34), _f(ProjectRow, "programme", width=22),
         _f(ProjectRow, "department", width=22), *[_f(ProjectRow, name) for name in (
             "town", "category", "status", "total_investment", "annual_plan", "completed_month", "completed_ytd",
             "rate", "colour_label", "report_status")],
         _f(ProjectRow, "progress", width=30), _f(ProjectRow, "is_synthetic", TEXT),  # written 是 or blank
         _f(ProjectRow, "sample_fields", TEXT, width=30)],  # the sample columns of a report project, by header
    )
    yes = _("是")
    between = enumeration_mark()

    def line(p: ProjectRow) -> list:
        partial = "" if p.is_synthetic else between.join(
            header(ProjectRow, name) for name in p.sample_fields if name != "colour")
        return [p.code, p.name, p.programme, p.department, p.town, p.category, p.status, p.total_investment,
                p.annual_plan, p.completed_month, p.completed_ytd, p.rate, p.colour_label, p.report_status,
                p.progress, yes if p.is_synthetic else "", partial]

    table.rows = _each(report.projects, line)
    return table


def letters_table(report: ProgressReport) -> Table:
    """The 督办函 and 提醒函 issued on the period's warnings, with their state."""
    table = Table("letters", _("督办函"), _("已发督办函、提醒函"), [
        _c(_("文号"), width=22), _c(_("函件类型")), _c(_("主送单位"), width=20), _c(_("项目数"), INT),
        _c(_("发文日期")), _c(_("回复期限")), _c(_("办理状态"))])
    for letter in report.letters:
        table.rows.append([letter.reference, letter.kind_label, letter.department, letter.project_count,
                           letter.issued_on, letter.response_due, letter.state_label])
    return table


def progress_tables(report: ProgressReport) -> list[Table]:
    """Every section of the progress report, in the report's order (one Excel sheet each)."""
    return [
        summary_table(report),
        months_table(report),
        *[breakdown_table(b) for b in report.breakdowns],
        warnings_table(report),
        letters_table(report),
        _milestone_table(report, "milestones_reached", _("节点完成"), report.milestones_reached, overdue=False),
        _milestone_table(report, "milestones_overdue", _("节点逾期"), report.milestones_overdue, overdue=True),
        issues_table(report),
        reconciliation_table(report),
        projects_table(report),
    ]


def indicator_tables(report: IndicatorReport) -> list[Table]:
    """One table per indicator category."""
    tables = []
    for group in report.groups:
        table = Table(
            f"indicators_{group.key}", group.label[:31], group.label,
            [_f(IndicatorRow, "name", width=34), _f(IndicatorRow, "unit"), _f(IndicatorRow, "value_text"),
             _f(IndicatorRow, "value"), _f(IndicatorRow, "observed_text", width=16),
             _f(IndicatorRow, "growth", RATE),  # two places in the file; as reported in the API
             _f(IndicatorRow, "rank_text", width=20), _f(IndicatorRow, "target_text", width=18),
             _f(IndicatorRow, "target_value"), _f(IndicatorRow, "share")],
        )
        for r in group.rows:
            table.rows.append([
                r.name, r.unit, r.value_text, r.value, r.observed_text, r.growth, r.rank_text, r.target_text,
                r.target_value, r.share,
            ])
        tables.append(table)
    return tables
