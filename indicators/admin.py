"""Admin data entry for indicators, observations and targets."""

from django.contrib import admin

from portfolio.admin_base import HistoryPolicyAdmin, PolicyInline

from .models import Indicator, Observation, Target


class ObservationInline(PolicyInline, admin.TabularInline):
    model = Observation
    extra = 0
    fields = ["period_start", "period_end", "qualifier", "value", "unit", "growth", "rank", "rank_subject"]


class TargetInline(PolicyInline, admin.TabularInline):
    model = Target
    extra = 0
    fields = ["year", "period", "comparator", "value", "unit", "note"]


@admin.register(Indicator)
class IndicatorAdmin(HistoryPolicyAdmin):
    list_display = ["code", "name", "category", "unit", "higher_is_better"]
    list_filter = ["category", "higher_is_better"]
    search_fields = ["code", "name"]
    inlines = [ObservationInline, TargetInline]


@admin.register(Observation)
class ObservationAdmin(HistoryPolicyAdmin):
    list_display = [
        "indicator", "period_start", "period_end", "qualifier", "value", "unit", "growth", "rank",
        "is_synthetic",
    ]
    list_filter = ["indicator__category", "qualifier", "period_end", "is_synthetic"]
    list_select_related = ["indicator"]
    search_fields = ["indicator__name", "indicator__code", "source_quote"]
    date_hierarchy = "period_end"
    autocomplete_fields = ["indicator"]


@admin.register(Target)
class TargetAdmin(HistoryPolicyAdmin):
    list_display = ["indicator", "year", "period", "comparator", "value", "unit", "is_synthetic"]
    list_filter = ["year", "period", "comparator", "indicator__category", "is_synthetic"]
    list_select_related = ["indicator"]
    search_fields = ["indicator__name", "indicator__code", "source_quote"]
    autocomplete_fields = ["indicator"]
