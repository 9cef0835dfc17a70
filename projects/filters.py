"""One FilterSet per model, shared by the pages, the API and the reports."""

import django_filters
from django.db.models import F, Value
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES

from portfolio.filters import NameOrCodeSearch
from portfolio.periods import Period

from .choices import (
    DepartmentKind,
    MilestoneKind,
    ProgrammeLevel,
    ProjectCategory,
    ProjectStatus,
    ReportStatus,
)
from .models import Department, Milestone, MonthlyReport, Programme, Project
from .progress import COLOURS, GREEN, WarningColour
from .querysets import COUNTED_PLAN, COUNTED_PROGRAMME_PATHS, counted_in
from .selectors import WARNING_RANK, latest_period, with_list_figures

ALL = _("全部")  # the empty choice of every filter select


ASCENDING = gettext_noop("%(column)s（升序）")
DESCENDING = gettext_noop("%(column)s（降序）")


def _sort_choice_label(template: str, label) -> str:
    return gettext(template) % {"column": label}


sort_choice_label = lazy(_sort_choice_label, str)


class SortOrdering(django_filters.OrderingFilter):
    """?ordering=<key> or -<key>: a list sorted by one column, empty values last either way, then
    by ``tiebreak`` so that pages do not shuffle. Choices are worded by the column's label."""

    tiebreak = ("pk",)

    def __init__(self, *args, tiebreak=None, **kwargs):
        if tiebreak:
            self.tiebreak = tuple(tiebreak)
        super().__init__(*args, **kwargs)

    def build_choices(self, fields, labels):
        # Built once, when the FilterSet class is defined: the labels are worded when shown, in the
        # reader's language.
        choices = []
        for field, param in fields.items():
            label = labels.get(field, param)
            choices.append((param, sort_choice_label(ASCENDING, label)))
            choices.append((f"-{param}", sort_choice_label(DESCENDING, label)))
        return choices

    def prepare(self, queryset, params):
        """Hook for orderings that need annotations the queryset may not have yet."""
        return queryset

    def filter(self, queryset, value):
        # "ordering=code," or ",,": blank terms are no terms, not a column named "".
        value = [v for v in (value or []) if v and v.lstrip("-") in self.param_map]
        if value in EMPTY_VALUES:
            return queryset
        queryset = self.prepare(queryset, [v.lstrip("-") for v in value])
        ordering = []
        for param in value:
            name = self.param_map[param.lstrip("-")]
            if name == "period_plan" and name not in queryset.query.annotations:
                name = "sort_plan"  # outside a period's list (the API) the plan is the project's own
            # A field named "-x" sorts against x (months overdue grow as the planned date goes back).
            descending = param.startswith("-") != name.startswith("-")
            field = F(name.lstrip("-"))
            ordering.append(field.desc(nulls_last=True) if descending else field.asc(nulls_last=True))
        return queryset.order_by(*ordering, *self.tiebreak)


# Sort keys computed for the period (the figure source's year to date, its rate and warning).
COMPUTED_ORDERING = {"ytd": "period_ytd", "rate": "list_rate", "warning": "list_warning"}


def sorts_by_figures(terms) -> bool:
    """Whether ordering terms ("rate", "-warning"…) sort by a figure computed for every project."""
    return any(term.lstrip("-") in COMPUTED_ORDERING for term in terms or [])


class ProjectOrdering(SortOrdering):
    def prepare(self, queryset, params):
        # The programme and plan a project is counted in (the sample's, where the report states none).
        if "programme" in params:
            queryset = queryset.alias(sort_programme=COUNTED_PROGRAMME_PATHS["programme__name"])
        if "annual_plan" in params and "period_plan" not in queryset.query.annotations:
            queryset = queryset.alias(sort_plan=COUNTED_PLAN)
        if not sorts_by_figures(params) or "list_warning" in queryset.query.annotations:
            return queryset
        parent = self.parent
        period = getattr(parent, "period", None) or latest_period(queryset)
        if period is None:
            return queryset.annotate(**{field: Value(None) for field in COMPUTED_ORDERING.values()})
        return with_list_figures(queryset, period, getattr(parent, "source", None))


