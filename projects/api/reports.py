"""Report data through the API: the progress and indicators reports as JSON, and their files.

The same path as the report pages (projects.reports.requests): the user's restricted projects, the
same ProjectFilterSet, the same builders; the JSON is the builders' structure, the files come from
the same renderers as the pages' downloads. Amounts are in 万元 (4 places) with their 亿元 figures
(2 places) beside them, rates in percent (2 places, rounded half-up by portfolio.money).

GET /api/v1/reports/progress/             JSON
GET /api/v1/reports/progress/{pdf|xlsx|docx}/   the file
GET /api/v1/reports/indicators/…          the same for the indicators report
"""

from decimal import Decimal

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from indicators.models import Indicator
from portfolio.api_base import PolicyPermission
from portfolio.api_schema import PortfolioAutoSchema
from portfolio.money import round_half_up
from projects.filters import ProjectFilterSet
from projects.models import Project
from projects.permissions import Action
from projects.reports.renderers import CONTENT_TYPES, render_indicators, render_progress
from projects.reports.requests import indicators_report_for, parse_appendix, progress_report_for

from .exceptions import api_exception_handler

FILE_FORMATS = ("pdf", "xlsx", "docx")


class FigureField(serializers.DecimalField):
    """A report figure written with a fixed number of places, rounded (if at all) by portfolio.money:
    the builders have already rounded 亿元 and rates, and 万元 are stored with four places."""

    def __init__(self, places: int, **kwargs):
        super().__init__(max_digits=None, decimal_places=places, read_only=True, **kwargs)

    def quantize(self, value):
        return round_half_up(value, Decimal(1).scaleb(-self.decimal_places))


def wan(label, help_text=None, **kwargs):
    """An amount in 万元, as the database holds it (four places)."""
    return FigureField(4, label=label, help_text=help_text or _("金额,单位万元。"), **kwargs)


def two_places(label, help_text, **kwargs):
    """亿元 and percentages, two places."""
    return FigureField(2, label=label, help_text=help_text, **kwargs)


class ReportSerializer(serializers.Serializer):
    """Read-only serializers over the report dataclasses (projects.reports.builders)."""

    schema_description = None


class FiguresSerializer(ReportSerializer):
    schema_description = _("一组项目的项目数、计划投资、完成投资、完成率与序时进度。")

    count = serializers.IntegerField(read_only=True, label=_("项目数"), help_text=_("项目数。"))
    annual_plan = wan(_("年度计划投资(万元)"))
    completed_ytd = wan(_("累计完成投资(万元)"), _("年初至报告月末累计完成投资,万元。"))
    completed_month = wan(_("当月完成投资(万元)"), _("报告当月完成投资,万元。"))
    annual_plan_yi = two_places(_("年度计划投资(亿元)"), _("年度计划投资,亿元,保留两位小数。"))
    completed_ytd_yi = two_places(_("累计完成投资(亿元)"), _("累计完成投资,亿元,保留两位小数。"))
    rate = two_places(_("完成率(%)"), _("累计完成投资 ÷ 年度计划投资,百分数;无计划时为空。"), allow_null=True)
    time_elapsed = two_places(_("序时进度(%)"), _("序时进度:已过月数 ÷ 12,百分数。"))
    difference = two_places(
        _("较序时进度(百分点)"), _("完成率减序时进度,百分点;负数为落后。"), allow_null=True
    )
    verdict = serializers.CharField(read_only=True, label=_("进度评价代码"),
                                    help_text=_("ahead(超序时进度)、on(与序时进度持平)、behind(落后)或空。"))
    verdict_text = serializers.CharField(read_only=True, label=_("进度评价"),
                                         help_text=_("进度评价,例如“超序时进度4.66个百分点”。"))


class PeriodSerializer(ReportSerializer):
    schema_description = _("报告期:年初至该月末。")

    year = serializers.IntegerField(read_only=True, label=_("年度"), help_text=_("年度。"))
    month = serializers.IntegerField(read_only=True, label=_("月份"), help_text=_("截至月份(1-12)。"))


class ScopeSerializer(ReportSerializer):
    schema_description = _("报告所用的一项筛选条件。")

    label = serializers.CharField(read_only=True, label=_("条件"), help_text=_("筛选条件名称。"))
    value = serializers.CharField(read_only=True, label=_("取值"), help_text=_("筛选条件取值。"))

    def to_representation(self, instance):
        label, value = instance
        return {"label": str(label), "value": str(value)}


