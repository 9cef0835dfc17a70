"""Admin data entry for the projects app.

Every changelist selects its related rows up front (list_select_related) so that its query count
does not grow with the number of rows; a test pins it.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from portfolio.admin_base import VERSION_FIELD, HistoryPolicyAdmin, PolicyInline, PolicyModelForm

from . import closing, services
from .forms import AmountField
from .imports.views import ImportAdminMixin
from .models import (
    AMOUNT_VALIDATORS,
    Department,
    DepartmentMembership,
    Milestone,
    MonthlyReport,
    PeriodLock,
    Programme,
    ProgrammeSnapshot,
    Project,
)
from .permissions import Action, can


class MoneyFields:
    """Amounts in the admin are typed and shown as on the pages: separators, full-width digits, 万元."""

    def is_money_field(self, name) -> bool:
        return AMOUNT_VALIDATORS[0] in getattr(self.model._meta.get_field(name), "validators", ())

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if AMOUNT_VALIDATORS[0] in getattr(db_field, "validators", ()):
            kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "class": "vTextField"}))
            return db_field.formfield(form_class=AmountField, **kwargs)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Department)
class DepartmentAdmin(ImportAdminMixin, HistoryPolicyAdmin):
    import_kind = "departments"
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
class DepartmentMembershipAdmin(ImportAdminMixin, HistoryPolicyAdmin):
    import_kind = "editors"
    list_display = ["user", "department", "created_at"]
    list_filter = ["department__kind"]
    list_select_related = ["user", "department"]
    search_fields = ["user__username", "user__first_name", "department__name"]
    autocomplete_fields = ["user", "department"]


class ProgrammeSnapshotInline(MoneyFields, PolicyInline, admin.TabularInline):
    model = ProgrammeSnapshot
    extra = 0
    fields = ["period_start", "period_end", "project_count", "completed_investment", "plan_ratio", "qualifier"]


@admin.register(Programme)
class ProgrammeAdmin(MoneyFields, HistoryPolicyAdmin):
    list_display = ["name", "year", "level", "lead_department", "declared_project_count", "annual_plan"]
    list_filter = ["year", "level"]
    list_select_related = ["lead_department"]
    search_fields = ["name"]
    autocomplete_fields = ["lead_department"]
    inlines = [ProgrammeSnapshotInline]


@admin.register(ProgrammeSnapshot)
class ProgrammeSnapshotAdmin(MoneyFields, HistoryPolicyAdmin):
    list_display = [
        "programme", "period_start", "period_end", "project_count", "completed_investment", "plan_ratio",
        "qualifier",
    ]
    list_filter = ["programme__year", "programme__level"]
    list_select_related = ["programme"]
    search_fields = ["programme__name", "source_quote"]
    date_hierarchy = "period_end"
    autocomplete_fields = ["programme"]


class MilestoneInline(PolicyInline, admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["kind", "planned_date", "planned_date_precision", "actual_date", "actual_date_precision", "note"]


class MonthlyReportInline(admin.TabularInline):
    """Read-only here: reports are filled and reviewed on their own page, through the workflow."""

    model = MonthlyReport
    extra = 0
    fields = ["year", "month", "completed_month", "completed_ytd", "progress_text", "status"]
    readonly_fields = fields
    ordering = ["year", "month"]
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Project)
class ProjectAdmin(ImportAdminMixin, MoneyFields, HistoryPolicyAdmin):
    import_kind = "projects"
    list_display = [
        "code", "name", "programme", "category", "lead_department", "town", "status", "annual_plan",
        "is_synthetic",
    ]
    list_filter = ["programme", "category", "status", "record_kind", "is_synthetic", "lead_department__kind"]
    list_select_related = ["programme", "lead_department", "town"]
    search_fields = ["code", "name", "location"]
    autocomplete_fields = ["programme", "lead_department", "town", "co_departments"]
    inlines = [MilestoneInline, MonthlyReportInline]
    readonly_fields = ["sample_programme", "sample_annual_plan", "version", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["programme", "code", "name", "record_kind", "category", "status"]}),
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
                    "source_quote", "h2_plan_quote", "is_synthetic", "sample_programme", "sample_annual_plan",
                    "version",
                    "created_at", "updated_at",
                ]
            },
        ),
    ]


    def save_model(self, request, obj, form, change):
        """A change is one project_update: fields and co-departments in one version, nothing when unchanged."""
        if not change:
            return super().save_model(request, obj, form, change)
        names = [name for name in form.fields if name != VERSION_FIELD and name != "co_departments"]
        updated = services.project_update(
            project=Project.objects.get(pk=obj.pk), data={name: getattr(obj, name) for name in names},
            co_departments=form.cleaned_data.get("co_departments") if "co_departments" in form.fields else None,
            acting_user=request.user, expected_version=form.cleaned_data.get(VERSION_FIELD),
        )
        obj.version = updated.version

    def save_related(self, request, form, formsets, change):
        if not change:
            return super().save_related(request, form, formsets, change)
        # The co-departments were saved with the fields (save_model); the inlines' rows are saved here.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


@admin.register(Milestone)
class MilestoneAdmin(ImportAdminMixin, HistoryPolicyAdmin):
    import_kind = "milestones"
    list_display = ["project", "kind", "planned_date", "actual_date", "note", "is_synthetic"]
    list_filter = ["kind", "planned_date_precision", "actual_date_precision", "is_synthetic"]
    list_select_related = ["project"]
    search_fields = ["project__name", "project__code", "note"]
    date_hierarchy = "planned_date"
    autocomplete_fields = ["project"]


class MonthlyReportForm(PolicyModelForm):
    def clean(self):
        cleaned = super().clean()
        report = self.instance
        for name in ("project", "year", "month", "completed_month"):
            if name in cleaned:
                setattr(report, name, cleaned[name])
        if report.project_id and report.year and report.month and report.completed_month is not None:
            report.compute_ytd()  # validated as it will be saved
        return cleaned


class ReturnForm(forms.Form):
    comment = MonthlyReport._meta.get_field("review_comment").formfield(
        required=True, widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(MonthlyReport)
class MonthlyReportAdmin(MoneyFields, HistoryPolicyAdmin):
    form = MonthlyReportForm
    list_display = [
        "project", "year", "month", "completed_month", "completed_ytd", "status", "submitted_by",
        "reviewed_by",
    ]
    list_filter = ["year", "month", "status", "is_synthetic", "project__programme"]
    list_select_related = ["project", "submitted_by", "reviewed_by"]
    search_fields = ["project__name", "project__code"]
    autocomplete_fields = ["project"]
    fields = [
        "project", "year", "month", "completed_month", "completed_ytd", "progress_text", "problems",
        "coordination_requests", "plausibility_note", "status", "review_comment", "created_by", "submitted_by", "submitted_at",
        "reviewed_by", "reviewed_at", "source_quote", "is_synthetic", "version",
    ]
    readonly_fields = [
        "completed_ytd", "status", "review_comment", "created_by", "submitted_by", "submitted_at",
        "reviewed_by", "reviewed_at", "is_synthetic", "version",
    ]
    actions = ["submit_reports", "approve_reports", "return_reports", "reopen_reports"]

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if obj is not None:
            # Which project, year and month a report belongs to never changes.
            readonly = [*readonly, *[f for f in ("project", "year", "month") if f not in readonly]]
        else:
            readonly = [f for f in readonly if f not in ("project", "year", "month")]
        return readonly

    def get_actions(self, request):
        allowed = {
            "submit_reports": Action.SUBMIT, "approve_reports": Action.APPROVE,
            "return_reports": Action.RETURN, "reopen_reports": Action.REOPEN,
        }
        return {
            name: action for name, action in super().get_actions(request).items()
            if name not in allowed or can(request.user, allowed[name], model=MonthlyReport)
        }

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in services.REPORT_INPUT_FIELDS if name in form.cleaned_data}
        if change:
            services.monthly_report_update(
                report=MonthlyReport.objects.get(pk=obj.pk), data=data, acting_user=request.user,
                expected_version=form.cleaned_data.get("_version"),
            )
        else:
            created = services.monthly_report_create(
                project=obj.project, year=obj.year, month=obj.month, data=data, acting_user=request.user
            )
            obj.pk = created.pk

    def _apply(self, request, queryset, service, **kwargs):
        done, refused = 0, []
        for report in queryset.select_related("project"):
            try:
                service(report=report, acting_user=request.user, **kwargs)
                done += 1
            except (PermissionDenied, services.WorkflowError, services.ConflictError, ValidationError) as exc:
                refused.append(f"{report}: {getattr(exc, 'message', None) or exc}")
        if done:
            self.message_user(request, _("已处理 %(n)s 份月报。") % {"n": done}, messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.ERROR)

    @admin.action(description=_("提交所选月报"))
    def submit_reports(self, request, queryset):
        self._apply(request, queryset, services.monthly_report_submit)

    @admin.action(description=_("审核通过所选月报"))
    def approve_reports(self, request, queryset):
        self._apply(request, queryset, services.monthly_report_approve)

    @admin.action(description=_("退回所选月报（须填写意见）"))
    def return_reports(self, request, queryset):
        form = ReturnForm(request.POST if "comment" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._apply(request, queryset, services.monthly_report_return, comment=form.cleaned_data["comment"])
            return None
        return TemplateResponse(request, "admin/projects/monthlyreport/return_reports.html", {
            **self.admin_site.each_context(request),
            "title": _("退回月报"), "form": form, "queryset": queryset, "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        })

    @admin.action(description=_("重新打开所选已审核月报"))
    def reopen_reports(self, request, queryset):
        self._apply(request, queryset, services.monthly_report_reopen)


@admin.register(PeriodLock)
class PeriodLockAdmin(HistoryPolicyAdmin):
    """Adding a row locks a month; deleting it reopens the month."""

    list_display = ["year", "month", "locked_by", "created_at"]
    list_filter = ["year"]
    list_select_related = ["locked_by"]
    fields = ["year", "month"]

    def has_add_permission(self, request, obj=None):
        return can(request.user, Action.LOCK, model=PeriodLock)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Reopening needs a reason: it is done on the month's page (月报与关账), which asks for one.
        return False

    def save_model(self, request, obj, form, change):
        closing.month_close(year=obj.year, month=obj.month, acting_user=request.user)
        obj.pk = PeriodLock.objects.get(year=obj.year, month=obj.month).pk

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except (closing.CloseBlocked, services.WorkflowError) as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.path)