class ProjectFilterSet(NameOrCodeSearch, django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("名称或编号"), method="filter_q")
    programme = django_filters.ModelChoiceFilter(
        label=_("重点项目计划"), queryset=Programme.objects.all(), empty_label=ALL, method="filter_programme"
    )
    lead_department = django_filters.ModelChoiceFilter(
        label=_("牵头单位"), queryset=Department.objects.filter(active=True), empty_label=ALL
    )
    category = django_filters.ChoiceFilter(label=_("项目类别"), choices=ProjectCategory.choices, empty_label=ALL)
    status = django_filters.ChoiceFilter(label=_("项目状态"), choices=ProjectStatus.choices, empty_label=ALL)
    town = django_filters.ModelChoiceFilter(
        label=_("所在镇街"), queryset=Department.objects.towns_and_streets(), empty_label=ALL
    )
    warning = django_filters.ChoiceFilter(
        label=_("预警"), choices=WarningColour.choices, method="filter_warning", empty_label=ALL
    )
    is_synthetic = django_filters.ChoiceFilter(
        label=_("数据来源"),
        choices=[("false", _("报告或真实项目")), ("true", _("样例项目"))],
        method="filter_synthetic",
        empty_label=ALL,
    )
    # Every column of the list a person sorts by; ytd, rate and warning are computed for the
    # period in the database (selectors.with_list_figures), the warning red first.
    ordering = ProjectOrdering(
        label=_("排序"),
        empty_label=_("默认（按编号）"),
        fields=[
            ("code", "code"),
            ("name", "name"),
            ("sort_programme", "programme"),
            ("lead_department__name", "lead_department"),
            ("category", "category"),
            ("status", "status"),
            ("period_plan", "annual_plan"),
            ("total_investment", "total_investment"),
            ("period_ytd", "ytd"),
            ("list_rate", "rate"),
            ("list_warning", "warning"),
        ],
        field_labels={
            "code": _("编号"), "name": _("项目名称"), "sort_programme": _("计划"),
            "lead_department__name": _("牵头单位"), "category": _("类别"), "status": _("状态"),
            "period_plan": _("年度计划"), "total_investment": _("总投资"), "period_ytd": _("累计完成"),
            "list_rate": _("完成率"), "list_warning": _("预警（红灯在前）"),
        },
        tiebreak=("code", "pk"),
    )

    class Meta:
        model = Project
        fields = ["q", "programme", "lead_department", "category", "status", "town", "warning", "is_synthetic"]

    # A closed month's report selects projects by what they were at the close: the columns of the project's
    # snapshot row, which FigureSource.scope joins as ``frozen``.
    FROZEN_FIELDS = {
        "programme": "frozen__programme", "lead_department": "frozen__lead_department",
        "category": "frozen__category", "status": "frozen__status", "town": "frozen__town",
    }

    def __init__(self, *args, period: Period | None = None, source=None, as_closed: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.period = period
        self.source = source  # projects.selectors.FigureSource: which reports the warning counts
        if as_closed and source is not None and source.frozen:
            self.queryset = source.scope(self.queryset)
            for name, path in self.FROZEN_FIELDS.items():
                self.filters[name].field_name = path

    def filter_programme(self, queryset, name, value):
        """The projects counted in the programme: by the fact, or by the sample's where the report states
        none; a closed month's report by the programme frozen at the close (``frozen__programme``)."""
        if value is None:
            return queryset
        return queryset.filter(**{name: value}) if name != "programme" else queryset.filter(counted_in(value))

    def filter_synthetic(self, queryset, name, value):
        return queryset.filter(is_synthetic=value == "true") if value in ("true", "false") else queryset

    @property
    def by_figures(self) -> bool:
        """Whether the list is filtered or sorted by a figure computed for every project (a warning, a rate)."""
        data = self.form.cleaned_data if self.is_valid() else {}
        return bool(data.get("warning")) or sorts_by_figures(data.get("ordering"))

    def filter_warning(self, queryset, name, value):
        """The warning as the database computes it (selectors.with_list_figures: the rules of
        progress.classify), for the FilterSet's period and figure source, else the latest period."""
        if not value or value not in COLOURS:
            return queryset
        if "list_warning" not in queryset.query.annotations:
            period = self.period or latest_period(queryset)
            if period is None:
                return queryset if value == GREEN else queryset.none()
            source = self.source if self.source is not None and self.source.period == period else None
            warned = with_list_figures(Project.objects.filter(pk__in=queryset.values("pk")), period, source)
            return queryset.filter(pk__in=warned.filter(list_warning=WARNING_RANK[value]).values("pk"))
        return queryset.filter(list_warning=WARNING_RANK[value])


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


def filter_project_programme(queryset, name, value):
    """Rows whose project is counted in the programme (ProjectFilterSet.filter_programme)."""
    return queryset.filter(counted_in(value, prefix="project__")) if value is not None else queryset


class MilestoneFilterSet(django_filters.FilterSet):
    programme = django_filters.ModelChoiceFilter(
        label=_("重点项目计划"), field_name="project__programme", queryset=Programme.objects.all(),
        method=filter_project_programme,
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
        label=_("重点项目计划"), field_name="project__programme", queryset=Programme.objects.all(),
        method=filter_project_programme,
    )
    lead_department = django_filters.ModelChoiceFilter(
        label=_("牵头单位"), field_name="project__lead_department", queryset=Department.objects.all()
    )
    status = django_filters.ChoiceFilter(label=_("审核状态"), choices=ReportStatus.choices)

    class Meta:
        model = MonthlyReport
        fields = ["project", "programme", "lead_department", "year", "month", "status"]


class MilestoneListFilterSet(django_filters.FilterSet):
    """The dashboard's overdue and due-soon milestones as complete lists (the programme and period
    come from the page's PeriodForm, as on the dashboard)."""

    lead_department = django_filters.ModelChoiceFilter(
        label=_("牵头单位"), field_name="project__lead_department", queryset=Department.objects.filter(active=True),
        empty_label=ALL,
    )
    kind = django_filters.ChoiceFilter(label=_("节点类型"), choices=MilestoneKind.choices, empty_label=ALL)
    ordering = SortOrdering(
        label=_("排序"),
        empty_label=_("默认（按计划日期）"),
        fields=[
            ("project__code", "project"),
            ("project__lead_department__name", "lead_department"),
            ("kind", "kind"),
            ("planned_date", "planned_date"),
            ("-planned_date", "months"),
        ],
        field_labels={
            "project__code": _("项目"), "project__lead_department__name": _("牵头单位"), "kind": _("节点类型"),
            "planned_date": _("计划日期"), "-planned_date": _("逾期月数"),
        },
        tiebreak=("planned_date", "project__code", "pk"),
    )

    class Meta:
        model = Milestone
        fields = ["lead_department", "kind"]