class ReconciliationSerializer(ReportSerializer):
    schema_description = _("公布汇总数与明细合计的核对。")

    programme = serializers.CharField(read_only=True, label=_("重点项目计划"), help_text=_("重点项目计划名称。"))
    period_end = serializers.DateField(read_only=True, label=_("截至日期"), help_text=_("公布汇总数的截至日期。"))
    qualifier = serializers.CharField(read_only=True, label=_("公布评价"), help_text=_("公布的进度评价,例如“超序时进度”。"))
    published_count = serializers.IntegerField(read_only=True, label=_("公布项目数"), help_text=_("公布的项目数。"))
    published_completed = wan(_("公布完成投资(万元)"), _("公布的累计完成投资,万元。"))
    published_completed_yi = two_places(_("公布完成投资(亿元)"), _("公布的累计完成投资,亿元。"))
    published_rate = two_places(_("公布完成率(%)"), _("公布的完成率,百分数。"))
    itemised = FiguresSerializer(read_only=True, label=_("明细合计"), help_text=_("逐项目汇总的数字。"))
    count_difference = serializers.IntegerField(read_only=True, label=_("项目数差额"), help_text=_("明细减公布。"))
    completed_difference_yi = two_places(_("完成投资差额(亿元)"), _("明细减公布,亿元。"))
    rate_difference = two_places(_("完成率差额(百分点)"), _("明细减公布,百分点。"), allow_null=True)
    covers_programme = serializers.BooleanField(
        read_only=True, label=_("覆盖整个计划"), help_text=_("报告是否包含该计划的全部项目(筛选或权限未排除任何项目)。")
    )
    reconciles = serializers.BooleanField(read_only=True, label=_("一致"), help_text=_("三项差额是否均为零。"))


class ProgrammeFiguresSerializer(ReportSerializer):
    schema_description = _("报告中的一个重点项目计划。")

    pk = serializers.IntegerField(read_only=True, label=_("编号"), help_text=_("重点项目计划的编号。"))
    name = serializers.CharField(read_only=True, label=_("名称"), help_text=_("重点项目计划名称。"))
    level = serializers.CharField(read_only=True, label=_("级别代码"), help_text=_("district(区)或 city(市)。"))
    level_label = serializers.CharField(read_only=True, label=_("级别"), help_text=_("级别名称。"))
    figures = FiguresSerializer(read_only=True, label=_("数字"), help_text=_("该计划的汇总数字。"))
    snapshot = ReconciliationSerializer(
        read_only=True, allow_null=True, label=_("公布汇总数"), help_text=_("本期公布的汇总数及核对;没有时为空。")
    )


class GroupRowSerializer(ReportSerializer):
    schema_description = _("分类进度的一行。")

    key = serializers.CharField(read_only=True, label=_("分组代码"), help_text=_("分组的代码(单位编码、类别代码等)。"))
    label = serializers.CharField(read_only=True, label=_("分组"), help_text=_("分组名称。"))
    rank = serializers.IntegerField(
        read_only=True, allow_null=True, label=_("排名"), help_text=_("按完成率排名,并列同名次;无计划时为空。")
    )
    figures = FiguresSerializer(read_only=True, label=_("数字"), help_text=_("该分组的汇总数字。"))


class BreakdownSerializer(ReportSerializer):
    schema_description = _("按一个维度的分类进度。")

    key = serializers.CharField(read_only=True, label=_("维度代码"), help_text=_("department、category、town 或 status。"))
    title = serializers.CharField(read_only=True, label=_("标题"), help_text=_("例如“按牵头单位”。"))
    dimension = serializers.CharField(read_only=True, label=_("维度"), help_text=_("例如“牵头单位”。"))
    rows = GroupRowSerializer(many=True, read_only=True, label=_("各行"), help_text=_("按完成率排序。"))


