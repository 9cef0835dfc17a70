"""The projects app's rules: who may see and change departments, projects, milestones and monthly reports.

Registered in the core registry (portfolio.policy) for every model of the app; callers ask the
core's ``restrict`` / ``can`` / ``require`` / ``refusal`` / ``changeable_fields`` (re-exported here),
and the named questions below (``reviews_reports``, ``fills_reports``, ``writable_rows`` …) for
what pages and services decide by role or by a closed month. Nothing outside this module (and
portfolio.policy) compares roles or reads a month's lock to decide anything.

Policy: viewers read; department editors change the progress of their own
department's projects and fill their monthly reports; coordinators change everything in the
portfolio and review reports; administrators also manage users and groups.
"""

from collections.abc import Iterable

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from portfolio import policy
from portfolio.policy import (  # noqa: F401 - the questions callers ask, answered by the core's dispatch
    Action,
    Role,
    can,
    can_change_field,
    changeable_fields,
    get_visible_or_404,
    is_administrator,
    is_reviewer,
    refusal,
    require,
    restrict,
    role_of,
)

from .choices import LetterState, RecordKind, ReportStatus
from .models import (
    Department,
    DepartmentMembership,
    Milestone,
    MonthlyReport,
    PeriodLock,
    Programme,
    ProgrammeSnapshot,
    Project,
    SupervisionLetter,
    SupervisionLetterItem,
)
from .workflow import EDITABLE_STATES, TRANSITIONS

# The monthly report's workflow actions, named as in projects.workflow.TRANSITIONS.
WORKFLOW_ACTIONS = (Action.SUBMIT, Action.WITHDRAW, Action.APPROVE, Action.RETURN, Action.REOPEN)

# The app's models every role reads; its other models (snapshots, waivers, history) are the administrator's.
PORTFOLIO_MODELS = (
    Department, DepartmentMembership, Programme, ProgrammeSnapshot, Project, Milestone, MonthlyReport, PeriodLock,
)
# What a department editor may write: progress, never plan fields.
EDITOR_FIELDS: dict[type[Model], frozenset[str]] = {
    Project: frozenset({"progress_summary"}),
    Milestone: frozenset({"actual_date", "actual_date_precision", "note"}),
    MonthlyReport: frozenset({
        "completed_month", "progress_text", "problems", "coordination_requests", "plausibility_note",
    }),
}
EDITABLE_REPORT_STATES = tuple(EDITABLE_STATES)
# Supervision letters: coordinators draft, issue, close and escalate them (APPROVE) and read them all;
# a department's editors read the letters sent to it (never drafts) and respond (SUBMIT); viewers read
# the letters sent. Which step a letter's state allows is projects.letters' business.
LETTER_MODELS = (SupervisionLetter, SupervisionLetterItem)
LETTER_ACTIONS = {
    Role.COORDINATOR: frozenset({Action.VIEW, Action.ADD, Action.CHANGE, Action.DELETE, Action.APPROVE}),
    Role.EDITOR: frozenset({Action.VIEW, Action.SUBMIT}),
    Role.VIEWER: frozenset({Action.VIEW}),
}


def department_of(user) -> Department | None:
    if user is None or not user.is_authenticated:
        return None
    if not hasattr(user, "_portfolio_department"):
        membership = DepartmentMembership.objects.filter(user=user).select_related("department").first()
        user._portfolio_department = membership.department if membership else None
    return user._portfolio_department


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


# Closed months ----------------------------------------------------------------------------------


def _unlocked() -> Exists:
    """The report's month is open (not closed): a closed month changes for nobody until it is reopened."""
    return ~Exists(PeriodLock.objects.filter(year=OuterRef("year"), month=OuterRef("month")))


def month_lock(year: int, month: int) -> PeriodLock | None:
    """The row that closes the month (with who closed it), None while it is open."""
    return PeriodLock.objects.filter(year=year, month=month).select_related("locked_by").first()


def month_closed(year: int, month: int) -> bool:
    return PeriodLock.objects.filter(year=year, month=month).exists()


def month_closed_q(year: int, month: int) -> Exists:
    """The month is closed, as a condition a query can hold (one query for a whole list)."""
    return Exists(PeriodLock.objects.filter(year=year, month=month))


