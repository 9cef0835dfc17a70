"""The policy registry: who may see and change what, answered for every model by the rules its app registers.

Admin, pages, API, services, imports, exports and reports ask this module; none has a rule of its own.
Each feature app registers one rules object per model (``register``, from its AppConfig.ready); a
model nobody registered is refused to everyone (deny by default). Three kinds of answer:
- ``restrict(queryset, user, action)``: the rows the user may see (VIEW) or act on;
- ``can(user, action, obj)`` / ``require(...)``: a yes/no for one object (or a model), one action;
- ``changeable_fields(user, model)``: which fields of a model the user may write.

Roles are Django groups by name (a superuser is an administrator); the groups carry no model
permissions: Django's own ``user.has_perm`` asks this registry through ``PolicyBackend``.
This module imports no feature app.
"""

from enum import StrEnum

from django.apps import apps as global_apps
from django.contrib.auth.backends import BaseBackend
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class Action(StrEnum):
    VIEW = "view"
    ADD = "add"
    CHANGE = "change"
    DELETE = "delete"
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"
    REOPEN = "reopen"
    WITHDRAW = "withdraw"
    LOCK = "lock"


class Role(models.TextChoices):
    ADMINISTRATOR = "系统管理员", gettext_lazy("系统管理员")
    COORDINATOR = "发改局统筹", gettext_lazy("发改局统筹")
    EDITOR = "部门填报员", gettext_lazy("部门填报员")
    VIEWER = "查看", gettext_lazy("区领导/查看")


# The strongest role wins when a user is in several groups.
ROLE_ORDER = (Role.ADMINISTRATOR, Role.COORDINATOR, Role.EDITOR, Role.VIEWER)
REVIEWER_ROLES = frozenset({Role.ADMINISTRATOR, Role.COORDINATOR})

# Fields nobody writes directly: the workflow and the version are set by the services.
SYSTEM_FIELDS = frozenset({
    "version", "status_changed", "created_by", "contributors", "submitted_by", "submitted_at", "reviewed_by",
    "reviewed_at", "created_at", "updated_at",
})


def role_of(user) -> Role | None:
    """The user's role (None for anonymous and inactive users). Cached on the user."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if not hasattr(user, "_portfolio_role"):
        if user.is_superuser:
            role = Role.ADMINISTRATOR
        else:
            names = set(user.groups.values_list("name", flat=True))
            role = next((r for r in ROLE_ORDER if str(r) in names), None)
        user._portfolio_role = role
    return user._portfolio_role


def is_administrator(user) -> bool:
    return role_of(user) == Role.ADMINISTRATOR


def is_reviewer(user) -> bool:
    """Coordinators and administrators: they review monthly reports and manage the portfolio's data."""
    return role_of(user) in REVIEWER_ROLES


def sync_role_groups(apps=None) -> None:
    """Create the four role groups (used by data migrations and tests). They carry no model permissions:
    what a role may do is this module's answer, not a copy of it in auth_group_permissions."""
    Group = (apps or global_apps).get_model("auth", "Group")
    for role in Role:
        Group.objects.get_or_create(name=str(role))


# The registry ----------------------------------------------------------------------------------


class Rules:
    """What an app registers for a model. Every answer is no until a subclass says otherwise."""

    def restrict(self, queryset: QuerySet, user, action: Action) -> QuerySet:
        return queryset.none()

    def can(self, user, action: Action, obj: Model | None, model: type[Model]) -> bool:
        return False

    def changeable_fields(self, user, model: type[Model]) -> frozenset[str] | None:
        return frozenset()

    def refusal(self, user, action: Action, obj: Model) -> str | None:
        """Why the user may not take this action, in words; None for the general refusal."""
        return None


class AdministratorOnly(Rules):
    """Users, groups, API tokens and the platform's own records: the administrator's alone."""

    def restrict(self, queryset, user, action):
        return queryset if is_administrator(user) else queryset.none()

    def can(self, user, action, obj, model):
        return is_administrator(user)

    def changeable_fields(self, user, model):
        return None if is_administrator(user) else frozenset()


DENY = Rules()
ADMINISTRATOR_ONLY = AdministratorOnly()
_registry: dict[type[Model], Rules] = {}


