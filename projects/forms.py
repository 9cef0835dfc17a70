"""Forms of the staff pages. Validation messages name the field; nothing typed is lost on error."""

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from portfolio.forms import HiddenErrorsShown, VersionField
from portfolio.money import format_amount, normalise_amount_text
from portfolio.periods import Period

from .models import AMOUNT_VALIDATORS, Milestone, MonthlyReport, Programme, Project
from .selectors import Basis

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

    def period(self, default) -> Period:
        """The chosen period by ``Period.chosen`` (a bad value is ignored: the default is used; a function
        giving it is asked only when needed)."""
        if not self.is_valid():
            return Period.chosen(None, None, default)
        return Period.chosen(self.cleaned_data.get("year"), self.cleaned_data.get("month"), default)


class AmountField(forms.DecimalField):
    """An amount in 万元 as people type it: "3,210.5", full-width "３２１０．５", spaces and a trailing 万元 are accepted."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 16)
        kwargs.setdefault("decimal_places", 4)
        kwargs.setdefault("validators", AMOUNT_VALIDATORS)
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"].setdefault("invalid", _("请输入数字（万元），例如 1200.5、3,210.5 或 3210.5万元。"))
        kwargs["error_messages"].setdefault("max_decimal_places", _("最多保留4位小数（万元的4位小数即1元）。"))
        kwargs["error_messages"].setdefault("max_digits", _("金额不能超过99,999,999.9999万元。"))
        kwargs["error_messages"].setdefault("max_whole_digits", _("金额不能超过99,999,999.9999万元。"))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        # A stored 1200.5000 is shown as 1,200.50, as the pages print it: the four places are yuan
        # precision, not what was typed. What was typed (a bound string) is shown back unchanged.
        if isinstance(value, Decimal):
            return format_amount(value)
        return super().prepare_value(value)

    def to_python(self, value):
        if isinstance(value, str):
            value = normalise_amount_text(value)
        return super().to_python(value)


class MonthlyReportEntryForm(HiddenErrorsShown, forms.ModelForm):
    """What a department types each month; the year to date is computed from it.

    ``version`` is the report's version when the page was read, 0 when there was no report yet; a
    missing or malformed one is refused above the form, naming it, with everything typed kept.
    """

    completed_month = AmountField(
        label=_("本月完成投资（万元）"), error_messages={"required": _("请填写本月完成投资。")},
    )
    version = VersionField(required=True)

    class Meta:
        model = MonthlyReport
        fields = ["completed_month", "progress_text", "problems", "coordination_requests", "plausibility_note"]
        widgets = {
            "progress_text": forms.Textarea(attrs={"rows": 2}),
            "problems": forms.Textarea(attrs={"rows": 2}),
            "coordination_requests": forms.Textarea(attrs={"rows": 2}),
            "plausibility_note": forms.Textarea(attrs={"rows": 2}),
        }


class MilestoneActualForm(HiddenErrorsShown, forms.ModelForm):
    """A milestone's actual date and note, with the milestone's version when the page was read."""

    version = VersionField(required=True)

    class Meta:
        model = Milestone
        fields = ["actual_date", "note"]
        widgets = {"actual_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actual_date"].error_messages["invalid"] = _("请输入有效日期，例如 2025-06-30。")
        if self.instance.pk:
            self.fields["version"].initial = str(self.instance.version)

    def has_changed(self):
        # The version is what the page read, not an input: it alone never makes a change.
        return any(name in self.changed_data for name in ("actual_date", "note"))

    def _post_clean(self):
        # A row whose id names no milestone of the project (a forged or stale page) has no milestone to
        # validate: its error is the id's, not the empty record's.
        if self.instance.pk is None:
            return
        super()._post_clean()


class MilestoneActualBaseFormSet(forms.BaseModelFormSet):
    """The project's milestones, exactly: a posted count or id that is not one of them refuses the form."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        # Each row names its milestone: a row without one is not applied to whichever comes in its place.
        form.fields[self.model._meta.pk.name].label = _("节点")
        form.fields[self.model._meta.pk.name].required = True

    def clean(self):
        super().clean()
        if not self.management_form.is_valid():
            return  # Django names the missing management fields
        stored = len(self.get_queryset())
        if self.total_form_count() != stored or self.initial_form_count() != stored:
            raise forms.ValidationError(
                _("与本项目的节点不一致（页面可能已过期），未保存。请刷新页面后重新填写。"), code="tampered")
        if any(form.instance.pk is None for form in self.forms):
            # The id field takes any milestone; one not of this project leaves its row without a record.
            raise forms.ValidationError(
                _("表单中有不属于本项目的节点（页面可能已过期），未保存。请刷新页面后重新填写。"), code="tampered")
        ids = [form.instance.pk for form in self.forms]
        if len(ids) != len(set(ids)):
            raise forms.ValidationError(_("同一节点出现了多次，未保存。请刷新页面后重新填写。"), code="tampered")


