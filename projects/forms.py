"""Forms of the staff pages. Validation messages name the field; nothing typed is lost on error."""

import datetime as dt
from decimal import Decimal

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from .models import Milestone, MonthlyReport, Programme, Project
from .progress import Period

YEAR_CHOICES = [(y, str(y)) for y in range(2020, dt.date.today().year + 2)]


class PeriodForm(forms.Form):
    """Programme and month-end period of the dashboard, lists and reports."""

    programme = forms.ModelChoiceField(
        label=_("重点项目计划"), queryset=Programme.objects.all(), required=False, empty_label=_("全部计划")
    )
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)
    month = forms.IntegerField(
        label=_("月份"), min_value=1, max_value=12, required=False,
        error_messages={"min_value": _("月份须在1至12之间。"), "max_value": _("月份须在1至12之间。")},
    )

    def period(self, default: Period | None) -> Period | None:
        """The chosen period; a missing year or month is taken from the default (the latest with data)."""
        if not self.is_valid() or default is None:
            return default
        year = self.cleaned_data.get("year") or default.year
        month = self.cleaned_data.get("month") or default.month
        return Period(year, month)


MONEY = {
    "max_digits": 16,
    "decimal_places": 4,
    "validators": [MinValueValidator(Decimal(0), message=_("金额不能为负数。"))],
}


class MonthlyReportEntryForm(forms.ModelForm):
    """What a department types each month; the year to date is computed from it."""

    completed_month = forms.DecimalField(
        label=_("本月完成投资(万元)"),
        error_messages={"invalid": _("请输入数字,例如 1200.5。"), "required": _("请填写本月完成投资。")},
        **MONEY,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = MonthlyReport
        fields = ["completed_month", "progress_text", "problems", "coordination_requests"]
        widgets = {
            "progress_text": forms.Textarea(attrs={"rows": 2}),
            "problems": forms.Textarea(attrs={"rows": 2}),
            "coordination_requests": forms.Textarea(attrs={"rows": 2}),
        }


class MilestoneActualForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["actual_date", "note"]
        widgets = {"actual_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actual_date"].error_messages["invalid"] = _("请输入有效日期,例如 2025-06-30。")


MilestoneActualFormSet = forms.modelformset_factory(Milestone, form=MilestoneActualForm, extra=0)


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("审核意见"), widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("退回时须填写审核意见。")},
    )


class BulkRowForm(forms.Form):
    """One row of the department's monthly sheet."""

    project = forms.IntegerField(widget=forms.HiddenInput)
    completed_month = forms.DecimalField(
        label=_("本月完成投资(万元)"), required=False,
        error_messages={"invalid": _("请输入数字,例如 1200.5。")}, **MONEY,
    )
    progress_text = forms.CharField(label=_("形象进度"), required=False, widget=forms.TextInput)
    problems = forms.CharField(label=_("存在问题"), required=False, widget=forms.TextInput)
    coordination_requests = forms.CharField(label=_("需协调事项"), required=False, widget=forms.TextInput)

    def has_input(self) -> bool:
        data = self.cleaned_data
        return data.get("completed_month") is not None or any(
            data.get(f) for f in ("progress_text", "problems", "coordination_requests")
        )


BulkFormSet = forms.formset_factory(BulkRowForm, extra=0)


def project_edit_form(fields: list[str]) -> type[forms.ModelForm]:
    """A form with exactly the project fields the user may change (from the policy)."""
    return forms.modelform_factory(
        Project,
        fields=fields,
        widgets={
            "planned_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "actual_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "planned_completion": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "actual_completion": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "progress_summary": forms.Textarea(attrs={"rows": 3}),
            "h2_plan": forms.Textarea(attrs={"rows": 2}),
        },
    )


PROJECT_EDIT_FIELDS = [
    "programme", "name", "category", "status", "location", "town", "lead_department", "co_departments",
    "total_investment", "annual_plan", "planned_start", "actual_start", "planned_completion",
    "actual_completion", "progress_summary", "h2_plan",
]


def style_form(form) -> None:
    """Bootstrap classes on every widget of a form (presentation only)."""
    for field in form.fields.values():
        widget = field.widget
        css = "form-select form-select-sm" if getattr(widget, "input_type", None) == "select" else "form-control form-control-sm"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
