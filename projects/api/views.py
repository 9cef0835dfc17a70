"""API v1 viewsets of the projects app: declarations over PortfolioViewSet, plus the report workflow."""

from django.db import transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from portfolio.api_base import PortfolioViewSet, SearchFilter
from portfolio.api_rows import Computed
from projects import closing, services
from projects.filters import (
    DepartmentFilterSet,
    MilestoneFilterSet,
    MonthlyReportFilterSet,
    ProgrammeFilterSet,
    ProjectFilterSet,
)
from projects.models import (
    Department,
    Milestone,
    MonthlyReport,
    PeriodLock,
    Programme,
    Project,
    missing_facts,
    sample_facts,
)
from projects.permissions import Action, get_visible_or_404, restrict

from .exceptions import version_in_body
from .serializers import (
    CO_DEPARTMENTS_PREFETCHED,
    MILESTONE_ENTRY_FIELDS,
    DepartmentSerializer,
    MilestoneSerializer,
    MonthlyReportBulkResultSerializer,
    MonthlyReportBulkSerializer,
    MonthlyReportEntrySerializer,
    MonthlyReportSerializer,
    PeriodLockSerializer,
    ProgrammeSerializer,
    ProjectSerializer,
    ReturnSerializer,
    ReviewSerializer,
    SubmitSerializer,
)


class DepartmentViewSet(PortfolioViewSet):
    """Departments (责任单位)."""

    schema_description = _("责任单位：区直部门、镇、街道和区属国企。")

    model = Department
    queryset = Department.objects.all()
    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilterSet
    ordering_fields = ["code", "name", "kind"]
    search_fields = ["code", "name"]
    values_list_computed = {}  # the JSON list read with .values() (portfolio.api_rows)


class ProgrammeViewSet(PortfolioViewSet):
    """Programmes: one list of key projects per year and level."""

    schema_description = _("重点项目计划：每年每个级别（区、市）一个。")

    model = Programme
    queryset = Programme.objects.select_related("lead_department")
    serializer_class = ProgrammeSerializer
    filterset_class = ProgrammeFilterSet
    ordering_fields = ["year", "level", "name"]
    search_fields = ["name"]
    values_list_computed = {}  # the JSON list read with .values() (portfolio.api_rows)


class ProjectViewSet(PortfolioViewSet):
    """Key projects; ordering is the FilterSet's own `ordering` parameter, as on the pages."""

    schema_description = _("重点项目。筛选、排序与项目列表页面相同；部门填报员只能修改本单位项目的形象进度。")

    model = Project
    # for_list()'s joins, with the co-departments prefetched into a plain list: a related manager per
    # row (twice: ids and summaries) costs more than the rest of the row's serialization.
    queryset = Project.objects.select_related(
        "programme", "sample_programme", "lead_department", "town"
    ).prefetch_related(
        Prefetch("co_departments", queryset=Department.objects.all(), to_attr=CO_DEPARTMENTS_PREFETCHED)
    )
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilterSet
    # ProjectFilterSet has its own `ordering` (the page's); DRF's OrderingFilter would shadow it.
    filter_backends = [DjangoFilterBackend, SearchFilter]
    search_fields = ["code", "name", "location"]
    m2m_fields = ("co_departments",)
    # The list is read with .values() (the serializer's rows, tested equal); the two lists of facts
    # are the model's rules as functions of the columns.
    values_list_computed = {
        "missing_fields": Computed(
            ("record_kind", "programme_id", "lead_department_id", "annual_plan", "status"), missing_facts
        ),
        "sample_fields": Computed(
            ("programme_id", "sample_programme_id", "annual_plan", "sample_annual_plan"), sample_facts
        ),
    }

    def perform_update(self, serializer, *, expected_version=None):
        data, m2m = self.split_m2m(serializer.validated_data)
        return services.project_update(
            project=serializer.instance, data=data, co_departments=m2m.get("co_departments"),
            acting_user=self.request.user, expected_version=expected_version,
        )


class MilestoneViewSet(PortfolioViewSet):
    """Milestones of projects."""

    schema_description = _("项目节点：计划日期与实际日期。部门填报员只能填写本单位项目节点的实际日期和说明。")

    model = Milestone
    queryset = Milestone.objects.select_related("project")
    serializer_class = MilestoneSerializer
    filterset_class = MilestoneFilterSet
    ordering_fields = ["planned_date", "actual_date", "kind", "project__code"]
    search_fields = ["project__code", "project__name", "note"]
    values_list_computed = {}  # the JSON list read with .values() (portfolio.api_rows)


