"""Admin base class whose every decision comes from the policy (portfolio.policy) and every write from the services.

Querysets, view/add/change/delete permissions (per object), read-only fields per role, actions
and foreign-key choices all ask the one policy. Saves go through the services, which check the
version (a stale form is refused with a message and the typed data kept) and keep the history.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from portfolio.forms import HiddenErrorsShown, VersionField
from portfolio.money import format_amount
from portfolio.policy import Action, can, changeable_fields, restrict, unwritable_fields
from portfolio.records import ConflictError, record_create, record_delete, record_save

VERSION_FIELD = "_version"


def decimal_column(model, name: str, empty: str):
    """A changelist column showing a Decimal field as the pages do (1778000.0000 -> 1,778,000.00)."""
    field = model._meta.get_field(name)

    @admin.display(description=field.verbose_name, ordering=name)
    def column(obj):
        value = getattr(obj, name)
        return empty if value is None else format_amount(value)

    column.__name__ = name
    return column


def is_decimal_field(model, name) -> bool:
    if not isinstance(name, str):
        return False
    try:
        return isinstance(model._meta.get_field(name), models.DecimalField)
    except FieldDoesNotExist:  # a method or admin attribute
        return False


class PolicyModelForm(HiddenErrorsShown, forms.ModelForm):
    """Carries the version the user started from and refuses the form when it is stale (or malformed)."""

    _version = VersionField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        if instance.pk and hasattr(instance, "version"):
            # The current version, not the instance's: a history revert starts from an old copy.
            self.fields[VERSION_FIELD].initial = (
                type(instance)._default_manager.filter(pk=instance.pk).values_list("version", flat=True).first()
            )

    def _update_errors(self, errors):
        """Model errors on a field the form does not show (read-only) are shown above the form, not lost."""
        if hasattr(errors, "error_dict"):
            regrouped = {}
            for name, field_errors in errors.error_dict.items():
                key = name if name in self.fields or name == NON_FIELD_ERRORS else NON_FIELD_ERRORS
                regrouped.setdefault(key, []).extend(field_errors)
            errors = ValidationError(regrouped)
        super()._update_errors(errors)

    def clean(self):
        malformed = VERSION_FIELD in self._errors  # named above the form (HiddenErrorsShown), not "stale"
        cleaned = super().clean()
        instance = self.instance
        if instance.pk and hasattr(instance, "version") and VERSION_FIELD in self.fields and not malformed:
            submitted = cleaned.get(VERSION_FIELD)
            if submitted is None:
                raise ValidationError(self.fields[VERSION_FIELD].error_messages["required"], code="version")
            current = type(instance)._default_manager.filter(pk=instance.pk).values_list("version", flat=True).first()
            if current != submitted:
                raise ValidationError(
                    _("该记录已被他人修改（您打开时为第%(mine)s版，现在是第%(current)s版），您的保存未生效。"
                      "请复制您的修改，刷新页面后再保存。"),
                    code="stale",
                    params={"mine": submitted, "current": current},
                )
        return cleaned


class PolicyAdmin(admin.ModelAdmin):
    """Base ModelAdmin for portfolio models."""

    form = PolicyModelForm

    def get_queryset(self, request):
        return restrict(super().get_queryset(request), request.user, Action.VIEW)

    def is_money_field(self, name) -> bool:
        """Which columns are amounts, shown as the pages show money (a feature app's admin says so)."""
        return False

    def get_list_display(self, request):
        empty = self.get_empty_value_display()
        return [
            decimal_column(self.model, name, empty)
            if is_decimal_field(self.model, name) and self.is_money_field(name) else name
            for name in super().get_list_display(request)
        ]

    def has_module_permission(self, request):
        return can(request.user, Action.VIEW, model=self.model)

    def has_view_permission(self, request, obj=None):
        return can(request.user, Action.VIEW, obj, model=self.model)

    def has_add_permission(self, request, obj=None):
        return can(request.user, Action.ADD, model=self.model)

    def has_change_permission(self, request, obj=None):
        return can(request.user, Action.CHANGE, obj, model=self.model)

    def has_delete_permission(self, request, obj=None):
        return can(request.user, Action.DELETE, obj, model=self.model)

    def get_readonly_fields(self, request, obj=None):
        """What the role may not write, and what nobody writes (provenance, workflow, version): shown, not a
        form field, on the change form and the add form alike."""
        readonly = list(super().get_readonly_fields(request, obj))
        allowed = changeable_fields(request.user, self.model)
        unwritable = unwritable_fields(self.model)
        for field in self.model._meta.get_fields():
            concrete = getattr(field, "concrete", False) or field.many_to_many
            writable = concrete and getattr(field, "editable", False) and not field.auto_created
            refused = field.name in unwritable or (allowed is not None and field.name not in allowed)
            if writable and refused and field.name not in readonly:
                readonly.append(field.name)
        return readonly

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.remote_field.model
        kwargs.setdefault("queryset", restrict(related._default_manager.all(), request.user, Action.VIEW))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        related = db_field.remote_field.model
        kwargs.setdefault("queryset", restrict(related._default_manager.all(), request.user, Action.VIEW))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not hasattr(self.model, "version"):
            return fieldsets
        if any(VERSION_FIELD in (opts.get("fields") or ()) for _name, opts in fieldsets):
            return fieldsets
        *head, (name, opts) = fieldsets
        return [*head, (name, {**opts, "fields": [*opts["fields"], VERSION_FIELD]})]

    def save_model(self, request, obj, form, change):
        if change:
            record_save(instance=obj, acting_user=request.user, expected_version=form.cleaned_data.get(VERSION_FIELD))
        else:
            record_create(instance=obj, acting_user=request.user)

    def save_related(self, request, form, formsets, change):
        changed_m2m = [
            name for name in form.changed_data
            if name != VERSION_FIELD and isinstance(self.model._meta.get_field(name), models.ManyToManyField)
        ]
        if changed_m2m and change:
            for name in changed_m2m:
                if name not in (changeable_fields(request.user, self.model) or {name}):
                    raise PermissionDenied
        super().save_related(request, form, formsets, change)

    def delete_model(self, request, obj):
        record_delete(instance=obj, acting_user=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            record_delete(instance=obj, acting_user=request.user)

    def _refused_write(self, request, exc):
        message = exc.message if isinstance(exc, ConflictError) else "; ".join(
            m for msgs in getattr(exc, "message_dict", {"": exc.messages}).values() for m in msgs
        )
        self.message_user(request, message, level=messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ConflictError, ValidationError) as exc:
            return self._refused_write(request, exc)

    def save_formset(self, request, form, formset, change):
        """Inline rows go through the services too, each checked on its own."""
        read = {
            f.instance.pk: f.cleaned_data.get(VERSION_FIELD)
            for f in formset.forms if f.instance.pk and hasattr(f, "cleaned_data")
        }
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            record_delete(instance=obj, acting_user=request.user)
        for obj in instances:
            if obj.pk:
                record_save(instance=obj, acting_user=request.user,
                            expected_version=read.get(obj.pk) if hasattr(obj, "version") else None)
            else:
                record_create(instance=obj, acting_user=request.user)
        formset.save_m2m()


class HistoryPolicyAdmin(PolicyAdmin, SimpleHistoryAdmin):
    """PolicyAdmin with the change history; reverting an old version is a save like any other."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        try:
            return super().history_form_view(request, object_id, version_id, extra_context)
        except (ConflictError, ValidationError) as exc:
            return self._refused_write(request, exc)


class PolicyInline:
    """Mixin for inlines: rows visible, addable, changeable and deletable as the policy says; each row
    carries the version it was read at, like the main form."""

    form = PolicyModelForm

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if hasattr(self.model, "version") and VERSION_FIELD not in fields:
            fields.append(VERSION_FIELD)
        return fields

    def get_queryset(self, request):
        return restrict(super().get_queryset(request), request.user, Action.VIEW)

    def has_view_permission(self, request, obj=None):
        return can(request.user, Action.VIEW, model=self.model)

    def has_add_permission(self, request, obj=None):
        return can(request.user, Action.ADD, model=self.model)

    def has_change_permission(self, request, obj=None):
        return can(request.user, Action.CHANGE, model=self.model) and (
            obj is None or can(request.user, Action.CHANGE, obj)
        )

    def has_delete_permission(self, request, obj=None):
        return can(request.user, Action.DELETE, model=self.model) and (
            obj is None or can(request.user, Action.CHANGE, obj)
        )

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        allowed = changeable_fields(request.user, self.model)
        unwritable = unwritable_fields(self.model)
        readonly += [f for f in (self.fields or []) if f not in readonly and (
            f in unwritable or (allowed is not None and f not in allowed))]
        return readonly
