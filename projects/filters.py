"""One FilterSet per model, shared by the pages, the API and the reports."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import (
    DepartmentKind,
    MilestoneKind,
    ProgrammeLevel,
    ProjectCategory,
    ProjectStatus,
    ReportStatus,
)
from .models import Department, Milestone, MonthlyReport, Programme, Project
from .progress import COLOURS, GREEN, RED, YELLOW, Period

WARNING_CHOICES = [(RED, _("红灯")), (YELLOW, _("黄灯")), (GREEN, _("绿灯"))]


class NameOrCodeSearch:
    """The `q` filter of the lists: a part of the name or of the code."""

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value)) if value else queryset


class ProjectFilterSet(NameOrCodeSearch, django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("名称或编号"), method="filter_q")
    programme = django_filters.ModelChoiceFilter(label=_("重点项目计划"), queryset=Programme.objects.all())
    lead_department = django_filters.ModelChoiceFilter(
        label=_("牵头单位"), queryset=Department.objects.filter(active=True)
    )
    category = django_filters.ChoiceFilter(label=_("项目类别"), choices=ProjectCategory.choices)
    status = django_filters.ChoiceFilter(label=_("项目状态"), choices=ProjectStatus.choices)
    town = django_filters.ModelChoiceFilter(label=_("所在镇街"), queryset=Department.objects.towns_and_streets())
    warning = django_filters.ChoiceFilter(label=_("预警"), choices=WARNING_CHOICES, method="filter_warning")
    is_synthetic = django_filters.ChoiceFilter(
        label=_("数据来源"),
        choices=[("false", _("报告或真实项目")), ("true", _("样例项目"))],
        method="filter_synthetic",
        empty_label=_("全部"),
    )
    ordering = django_filters.OrderingFilter(
        label=_("排序"),
        fields=[
            ("code", "code"),
            ("name", "name"),
            ("annual_plan", "annual_plan"),
            ("total_investment", "total_investment"),
            ("lead_department__name", "lead_department"),
            ("category", "category"),
            ("status", "status"),
        ],
    )

    class Meta:
        model = Project
        fields = ["q", "programme", "lead_department", "category", "status", "town", "warning", "is_synthetic"]

    def __init__(self, *args, period: Period | None = None, source=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.period = period
        self.source = source  # projects.selectors.FigureSource: which reports the warning counts

    def filter_synthetic(self, queryset, name, value):
        return queryset.filter(is_synthetic=value == "true") if value in ("true", "false") else queryset

    def filter_warning(self, queryset, name, value):
        if not value or value not in COLOURS:
            return queryset
        from .selectors import latest_period, warning_pks

        period = self.period or latest_period(queryset)
        if period is None:
            return queryset if value == GREEN else queryset.none()
        source = self.source if self.source is not None and self.source.period == period else None
        return queryset.filter(pk__in=warning_pks(queryset, period, value, source))


class DepartmentFilterSet(NameOrCodeSearch, django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("名称或编码"), method="filter_q")
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=DepartmentKind.choices)

    class Meta:
        model = Department
        fields = ["q", "kind", "active"]


class ProgrammeFilterSet(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(label=_("级别"), choices=ProgrammeLevel.choices)

    class Meta:
        model = Programme
        fields = ["year", "level"]


class MilestoneFilterSet(django_filters.FilterSet):
    programme = django_filters.ModelChoiceFilter(
        label=_("重点项目计划"), field_name="project__programme", queryset=Programme.objects.all()
    )
    lead_department = django_filters.ModelChoiceFilter(
        label=_("牵头单位"), field_name="project__lead_department", queryset=Department.objects.all()
    )
    kind = django_filters.ChoiceFilter(label=_("节点类型"), choices=MilestoneKind.choices)
    planned_after = django_filters.DateFilter(label=_("计划日期起"), field_name="planned_date", lookup_expr="gte")
    planned_before = django_filters.DateFilter(label=_("计划日期止"), field_name="planned_date", lookup_expr="lte")
    reached = django_filters.BooleanFilter(label=_("已完成"), field_name="actual_date", lookup_expr="isnull",
                                           exclude=True)

    class Meta:
        model = Milestone
        fields = ["project", "programme", "lead_department", "kind", "planned_after", "planned_before", "reached"]


class MonthlyReportFilterSet(django_filters.FilterSet):
    programme = django_filters.ModelChoiceFilter(
        label=_("重点项目计划"), field_name="project__programme", queryset=Programme.objects.all()
    )
    lead_department = django_filters.ModelChoiceFilter(
        label=_("牵头单位"), field_name="project__lead_department", queryset=Department.objects.all()
    )
    status = django_filters.ChoiceFilter(label=_("审核状态"), choices=ReportStatus.choices)

    class Meta:
        model = MonthlyReport
        fields = ["project", "programme", "lead_department", "year", "month", "status"]