class WarningSerializer(ReportSerializer):
    schema_description = _("一个红灯或黄灯项目及其原因。")

    colour = serializers.CharField(read_only=True, label=_("预警代码"), help_text=_("red 或 yellow。"))
    colour_label = serializers.CharField(read_only=True, label=_("预警"), help_text=_("红灯或黄灯。"))
    code = serializers.CharField(read_only=True, label=_("项目编号"), help_text=_("项目编号。"))
    name = serializers.CharField(read_only=True, label=_("项目名称"), help_text=_("项目名称。"))
    programme = serializers.CharField(read_only=True, label=_("重点项目计划"), help_text=_("所属重点项目计划。"))
    department = serializers.CharField(read_only=True, label=_("牵头单位"), help_text=_("牵头单位。"))
    rate = two_places(_("完成率(%)"), _("完成率,百分数;无计划时为空。"), allow_null=True)
    behind = two_places(_("落后(百分点)"), _("落后序时进度的百分点;不落后时为空。"), allow_null=True)
    max_overdue_months = serializers.IntegerField(read_only=True, label=_("最长逾期月数"), help_text=_("节点最长逾期月数。"))
    reasons = serializers.ListField(
        child=serializers.CharField(), read_only=True, label=_("预警原因"),
        help_text=_("原因,例如“完成率41.2%,落后序时进度8.8个百分点”。"),
    )
    reason_text = serializers.CharField(read_only=True, label=_("预警原因(文字)"), help_text=_("各原因以分号连接。"))
    rule_version = serializers.CharField(read_only=True, label=_("规则版本"), help_text=_("判定所用的预警规则版本。"))


class MilestoneRowSerializer(ReportSerializer):
    schema_description = _("一个项目节点。")

    code = serializers.CharField(read_only=True, label=_("项目编号"), help_text=_("项目编号。"))
    project = serializers.CharField(read_only=True, label=_("项目名称"), help_text=_("项目名称。"))
    department = serializers.CharField(read_only=True, label=_("牵头单位"), help_text=_("牵头单位。"))
    kind = serializers.CharField(read_only=True, label=_("节点代码"), help_text=_("节点类型代码。"))
    kind_label = serializers.CharField(read_only=True, label=_("节点"), help_text=_("节点类型。"))
    planned_date = serializers.DateField(read_only=True, allow_null=True, label=_("计划日期"), help_text=_("计划日期。"))
    planned_text = serializers.CharField(read_only=True, label=_("计划日期(文字)"),
                                         help_text=_("按已知精度写出,例如“2025年上半年”。"))
    actual_date = serializers.DateField(read_only=True, allow_null=True, label=_("实际日期"), help_text=_("实际完成日期。"))
    actual_text = serializers.CharField(read_only=True, label=_("实际日期(文字)"), help_text=_("按已知精度写出。"))
    months_overdue = serializers.IntegerField(
        read_only=True, allow_null=True, label=_("逾期月数"), help_text=_("未完成节点逾期的月数;其他为空。")
    )
    note = serializers.CharField(read_only=True, label=_("说明"), help_text=_("节点说明。"))


class IssueSerializer(ReportSerializer):
    schema_description = _("月报中提出的问题和需协调事项。")

    code = serializers.CharField(read_only=True, label=_("项目编号"), help_text=_("项目编号。"))
    project = serializers.CharField(read_only=True, label=_("项目名称"), help_text=_("项目名称。"))
    department = serializers.CharField(read_only=True, label=_("牵头单位"), help_text=_("牵头单位。"))
    problems = serializers.CharField(read_only=True, label=_("存在问题"), help_text=_("存在问题。"))
    coordination_requests = serializers.CharField(read_only=True, label=_("需协调事项"), help_text=_("需协调事项。"))


class MonthPointSerializer(ReportSerializer):
    schema_description = _("月度累计完成情况。")

    month = serializers.IntegerField(read_only=True, label=_("月份"), help_text=_("月份。"))
    completed_month = wan(_("当月完成投资(万元)"), _("当月完成投资,万元。"))
    completed_cumulative = wan(_("累计完成投资(万元)"), _("截至该月累计完成投资,万元。"))
    completed_cumulative_yi = two_places(_("累计完成投资(亿元)"), _("截至该月累计完成投资,亿元。"))
    rate = two_places(_("累计完成率(%)"), _("累计完成率,百分数;无计划时为空。"), allow_null=True)
    time_elapsed = two_places(_("序时进度(%)"), _("该月的序时进度,百分数。"))


