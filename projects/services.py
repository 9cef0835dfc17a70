"""Every write to the portfolio: the project's and the monthly report's use cases.

Each service asks the policy (projects.permissions), validates the model, checks the version the
caller read (the generic versioned saves are portfolio.records', re-exported here), records the
acting user in the history, and runs in one transaction: a refused action changes nothing. Month
closing and waivers are in projects.closing.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portfolio.money import format_amount, rate_percent
from portfolio.records import (  # noqa: F401 - the generic versioned saves, used here and by callers
    ConflictError,
    MalformedVersion,
    bump_version,
    changed_fields,
    check_fields,
    clean_text,
    expected,
    record_create,
    record_delete,
    record_save,
    record_update,
)

from .models import Department, Milestone, MonthlyReport, Project
from .permissions import Action, can, refusal, require, restrict
from .workflow import TRANSITIONS


class AlreadyExists(ConflictError):
    """A record created since the user's page was read (two first saves of the same month)."""

    def __init__(self, message=None):
        super().__init__(message or _(
            "该月报已由他人先行填报，您的保存未生效。您填写的内容仍保留在页面上，请刷新查看对方填报的数据后再修改。"
        ))


class WorkflowError(Exception):
    """A workflow transition that the report's current state does not allow."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


# Projects ---------------------------------------------------------------------------------------


@transaction.atomic
def project_update(
    *,
    project: Project,
    data: dict,
    co_departments: Iterable[Department] | None = None,
    acting_user,
    expected_version,
) -> Project:
    """Change a project's fields and co-departments: one version, one history record, or nothing at all.

    ``data`` holds field -> value as the user submitted it (unchanged values included); the
    co-departments count as changed only when the set differs. Every changed field is asked of the
    policy first, so a refused change writes nothing; a save that changes nothing bumps no version
    and records no history. The page, the admin and the API call this.
    """
    require(acting_user, Action.CHANGE, project)
    changed = changed_fields(project, data)
    m2m = {}
    if co_departments is not None:
        wanted = list(co_departments)
        stored = set(project.co_departments.values_list("pk", flat=True))
        if {department.pk for department in wanted} != stored:
            m2m["co_departments"] = wanted
    check_fields(acting_user, Project, [*changed, *m2m])
    for name in changed:
        setattr(project, name, data[name])
    return record_save(instance=project, acting_user=acting_user, expected_version=expected_version, m2m=m2m)


# Monthly reports -----------------------------------------------------------------------------

# What a monthly report's author types; the year-to-date figure is computed, the rest is workflow.
REPORT_INPUT_FIELDS = (
    "completed_month", "progress_text", "problems", "coordination_requests", "plausibility_note",
)
FIGURE_FIELDS = ("completed_month",)


def implausible(report: MonthlyReport, project: Project) -> list[str]:
    """Figures that need the author's confirmation with a reason (PORTFOLIO_PLAUSIBILITY)."""
    share = Decimal(settings.PORTFOLIO_PLAUSIBILITY["month_share_of_plan"])
    reasons = []
    plan = project.annual_plan  # the stated plan only: a figure typed in is never judged against a sample one
    if plan and report.completed_month:
        percent = rate_percent(report.completed_month, plan)
        if percent > share:
            reasons.append(_(
                "本月完成投资%(month)s万元，占年度计划%(plan)s万元的%(percent)s%%，超过%(share)s%%。"
            ) % {"month": format_amount(report.completed_month), "plan": format_amount(plan),
                 "percent": percent, "share": share})
    if project.total_investment is not None and report.completed_ytd > project.total_investment:
        reasons.append(_("累计完成投资%(ytd)s万元超过项目总投资%(total)s万元。") % {
            "ytd": format_amount(report.completed_ytd), "total": format_amount(project.total_investment)})
    return reasons


def _check_plausible(report: MonthlyReport) -> None:
    reasons = implausible(report, report.project)
    if reasons and not (report.plausibility_note or "").strip():
        raise ValidationError({"plausibility_note": [
            *reasons, _("如数据无误，请在“异常说明”中写明原因后再保存；审核人员会看到该说明。")
        ]})


def _carry_forward(report: MonthlyReport, acting_user) -> None:
    """Later months' year-to-date follow this month's; a later month that is no longer open blocks the change."""
    running = report.completed_ytd
    later = MonthlyReport.objects.select_for_update().filter(
        project_id=report.project_id, year=report.year, month__gt=report.month
    ).order_by("month")
    for following in later:
        new_ytd = running + following.completed_month
        if following.completed_ytd != new_ytd:
            month_guard(following.year, following.month)
            if not restrict(MonthlyReport.objects.filter(pk=following.pk), acting_user, Action.CHANGE).exists():
                raise ValidationError(
                    {"completed_month": _("%(month)s月的月报已提交、审核或所在月份已关闭，不能再改变此前月份的累计数。") % {
                        "month": following.month}}
                )
            following.completed_ytd = new_ytd
            following._history_user = acting_user
            following.version += 1  # the row is locked (select_for_update) until the transaction ends
            following.save(update_fields=["completed_ytd", "version", "updated_at"])
            following.contributors.add(acting_user)  # a changed figure: four eyes count it
        running = new_ytd


