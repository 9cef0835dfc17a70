"""Admin data entry for the projects app.

Every changelist selects its related rows up front (list_select_related) so that its query count
does not grow with the number of rows; a test pins it.
"""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Department,
    DepartmentMembership,
    Milestone,
    MonthlyReport,
    Programme,
    ProgrammeSnapshot,
    Project,
)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "active", "is_synthetic", "project_count"]
    list_filter = ["kind", "active", "is_synthetic"]
    search_fields = ["code", "name"]
    ordering = ["kind", "code"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_project_count=Count("projects_led", distinct=True))

    @admin.display(description=_("牵头项目数"), ordering="_project_count")
    def project_count(self, obj):
        return obj._project_count


@admin.register(DepartmentMembership)
class DepartmentMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "department", "created_at"]
    list_filter = ["department__kind"]
    list_select_related = ["user", "department"]
    search_fields = ["user__username", "user__first_name", "department__name"]
    autocomplete_fields = ["user", "department"]


class ProgrammeSnapshotInline(admin.TabularInline):
    model = ProgrammeSnapshot
    extra = 0
    fields = ["period_start", "period_end", "project_count", "completed_investment", "plan_ratio", "qualifier"]


@admin.register(Programme)
class ProgrammeAdmin(SimpleHistoryAdmin):
    list_display = ["name", "year", "level", "lead_department", "declared_project_count", "annual_plan"]
    list_filter = ["year", "level"]
    list_select_related = ["lead_department"]
    search_fields = ["name"]
    autocomplete_fields = ["lead_department"]
    inlines = [ProgrammeSnapshotInline]


@admin.register(ProgrammeSnapshot)
class ProgrammeSnapshotAdmin(admin.ModelAdmin):
    list_display = [
        "programme", "period_start", "period_end", "project_count", "completed_investment", "plan_ratio",
        "qualifier",
    ]
    list_filter = ["programme__year", "programme__level"]
    list_select_related = ["programme"]
    search_fields = ["programme__name", "source_quote"]
    date_hierarchy = "period_end"
    autocomplete_fields = ["programme"]


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["kind", "planned_date", "planned_date_precision", "actual_date", "actual_date_precision", "note"]


class MonthlyReportInline(admin.TabularInline):
    model = MonthlyReport
    extra = 0
    fields = ["year", "month", "completed_month", "completed_ytd", "progress_text", "status"]
    readonly_fields = ["status"]
    ordering = ["year", "month"]
    show_change_link = True


@admin.register(Project)
class ProjectAdmin(SimpleHistoryAdmin):
    list_display = [
        "code", "name", "programme", "category", "lead_department", "town", "status", "annual_plan",
        "is_synthetic",
    ]
    list_filter = ["programme", "category", "status", "is_synthetic", "lead_department__kind"]
    list_select_related = ["programme", "lead_department", "town"]
    search_fields = ["code", "name", "location"]
    autocomplete_fields = ["programme", "lead_department", "town", "co_departments"]
    inlines = [MilestoneInline, MonthlyReportInline]
    readonly_fields = ["version", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["programme", "code", "name", "category", "status"]}),
        (_("地点与单位"), {"fields": ["location", "town", "lead_department", "co_departments"]}),
        (
            _("投资与工期"),
            {
                "fields": [
                    "total_investment", "annual_plan", "planned_start", "actual_start",
                    "planned_completion", "actual_completion",
                ]
            },
        ),
        (_("进展"), {"fields": ["progress_summary", "h2_plan"]}),
        (
            _("来源"),
            {
                "fields": [
                    "source_quote", "h2_plan_quote", "is_synthetic", "sample_fields", "version",
                    "created_at", "updated_at",
                ]
            },
        ),
    ]


@admin.register(Milestone)
class MilestoneAdmin(SimpleHistoryAdmin):
    list_display = ["project", "kind", "planned_date", "actual_date", "note", "is_synthetic"]
    list_filter = ["kind", "planned_date_precision", "actual_date_precision", "is_synthetic"]
    list_select_related = ["project"]
    search_fields = ["project__name", "project__code", "note"]
    date_hierarchy = "planned_date"
    autocomplete_fields = ["project"]


@admin.register(MonthlyReport)
class MonthlyReportAdmin(SimpleHistoryAdmin):
    list_display = [
        "project", "year", "month", "completed_month", "completed_ytd", "status", "submitted_by",
        "reviewed_by",
    ]
    list_filter = ["year", "month", "status", "is_synthetic", "project__programme"]
    list_select_related = ["project", "submitted_by", "reviewed_by"]
    search_fields = ["project__name", "project__code"]
    autocomplete_fields = ["project"]
    readonly_fields = [
        "created_by", "submitted_by", "submitted_at", "reviewed_by", "reviewed_at", "version",
    ]
