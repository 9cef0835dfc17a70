"""The one place that decides who may see and change what in the portfolio.

Admin, pages, API, imports, exports and reports ask this module; none has a rule of its own.
Two kinds of answer:
- ``restrict(queryset, user, action)``: the rows the user may see (VIEW) or act on;
- ``can(user, action, obj)`` / ``require(...)``: a yes/no for one object, one action;
- ``changeable_fields(user, model)``: which fields of a model the user may write.

Policy: viewers read; department editors change the progress of their own
department's projects and fill their monthly reports; coordinators change everything in the
portfolio and review reports; administrators also manage users and groups.
"""

from enum import StrEnum

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
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
from .workflow import EDITABLE_STATES, TRANSITIONS


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


# The monthly report's workflow actions, named as in projects.workflow.TRANSITIONS.
WORKFLOW_ACTIONS = (Action.SUBMIT, Action.WITHDRAW, Action.APPROVE, Action.RETURN, Action.REOPEN)


PORTFOLIO_MODELS = (
    Department, DepartmentMembership, Programme, ProgrammeSnapshot, Project, Milestone, MonthlyReport,
    PeriodLock, Indicator, Observation, Target,
)
# What a department editor may write: progress, never plan fields.
EDITOR_FIELDS: dict[type[Model], frozenset[str]] = {
    Project: frozenset({"progress_summary"}),
    Milestone: frozenset({"actual_date", "actual_date_precision", "note"}),
    MonthlyReport: frozenset({
        "completed_month", "progress_text", "problems", "coordination_requests", "plausibility_note",
    }),
}
# Fields nobody writes directly: the workflow and the version are set by the services.
SYSTEM_FIELDS = frozenset({
    "version", "status_changed", "created_by", "contributors", "submitted_by", "submitted_at", "reviewed_by", "reviewed_at",
    "created_at", "updated_at",
})
EDITABLE_REPORT_STATES = tuple(EDITABLE_STATES)

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


def can_see_unapproved(user) -> bool:
    """Leaders' figures count approved reports only; coordinators may include the unapproved ones."""
    return is_reviewer(user)


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
    """The report's month is open (not closed): a closed month changes for nobody until it is reopened."""
    return ~Exists(PeriodLock.objects.filter(year=OuterRef("year"), month=OuterRef("month")))


def _earlier_unapproved() -> QuerySet:
    return MonthlyReport.objects.filter(
        project=OuterRef("project"), year=OuterRef("year"), month__lt=OuterRef("month")
    ).exclude(status=ReportStatus.APPROVED)


def own_entry(user) -> Q:
    """Reports whose figures the user entered, changed or submitted: four eyes keep them from approving."""
    through = MonthlyReport.contributors.through
    return (
        Q(created_by=user.pk)
        | Q(submitted_by=user.pk)
        | Exists(through.objects.filter(monthlyreport_id=OuterRef("pk"), user_id=user.pk))
    )


def _workflow_rows(queryset: QuerySet, user, role: Role, action: Action) -> QuerySet:
    """Monthly reports on which the user may take a workflow action: a queue is exactly this queryset."""
    transition = TRANSITIONS[str(action)]
    rows = queryset.filter(_unlocked(), status__in=transition.sources)
    reviewer = role in (Role.ADMINISTRATOR, Role.COORDINATOR)
    if transition.reviewer_only:
        if not reviewer:
            return queryset.none()
        if action == Action.APPROVE:
            # Months are approved in order: an approved year to date must not rest on an unapproved month.
            rows = rows.exclude(Exists(_earlier_unapproved()))
        return rows.exclude(own_entry(user)) if action in (Action.APPROVE, Action.RETURN) else rows
    if reviewer:
        return rows
    if role == Role.EDITOR:
        return _distinct(rows.filter(
            _own_projects(department_of(user), include_co=editor_edits_co_responsible(), prefix="project__")
        ))
    return queryset.none()


