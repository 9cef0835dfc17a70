"""The one place that decides who may see and change what in the portfolio.

Admin, pages, API, imports, exports and reports ask this module; none has a rule of its own.
Two kinds of answer:
- ``restrict(queryset, user, action)``: the rows the user may see (VIEW) or act on;
- ``can(user, action, obj)`` / ``require(...)``: a yes/no for one object, one action;
- ``changeable_fields(user, model)``: which fields of a model the user may write.

Policy (see DESIGN.md): viewers read; department editors change the progress of their own
department's projects and fill their monthly reports; coordinators change everything in the
portfolio and review reports; administrators also manage users and groups.
"""

from enum import StrEnum

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from indicators.models import Indicator, Observation, Target

from .choices import ReportStatus
from .models import (
    Department,
    DepartmentMembership,
    Milestone,
    MonthlyReport,
    PeriodLock,
    Programme,
    ProgrammeSnapshot,
    Project,
)
from .roles import Role


class Action(StrEnum):
    VIEW = "view"
    ADD = "add"
    CHANGE = "change"
    DELETE = "delete"
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"
    REOPEN = "reopen"
    LOCK = "lock"


PORTFOLIO_MODELS = (
    Department, DepartmentMembership, Programme, ProgrammeSnapshot, Project, Milestone, MonthlyReport,
    PeriodLock, Indicator, Observation, Target,
)
# What a department editor may write: progress, never plan fields.
EDITOR_FIELDS: dict[type[Model], frozenset[str]] = {
    Project: frozenset({"progress_summary"}),
    Milestone: frozenset({"actual_date", "actual_date_precision", "note"}),
    MonthlyReport: frozenset({"completed_month", "progress_text", "problems", "coordination_requests"}),
}
# Fields nobody writes directly: the workflow and the version are set by the services.
SYSTEM_FIELDS = frozenset({
    "version", "status_changed", "created_by", "submitted_by", "submitted_at", "reviewed_by", "reviewed_at",
    "created_at", "updated_at",
})
EDITABLE_REPORT_STATES = (ReportStatus.DRAFT, ReportStatus.RETURNED)

_ROLE_ORDER = [Role.ADMINISTRATOR, Role.COORDINATOR, Role.EDITOR, Role.VIEWER]


