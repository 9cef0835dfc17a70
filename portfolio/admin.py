"""Admin for the platform's own records, and users and groups for administrators only."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from projects.permissions import is_administrator

from .models import DatasetLoad


class AdministratorOnly:
    """Users, groups and data loads are the administrator's (the policy in projects.permissions)."""

    def has_module_permission(self, request):
        return is_administrator(request.user)

    def has_view_permission(self, request, obj=None):
        return is_administrator(request.user)

    def has_add_permission(self, request, obj=None):
        return is_administrator(request.user)

    def has_change_permission(self, request, obj=None):
        return is_administrator(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_administrator(request.user)


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


@admin.register(User)
class PortfolioUserAdmin(AdministratorOnly, UserAdmin):
    list_select_related = ["membership__department"]
    list_display = ["username", "first_name", "last_name", "is_staff", "is_active", "department"]

    @admin.display(description=_("所属单位"))
    def department(self, obj):
        membership = getattr(obj, "membership", None)
        return membership.department if membership else ""


@admin.register(Group)
class PortfolioGroupAdmin(AdministratorOnly, GroupAdmin):
    pass


admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class PortfolioTokenAdmin(AdministratorOnly, TokenAdmin):
    """API tokens are managed by administrators only."""