class MonthlyReportViewSet(PortfolioViewSet):
    """Monthly reports, their workflow (submit, withdraw, approve, return, reopen) and the two use cases the
    pages have: one project's month (``entry``) and a sheet of projects for one month (``bulk``)."""

    schema_description = _("月报：部门填报员填报、提交本单位项目的月报，发改局统筹审核、退回或重新打开。")

    model = MonthlyReport
    queryset = MonthlyReport.objects.select_related("project", "created_by", "submitted_by", "reviewed_by")
    serializer_class = MonthlyReportSerializer
    filterset_class = MonthlyReportFilterSet
    ordering_fields = ["year", "month", "status", "completed_month", "completed_ytd", "project__code"]
    search_fields = ["project__code", "project__name"]
    extra_policy_actions = {
        "submit": Action.SUBMIT, "approve": Action.APPROVE, "return_report": Action.RETURN, "reopen": Action.REOPEN,
        "withdraw": Action.WITHDRAW,
    }
    # The use cases create or change reports: only who may fill reports at all gets to the services. They are
    # not workflow actions: the version read is in the body, so no If-Match, and a stale one answers 409.
    use_case_actions = {"entry": Action.ADD, "bulk": Action.ADD}
    error_codes = None  # the use cases' own (@action(error_codes=…)); None: the schema's rule for the rest

    def policy_action(self):
        return self.use_case_actions.get(self.action) or super().policy_action()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        project, year, month = data.pop("project"), data.pop("year"), data.pop("month")
        report = services.monthly_report_create(
            project=project, year=year, month=month, data=data, acting_user=self.request.user
        )
        serializer.instance = report
        return report

    def perform_update(self, serializer, *, expected_version=None):
        return services.monthly_report_update(
            report=serializer.instance, data=dict(serializer.validated_data), acting_user=self.request.user,
            expected_version=expected_version,
        )

    def _transition(self, request, service, body_class):
        """Validate the body, require If-Match (the version read: 428 without, 412 when stale), let the service
        move the report, answer with it."""
        body = body_class(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        comment = {"comment": body.validated_data.get("comment", "")} if "comment" in body.fields else {}
        with transaction.atomic():
            report = self.get_object()
            expected_version = self.check_if_match(report, required=True)
            service(report=report, acting_user=request.user, expected_version=expected_version, **comment)
        return self.object_response(report)

    @extend_schema(request=SubmitSerializer, summary=_("提交月报（草稿或已退回 → 已提交）"))
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._transition(request, services.monthly_report_submit, SubmitSerializer)

    @extend_schema(request=SubmitSerializer, summary=_("撤回已提交、尚未审核的月报（已提交 → 草稿）"))
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._transition(request, services.monthly_report_withdraw, SubmitSerializer)

    @extend_schema(request=ReviewSerializer, summary=_("审核通过（已提交 → 已审核）；不能审核自己填报、修改或提交过数据的月报"))
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._transition(request, services.monthly_report_approve, ReviewSerializer)

    @extend_schema(request=ReturnSerializer, summary=_("退回修改（已提交 → 已退回），须填写审核意见"))
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_report(self, request, pk=None):
        return self._transition(request, services.monthly_report_return, ReturnSerializer)

    @extend_schema(request=ReviewSerializer, summary=_("重新打开已审核的月报（已审核 → 已退回）"))
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._transition(request, services.monthly_report_reopen, ReviewSerializer)

    # The use cases: the same services as the entry page and the bulk sheet; the view only translates HTTP.

    @extend_schema(
        request=MonthlyReportEntrySerializer,
        responses={200: MonthlyReportSerializer, 201: MonthlyReportSerializer},
        summary=_("填报一个项目一个月的月报及其节点实际日期，可同时提交；与填报页面相同，全部保存或全部不保存"),
    )
    @action(detail=False, methods=["post"], error_codes=("400", "401", "403", "404", "409", "415"))
    def entry(self, request):
        """services.monthly_report_entry_save: 201 when the month had no report (``version`` 0), else 200.

        A project the user may not see answers 404; a milestone they may not see (or that does not exist)
        400 naming ``milestones``; one of another project 403 (the service's refusal). A stale version of
        the report or a milestone, or version 0 when the month has a report, answers 409.
        """
        body = MonthlyReportEntrySerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        project = get_visible_or_404(Project.objects.all(), request.user, pk=data.pop("project"))
        year, month, version = data.pop("year"), data.pop("month"), data.pop("version")
        milestones = self._milestone_inputs(data.pop("milestones", []))
        submit = data.pop("submit")
        with version_in_body():
            report = services.monthly_report_entry_save(
                project=project, year=year, month=month, data=data, acting_user=request.user,
                expected_version=version, milestones=milestones, submit=submit,
            )
        if version != 0:
            return self.object_response(report)
        location = request.build_absolute_uri(reverse("api:monthly-report-detail", args=[report.pk]))
        return self.object_response(report, status=201, headers={"Location": location})

    def _milestone_inputs(self, rows) -> list[services.MilestoneInput]:
        """The milestones named, as the user may see them: one they may not see is one that does not exist."""
        found = restrict(Milestone.objects.all(), self.request.user, Action.VIEW).in_bulk([row["id"] for row in rows])
        missing = [str(row["id"]) for row in rows if row["id"] not in found]
        if missing:
            raise serializers.ValidationError(
                {"milestones": [_("节点 %(ids)s 不存在或您无权查看。") % {"ids": "、".join(missing)}]}
            )
        return [
            services.MilestoneInput(
                milestone=found[row["id"]], expected_version=row["version"],
                data={name: row[name] for name in MILESTONE_ENTRY_FIELDS if name in row},
            )
            for row in rows
        ]

    @extend_schema(
        request=MonthlyReportBulkSerializer,
        responses={200: MonthlyReportBulkResultSerializer},
        summary=_("批量填报：多个项目同一个月的月报全部保存（或全部提交）或全部不保存；与批量填报页面相同"),
    )
    @action(detail=False, methods=["post"], error_codes=("400", "401", "403", "415"))
    def bulk(self, request):
        """services.monthly_report_bulk_save: 200 ``{"saved": n}``, or 400 ``{"rows": {"<index>": [...]}}``.

        Rows are named by their index in ``rows``, as DRF names a row's own input errors: one shape for
        every row error (a project's code or id as the key could be mistaken for another row's index).
        Every refusal of the sheet is a 400, a stale version among them (its message says so; a client
        re-reads the rows named): the sheet is refused as a whole, for whatever mix of reasons, and a
        second status for "only stale rows" would make clients handle one refusal two ways. A project the
        user may not see (or that does not exist) is a row error too, in the same words for both, found
        before any row is saved; a project named twice is a 400 on its later rows.
        """
        body = MonthlyReportBulkSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        rows = body.validated_data["rows"]
        projects = restrict(Project.objects.all(), request.user, Action.VIEW).in_bulk([row["project"] for row in rows])
        unknown = {str(i): [_("项目不存在或您无权查看。")] for i, row in enumerate(rows) if row["project"] not in projects}
        if unknown:
            raise serializers.ValidationError({"rows": unknown})
        try:
            saved = services.monthly_report_bulk_save(
                year=body.validated_data["year"], month=body.validated_data["month"],
                submit=body.validated_data["submit"], acting_user=request.user,
                rows=[
                    services.BulkRow(
                        project=projects[row["project"]], expected_version=row["version"],
                        data={name: row[name] for name in services.REPORT_INPUT_FIELDS if name in row},
                    )
                    for row in rows
                ],
            )
        except services.BulkRefused as refused:
            raise serializers.ValidationError({"rows": {
                str(i): refused.errors[row["project"]] for i, row in enumerate(rows) if row["project"] in refused.errors
            }}) from refused
        return Response({"saved": saved})


class PeriodLockViewSet(PortfolioViewSet):
    """Locked months: department editors can no longer change those months' reports."""

    schema_description = _(
        "关闭的月份（关账）：只有该月月报全部审核通过或免报时才能关闭（否则409并列出未完成的月报）；关闭后任何人不能再修改"
        "该月月报，报告按冻结数据出具。删除即重新打开，须带参数 reason 说明原因。只有发改局统筹和系统管理员可以操作。"
    )

    model = PeriodLock
    queryset = PeriodLock.objects.select_related("locked_by")
    serializer_class = PeriodLockSerializer
    ordering_fields = ["year", "month"]
    http_method_names = ["get", "post", "delete", "head", "options"]
    extra_policy_actions = {"create": Action.LOCK, "destroy": Action.LOCK}

    def perform_create(self, serializer):
        """Closing a month: refused (409, with the blocking reports) until every report is approved or waived."""
        data = serializer.validated_data
        closing.month_close(year=data["year"], month=data["month"], acting_user=self.request.user)
        lock = PeriodLock.objects.get(year=data["year"], month=data["month"])
        serializer.instance = lock
        return lock

    def perform_destroy(self, instance):
        """Reopening a month needs a reason: DELETE …/period-locks/<id>/?reason=…"""
        closing.month_reopen(year=instance.year, month=instance.month, acting_user=self.request.user,
                             reason=self.request.query_params.get("reason", ""))