def role_of(user) -> Role | None:
    """The user's role; the strongest wins when a user is in several groups. Cached on the user."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if not hasattr(user, "_portfolio_role"):
        if user.is_superuser:
            role = Role.ADMINISTRATOR
        else:
            names = set(user.groups.values_list("name", flat=True))
            role = next((r for r in _ROLE_ORDER if str(r) in names), None)
        user._portfolio_role = role
    return user._portfolio_role


def department_of(user) -> Department | None:
    if user is None or not user.is_authenticated:
        return None
    if not hasattr(user, "_portfolio_department"):
        membership = DepartmentMembership.objects.filter(user=user).select_related("department").first()
        user._portfolio_department = membership.department if membership else None
    return user._portfolio_department


def is_administrator(user) -> bool:
    return role_of(user) == Role.ADMINISTRATOR


def is_reviewer(user) -> bool:
    return role_of(user) in (Role.ADMINISTRATOR, Role.COORDINATOR)


def editor_sees_all() -> bool:
    return getattr(settings, "PORTFOLIO_EDITOR_SEES_ALL_PROJECTS", True)


def editor_edits_co_responsible() -> bool:
    return getattr(settings, "PORTFOLIO_EDITOR_EDITS_CO_RESPONSIBLE", False)


def _own_projects(department: Department | None, *, include_co: bool, prefix: str = "") -> Q:
    if department is None:
        return Q(pk__in=[])
    q = Q(**{f"{prefix}lead_department": department})
    if include_co:
        q |= Q(**{f"{prefix}co_departments": department})
    return q


def _project_prefix(model) -> str | None:
    if model is Project:
        return ""
    if model in (Milestone, MonthlyReport):
        return "project__"
    return None


def _unlocked() -> Exists:
    return ~Exists(PeriodLock.objects.filter(year=OuterRef("year"), month=OuterRef("month")))


def restrict(queryset: QuerySet, user, action: Action | str = Action.VIEW) -> QuerySet:
    """The rows of ``queryset`` the user may act on. Every list, export and report starts here."""
    action = Action(action)
    model = queryset.model
    role = role_of(user)
    if role is None:
        return queryset.none()
    if model is MonthlyReport and action in (Action.CHANGE, Action.DELETE):
        # An approved report changes only after a coordinator reopens it, whoever asks.
        queryset = queryset.exclude(status=ReportStatus.APPROVED)
    if role == Role.ADMINISTRATOR:
        return queryset
    if model not in PORTFOLIO_MODELS:
        return queryset.none()
    prefix = _project_prefix(model)
    if action == Action.VIEW:
        if role == Role.EDITOR and prefix is not None and not editor_sees_all():
            return _distinct(queryset.filter(_own_projects(department_of(user), include_co=True, prefix=prefix)))
        return queryset
    if role == Role.COORDINATOR:
        if model is DepartmentMembership:
            return queryset if action == Action.VIEW else queryset.none()
        return queryset
    editor_writes = action in (Action.CHANGE, Action.SUBMIT) or (action == Action.ADD and model is MonthlyReport)
    if role == Role.EDITOR and prefix is not None and editor_writes:
        own = queryset.filter(
            _own_projects(department_of(user), include_co=editor_edits_co_responsible(), prefix=prefix)
        )
        if model is MonthlyReport:
            own = own.filter(_unlocked(), status__in=EDITABLE_REPORT_STATES)
        return _distinct(own)
    return queryset.none()


def _distinct(queryset: QuerySet) -> QuerySet:
    # Filtering through the co_departments many-to-many can repeat rows.
    return queryset.distinct() if editor_edits_co_responsible() or not editor_sees_all() else queryset


def can(user, action: Action | str, obj: Model | None = None, *, model: type[Model] | None = None) -> bool:
    """May the user take this action on this object (or, without an object, on this model at all)?"""
    action = Action(action)
    model = model or type(obj)
    role = role_of(user)
    if role is None:
        return False
    if action in (Action.APPROVE, Action.RETURN, Action.REOPEN, Action.SUBMIT, Action.LOCK):
        return _can_transition(user, role, action, obj, model)
    if obj is None:
        return _can_on_model(role, action, model)
    if not _can_on_model(role, action, model):
        return False
    if action == Action.ADD and model is MonthlyReport and obj.pk is None:
        if role == Role.EDITOR:
            return _editor_may_fill(user, obj)
        return True
    if obj.pk is None:
        return True
    return restrict(model._default_manager.filter(pk=obj.pk), user, action).exists()


def _can_on_model(role: Role, action: Action, model) -> bool:
    if role == Role.ADMINISTRATOR:
        return True
    if model not in PORTFOLIO_MODELS:
        return False
    if action == Action.VIEW:
        return True
    if role == Role.COORDINATOR:
        return model is not DepartmentMembership
    if role == Role.EDITOR:
        if action == Action.CHANGE:
            return model in EDITOR_FIELDS
        if action == Action.ADD:
            return model is MonthlyReport
    return False


def _editor_may_fill(user, report: MonthlyReport) -> bool:
    """An editor may create a report for one of their projects in an unlocked month."""
    project_ok = restrict(Project.objects.filter(pk=report.project_id), user, Action.CHANGE).exists()
    locked = PeriodLock.objects.filter(year=report.year, month=report.month).exists()
    return project_ok and not locked


def _can_transition(user, role: Role, action: Action, obj, model) -> bool:
    if action == Action.LOCK:
        return role in (Role.ADMINISTRATOR, Role.COORDINATOR)
    if model is not MonthlyReport:
        return False
    if obj is None:
        if action == Action.SUBMIT:
            return role in (Role.ADMINISTRATOR, Role.COORDINATOR, Role.EDITOR)
        return role in (Role.ADMINISTRATOR, Role.COORDINATOR)
    if action == Action.SUBMIT:
        if obj.status not in EDITABLE_REPORT_STATES:
            return False
        if role in (Role.ADMINISTRATOR, Role.COORDINATOR):
            return True
        return restrict(MonthlyReport.objects.filter(pk=obj.pk), user, Action.SUBMIT).exists()
    if role not in (Role.ADMINISTRATOR, Role.COORDINATOR):
        return False
    if action in (Action.APPROVE, Action.RETURN):
        own_entry = user.pk in (obj.created_by_id, obj.submitted_by_id)
        return obj.status == ReportStatus.SUBMITTED and not own_entry
    if action == Action.REOPEN:
        return obj.status == ReportStatus.APPROVED
    return False


def changeable_fields(user, model: type[Model]) -> frozenset[str] | None:
    """Fields the user may write on this model: None means every editable field, empty means none."""
    role = role_of(user)
    if role in (Role.ADMINISTRATOR, Role.COORDINATOR) and _can_on_model(role, Action.CHANGE, model):
        return None
    if role == Role.EDITOR:
        return EDITOR_FIELDS.get(model, frozenset())
    return frozenset()


def can_change_field(user, model: type[Model], field: str) -> bool:
    if field in SYSTEM_FIELDS:
        return False
    fields = changeable_fields(user, model)
    return fields is None or field in fields


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
