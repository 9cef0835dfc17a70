"""The report's sections as plain tables (headers, kinds, rows) for the Excel and Word renderers.

Values stay typed here (Decimal already rounded for display, int, date, str); each renderer
decides how a kind is written: an Excel number format, a right-aligned Word cell.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.reports import IndicatorReport
from projects.figures import Breakdown, Figures

from ..structure import MilestoneRow, ProgressReport

TEXT, INT, YI, WAN, RATE, POINTS, DATE = "text", "int", "yi", "wan", "rate", "points", "date"
NUMBER = "number"  # an indicator value: as precise as it was reported
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
    rows: list[list] = field(default_factory=list)
    note: str = ""


def _c(header, kind=TEXT, width=None) -> Column:
    return Column(str(header), kind, width)


FIGURE_HEADERS = [
    (gettext_lazy("项目数"), INT),
    (gettext_lazy("年度计划投资(亿元)"), YI),
    (gettext_lazy("累计完成投资(亿元)"), YI),
    (gettext_lazy("完成率(%)"), RATE),
    (gettext_lazy("序时进度(%)"), RATE),
    (gettext_lazy("较序时进度(百分点)"), POINTS),
    (gettext_lazy("进度评价"), TEXT),
]


def figure_columns() -> list[Column]:
    return [_c(h, k, 22 if k == TEXT else None) for h, k in FIGURE_HEADERS]


def figure_values(f: Figures) -> list:
    return [f.count, f.annual_plan_yi, f.completed_ytd_yi, f.rate, f.time_elapsed, f.difference, f.verdict_text]


def summary_table(report: ProgressReport) -> Table:
    table = Table("summary", _("总体进度"), _("总体进度"), [_c(_("范围"), width=30)] + figure_columns())
    for programme in report.programmes:
        table.rows.append([programme.name, *figure_values(programme.figures)])
    table.rows.append([_("合计"), *figure_values(report.totals)])
    return table


def months_table(report: ProgressReport) -> Table:
    table = Table(
        "months", _("月度进度"), _("累计完成月度走势"),
        [_c(_("月份"), INT), _c(_("当月完成投资(亿元)"), YI), _c(_("累计完成投资(亿元)"), YI),
         _c(_("累计完成率(%)"), RATE), _c(_("序时进度(%)"), RATE)],
    )
    for p in report.months:
        table.rows.append([p.month, p.completed_month_yi, p.completed_cumulative_yi, p.rate, p.time_elapsed])
    return table


def breakdown_table(breakdown: Breakdown) -> Table:
    table = Table(
        breakdown.key, breakdown.title, breakdown.title,
        [_c(_("排名"), INT), _c(breakdown.dimension, width=24)] + figure_columns(),
    )
    for row in breakdown.rows:
        table.rows.append([row.rank, row.label, *figure_values(row.figures)])
    return table


def warnings_table(report: ProgressReport) -> Table:
    table = Table(
        "warnings", _("预警项目"), _("预警项目(红灯、黄灯)"),
        [_c(_("预警")), _c(_("项目编号")), _c(_("项目名称"), width=34), _c(_("牵头单位"), width=22),
         _c(_("完成率(%)"), RATE), _c(_("预警原因"), width=44), _c(_("规则版本"))],
        note=_("绿灯项目%(n)s个,未列出。") % {"n": report.warning_counts["green"]},
    )
    for w in report.warnings:
        table.rows.append([w.colour_label, w.code, w.name, w.department, w.rate, w.reason_text, w.rule_version])
    return table


def _milestone_table(key, name, rows: list[MilestoneRow], overdue: bool) -> Table:
    columns = [_c(_("项目编号")), _c(_("项目名称"), width=34), _c(_("牵头单位"), width=22), _c(_("节点")),
               _c(_("计划日期"), DATE)]
    columns += [_c(_("逾期月数"), INT)] if overdue else [_c(_("实际日期"), DATE)]
    columns.append(_c(_("说明"), width=30))
    table = Table(key, name, name, columns)
    for m in rows:
        last = m.months_overdue if overdue else m.actual_cell
        table.rows.append([m.code, m.project, m.department, m.kind_label, m.planned_cell, last, m.note])
    return table


def issues_table(report: ProgressReport) -> Table:
    table = Table(
        "issues", _("问题与协调"), _("存在问题与需协调事项"),
        [_c(_("项目编号")), _c(_("项目名称"), width=34), _c(_("牵头单位"), width=22),
         _c(_("存在问题"), width=36), _c(_("需协调事项"), width=36)],
    )
    for i in report.issues:
        table.rows.append([i.code, i.project, i.department, i.problems, i.coordination_requests])
    return table


def reconciliation_table(report: ProgressReport) -> Table:
    table = Table(
        "reconciliation", _("公布数核对"), _("公布汇总数与明细合计核对"),
        [_c(_("重点项目计划"), width=30), _c(_("统计期止"), DATE),
         _c(_("公布项目数"), INT), _c(_("明细项目数"), INT), _c(_("项目数差额"), INT),
         _c(_("公布完成投资(亿元)"), YI), _c(_("明细完成投资(亿元)"), YI), _c(_("完成投资差额(亿元)"), YI),
         _c(_("公布完成率(%)"), RATE), _c(_("明细完成率(%)"), RATE), _c(_("完成率差额(百分点)"), POINTS),
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
        "projects", _("项目明细"), _("附表:项目明细"),
        [_c(_("项目编号")), _c(_("项目名称"), width=34), _c(_("重点项目计划"), width=22),
         _c(_("牵头单位"), width=22), _c(_("所在镇街")), _c(_("项目类别")), _c(_("项目状态")),
         _c(_("总投资(万元)"), WAN), _c(_("年度计划投资(万元)"), WAN), _c(_("本月完成投资(万元)"), WAN),
         _c(_("累计完成投资(万元)"), WAN), _c(_("完成率(%)"), RATE), _c(_("预警")), _c(_("月报状态")),
         _c(_("形象进度"), width=30), _c(_("样例数据"))],
    )
    yes = _("是")
    for p in report.projects:
        table.rows.append([
            p.code, p.name, p.programme, p.department, p.town, p.category, p.status, p.total_investment,
            p.annual_plan, p.completed_month, p.completed_ytd, p.rate, p.colour_label, p.report_status,
            p.progress, yes if p.is_synthetic else "",
        ])
    return table


def progress_tables(report: ProgressReport) -> list[Table]:
    """Every section of the progress report, in the report's order (one Excel sheet each)."""
    return [
        summary_table(report),
        months_table(report),
        *[breakdown_table(b) for b in report.breakdowns],
        warnings_table(report),
        _milestone_table("milestones_reached", _("节点完成"), report.milestones_reached, overdue=False),
        _milestone_table("milestones_overdue", _("节点逾期"), report.milestones_overdue, overdue=True),
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
            [_c(_("指标"), width=34), _c(_("计量单位")), _c(_("最新值")), _c(_("数值"), NUMBER),
             _c(_("统计期"), width=16), _c(_("同比增长(%)"), RATE), _c(_("全市排名"), width=20),
             _c(_("全年目标"), width=18), _c(_("目标值"), NUMBER), _c(_("完成目标(%)"), RATE)],
        )
        for r in group.rows:
            table.rows.append([
                r.name, r.unit, r.value_text, r.value, r.observed_text, r.growth, r.rank_text, r.target_text,
                r.target_value, r.share,
            ])
        tables.append(table)
    return tables