def closed_months(years: Iterable[int]) -> set[tuple[int, int]]:
    """The closed (year, month) pairs of these years: nothing of them is owed or written any more."""
    return set(PeriodLock.objects.filter(year__in=list(years)).values_list("year", "month"))


# Monthly reports: four eyes and the workflow ---------------------------------------------------------


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
    reviewer = role in policy.REVIEWER_ROLES
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


def _distinct(queryset: QuerySet) -> QuerySet:
    # Filtering through the co_departments many-to-many can repeat rows.
    return queryset.distinct() if editor_edits_co_responsible() or not editor_sees_all() else queryset


# The rules ------------------------------------------------------------------------------------------


def _letters(queryset: QuerySet, user, role: Role, action: Action) -> QuerySet:
    if role == Role.ADMINISTRATOR or (role == Role.COORDINATOR and action in LETTER_ACTIONS[role]):
        return queryset
    if role is None or action not in LETTER_ACTIONS.get(role, ()):
        return queryset.none()
    prefix = "" if queryset.model is SupervisionLetter else "letter__"
    sent = queryset.exclude(**{f"{prefix}state": LetterState.DRAFT})
    if role == Role.EDITOR:
        return sent.filter(**{f"{prefix}department": department_of(user)})
    return sent


def _restrict(queryset: QuerySet, user, role: Role, action: Action) -> QuerySet:
    model = queryset.model
    if model in LETTER_MODELS:
        return _letters(queryset, user, role, action)
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
            return queryset.none()
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


def _can(user, role: Role, action: Action, obj: Model | None, model: type[Model]) -> bool:
    if action == Action.LOCK:
        return role in policy.REVIEWER_ROLES
    if model in LETTER_MODELS:
        if role != Role.ADMINISTRATOR and action not in LETTER_ACTIONS.get(role, ()):
            return False
        if obj is None or obj.pk is None:
            return True
        return _letters(model._default_manager.filter(pk=obj.pk), user, role, action).exists()
    if action in WORKFLOW_ACTIONS:
        return _can_transition(user, role, action, obj, model)
    if not _can_on_model(role, action, model):
        return False
    if obj is None:
        return True
    if action == Action.ADD and model is MonthlyReport and obj.pk is None:
        return _may_fill(user, obj)
    if obj.pk is None:
        return True
    return _restrict(model._default_manager.filter(pk=obj.pk), user, role, action).exists()


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


def _fillable_projects(projects: QuerySet, user) -> QuerySet:
    """Of the projects, those whose monthly reports the user (allowed to add reports at all) may start:
    an editor their own department's, a coordinator or administrator any; never a place the report
    mentions, which is no project and reports nothing."""
    projects = projects.exclude(record_kind=RecordKind.PLACE)
    if role_of(user) == Role.EDITOR:
        return restrict(projects, user, Action.CHANGE)
    return projects


def _may_fill(user, report: MonthlyReport) -> bool:
    """A new report: an editor for one of their projects, a coordinator for any, and never in a closed month."""
    if month_closed(report.year, report.month) or report.project.is_place:
        return False
    if role_of(user) != Role.EDITOR:
        return True  # a coordinator or administrator may start any project's report: no query
    return _fillable_projects(Project.objects.filter(pk=report.project_id), user).exists()


def _can_transition(user, role: Role, action: Action, obj, model) -> bool:
    if model is not MonthlyReport:
        return False
    if obj is None:
        if TRANSITIONS[str(action)].reviewer_only:
            return role in policy.REVIEWER_ROLES
        return role in (*policy.REVIEWER_ROLES, Role.EDITOR)
    return _workflow_rows(MonthlyReport.objects.filter(pk=obj.pk), user, role, action).exists()


def _report_refusal(user, action: Action, report: MonthlyReport) -> str:
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
    if action == Action.ADD and report.pk is None and report.project.is_place:
        return _("“%(name)s”是报告提及的设施、平台或区域，不是建设项目，无需填报月报。") % {"name": report.project.name}
    if action == Action.CHANGE and report.status == ReportStatus.APPROVED:
        return _("该月报已审核通过，如需修改请发改局统筹人员重新打开。")
    if action == Action.CHANGE and report.status == ReportStatus.SUBMITTED and not is_reviewer(user):
        return _("该月报已提交，等待审核；如需修改，请先撤回。")
    return _("您没有权限执行此操作（该项目不属于本单位，或您的角色不能执行此操作）。")


