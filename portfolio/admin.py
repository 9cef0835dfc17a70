"""Admin for the platform's own records, and users and groups for administrators only."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken
from simple_history.admin import SimpleHistoryAdmin

from . import twofactor
from .models import ApiToken, DatasetLoad
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


# Two-factor devices are kept from the admin's own pages (they show the secrets); an administrator
# resets a user's two factors from the user list instead (portfolio.twofactor.reset).
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


@admin.register(User)
class PortfolioUserAdmin(AdministratorOnly, TranslatedPermissions, SimpleHistoryAdmin, UserAdmin):
    """Accounts, with their history (roles are groups: who gave which, when)."""

    list_select_related = ["membership__department"]
    list_display = ["username", "first_name", "last_name", "is_staff", "is_active", "department", "two_factor"]
    actions = ["reset_two_factor"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            has_two_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
        )

    @admin.display(description=_("所属单位"))
    def department(self, obj):
        membership = getattr(obj, "membership", None)
        return membership.department if membership else ""

    @admin.display(description=_("两步验证"), boolean=True, ordering="has_two_factor")
    def two_factor(self, obj):
        return obj.has_two_factor

    @admin.action(description=_("重置所选用户的两步验证（手机丢失时）"), permissions=["change"])
    def reset_two_factor(self, request, queryset):
        """The user lost their phone and their backup codes: their devices go, and they enrol again at
        the next sign-in (or sign in with a password alone, if their role does not require two factors)."""
        reset = 0
        for user in queryset:
            if twofactor.reset(user=user):
                reset += 1
                self.log_change(request, user, [{"changed": {"fields": [str(_("两步验证"))]}}])
        if not reset:
            self.message_user(request, _("所选用户都没有绑定手机验证器，无需重置。"), messages.WARNING)
            return
        self.message_user(request, ngettext(
            "已重置%(n)s个用户的两步验证。需要两步验证的用户下次登录时将重新绑定手机验证器。",
            "已重置%(n)s个用户的两步验证。需要两步验证的用户下次登录时将重新绑定手机验证器。", reset,
        ) % {"n": reset}, messages.SUCCESS)

    def revert_disabled(self, request, obj=None):
        # The history has no password hash: an account put back from it would lose its password.
        return True


@admin.register(Group)
class PortfolioGroupAdmin(AdministratorOnly, TranslatedPermissions, SimpleHistoryAdmin, GroupAdmin):
    """Groups (the roles), with their history."""


admin.site.unregister(AuthToken)


@admin.register(ApiToken)
class ApiTokenAdmin(AdministratorOnly, admin.ModelAdmin):
    """API tokens: whose, since when, until when; never the digest or the key's first characters. Tokens
    are issued by the API's token endpoint alone (the secret is shown to its owner once); administrators
    revoke them here by deleting them."""

    list_display = ["owner", "issued", "expires", "state"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    fields = readonly_fields = ["owner", "issued", "expires", "state"]
    ordering = ["-created"]

    @admin.display(description=_("用户"), ordering="user__username")
    def owner(self, obj):
        return obj.user

    @admin.display(description=_("创建时间"), ordering="created")
    def issued(self, obj):
        return obj.created

    @admin.display(description=_("失效时间"), ordering="expiry")
    def expires(self, obj):
        return obj.expiry or _("永不失效")

    @admin.display(description=_("状态"))
    def state(self, obj):
        return _("已过期") if obj.expiry is not None and obj.expiry <= timezone.now() else _("有效")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