# Month guards: on PostgreSQL, every monthly-report write holds a shared advisory lock on its month and
# closing or reopening the month an exclusive one, so a close never interleaves with a write it would
# freeze. SQLite runs one writer at a time (immediate transactions), which gives the same guarantee.
MONTH_LOCK_KEY = 7011


def month_guard(year: int, month: int, *, exclusive: bool = False) -> None:
    if connection.vendor != "postgresql":
        return
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [MONTH_LOCK_KEY, year * 100 + month])


def _lock_project(project_id: int) -> None:
    """Writes to one project's months queue up: each month's year to date is built on the month before."""
    list(Project.objects.select_for_update().filter(pk=project_id).values_list("pk"))


def _require_report(user, action: Action, report: MonthlyReport) -> None:
    """404 for a report the user may not see; else a refusal that says why (closed month, four eyes …)."""
    require(user, Action.VIEW, report)
    if not can(user, action, report):
        raise PermissionDenied(refusal(user, action, report))


@transaction.atomic
def monthly_report_create(*, project, year: int, month: int, data: dict, acting_user) -> MonthlyReport:
    """The month's first report of a project. Of two concurrent first saves one wins, the other is refused."""
    _lock_project(project.pk)
    month_guard(year, month)
    report = MonthlyReport(project=project, year=year, month=month, created_by=acting_user)
    if not can(acting_user, Action.ADD, report):
        raise PermissionDenied(refusal(acting_user, Action.ADD, report))
    check_fields(acting_user, MonthlyReport, [k for k in data if k not in ("project", "year", "month")] or [])
    if MonthlyReport.objects.filter(project=project, year=year, month=month).exists():
        raise AlreadyExists()
    for name, value in data.items():
        setattr(report, name, value)
    report.compute_ytd()
    _check_plausible(report)
    try:
        with transaction.atomic():  # a savepoint: the losing insert of a race is undone alone
            record_create(instance=report, acting_user=acting_user)
    except (IntegrityError, ValidationError):
        # The other first save may commit between the check above and this insert: full_clean's
        # unique check (or the constraint) then finds it; either way the month is no longer empty.
        if MonthlyReport.objects.filter(project=project, year=year, month=month).exists():
            raise AlreadyExists() from None
        raise
    report.contributors.add(acting_user)
    _carry_forward(report, acting_user)
    return report


@transaction.atomic
def monthly_report_update(*, report: MonthlyReport, data: dict, acting_user, expected_version) -> MonthlyReport:
    """Change a report's figures and texts; whoever changes a figure joins those who may not approve it."""
    _lock_project(report.project_id)
    month_guard(report.year, report.month)
    _require_report(acting_user, Action.CHANGE, report)
    changed = changed_fields(report, data)
    check_fields(acting_user, MonthlyReport, changed)
    for name in changed:
        setattr(report, name, data[name])
    report.compute_ytd()
    if changed:
        _check_plausible(report)
    record_save(
        instance=report, acting_user=acting_user, expected_version=expected_version, computed=("completed_ytd",)
    )
    if changed:
        report.contributors.add(acting_user)
    _carry_forward(report, acting_user)
    return report


def _transition(report: MonthlyReport, action: Action, acting_user, expected_version, **changes) -> MonthlyReport:
    """Move a report along projects.workflow.TRANSITIONS; the version is checked when the caller read one
    (the pages and the API always send it; the admin's list actions act on the rows as they are now)."""
    month_guard(report.year, report.month)
    require(acting_user, Action.VIEW, report)
    if not can(acting_user, action, report):
        if not can(acting_user, action, None, model=MonthlyReport):
            raise PermissionDenied(_("您没有权限执行此操作。"))
        message = refusal(acting_user, action, report)
        if report.status not in TRANSITIONS[str(action)].sources:
            raise WorkflowError(message)
        raise PermissionDenied(message)
    for name, value in changes.items():
        if name == "review_comment":
            changes[name] = clean_text(MonthlyReport, name, value)  # typed: held to the field's limit
    bump_version(report, report.version if expected_version is None else expected_version)
    changes["status"] = TRANSITIONS[str(action)].target
    for name, value in changes.items():
        setattr(report, name, value)
    report._history_user = acting_user
    report.save()
    return report


@transaction.atomic
def monthly_report_submit(*, report: MonthlyReport, acting_user, expected_version=None) -> MonthlyReport:
    # The previous reviewer's comment answered an earlier version; the history keeps it.
    return _transition(
        report, Action.SUBMIT, acting_user, expected_version,
        submitted_by=acting_user, submitted_at=timezone.now(), review_comment="",
    )