def register(model: type[Model], rules: Rules) -> None:
    """Make ``rules`` the answer for ``model``; registering a model twice with other rules is an error."""
    current = _registry.get(model)
    if current is not None and current is not rules:
        raise ValueError(f"{model._meta.label} already has rules: {current!r}")
    _registry[model] = rules


def rules_for(model: type[Model]) -> Rules:
    return _registry.get(model, DENY)


def registered_models() -> list[type[Model]]:
    return list(_registry)


# The questions every caller asks ------------------------------------------------------------------


def restrict(queryset: QuerySet, user, action: Action | str = Action.VIEW) -> QuerySet:
    """The rows of ``queryset`` the user may act on. Every list, export and report starts here."""
    action = Action(action)
    if role_of(user) is None:
        return queryset.none()
    return rules_for(queryset.model).restrict(queryset, user, action)


def can(user, action: Action | str, obj: Model | None = None, *, model: type[Model] | None = None) -> bool:
    """May the user take this action on this object (or, without an object, on this model at all)?"""
    action = Action(action)
    model = model or type(obj)
    if role_of(user) is None:
        return False
    return rules_for(model).can(user, action, obj, model)


def changeable_fields(user, model: type[Model]) -> frozenset[str] | None:
    """Fields the user may write on this model: None means every editable field, empty means none."""
    if role_of(user) is None:
        return frozenset()
    return rules_for(model).changeable_fields(user, model)


def unwritable_fields(model: type[Model]) -> frozenset[str]:
    """Fields no user writes, whatever the role: the workflow's and the version (the services set them)
    and where the record comes from (its source quote and sample flag: portfolio.models.SourcedModel)."""
    return SYSTEM_FIELDS | frozenset(getattr(model, "PROVENANCE_FIELDS", ()))


def can_change_field(user, model: type[Model], field: str) -> bool:
    if field in unwritable_fields(model):
        return False
    fields = changeable_fields(user, model)
    return fields is None or field in fields


def refusal(user, action: Action | str, obj: Model) -> str:
    """Why the user may not take this action on this object, in words (for messages)."""
    action = Action(action)
    return rules_for(type(obj)).refusal(user, action, obj) or _("您没有权限执行此操作。")


def require(user, action: Action | str, obj: Model | None = None, *, model: type[Model] | None = None) -> None:
    """Raise 404 for an object the user may not see, 403 for an action they may not take."""
    model = model or type(obj)
    if obj is not None and obj.pk is not None and not restrict(
        model._default_manager.filter(pk=obj.pk), user, Action.VIEW
    ).exists():
        raise Http404(_("找不到该记录。"))
    if not can(user, action, obj, model=model):
        raise PermissionDenied(_("您没有权限执行此操作。"))


def get_visible_or_404(queryset: QuerySet, user, **lookup) -> Model:
    try:
        return restrict(queryset, user, Action.VIEW).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404(_("找不到该记录。")) from exc


# Django's authorisation asks the same registry ------------------------------------------------------


def _model_and_action(perm: str) -> tuple[type[Model], Action] | None:
    """"projects.change_project" -> (Project, CHANGE); None for a name the policy does not know."""
    app_label, _dot, codename = perm.partition(".")
    action, _sep, model_name = codename.partition("_")
    try:
        return global_apps.get_model(app_label, model_name), Action(action)
    except (LookupError, ValueError):
        return None


class PolicyBackend(BaseBackend):
    """``user.has_perm("app_label.action_model"[, obj])`` answered by the registered rules.

    It authenticates nobody (axes and ModelBackend do); Django asks every backend and any yes is
    a yes, so the role groups carry no permissions that could say yes where the policy says no.
    """

    def has_perm(self, user_obj, perm, obj=None):
        parsed = _model_and_action(perm)
        if parsed is None:
            return False
        model, action = parsed
        if obj is not None:
            return isinstance(obj, model) and can(user_obj, action, obj, model=model)
        return can(user_obj, action, model=model)

    def has_module_perms(self, user_obj, app_label):
        return any(
            can(user_obj, Action.VIEW, model=model)
            for model in registered_models() if model._meta.app_label == app_label
        )
