"""One FilterSet per model of the indicators app, shared by pages, API and reports."""

import django_filters
from django.utils.translation import gettext_lazy as _

from portfolio.filters import NameOrCodeSearch

from .choices import IndicatorCategory, TargetPeriod
from .models import Indicator, Observation, Target


class IndicatorFilterSet(NameOrCodeSearch, django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("名称或编码"), method="filter_q")
    category = django_filters.ChoiceFilter(label=_("类别"), choices=IndicatorCategory.choices)

    class Meta:
        model = Indicator
        fields = ["q", "category", "higher_is_better"]


class ObservationFilterSet(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(
        label=_("类别"), field_name="indicator__category", choices=IndicatorCategory.choices
    )
    period_end_after = django_filters.DateFilter(label=_("统计期止（起）"), field_name="period_end", lookup_expr="gte")
    period_end_before = django_filters.DateFilter(label=_("统计期止（止）"), field_name="period_end", lookup_expr="lte")

    class Meta:
        model = Observation
        fields = ["indicator", "category", "period_end_after", "period_end_before", "is_synthetic"]


class TargetFilterSet(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(
        label=_("类别"), field_name="indicator__category", choices=IndicatorCategory.choices
    )
    period = django_filters.ChoiceFilter(label=_("目标期"), choices=TargetPeriod.choices)

    class Meta:
        model = Target
        fields = ["indicator", "category", "year", "period"]