class ProjectRowSerializer(ReportSerializer):
    schema_description = _("附表中的一个项目。")

    code = serializers.CharField(read_only=True, label=_("项目编号"), help_text=_("项目编号。"))
    name = serializers.CharField(read_only=True, label=_("项目名称"), help_text=_("项目名称。"))
    programme = serializers.CharField(read_only=True, label=_("重点项目计划"), help_text=_("所属重点项目计划。"))
    department = serializers.CharField(read_only=True, label=_("牵头单位"), help_text=_("牵头单位。"))
    town = serializers.CharField(read_only=True, label=_("所在镇街"), help_text=_("所在镇街。"))
    category = serializers.CharField(read_only=True, label=_("项目类别"), help_text=_("项目类别。"))
    status = serializers.CharField(read_only=True, label=_("项目状态"), help_text=_("项目状态。"))
    total_investment = wan(_("总投资(万元)"), _("总投资,万元。"), allow_null=True)
    annual_plan = wan(_("年度计划投资(万元)"), _("年度计划投资,万元。"), allow_null=True)
    completed_month = wan(_("当月完成投资(万元)"), _("当月完成投资,万元;未填报时为空。"), allow_null=True)
    completed_ytd = wan(_("累计完成投资(万元)"), _("累计完成投资,万元。"))
    rate = two_places(_("完成率(%)"), _("完成率,百分数;无计划时为空。"), allow_null=True)
    colour = serializers.CharField(read_only=True, label=_("预警代码"), help_text=_("red、yellow 或 green。"))
    colour_label = serializers.CharField(read_only=True, label=_("预警"), help_text=_("红灯、黄灯或绿灯。"))
    report_status = serializers.CharField(read_only=True, label=_("月报状态"), help_text=_("报告当月月报的状态。"))
    progress = serializers.CharField(read_only=True, label=_("形象进度"), help_text=_("形象进度。"))
    is_synthetic = serializers.BooleanField(read_only=True, label=_("样例数据"), help_text=_("是否为样例生成器生成的数据。"))


class WarningCountsSerializer(ReportSerializer):
    schema_description = _("各预警颜色的项目数。")

    red = serializers.IntegerField(read_only=True, label=_("红灯"), help_text=_("红灯项目数。"))
    yellow = serializers.IntegerField(read_only=True, label=_("黄灯"), help_text=_("黄灯项目数。"))
    green = serializers.IntegerField(read_only=True, label=_("绿灯"), help_text=_("绿灯项目数。"))

    def to_representation(self, instance):
        return {colour: int(instance.get(colour, 0)) for colour in ("red", "yellow", "green")}


class WarningRulesSerializer(ReportSerializer):
    schema_description = _("预警规则(settings.PORTFOLIO_WARNING_RULES)。")

    version = serializers.CharField(read_only=True, label=_("版本"), help_text=_("规则版本。"))
    yellow_behind_points = serializers.IntegerField(
        read_only=True, label=_("黄灯落后百分点"), help_text=_("完成率落后序时进度达到此百分点为黄灯。")
    )
    red_behind_points = serializers.IntegerField(
        read_only=True, label=_("红灯落后百分点"), help_text=_("完成率落后序时进度超过此百分点为红灯。")
    )
    red_overdue_months = serializers.IntegerField(
        read_only=True, label=_("红灯逾期月数"), help_text=_("节点逾期超过此月数为红灯。")
    )

    def to_representation(self, instance):
        return {
            "version": str(instance.get("version", "")),
            **{key: instance.get(key) for key in ("yellow_behind_points", "red_behind_points", "red_overdue_months")},
        }


class CompletenessSerializer(ReportSerializer):
    schema_description = _("报告月的月报填报情况（全部项目或一个牵头单位）。")

    label = serializers.CharField(read_only=True, label=_("单位"), help_text=_("牵头单位名称，合计行为“合计”。"))
    expected = serializers.IntegerField(read_only=True, label=_("应报"), help_text=_("应报月报的项目数。"))
    missing = serializers.IntegerField(read_only=True, label=_("未填报"), help_text=_("未填报且未免报的项目数。"))
    draft = serializers.IntegerField(read_only=True, label=_("草稿"), help_text=_("月报为草稿的项目数。"))
    returned = serializers.IntegerField(read_only=True, label=_("已退回"), help_text=_("月报被退回的项目数。"))
    submitted = serializers.IntegerField(read_only=True, label=_("已提交"), help_text=_("月报已提交待审核的项目数。"))
    approved = serializers.IntegerField(read_only=True, label=_("已审核"), help_text=_("月报已审核通过的项目数。"))
    waived = serializers.IntegerField(read_only=True, label=pgettext_lazy("column: how many reports were waived", "免报"), help_text=_("确认免报的项目数。"))


