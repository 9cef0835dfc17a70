"""The four roles of the platform, as Django groups with their model permissions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMINISTRATOR = "系统管理员", _("系统管理员")
    COORDINATOR = "发改局统筹", _("发改局统筹")
    EDITOR = "部门填报员", _("部门填报员")
    VIEWER = "查看", _("区领导/查看")


PORTFOLIO_MODELS = {
    "projects": ["department", "departmentmembership", "programme", "programmesnapshot", "project",
                 "milestone", "monthlyreport"],
    "indicators": ["indicator", "observation", "target"],
}

# Model permissions per role; object-level rules (own department, workflow) are decided in
# projects.permissions on top of these.
ROLE_PERMISSIONS: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    Role.VIEWER: {app: dict.fromkeys(ms, ("view",)) for app, ms in PORTFOLIO_MODELS.items()},
    Role.EDITOR: {
        "projects": {
            **dict.fromkeys(PORTFOLIO_MODELS["projects"], ("view",)),
            "project": ("view", "change"),
            "milestone": ("view", "change"),
            "monthlyreport": ("view", "add", "change"),
        },
        "indicators": dict.fromkeys(PORTFOLIO_MODELS["indicators"], ("view",)),
    },
    Role.COORDINATOR: {
        app: dict.fromkeys(ms, ("view", "add", "change", "delete")) for app, ms in PORTFOLIO_MODELS.items()
    },
    Role.ADMINISTRATOR: {
        **{app: dict.fromkeys(ms, ("view", "add", "change", "delete")) for app, ms in PORTFOLIO_MODELS.items()},
        "auth": dict.fromkeys(("user", "group"), ("view", "add", "change", "delete")),
        "portfolio": {"datasetload": ("view",)},
    },
}


def sync_role_groups(apps=None) -> None:
    """Create or update the role groups with exactly their permissions (used by a data migration)."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    apps = apps or global_apps
    # Permissions are normally created after migrate; a migration must create them first.
    for app_config in apps.get_app_configs():
        had_models_module = getattr(app_config, "models_module", None)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = had_models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, grants in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=str(role))
        perms = []
        for app_label, models_ in grants.items():
            for model, actions in models_.items():
                codenames = [f"{action}_{model}" for action in actions]
                perms.extend(
                    Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
                )
        group.permissions.set(perms)
