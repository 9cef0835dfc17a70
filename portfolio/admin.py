"""Admin for the platform's own records, and users and groups for administrators only."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy
from simple_history.admin import SimpleHistoryAdmin

from .models import DatasetLoad
from .policy import Action, can


class AdministratorOnly:
    """Users, groups, tokens and data loads: what the policy says (they are registered as the administrator's)."""

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


@admin.register(DatasetLoad)
class DatasetLoadAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = ["name", "checksum", "loaded_at"]
    readonly_fields = ["name", "checksum", "loaded_at"]
    search_fields = ["name"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


admin.site.unregister(User)
admin.site.unregister(Group)

# Django stores a permission's name in the language of the migration that made it ("Can add 指标");
# the default four are named again from the model's translated verbose name as the page is drawn.
PERMISSION_ACTIONS = {
    "add": pgettext_lazy("permission", "添加"), "change": pgettext_lazy("permission", "修改"),
    "delete": pgettext_lazy("permission", "删除"), "view": pgettext_lazy("permission", "查看"),
}


def permission_label(permission) -> str:
    model = permission.content_type.model_class()
    action, _sep, model_name = permission.codename.partition("_")
    if model is None or action not in PERMISSION_ACTIONS or model_name != model._meta.model_name:
        return str(permission)
    name = _("可%(action)s%(model)s") % {"action": PERMISSION_ACTIONS[action], "model": model._meta.verbose_name}
    return f"{model._meta.app_config.verbose_name} | {model._meta.verbose_name} | {name}"


class PermissionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return permission_label(obj)


class TranslatedPermissions:
    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name in ("permissions", "user_permissions"):
            kwargs["form_class"] = PermissionChoiceField
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(User)
class PortfolioUserAdmin(AdministratorOnly, TranslatedPermissions, SimpleHistoryAdmin, UserAdmin):
    """Accounts, with their history (roles are groups: who gave which, when)."""

    list_select_related = ["membership__department"]
    list_display = ["username", "first_name", "last_name", "is_staff", "is_active", "department"]

    @admin.display(description=_("所属单位"))
    def department(self, obj):
        membership = getattr(obj, "membership", None)
        return membership.department if membership else ""

    def revert_disabled(self, request, obj=None):
        # The history has no password hash: an account put back from it would lose its password.
        return True


@admin.register(Group)
class PortfolioGroupAdmin(AdministratorOnly, TranslatedPermissions, SimpleHistoryAdmin, GroupAdmin):
    """Groups (the roles), with their history."""


admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class PortfolioTokenAdmin(AdministratorOnly, TokenAdmin):
    """API tokens are managed by administrators only."""