class ReportingStatusSerializer(ReportSerializer):
    schema_description = _("报告月的填报完成情况与截止日期。")

    due_date = serializers.DateField(read_only=True, label=_("截止日期"), help_text=_("报告月月报的截止日期。"))
    overdue = serializers.BooleanField(read_only=True, label=_("已过截止日期"), help_text=_("是否已过截止日期。"))
    total = CompletenessSerializer(read_only=True, label=_("合计"), help_text=_("全部项目的填报情况。"))
    departments = CompletenessSerializer(many=True, read_only=True, label=_("各单位"),
                                         help_text=_("各牵头单位的填报情况。"))


class ProgressReportSerializer(ReportSerializer):
    schema_description = _("进度报告:与报告页面和 PDF、Excel、Word 文件同一数据结构。")

    basis = serializers.CharField(
        read_only=True, label=_("统计口径"),
        help_text=_("approved：仅计已审核月报（默认；已关账月份读冻结数据）；all：含未审核月报（仅发改局统筹）。"),
    )
    basis_statement = serializers.CharField(read_only=True, label=_("统计口径说明"), help_text=_("统计口径的文字说明。"))
    snapshot_version = serializers.IntegerField(
        read_only=True, allow_null=True, label=_("关账数据版本"),
        help_text=_("已关账月份所用的冻结数据版本；未关账时为空。"),
    )
    completeness = ReportingStatusSerializer(read_only=True, label=_("填报情况"), help_text=_("报告月的月报填报情况。"))

    title = serializers.CharField(read_only=True, label=_("标题"), help_text=_("报告标题。"))
    period = PeriodSerializer(read_only=True, label=_("报告期"), help_text=_("报告期。"))
    period_label = serializers.CharField(read_only=True, label=_("报告期(文字)"), help_text=_("例如“2025年1—6月”。"))
    generated_at = serializers.DateTimeField(read_only=True, label=_("生成时间"), help_text=_("生成时间。"))
    scope = ScopeSerializer(many=True, read_only=True, label=_("范围"), help_text=_("报告所用的筛选条件和可见范围。"))
    rule_version = serializers.CharField(read_only=True, label=_("预警规则版本"), help_text=_("预警规则版本。"))
    rules = WarningRulesSerializer(read_only=True, label=_("预警规则"), help_text=_("预警规则。"))
    narrative = serializers.ListField(
        child=serializers.CharField(), read_only=True, label=_("进度综述(草稿)"),
        help_text=_("由数据生成的综述段落,供编辑。"),
    )
    totals = FiguresSerializer(read_only=True, label=_("合计"), help_text=_("报告全部项目的合计。"))
    programmes = ProgrammeFiguresSerializer(many=True, read_only=True, label=_("各计划"), help_text=_("各重点项目计划。"))
    months = MonthPointSerializer(many=True, read_only=True, label=_("月度进度"), help_text=_("1月至报告月的累计完成。"))
    breakdowns = BreakdownSerializer(many=True, read_only=True, label=_("分类进度"),
                                     help_text=_("按牵头单位、项目类别、镇街和项目状态。"))
    warning_counts = WarningCountsSerializer(read_only=True, label=_("预警统计"), help_text=_("各颜色的项目数。"))
    warnings = WarningSerializer(many=True, read_only=True, label=_("预警项目"), help_text=_("红灯和黄灯项目。"))
    milestones_reached = MilestoneRowSerializer(many=True, read_only=True, label=_("完成的节点"),
                                                help_text=_("报告期内完成的节点。"))
    milestones_overdue = MilestoneRowSerializer(many=True, read_only=True, label=_("逾期的节点"),
                                                help_text=_("计划日期已过而未完成的节点。"))
    issues = IssueSerializer(many=True, read_only=True, label=_("存在问题与需协调事项"),
                             help_text=_("报告月月报中的问题和需协调事项。"))
    reconciliation = ReconciliationSerializer(many=True, read_only=True, label=_("核对"),
                                              help_text=_("公布汇总数与明细合计的核对。"))
    projects = ProjectRowSerializer(many=True, read_only=True, label=_("项目明细"), help_text=_("报告的全部项目。"))
    unapproved_reports = serializers.IntegerField(
        read_only=True, label=_("未审核月报数"), help_text=_("报告月月报未填报或尚未审核通过的项目数。")
    )
    has_sample_data = serializers.BooleanField(
        read_only=True, label=_("含样例数据"), help_text=_("报告是否含样例生成器生成的数据。")
    )