def restrict(queryset: QuerySet, user, action: Action | str = Action.VIEW) -> QuerySet:
    """The rows of ``queryset`` the user may act on. Every list, export and report starts here."""
    action = Action(action)
    model = queryset.model
    role = role_of(user)
    if role is None:
        return queryset.none()
    if model is MonthlyReport and action in WORKFLOW_ACTIONS:
        return _workflow_rows(queryset, user, role, action)
    if model is MonthlyReport and action in (Action.CHANGE, Action.DELETE):
        # An approved report changes only after a coordinator reopens it, and a report of a closed
        # month only after the month is reopened, whoever asks.
        queryset = queryset.exclude(status=ReportStatus.APPROVED).filter(_unlocked())
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
    editor_writes = action == Action.CHANGE or (action == Action.ADD and model is MonthlyReport)
    if role == Role.EDITOR and prefix is not None and editor_writes:
        own = queryset.filter(
            _own_projects(department_of(user), include_co=editor_edits_co_responsible(), prefix=prefix)
        )
        if model is MonthlyReport:
            own = own.filter(status__in=EDITABLE_REPORT_STATES)
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
    if action == Action.LOCK:
        return role in (Role.ADMINISTRATOR, Role.COORDINATOR)
    if action in WORKFLOW_ACTIONS:
        return _can_transition(user, role, action, obj, model)
    if obj is None:
        return _can_on_model(role, action, model)
    if not _can_on_model(role, action, model):
        return False
    if action == Action.ADD and model is MonthlyReport and obj.pk is None:
        return _may_fill(user, role, obj)
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


def month_lock(year: int, month: int) -> PeriodLock | None:
    """The row that closes the month (with who closed it), None while it is open."""
    return PeriodLock.objects.filter(year=year, month=month).select_related("locked_by").first()


def month_closed(year: int, month: int) -> bool:
    return PeriodLock.objects.filter(year=year, month=month).exists()


def _may_fill(user, role: Role, report: MonthlyReport) -> bool:
    """A new report: an editor for one of their projects, a coordinator for any, and never in a closed month."""
    if month_closed(report.year, report.month):
        return False
    if role == Role.EDITOR:
        return restrict(Project.objects.filter(pk=report.project_id), user, Action.CHANGE).exists()
    return True


def _can_transition(user, role: Role, action: Action, obj, model) -> bool:
    if model is not MonthlyReport:
        return False
    if obj is None:
        if TRANSITIONS[str(action)].reviewer_only:
            return role in (Role.ADMINISTRATOR, Role.COORDINATOR)
        return role in (Role.ADMINISTRATOR, Role.COORDINATOR, Role.EDITOR)
    return restrict(MonthlyReport.objects.filter(pk=obj.pk), user, action).exists()


def refusal(user, action: Action | str, report: MonthlyReport) -> str:
    """Why the user may not take this action on this monthly report, in words (for messages)."""
    action = Action(action)
    lock = month_lock(report.year, report.month)
    if lock is not None:
        return _("%(year)s年%(month)s月已于%(when)s由%(who)s关闭，月报不能再修改或审核；如需更正，请发改局统筹人员先重新打开该月份。") % {
            "year": report.year, "month": report.month, "who": lock.locked_by or _("系统"),
            "when": timezone.localtime(lock.created_at).strftime("%Y-%m-%d %H:%M"),
        }
    if action in WORKFLOW_ACTIONS and report.status not in TRANSITIONS[str(action)].sources:
        return _("当前状态为“%(status)s”的月报不能执行该操作。") % {"status": report.get_status_display()}
    if action in (Action.APPROVE, Action.RETURN) and is_reviewer(user) and (
        MonthlyReport.objects.filter(pk=report.pk).filter(own_entry(user)).exists()
    ):
        return _("不能审核自己填报、修改或提交过数据的月报（四眼原则），请由其他统筹人员审核。")
    if action == Action.APPROVE and MonthlyReport.objects.filter(pk=report.pk).filter(
        Exists(_earlier_unapproved())
    ).exists():
        return _("该项目此前月份的月报尚未审核通过，请先审核此前月份（按月份顺序审核，累计数才有依据）。")
    if action == Action.CHANGE and report.status == ReportStatus.APPROVED:
        return _("该月报已审核通过，如需修改请发改局统筹人员重新打开。")
    if action == Action.CHANGE and report.status == ReportStatus.SUBMITTED and not is_reviewer(user):
        return _("该月报已提交，等待审核；如需修改，请先撤回。")
    return _("您没有权限执行此操作（该项目不属于本单位，或您的角色不能执行此操作）。")


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