# edit_only: a forged form count cannot create milestones from the entry page.
MilestoneActualFormSet = forms.modelformset_factory(
    Milestone, form=MilestoneActualForm, formset=MilestoneActualBaseFormSet, extra=0, edit_only=True)


class BasisForm(forms.Form):
    """Which reports the figures count; only coordinators may include unapproved ones (the policy says who)."""

    basis = forms.ChoiceField(label=_("统计口径"), choices=Basis.choices, required=False)


class ReturnForm(forms.Form):
    comment = MonthlyReport._meta.get_field("review_comment").formfield(
        required=True, widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("退回时须填写审核意见。")},
    )


class ReviewActionForm(HiddenErrorsShown, forms.Form):
    """A workflow button's post: the version the page showed and, to approve or return, the comment."""

    version = VersionField(required=True)
    comment = MonthlyReport._meta.get_field("review_comment").formfield(
        required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, comment_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if comment_required:
            self.fields["comment"].required = True
            self.fields["comment"].error_messages["required"] = _("退回时须填写审核意见。")


def _report_text(name: str) -> forms.CharField:
    """A report's text as the bulk sheet's one-line input, with the model's label and length limit."""
    return MonthlyReport._meta.get_field(name).formfield(required=False, widget=forms.TextInput)


class BulkRowForm(HiddenErrorsShown, forms.Form):
    """One row of the department's monthly sheet."""

    project = forms.IntegerField(widget=forms.HiddenInput, label=_("项目"), min_value=1, max_value=2**63 - 1)
    version = VersionField(required=True)
    completed_month = AmountField(label=_("本月完成投资（万元）"), required=False)
    progress_text = _report_text("progress_text")
    problems = _report_text("problems")
    coordination_requests = _report_text("coordination_requests")
    plausibility_note = _report_text("plausibility_note")

    def has_input(self) -> bool:
        data = self.cleaned_data
        return data.get("completed_month") is not None or any(
            data.get(f) for f in ("progress_text", "problems", "coordination_requests")
        )


BulkFormSet = forms.formset_factory(BulkRowForm, extra=0)


class _ProjectEditForm(forms.ModelForm):
    """Bootstrap's classes on every widget, given here rather than by a script on the page."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} {css}".strip()


def project_edit_form(fields: list[str]) -> type[forms.ModelForm]:
    """A form with exactly the project fields the user may change (from the policy)."""
    return forms.modelform_factory(
        Project,
        form=_ProjectEditForm,
        fields=fields,
        widgets={
            "planned_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "actual_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "planned_completion": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "actual_completion": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "progress_summary": forms.Textarea(attrs={"rows": 3}),
            "h2_plan": forms.Textarea(attrs={"rows": 2}),
            # Amounts as people type them ("31,017.5", full-width, 万元), shown as the pages print them.
            "total_investment": forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            "annual_plan": forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        },
        field_classes={"total_investment": AmountField, "annual_plan": AmountField},
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