class IndicatorRowSerializer(ReportSerializer):
    schema_description = _("一项指标的最新值、增速、排名与全年目标。")

    code = serializers.CharField(read_only=True, label=_("指标编码"), help_text=_("指标编码。"))
    name = serializers.CharField(read_only=True, label=_("指标名称"), help_text=_("指标名称。"))
    category = serializers.CharField(read_only=True, label=_("类别"), help_text=_("指标类别代码。"))
    unit = serializers.CharField(read_only=True, label=_("单位"), help_text=_("计量单位。"))
    value = FigureField(4, allow_null=True, label=_("数值"), help_text=_("最新数值。"))
    qualifier = serializers.CharField(read_only=True, label=_("数值限定"), help_text=_("例如 over(超)。"))
    value_text = serializers.CharField(read_only=True, label=_("数值(文字)"), help_text=_("例如“超640亿元”。"))
    observed_from = serializers.DateField(read_only=True, allow_null=True, label=_("统计起"), help_text=_("统计期起。"))
    observed_to = serializers.DateField(read_only=True, allow_null=True, label=_("统计止"), help_text=_("统计期止。"))
    growth = FigureField(4, allow_null=True, label=_("同比增长(%)"), help_text=_("同比增长,百分数。"))
    rank = serializers.IntegerField(read_only=True, allow_null=True, label=_("排名"), help_text=_("全市排名。"))
    rank_text = serializers.CharField(read_only=True, label=_("排名(文字)"), help_text=_("例如“全市第一”。"))
    target_text = serializers.CharField(read_only=True, label=_("全年目标"), help_text=_("例如“1350亿元以上”。"))
    share = two_places(_("完成目标(%)"), _("最新值 ÷ 全年目标,百分数;单位不同或无目标时为空。"), allow_null=True)


class IndicatorGroupSerializer(ReportSerializer):
    schema_description = _("一类指标。")

    key = serializers.CharField(read_only=True, label=_("类别代码"), help_text=_("指标类别代码。"))
    label = serializers.CharField(read_only=True, label=_("类别"), help_text=_("指标类别名称。"))
    rows = IndicatorRowSerializer(many=True, read_only=True, label=_("指标"), help_text=_("该类的指标。"))


class IndicatorReportSerializer(ReportSerializer):
    schema_description = _("指标报告:与报告页面和 PDF、Excel、Word 文件同一数据结构。")

    title = serializers.CharField(read_only=True, label=_("标题"), help_text=_("报告标题。"))
    period = PeriodSerializer(read_only=True, label=_("报告期"), help_text=_("报告期。"))
    period_label = serializers.CharField(read_only=True, label=_("报告期(文字)"), help_text=_("例如“2025年1—6月”。"))
    generated_at = serializers.DateTimeField(read_only=True, label=_("生成时间"), help_text=_("生成时间。"))
    groups = IndicatorGroupSerializer(many=True, read_only=True, label=_("各类指标"), help_text=_("按类别分组。"))


# Views --------------------------------------------------------------------------------------------


class FileRenderer(BaseRenderer):
    """Lets a client ask for the file by its media type; the view writes the bytes itself."""

    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else b""


def file_renderer(fmt: str) -> type[FileRenderer]:
    return type(f"{fmt.title()}Renderer", (FileRenderer,), {"media_type": CONTENT_TYPES[fmt], "format": fmt})


class ReportSchema(PortfolioAutoSchema):
    """A report is one object, not a list, yet it takes the project list's filters."""

    def get_filter_backends(self):
        return getattr(self.view, "filter_backends", [])


