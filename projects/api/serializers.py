"""Serializers of API v1 for the projects app, on the core's strict base (portfolio.api_serializers).

Which fields a role may change is not decided here but by the services (projects.permissions),
which answer 403.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portfolio.api_serializers import (
    PrefetchedManyRelatedField,
    RelatedIdField,
    StrictModelSerializer,
    StrictSerializer,
    SummaryField,
    summary,
)
from projects.models import Department, Milestone, MonthlyReport, PeriodLock, Programme, Project
from projects.services import REPORT_INPUT_FIELDS

# Where the project list's prefetch puts each project's co-departments (a plain list, no manager per row).
CO_DEPARTMENTS_PREFETCHED = "co_department_list"


# Summaries, nested in the rows that refer to them (read-only, no extra query: select_related) -----


class DepartmentSummarySerializer(StrictModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "code", "name"]
        read_only_fields = fields


class ProgrammeSummarySerializer(StrictModelSerializer):
    descriptions = {"year": _("计划年度。"), "level": _("计划级别。")}

    class Meta:
        model = Programme
        fields = ["id", "year", "level", "name"]
        read_only_fields = fields


class ProjectSummarySerializer(StrictModelSerializer):
    class Meta:
        model = Project
        fields = ["id", "code", "name"]
        read_only_fields = fields


@extend_schema_field(DepartmentSummarySerializer)
class DepartmentSummaryField(SummaryField):
    pass


@extend_schema_field(DepartmentSummarySerializer(many=True))
class DepartmentSummaryListField(SummaryField):
    many = True


@extend_schema_field(ProgrammeSummarySerializer)
class ProgrammeSummaryField(SummaryField):
    attributes = ("id", "year", "level", "name")


@extend_schema_field(ProjectSummarySerializer)
class ProjectSummaryField(SummaryField):
    pass


# Resources ------------------------------------------------------------------------------------------


class DepartmentSerializer(StrictModelSerializer):
    descriptions = {
        "code": _("单位编码：小写字母、数字和连字符，唯一。"),
        "name": _("单位全称，唯一。"),
        "kind": _("单位类型：区直部门、镇、街道、区属国企或其他单位。"),
        "active": _("停用的单位不再出现在筛选选项中。"),
    }

    class Meta:
        model = Department
        fields = ["id", "code", "name", "kind", "active", "source_quote", "is_synthetic", "created_at", "updated_at"]
        read_only_fields = ["source_quote", "is_synthetic"]


class ProgrammeSerializer(StrictModelSerializer):
    lead_department_detail = summary(
        DepartmentSummaryField, "lead_department", _("牵头单位摘要（只读）。"), allow_null=True
    )
    descriptions = {
        "year": _("计划年度（2000—2100）。"),
        "level": _("计划级别：区重点项目或市重点项目；同一年度每个级别只有一个计划。"),
        "name": _("计划名称，例如“2025年区重点项目”。"),
        "lead_department": _("牵头单位的编号；可为空。"),
        "declared_project_count": _("报告公布的项目个数。"),
    }

    class Meta:
        model = Programme
        fields = [
            "id", "year", "level", "name", "lead_department", "lead_department_detail", "declared_project_count",
            "annual_plan", "source_quote", "is_synthetic", "created_at", "updated_at",
        ]
        read_only_fields = ["source_quote", "is_synthetic"]


class ProjectSerializer(StrictModelSerializer):
    programme_detail = summary(ProgrammeSummaryField, "programme", _("所属计划摘要（只读）。"), allow_null=True)
    lead_department_detail = summary(
        DepartmentSummaryField, "lead_department", _("牵头单位摘要（只读）。"), allow_null=True
    )
    town_detail = summary(DepartmentSummaryField, "town", _("所在镇街摘要（只读）。"), allow_null=True)
    co_departments = PrefetchedManyRelatedField(
        child_relation=RelatedIdField(queryset=Department.objects.all()),
        prefetched_attr=CO_DEPARTMENTS_PREFETCHED, required=False, label=_("配合单位"),
    )
    co_departments_detail = summary(DepartmentSummaryListField, CO_DEPARTMENTS_PREFETCHED, _("配合单位摘要（只读）。"))
    missing_fields = serializers.ListField(
        child=serializers.CharField(), read_only=True,
        help_text=_("尚待补充的字段名（programme、lead_department、annual_plan、status 之中）。"),
    )
    sample_fields = serializers.ListField(
        child=serializers.CharField(), read_only=True,
        help_text=_("报告项目中事实为空、页面与报告显示样例值的字段名（programme、annual_plan 之中）。"),
    )
    descriptions = {
        "sample_programme": _("报告未说明所属计划时，样例生成器为演示计入的计划（只读；不是报告数据）。"),
        "sample_annual_plan": _("报告未说明年度计划时，样例生成器为演示补充的年度计划，单位万元（只读；不是报告数据）。"),
        "code": _("项目编号，唯一。"),
        "name": _("项目名称。"),
        "category": _("项目类别。"),
        "record_kind": _("记录类型：建设项目，或报告提及的设施、平台或区域（不计入重点项目计划，无需填报月报）。"),
        "location": _("建设地点。"),
        "town": _("所在镇街的编号（类型为镇或街道的责任单位）。"),
        "co_departments": _("配合单位的编号列表。"),
        "total_investment": _("项目总投资，单位万元。"),
        "annual_plan": _("本年度计划投资，单位万元；不能大于总投资。"),
        "planned_start": _("计划开工日期。"),
        "actual_start": _("实际开工日期。"),
        "planned_completion": _("计划竣工日期，不能早于计划开工日期。"),
        "actual_completion": _("实际竣工日期，不能早于实际开工日期。"),
        "h2_plan": _("下半年工作安排。"),
    }

    class Meta:
        model = Project
        fields = [
            "id", "code", "name", "record_kind", "programme", "programme_detail", "category", "location", "town",
            "town_detail",
            "lead_department", "lead_department_detail", "co_departments", "co_departments_detail", "status",
            "total_investment", "annual_plan", "planned_start", "actual_start", "planned_completion",
            "actual_completion", "progress_summary", "h2_plan", "h2_plan_quote", "source_quote", "is_synthetic",
            "sample_programme", "sample_annual_plan", "sample_fields", "missing_fields", "version", "created_at",
            "updated_at",
        ]
        read_only_fields = ["h2_plan_quote", "source_quote", "is_synthetic", "sample_programme", "sample_annual_plan"]


class MilestoneSerializer(StrictModelSerializer):
    project_detail = summary(ProjectSummaryField, "project", _("所属项目摘要（只读）。"))
    create_only_fields = ("project",)
    descriptions = {
        "project": _("所属项目的编号；创建后不能更改。"),
        "kind": _("节点类型。"),
        "planned_date": _("计划日期；计划日期和实际日期至少填写一个。"),
        "planned_date_precision": _("计划日期的精确程度：报告常常只写到月、季度或半年。"),
        "actual_date": _("实际完成日期；为空表示尚未完成。"),
        "actual_date_precision": _("实际日期的精确程度。"),
    }

    class Meta:
        model = Milestone
        fields = [
            "id", "project", "project_detail", "kind", "planned_date", "planned_date_precision", "actual_date",
            "actual_date_precision", "note", "source_quote", "is_synthetic", "created_at", "updated_at",
        ]
        read_only_fields = ["source_quote", "is_synthetic"]


class MonthlyReportSerializer(StrictModelSerializer):
    project_detail = summary(ProjectSummaryField, "project", _("所属项目摘要（只读）。"))
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text=_("填报人的用户名。")
    )
    submitted_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text=_("提交人的用户名；未提交时为空。")
    )
    reviewed_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True,
        help_text=_("最后审核（通过、退回或重新打开）该月报的用户名；未审核时为空。"),
    )
    create_only_fields = ("project", "year", "month")
    descriptions = {
        "project": _("项目编号；创建后不能更改。"),
        "year": _("月报年度，须与项目所属计划的年度一致；创建后不能更改。"),
        "month": _("月份（1—12）；创建后不能更改。每个项目每月只有一份月报。"),
        "completed_month": _("本月完成投资，单位万元。"),
        "completed_ytd": _("本年累计完成投资，单位万元：上月累计加本月完成，由系统计算。"),
        "progress_text": _("本月形象进度，例如：主体封顶。"),
        "problems": _("存在问题。"),
        "coordination_requests": _("需协调事项。"),
        "plausibility_note": _("异常说明：本月完成超过年度计划的一定比例或累计超过总投资时必填，审核时可见。"),
        "status": _("审核状态：只能通过提交、撤回、审核、退回、重新打开操作改变。"),
        "submitted_at": _("提交时间。"),
        "reviewed_at": _("最后审核时间。"),
        "review_comment": _("审核意见（退回时必填）。"),
    }

    class Meta:
        model = MonthlyReport
        fields = [
            "id", "project", "project_detail", "year", "month", "completed_month", "completed_ytd", "progress_text",
            "problems", "coordination_requests", "plausibility_note", "status", "created_by", "submitted_by", "submitted_at",
            "reviewed_by", "reviewed_at", "review_comment", "version", "source_quote", "is_synthetic",
            "created_at", "updated_at",
        ]
        read_only_fields = [
            "completed_ytd", "status", "submitted_at", "reviewed_at", "review_comment", "source_quote",
            "is_synthetic",
        ]


class PeriodLockSerializer(StrictModelSerializer):
    locked_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text=_("锁定人的用户名。")
    )
    descriptions = {
        "year": _("锁定的年度。"),
        "month": _("锁定的月份（1—12）。锁定后部门填报员不能再修改该月的月报。"),
    }

    class Meta:
        model = PeriodLock
        fields = ["id", "year", "month", "locked_by", "created_at"]


# Workflow request bodies ---------------------------------------------------------------------------


class SubmitSerializer(StrictSerializer):
    """Submitting takes no input; the body, if any, must be an empty object."""


# The comment becomes the report's review_comment: its limit is that field's.
COMMENT_MAX_LENGTH = MonthlyReport._meta.get_field("review_comment").max_length


class ReviewSerializer(StrictSerializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=COMMENT_MAX_LENGTH, label=_("审核意见"),
        help_text=_("审核意见，可为空。"),
    )


class ReturnSerializer(StrictSerializer):
    comment = serializers.CharField(
        max_length=COMMENT_MAX_LENGTH, label=_("审核意见"), help_text=_("退回的理由，必填：部门据此修改后再次提交。")
    )


# Use-case request bodies: the entry page's and the bulk sheet's (projects.services), versions in the body --


# The texts of a report as typed: omitted, they stay as stored (empty in a new report).
REPORT_TEXT_DESCRIPTIONS = {
    "completed_month": _("本月完成投资，单位万元。"),
    "progress_text": _("本月形象进度；省略时保持原值（新月报为空）。"),
    "problems": _("存在问题；省略时保持原值（新月报为空）。"),
    "coordination_requests": _("需协调事项；省略时保持原值（新月报为空）。"),
}
# Ids and versions the database can hold: a larger number is a 400, never a query that overflows.
ID_RANGE = {"min_value": 1, "max_value": 2**63 - 1}
VERSION_MAX = 2**31 - 1

# The model's help text would win over the descriptions above.
REPORT_INPUT_KWARGS = {
    "completed_month": {"required": True},
    "plausibility_note": {"help_text": _("异常说明：本月完成超过年度计划的一定比例或累计超过总投资时必填，审核时可见；省略时保持原值。")},
}


class MilestoneEntrySerializer(StrictModelSerializer):
    """A milestone row of a report entry: its actual date and note, with the version the client read."""

    schema_description = _("一个节点的实际日期和说明，带读取时的版本号。")

    id = serializers.IntegerField(**ID_RANGE, help_text=_("节点编号，须为该项目的节点。"))
    version = serializers.IntegerField(
        min_value=1, max_value=VERSION_MAX, help_text=_("读取该节点时的版本号；节点已被他人修改时答 409，不作任何更改。"),
    )
    descriptions = {
        "actual_date": _("实际完成日期；为空表示尚未完成。省略时保持原值。"),
        "actual_date_precision": _("实际日期的精确程度；省略时保持原值。"),
        "note": _("说明；省略时保持原值。"),
    }

    class Meta:
        model = Milestone
        fields = ["id", "version", "actual_date", "actual_date_precision", "note"]


MILESTONE_ENTRY_FIELDS = ("actual_date", "actual_date_precision", "note")


class MonthlyReportEntrySerializer(StrictModelSerializer):
    """The report entry page's form as a body: one project's month, its milestones, and whether to submit."""

    schema_description = _("一个项目一个月的月报（与填报页面相同）：月报、节点实际日期，以及是否同时提交。")
    project = serializers.IntegerField(**ID_RANGE, help_text=_("项目编号；无权查看的项目答 404。"))
    version = serializers.IntegerField(min_value=0, max_value=VERSION_MAX, help_text=_(
        "读取该月报时的版本号；当时还没有月报时为 0。月报已被他人新建或修改时答 409，不作任何更改。"))
    milestones = MilestoneEntrySerializer(
        many=True, required=False, max_length=500,
        help_text=_("要填写实际日期或说明的节点（只列要修改的）；全部与月报一起保存，或全部不保存。"),
    )
    submit = serializers.BooleanField(default=False, help_text=_("为 true 时保存后立即提交审核（草稿或已退回 → 已提交）。"))
    descriptions = {
        "year": _("月报年度，须与项目所属计划的年度一致。"),
        "month": _("月份（1—12）。"),
        **REPORT_TEXT_DESCRIPTIONS,
    }

    class Meta:
        model = MonthlyReport
        fields = ["project", "year", "month", "version", *REPORT_INPUT_FIELDS, "milestones", "submit"]
        extra_kwargs = REPORT_INPUT_KWARGS
        # Whether the month already has a report is the service's question, asked with the version (409).
        validators = []

    def validate_milestones(self, rows):
        seen, repeated = set(), []
        for row in rows:
            if row["id"] in seen:
                repeated.append(str(row["id"]))
            seen.add(row["id"])
        if repeated:
            raise serializers.ValidationError(_("节点 %(ids)s 出现了多次。") % {"ids": "、".join(repeated)})
        return rows


class MonthlyReportBulkRowSerializer(StrictModelSerializer):
    """One row of a bulk sheet: a project's report for the sheet's month, with the version read."""

    schema_description = _("批量填报的一行：一个项目该月的月报，带读取时的版本号。")
    project = serializers.IntegerField(**ID_RANGE, help_text=_("项目编号；无权查看的项目是该行的错误。"))
    version = serializers.IntegerField(min_value=0, max_value=VERSION_MAX, help_text=_(
        "读取该月报时的版本号；当时还没有月报时为 0。月报已被他人新建或修改时该行被拒绝，全部不保存。"))
    descriptions = REPORT_TEXT_DESCRIPTIONS

    class Meta:
        model = MonthlyReport
        fields = ["project", "version", *REPORT_INPUT_FIELDS]
        extra_kwargs = REPORT_INPUT_KWARGS
        validators = []


class MonthlyReportBulkSerializer(StrictSerializer):
    """The bulk sheet as a body: several projects' reports for one month, all saved (or submitted) or none."""

    schema_description = _("批量填报（与批量填报页面相同）：多个项目同一个月的月报，全部保存（或提交）或全部不保存。")

    year = serializers.IntegerField(min_value=2000, max_value=2100, help_text=_("月报年度。"))
    month = serializers.IntegerField(min_value=1, max_value=12, help_text=_("月份（1—12）。"))
    submit = serializers.BooleanField(default=False, help_text=_("为 true 时保存后全部提交审核。"))
    rows = MonthlyReportBulkRowSerializer(
        many=True, allow_empty=False, max_length=1000,
        help_text=_("各项目的月报，每个项目一行；任何一行被拒绝则全部不保存，错误按行号（从0起）列出。"),
    )

    def validate_rows(self, rows):
        """A project named twice: the later rows are named, by index, as DRF names a row's own errors."""
        seen, repeated = set(), {}
        for index, row in enumerate(rows):
            if row["project"] in seen:
                repeated[str(index)] = [_("同一项目在表中出现了多次。")]
            seen.add(row["project"])
        if repeated:
            raise serializers.ValidationError(repeated)
        return rows


class MonthlyReportBulkResultSerializer(StrictSerializer):
    schema_description = _("批量填报的结果。")
    saved = serializers.IntegerField(read_only=True, help_text=_("保存（或提交）的月报数。"))