class ProjectRules(policy.Rules):
    """The rules above, registered for every model of the projects app."""

    def restrict(self, queryset, user, action):
        return _restrict(queryset, user, role_of(user), action)

    def can(self, user, action, obj, model):
        return _can(user, role_of(user), action, obj, model)

    def changeable_fields(self, user, model):
        role = role_of(user)
        if role in policy.REVIEWER_ROLES and _can_on_model(role, Action.CHANGE, model):
            return None
        if role == Role.EDITOR:
            return EDITOR_FIELDS.get(model, frozenset())
        return frozenset()

    def refusal(self, user, action, obj):
        return _report_refusal(user, action, obj) if isinstance(obj, MonthlyReport) else None


RULES = ProjectRules()


def register_rules() -> None:
    """Called from ProjectsConfig.ready: the app's every model (history tables too) answers by RULES."""
    for model in apps.get_app_config("projects").get_models():
        policy.register(model, RULES)


# Named questions the pages, services and reminders ask ------------------------------------------------


def reviews_reports(user) -> bool:
    """The user reviews monthly reports (the review queue, the late departments, closing months)."""
    return can(user, Action.APPROVE, model=MonthlyReport)


def fills_reports(user) -> bool:
    """The user fills their own department's monthly reports (the bulk sheet and the to-do list are theirs)."""
    return can(user, Action.SUBMIT, model=MonthlyReport) and not reviews_reports(user)


def fills_for_any_department(user) -> bool:
    """Coordinators may fill a department's sheet for it (e.g. from a paper return)."""
    return reviews_reports(user)


def manages_data(user) -> bool:
    """The user manages the portfolio's records in the admin (coordinators, administrators)."""
    return is_reviewer(user)


def manages_letters(user) -> bool:
    """The user drafts, issues, closes and escalates supervision letters (coordinators, administrators)."""
    return can(user, Action.APPROVE, model=SupervisionLetter)


def responds_to_letters(user) -> bool:
    """The user answers the letters sent to their department (department editors)."""
    return can(user, Action.SUBMIT, model=SupervisionLetter) and not manages_letters(user)


def sees_own_department_only(user) -> bool:
    """The user sees only their department's projects (editors, when PORTFOLIO_EDITOR_SEES_ALL_PROJECTS is off)."""
    return role_of(user) == Role.EDITOR and not editor_sees_all()


def report_fillers() -> list:
    """The active users who fill their department's reports (whom the monthly reminders are for).
    A user in a stronger group too (e.g. a coordinator) is not one of them."""
    users = (
        get_user_model().objects.filter(is_active=True, groups__name=str(Role.EDITOR), membership__isnull=False)
        .distinct()
        .order_by("username")
    )
    return [user for user in users if fills_reports(user)]


def month_closers() -> list:
    """The active users who may close a month (the bureau's coordinators; whom the month-end job tells)."""
    users = get_user_model().objects.filter(is_active=True, groups__name=str(Role.COORDINATOR)).distinct()
    return [user for user in users.order_by("username") if can(user, Action.LOCK, model=PeriodLock)]


def writable_rows(user, projects: list[Project], year: int, month: int) -> dict[int, bool]:
    """Which of these projects' reports for the month the user may write now (a sheet's rows): a stored
    report while it is open to change, a new one where the user may start it in an open month."""
    reports = MonthlyReport.objects.filter(project__in=projects, year=year, month=month)
    stored = dict(reports.values_list("project_id", "pk"))
    open_reports = set(restrict(reports, user, Action.CHANGE).values_list("project_id", flat=True))
    startable = set()
    new = [p for p in projects if p.pk not in stored]
    if new and can(user, Action.ADD, model=MonthlyReport) and not month_closed(year, month):
        startable = set(_fillable_projects(
            Project.objects.filter(pk__in=[p.pk for p in new]), user
        ).values_list("pk", flat=True))
    return {p.pk: (p.pk in open_reports) if p.pk in stored else (p.pk in startable) for p in projects}