PERIOD_PARAMETERS = [
    OpenApiParameter("year", int, description=_("报告年度;缺省为有数据的最近年度。")),
    OpenApiParameter("month", int, description=_("截至月份(1-12);缺省为有数据的最近月份。")),
]
APPENDIX_PARAMETER = OpenApiParameter(
    "appendix", bool, description=_("PDF 是否包含项目明细附表;缺省包含。Excel 总包含附表。")
)


class ReportView(APIView):
    """GET only; the user needs the policy's VIEW on the report's model (403), bad parameters 400
    (projects.reports.requests.BadRequest, mapped by the API's exception handler)."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [PolicyPermission]
    schema = ReportSchema()
    error_codes = ("400", "401", "403")
    http_method_names = ["get", "head", "options"]
    filter_backends: list = []

    def policy_action(self):
        return Action.VIEW

    def get_exception_handler(self):
        return api_exception_handler


class ProgressReportMixin:
    model = Project
    queryset = Project.objects.none()  # for the schema: the filters are the project list's
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProjectFilterSet
    file_summary = _("进度报告文件")
    file_parameters = [*PERIOD_PARAMETERS, APPENDIX_PARAMETER]

    def report(self, request):
        report, _filterset = progress_report_for(request.user, request.query_params)
        return report

    def render_file(self, report, fmt, request):
        return render_progress(report, fmt, request=request,
                               html_context={"show_appendix": parse_appendix(request.query_params)})


class IndicatorReportMixin:
    model = Indicator
    file_summary = _("指标报告文件")
    file_parameters = PERIOD_PARAMETERS

    def report(self, request):
        return indicators_report_for(request.user, request.query_params)

    def render_file(self, report, fmt, request):
        return render_indicators(report, fmt, request=request)


class ProgressReportView(ProgressReportMixin, ReportView):
    schema_description = _(
        "进度报告的数据(JSON):总体进度、分类进度、预警、节点、问题、核对、月度进度、项目明细和综述草稿。"
        "筛选条件与项目列表相同;部门填报员只得到其可见的项目。"
    )
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]

    @extend_schema(parameters=PERIOD_PARAMETERS, responses=ProgressReportSerializer, summary=_("进度报告数据"))
    def get(self, request):
        return Response(ProgressReportSerializer(self.report(request)).data)


class IndicatorReportView(IndicatorReportMixin, ReportView):
    schema_description = _("指标报告的数据(JSON):各指标的最新值、增速、排名、全年目标和完成比例,按类别分组。")
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]

    @extend_schema(parameters=PERIOD_PARAMETERS, responses=IndicatorReportSerializer, summary=_("指标报告数据"))
    def get(self, request):
        return Response(IndicatorReportSerializer(self.report(request)).data)


class ReportFileView(ReportView):
    """The report as a file, the same as the page's download; the format is in the path (pdf, xlsx, docx)."""

    schema_description = _("报告文件:与报告页面的下载相同。")
    fmt: str

    def get_renderers(self):
        return [file_renderer(self.fmt)()]

    def perform_content_negotiation(self, request, force=False):
        # The path names the format: no Accept header or ?format= can turn the file into something else.
        renderer = self.get_renderers()[0]
        return renderer, renderer.media_type

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(response, Response) and response.status_code >= 400:
            # A refusal (400, 401, 403) is JSON, like every other error of the API.
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    def get(self, request):
        return self.render_file(self.report(request), self.fmt, request).response()


def file_view(mixin, fmt: str) -> type[ReportFileView]:
    """The file view of a report (its mixin) in one format, with its own schema operation."""
    @extend_schema(
        parameters=mixin.file_parameters if fmt == "pdf" else PERIOD_PARAMETERS,
        responses={200: OpenApiResponse(OpenApiTypes.BINARY, description=ReportFileView.schema_description)},
        summary=format_lazy("{}({})", mixin.file_summary, fmt.upper()),
    )
    def get(self, request):  # a function of its own: the schema is attached to it
        return ReportFileView.get(self, request)

    name = f"{mixin.__name__.removesuffix('Mixin')}{fmt.title()}View"
    return type(name, (mixin, ReportFileView), {"fmt": fmt, "get": get})


PROGRESS_FILE_VIEWS = {fmt: file_view(ProgressReportMixin, fmt) for fmt in FILE_FORMATS}
INDICATOR_FILE_VIEWS = {fmt: file_view(IndicatorReportMixin, fmt) for fmt in FILE_FORMATS}
