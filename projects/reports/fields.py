"""What each field of the reports' structure is called and what kind of value it holds, said once.

The builders (projects.reports.builders, indicators.reports) compute the values; this
module names them. The API generates its serializers and schema from it (projects.api.reports),
and the Excel and Word tables take their column headers from it (renderers.tables), so a figure
is labelled the same in every place. A registry beside the dataclasses rather than field metadata
on them: the reports expose properties (rates, 亿元 figures, differences) and a few plain dicts
and tuples (scope, warning counts, rules) that field metadata cannot describe.

Plain data: no DRF here. Fields are listed in the order the API writes them.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from indicators.reports import IndicatorGroup, IndicatorReport, IndicatorRow
from portfolio.periods import Period
from projects.figures import Breakdown, Figures, GroupRow, MonthPoint, ProgrammeFigures, ReconciliationRow
from projects.progress import WarningColour
from projects.selectors import Completeness, ReportingStatus

from .structure import IssueRow, ListPage, ListTotals, MilestoneRow, ProgressReport, ProjectRow, WarningRow

# Kinds of value. Figures: WAN an amount in 万元 (4 places), YI in 亿元 (2 places), RATE a percentage
# and POINTS percentage points (2 places), NUMBER an indicator's figure as reported (4 places).
TEXT, INT, BOOL, DATE, DATETIME = "text", "int", "bool", "date", "datetime"
WAN, YI, RATE, POINTS, NUMBER = "wan", "yi", "rate", "points", "number"
TEXTS = "texts"  # a list of sentences
NESTED = "nested"  # another structure declared here (``of``), one or ``many``
FIGURE_PLACES = {WAN: 4, NUMBER: 4, YI: 2, RATE: 2, POINTS: 2}


@dataclass(frozen=True)
class ReportField:
    label: str
    help_text: str
    kind: str = TEXT
    nullable: bool = False
    of: object = None  # for NESTED: the key of the nested structure in STRUCTURES
    many: bool = False
    # The column header where a table words the field differently from its label (shorter, or the
    # report's own word); the label otherwise.
    header: str | None = None
    # False for a field the files show but the API does not publish (no help text needed then).
    api: bool = True


@dataclass(frozen=True)
class Structure:
    name: str  # the API's name for it (the schema component)
    description: str
    fields: dict[str, ReportField]


def f(label, help_text, kind=TEXT, **options) -> ReportField:
    return ReportField(label, help_text, kind, **options)


def nested(of, label, help_text, **options) -> ReportField:
    return ReportField(label, help_text, NESTED, of=of, **options)


CODE = f(_("项目编号"), _("项目编号。"))
PROJECT_NAME = f(_("项目名称"), _("项目名称。"))
DEPARTMENT = f(_("牵头单位"), _("牵头单位。"))

# Structures without a class of their own: the report's scope (label, value) pairs, its warning
# counts and its rules (dicts).
SCOPE, WARNING_COUNTS, WARNING_RULES = "scope", "warning_counts", "warning_rules"

STRUCTURES: dict[object, Structure] = {
    Figures: Structure("Figures", _("一组项目的项目数、计划投资、完成投资、完成率与序时进度。"), {
        "count": f(_("项目数"), _("项目数。"), INT),
        "annual_plan": f(_("年度计划投资（万元）"), _("金额，单位万元。"), WAN),
        "completed_ytd": f(_("累计完成投资（万元）"), _("年初至报告月末累计完成投资，万元。"), WAN),
        "completed_month": f(_("当月完成投资（万元）"), _("报告当月完成投资，万元。"), WAN),
        "annual_plan_yi": f(_("年度计划投资（亿元）"), _("年度计划投资，亿元，保留两位小数。"), YI),
        "completed_ytd_yi": f(_("累计完成投资（亿元）"), _("累计完成投资，亿元，保留两位小数。"), YI),
        "rate": f(_("完成率（%）"), _("累计完成投资 ÷ 年度计划投资，百分数；无计划时为空。"), RATE, nullable=True),
        "time_elapsed": f(_("序时进度（%）"), _("序时进度：已过月数 ÷ 12，百分数。"), RATE),
        "difference": f(_("较序时进度（百分点）"), _("完成率减序时进度，百分点；负数为落后。"), POINTS,
                        nullable=True),
        "verdict": f(_("进度评价代码"), _("ahead（超序时进度）、on（与序时进度持平）、behind（落后）或空。")),
        "verdict_text": f(_("进度评价"), _("进度评价，例如“超序时进度4.66个百分点”。")),
    }),
    Period: Structure("Period", _("报告期：年初至该月末。"), {
        "year": f(_("年度"), _("年度。"), INT),
        "month": f(_("月份"), _("截至月份（1-12）。"), INT),
    }),
    SCOPE: Structure("Scope", _("报告所用的一项筛选条件。"), {
        "label": f(_("条件"), _("筛选条件名称。")),
        "value": f(_("取值"), _("筛选条件取值。")),
    }),
    ReconciliationRow: Structure("Reconciliation", _("公布汇总数与明细合计的核对。"), {
        "programme": f(_("重点项目计划"), _("重点项目计划名称。")),
        "period_end": f(_("截至日期"), _("公布汇总数的截至日期。"), DATE, header=_("统计期止")),
        "qualifier": f(_("公布评价"), _("公布的进度评价，例如“超序时进度”。")),
        "published_count": f(_("公布项目数"), _("公布的项目数。"), INT),
        "published_completed": f(_("公布完成投资（万元）"), _("公布的累计完成投资，万元。"), WAN),
        "published_completed_yi": f(_("公布完成投资（亿元）"), _("公布的累计完成投资，亿元。"), YI),
        "published_rate": f(_("公布完成率（%）"), _("公布的完成率，百分数。"), RATE),
        "itemised": nested(Figures, _("明细合计"), _("逐项目汇总的数字。")),
        "count_difference": f(_("项目数差额"), _("明细减公布。"), INT),
        "completed_difference_yi": f(_("完成投资差额（亿元）"), _("明细减公布，亿元。"), YI),
        "rate_difference": f(_("完成率差额（百分点）"), _("明细减公布，百分点。"), POINTS, nullable=True),
        "covers_programme": f(_("覆盖整个计划"), _("报告是否包含该计划的全部项目（筛选或权限未排除任何项目）。"), BOOL),
        "reconciles": f(_("一致"), _("三项差额是否均为零。"), BOOL),
    }),
    ProgrammeFigures: Structure("ProgrammeFigures", _("报告中的一个重点项目计划。"), {
        "pk": f(_("编号"), _("重点项目计划的编号。"), INT),
        "name": f(_("名称"), _("重点项目计划名称。")),
        "level": f(_("级别代码"), _("district（区）或 city（市）。")),
        "level_label": f(_("级别"), _("级别名称。")),
        "figures": nested(Figures, _("数字"), _("该计划的汇总数字。")),
        "snapshot": nested(ReconciliationRow, _("公布汇总数"), _("本期公布的汇总数及核对；没有时为空。"),
                           nullable=True),
    }),
    GroupRow: Structure("GroupRow", _("分类进度的一行。"), {
        "key": f(_("分组代码"), _("分组的代码（单位编码、类别代码等）。")),
        "label": f(_("分组"), _("分组名称。")),
        "rank": f(_("排名"), _("按完成率排名，并列同名次；无计划时为空。"), INT, nullable=True),
        "figures": nested(Figures, _("数字"), _("该分组的汇总数字。")),
    }),
    Breakdown: Structure("Breakdown", _("按一个维度的分类进度。"), {
        "key": f(_("维度代码"), _("department、category、town 或 status。")),
        "title": f(_("标题"), _("例如“按牵头单位”。")),
        "dimension": f(_("维度"), _("例如“牵头单位”。")),
        "rows": nested(GroupRow, _("各行"), _("按完成率排序。"), many=True),
    }),
    WarningRow: Structure("Warning", _("一个红灯或黄灯项目及其原因。"), {
        "colour": f(_("预警代码"), _("red 或 yellow。")),
        "colour_label": f(_("预警"), _("红灯或黄灯。")),
        "code": CODE,
        "name": PROJECT_NAME,
        "programme": f(_("重点项目计划"), _("所属重点项目计划。")),
        "department": DEPARTMENT,
        "rate": f(_("完成率（%）"), _("完成率，百分数；无计划时为空。"), RATE, nullable=True),
        "behind": f(_("落后（百分点）"), _("落后序时进度的百分点；不落后时为空。"), POINTS, nullable=True),
        "max_overdue_months": f(_("最长逾期月数"), _("节点最长逾期月数。"), INT),
        "reasons": f(_("预警原因"), _("原因，例如“完成率41.2%，落后序时进度8.8个百分点”。"), TEXTS),
        "reason_text": f(_("预警原因（文字）"), _("各原因以分号连接。"), header=_("预警原因")),
        "rule_version": f(_("规则版本"), _("判定所用的预警规则版本。")),
        "is_sample": f(_("样例数据"), _("本行显示的内容是否含样例生成器生成的数据（样例项目，或报告项目由样例补充的所属计划、年度计划、月报）。"), BOOL),
    }),
    MilestoneRow: Structure("MilestoneRow", _("一个项目节点。"), {
        "code": CODE,
        "project": PROJECT_NAME,
        "department": DEPARTMENT,
        "kind": f(_("节点代码"), _("节点类型代码。")),
        "kind_label": f(_("节点"), _("节点类型。")),
        "planned_date": f(_("计划日期"), _("计划日期。"), DATE, nullable=True),
        "planned_text": f(_("计划日期（文字）"), _("按已知精度写出，例如“2025年上半年”。")),
        "actual_date": f(_("实际日期"), _("实际完成日期。"), DATE, nullable=True),
        "actual_text": f(_("实际日期（文字）"), _("按已知精度写出。")),
        "months_overdue": f(_("逾期月数"), _("未完成节点逾期的月数；其他为空。"), INT, nullable=True),
        "note": f(_("说明"), _("节点说明。")),
        "is_sample": f(_("样例数据"), _("本行显示的内容是否含样例生成器生成的数据（样例项目，或报告项目由样例补充的所属计划、年度计划、月报）。"), BOOL),
    }),
    IssueRow: Structure("Issue", _("月报中提出的问题和需协调事项。"), {
        "code": CODE,
        "project": PROJECT_NAME,
        "department": DEPARTMENT,
        "problems": f(_("存在问题"), _("存在问题。")),
        "coordination_requests": f(_("需协调事项"), _("需协调事项。")),
        "is_sample": f(_("样例数据"), _("本行显示的内容是否含样例生成器生成的数据（样例项目，或报告项目由样例补充的所属计划、年度计划、月报）。"), BOOL),
    }),
    MonthPoint: Structure("MonthPoint", _("月度累计完成情况。"), {
        "month": f(_("月份"), _("月份。"), INT),
        "completed_month": f(_("当月完成投资（万元）"), _("当月完成投资，万元。"), WAN),
        "completed_month_yi": f(_("当月完成投资（亿元）"), "", YI, api=False),
        "completed_cumulative": f(_("累计完成投资（万元）"), _("截至该月累计完成投资，万元。"), WAN),
        "completed_cumulative_yi": f(_("累计完成投资（亿元）"), _("截至该月累计完成投资，亿元。"), YI),
        "rate": f(_("累计完成率（%）"), _("累计完成率，百分数；无计划时为空。"), RATE, nullable=True),
        "time_elapsed": f(_("序时进度（%）"), _("该月的序时进度，百分数。"), RATE),
    }),
    ProjectRow: Structure("ProjectRow", _("附表中的一个项目。"), {
        "code": CODE,
        "name": PROJECT_NAME,
        "programme": f(_("重点项目计划"), _("所属重点项目计划。")),
        "department": DEPARTMENT,
        "town": f(_("所在镇街"), _("所在镇街。")),
        "category": f(_("项目类别"), _("项目类别。")),
        "status": f(_("项目状态"), _("项目状态。")),
        "total_investment": f(_("总投资（万元）"), _("总投资，万元。"), WAN, nullable=True),
        "annual_plan": f(_("年度计划投资（万元）"), _("年度计划投资，万元。"), WAN, nullable=True),
        "completed_month": f(_("当月完成投资（万元）"), _("当月完成投资，万元；未填报时为空。"), WAN, nullable=True,
                             header=_("本月完成投资（万元）")),
        "completed_ytd": f(_("累计完成投资（万元）"), _("累计完成投资，万元。"), WAN),
        "rate": f(_("完成率（%）"), _("完成率，百分数；无计划时为空。"), RATE, nullable=True),
        "colour": f(_("预警代码"), _("red、yellow 或 green。")),
        "colour_label": f(_("预警"), _("红灯、黄灯或绿灯。")),
        "report_status": f(_("月报状态"), _("报告当月月报的状态。")),
        "progress": f(_("形象进度"), _("形象进度。")),
        "is_synthetic": f(_("样例数据"), _("是否为样例生成器生成的数据。"), BOOL),
        "sample_fields": f(_("样例字段"), _(
            "本行中由样例生成器生成的字段名：样例项目为全部字段；报告项目为报告未说明、由样例补充的字段"
            "（所属计划、牵头单位、年度计划投资及由此算出的完成率和预警），以及由样例月报得出的投资、月报状态和形象进度。"
        ), TEXTS),
    }),
    WARNING_COUNTS: Structure("WarningCounts", _("各预警颜色的项目数。"), {
        WarningColour.RED.value: f(WarningColour.RED.label, _("红灯项目数。"), INT),
        WarningColour.YELLOW.value: f(WarningColour.YELLOW.label, _("黄灯项目数。"), INT),
        WarningColour.GREEN.value: f(WarningColour.GREEN.label, _("绿灯项目数。"), INT),
    }),
    WARNING_RULES: Structure("WarningRules", _("预警规则（settings.PORTFOLIO_WARNING_RULES）。"), {
        "version": f(_("版本"), _("规则版本。")),
        "yellow_behind_points": f(_("黄灯落后百分点"), _("完成率落后序时进度达到此百分点为黄灯。"), INT),
        "red_behind_points": f(_("红灯落后百分点"), _("完成率落后序时进度超过此百分点为红灯。"), INT),
        "red_overdue_months": f(_("红灯逾期月数"), _("节点逾期超过此月数为红灯。"), INT),
        "milestones_only_statuses": f(
            _("只看节点的项目状态"),
            _("项目状态代码：处于这些状态（如建成、投产运营）的项目已完成投资，不按完成率判定，只看节点是否逾期。"),
            TEXTS),
    }),
    Completeness: Structure("Completeness", _("报告月的月报填报情况（全部项目或一个牵头单位）。"), {
        "label": f(_("单位"), _("牵头单位名称，合计行为“合计”。")),
        "expected": f(_("应报"), _("应报月报的项目数。"), INT),
        "missing": f(_("未填报"), _("未填报且未免报的项目数。"), INT),
        "draft": f(_("草稿"), _("月报为草稿的项目数。"), INT),
        "returned": f(_("已退回"), _("月报被退回的项目数。"), INT),
        "submitted": f(_("已提交"), _("月报已提交待审核的项目数。"), INT),
        "approved": f(_("已审核"), _("月报已审核通过的项目数。"), INT),
        "waived": f(pgettext_lazy("column: how many reports were waived", "免报"), _("确认免报的项目数。"), INT),
    }),
    ReportingStatus: Structure("ReportingStatus", _("报告月的填报完成情况与截止日期。"), {
        "due_date": f(_("截止日期"), _("报告月月报的截止日期。"), DATE),
        "overdue": f(_("已过截止日期"), _("是否已过截止日期。"), BOOL),
        "total": nested(Completeness, _("合计"), _("全部项目的填报情况。")),
        "departments": nested(Completeness, _("各单位"), _("各牵头单位的填报情况。"), many=True),
    }),
    ListTotals: Structure("ListTotals", _("报告各项目清单的总数：页面和接口只列出一页时，综述和标题也按全部项目计数。"), {
        "projects": f(_("项目数"), _("项目明细的项目总数。"), INT),
        "warnings": f(_("预警项目数"), _("红灯和黄灯项目总数。"), INT),
        "red_far_behind": f(_("落后较多的红灯项目数"), _("完成率落后序时进度超过红灯百分点的红灯项目数。"), INT),
        "red_overdue": f(_("节点逾期的红灯项目数"), _("有节点逾期超过红灯月数的红灯项目数。"), INT),
        "milestones_reached": f(_("完成的节点数"), _("报告期内完成的节点总数。"), INT),
        "milestones_reached_by_kind": f(_("各类完成的节点数"), "", api=False),
        "milestones_overdue": f(_("逾期的节点数"), _("逾期未完成的节点总数。"), INT),
        "milestones_long_overdue": f(_("逾期较久的节点数"), _("逾期超过红灯月数的节点数。"), INT),
        "issues": f(_("反映问题的项目数"), _("报告月月报反映存在问题或需协调事项的项目数。"), INT),
        "issues_with_problems": f(_("反映存在问题的项目数"), _("报告月月报反映存在问题的项目数。"), INT),
        "issues_with_requests": f(_("提出需协调事项的项目数"), _("报告月月报提出需协调事项的项目数。"), INT),
        "common_problems": f(_("主要问题"), "", api=False),
    }),
    ListPage: Structure("ListPage", _("页面和接口列出的一页：项目明细的第几页、每页条数；预警、节点、问题清单列出前若干条。"), {
        "number": f(_("页码"), _("项目明细的页码，从1开始。"), INT),
        "size": f(_("每页条数"), _("每页条数；为空表示全部列出（文件）。"), INT, nullable=True),
    }),
    ProgressReport: Structure("ProgressReport", _("进度报告：与报告页面和 PDF、Excel、Word 文件同一数据结构。"), {
        "basis": f(_("统计口径"), _(
            "approved：仅计已审核月报（默认；已关账月份读冻结数据）；all：含未审核月报（仅发改局统筹）。")),
        "basis_statement": f(_("统计口径说明"), _("统计口径的文字说明。")),
        "snapshot_version": f(_("关账数据版本"), _("已关账月份所用的冻结数据版本；未关账时为空。"), INT,
                              nullable=True),
        "completeness": nested(ReportingStatus, _("填报情况"), _("报告月的月报填报情况。")),
        "title": f(_("标题"), _("报告标题。")),
        "period": nested(Period, _("报告期"), _("报告期。")),
        "period_label": f(_("报告期（文字）"), _("例如“2025年1—6月”。")),
        "generated_at": f(_("生成时间"), _("生成时间。"), DATETIME),
        "scope": nested(SCOPE, _("范围"), _("报告所用的筛选条件和可见范围。"), many=True),
        "rule_version": f(_("预警规则版本"), _("预警规则版本。")),
        "rules": nested(WARNING_RULES, _("预警规则"), _("预警规则。")),
        "narrative": f(_("进度综述（草稿）"), _("由数据生成的综述段落，供编辑。"), TEXTS),
        "totals": nested(Figures, _("合计"), _("报告全部项目的合计。")),
        "programmes": nested(ProgrammeFigures, _("各计划"), _("各重点项目计划。"), many=True),
        "months": nested(MonthPoint, _("月度进度"), _("1月至报告月的累计完成。"), many=True),
        "breakdowns": nested(Breakdown, _("分类进度"), _("按牵头单位、项目类别、镇街和项目状态。"), many=True),
        "warning_counts": nested(WARNING_COUNTS, _("预警统计"), _("各颜色的项目数。")),
        "warnings": nested(WarningRow, _("预警项目"), _(
            "红灯和黄灯项目，红灯在前、落后最多和逾期最久的在前；接口列出前 appendix_page_size 个。"), many=True),
        "milestones_reached": nested(MilestoneRow, _("完成的节点"), _(
            "报告期内完成的节点；接口列出前 appendix_page_size 个。"), many=True),
        "milestones_overdue": nested(MilestoneRow, _("逾期的节点"), _(
            "计划日期已过而未完成的节点；接口列出前 appendix_page_size 个。"), many=True),
        "issues": nested(IssueRow, _("存在问题与需协调事项"), _(
            "报告月月报中的问题和需协调事项；接口列出前 appendix_page_size 个。"), many=True),
        "reconciliation": nested(ReconciliationRow, _("核对"), _("公布汇总数与明细合计的核对。"), many=True),
        "projects": nested(ProjectRow, _("项目明细"), _(
            "报告的项目，按计划、项目编号排列：接口列出 page 指定的一页（appendix_page、appendix_page_size），"
            "完整明细见 Excel 文件。"), many=True),
        "listed": nested(ListTotals, _("清单总数"), _("项目明细、预警、节点、问题各清单的总数。")),
        "page": nested(ListPage, _("本页"), _("本次列出的是哪一页、每页多少条。")),
        "appendix_pages": f(_("明细页数"), _("项目明细按每页条数分成的页数。"), INT),
        "unapproved_reports": f(_("未审核月报数"), _("报告月月报未填报或尚未审核通过的项目数。"), INT),
        "has_sample_data": f(_("含样例数据"), _("报告是否含样例生成器生成的数据。"), BOOL),
    }),
    IndicatorRow: Structure("IndicatorRow", _("一项指标的最新值、增速、排名与全年目标。"), {
        "code": f(_("指标编码"), _("指标编码。")),
        "name": f(_("指标名称"), _("指标名称。"), header=_("指标")),
        "category": f(_("类别"), _("指标类别代码。")),
        "unit": f(_("单位"), _("计量单位。"), header=_("计量单位")),
        "value": f(_("数值"), _("最新数值。"), NUMBER, nullable=True),
        "qualifier": f(_("数值限定"), _("例如 over（超）。")),
        "value_text": f(_("数值（文字）"), _("例如“超640亿元”。"), header=_("最新值")),
        "observed_from": f(_("统计起"), _("统计期起。"), DATE, nullable=True),
        "observed_to": f(_("统计止"), _("统计期止。"), DATE, nullable=True),
        "observed_text": f(_("统计期"), "", api=False),
        "growth": f(_("同比增长（%）"), _("同比增长，百分数。"), NUMBER, nullable=True),
        "rank": f(_("排名"), _("全市排名。"), INT, nullable=True),
        "rank_text": f(_("排名（文字）"), _("例如“全市第一”。"), header=_("全市排名")),
        "target_text": f(_("全年目标"), _("例如“1350亿元以上”。")),
        "target_value": f(_("目标值"), "", NUMBER, nullable=True, api=False),
        "share": f(_("完成目标（%）"), _("最新值 ÷ 全年目标，百分数；单位不同或无目标时为空。"), RATE, nullable=True),
    }),
    IndicatorGroup: Structure("IndicatorGroup", _("一类指标。"), {
        "key": f(_("类别代码"), _("指标类别代码。")),
        "label": f(_("类别"), _("指标类别名称。")),
        "rows": nested(IndicatorRow, _("指标"), _("该类的指标。"), many=True),
    }),
    IndicatorReport: Structure("IndicatorReport", _("指标报告：与报告页面和 PDF、Excel、Word 文件同一数据结构。"), {
        "title": f(_("标题"), _("报告标题。")),
        "period": nested(Period, _("报告期"), _("报告期。")),
        "period_label": f(_("报告期（文字）"), _("例如“2025年1—6月”。")),
        "generated_at": f(_("生成时间"), _("生成时间。"), DATETIME),
        "groups": nested(IndicatorGroup, _("各类指标"), _("按类别分组。"), many=True),
    }),
}


def report_field(structure, name: str) -> ReportField:
    return STRUCTURES[structure].fields[name]


def header(structure, name: str) -> str:
    """A table's column header for one field of a structure."""
    declared = report_field(structure, name)
    return str(declared.header or declared.label)