@transaction.atomic
def monthly_report_withdraw(*, report: MonthlyReport, acting_user, expected_version=None) -> MonthlyReport:
    """撤回: a submitted report not yet reviewed goes back to draft."""
    return _transition(report, Action.WITHDRAW, acting_user, expected_version)


@transaction.atomic
def monthly_report_approve(*, report: MonthlyReport, acting_user, comment: str = "", expected_version=None):
    return _transition(
        report, Action.APPROVE, acting_user, expected_version,
        reviewed_by=acting_user, reviewed_at=timezone.now(), review_comment=comment,
    )


@transaction.atomic
def monthly_report_return(*, report: MonthlyReport, acting_user, comment: str, expected_version=None):
    if not (comment or "").strip():
        raise ValidationError({"review_comment": _("退回时须填写审核意见。")})
    return _transition(
        report, Action.RETURN, acting_user, expected_version,
        reviewed_by=acting_user, reviewed_at=timezone.now(), review_comment=comment,
    )


@transaction.atomic
def monthly_report_reopen(*, report: MonthlyReport, acting_user, comment: str = "", expected_version=None):
    return _transition(
        report, Action.REOPEN, acting_user, expected_version,
        reviewed_by=acting_user, reviewed_at=timezone.now(),
        review_comment=comment or _("已重新打开，可修改后再次提交。"),
    )


# The monthly report's use cases: the entry page, the bulk sheet, the API and the admin call these.


@dataclass(frozen=True)
class MilestoneInput:
    """A milestone's actual date and note as typed, with the version the page read."""

    milestone: Milestone
    data: dict
    expected_version: int | str | None


@transaction.atomic
def monthly_report_entry_save(
    *,
    project: Project,
    year: int,
    month: int,
    data: dict,
    acting_user,
    expected_version,
    milestones: Sequence[MilestoneInput] = (),
    submit: bool = False,
) -> MonthlyReport:
    """Save a project's month (the report, its milestones' actual dates) and optionally submit it.

    ``expected_version`` is the report's version the user read, 0 when there was no report yet: a
    report created or changed by someone else since then is refused, never overwritten.
    """
    read = expected(expected_version)
    report = MonthlyReport.objects.select_for_update().filter(project=project, year=year, month=month).first()
    if report is None and read != 0:
        raise ConflictError(_("该月报已被他人删除或不存在，保存未生效。请刷新页面后再填报。"))
    if report is not None and read == 0:
        raise AlreadyExists()
    if report is None:
        report = monthly_report_create(project=project, year=year, month=month, data=data, acting_user=acting_user)
    else:
        report = monthly_report_update(report=report, data=data, acting_user=acting_user, expected_version=read)
    for item in milestones:
        if item.milestone.project_id != project.pk:
            raise PermissionDenied(_("提交的节点不属于该项目。"))
        record_update(
            instance=item.milestone, data=item.data, acting_user=acting_user, expected_version=item.expected_version
        )
    if submit:
        monthly_report_submit(report=report, acting_user=acting_user, expected_version=report.version)
    return report


@dataclass(frozen=True)
class BulkRow:
    """One row of a department's monthly sheet (the bulk page, the Excel upload)."""

    project: Project
    data: dict
    expected_version: int | str | None
    has_input: bool = True
    milestones: Sequence[MilestoneInput] = ()


@dataclass
class BulkRefused(Exception):
    """The sheet was refused as a whole; ``errors`` holds each refused row's messages by project pk."""

    errors: dict[int, list[str]] = field(default_factory=dict)

    def __str__(self):
        return "; ".join(m for messages in self.errors.values() for m in messages)


def _messages(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return list(exc.messages)
    return [getattr(exc, "message", None) or str(exc)]


def monthly_report_bulk_save(*, year: int, month: int, rows: Sequence[BulkRow], submit: bool, acting_user) -> int:
    """Save (and with ``submit`` also submit) every row of a sheet, or none: a refused row refuses the sheet.

    Rows without input are skipped (a stored draft shows its values, so it has input and is
    submitted with ``submit``). Returns how many reports were saved.
    """
    errors: dict[int, list[str]] = {}
    saved = 0
    with transaction.atomic():
        for row in rows:
            if not row.has_input:
                continue
            try:
                with transaction.atomic():
                    monthly_report_entry_save(
                        project=row.project, year=year, month=month, data=row.data, acting_user=acting_user,
                        expected_version=row.expected_version, submit=submit, milestones=row.milestones,
                    )
                saved += 1
            except (ValidationError, PermissionDenied, ConflictError, WorkflowError) as exc:
                errors[row.project.pk] = _messages(exc)
        if errors:
            raise BulkRefused(errors)
    return saved
