"""Every write to the portfolio: create, update, delete, the monthly-report workflow and month locks.

Each service asks projects.permissions, validates the model, checks the version in the same
UPDATE that bumps it (optimistic locking: a stale edit is refused, never silently overwrites),
records the acting user in the history, and runs in one transaction: a refused action changes
nothing.
"""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import ReportStatus
from .models import MonthlyReport, PeriodLock
from .permissions import Action, can, can_change_field, require, restrict


class ConflictError(Exception):
    """Someone else saved the record since it was read (stale version)."""

    def __init__(self, message=None):
        super().__init__(message or _("该记录已被他人修改,您的保存未生效。请刷新页面查看最新内容后再修改。"))
        self.message = str(self.args[0])


class WorkflowError(Exception):
    """A workflow transition that the report's current state does not allow."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _field_label(model: type[Model], name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:
        return name


def _check_fields(user, model: type[Model], fields: Iterable[str]) -> None:
    refused = [name for name in fields if not can_change_field(user, model, name)]
    if refused:
        labels = "、".join(_field_label(model, name) for name in refused)
        raise PermissionDenied(_("您无权修改以下字段:%(fields)s。") % {"fields": labels})


def _bump_version(instance: Model, expected_version: int | None) -> None:
    """Check and increase the version in one UPDATE; the row stays locked until the transaction ends."""
    if not hasattr(instance, "version"):
        return
    expected = instance.version if expected_version is None else int(expected_version)
    updated = type(instance)._default_manager.filter(pk=instance.pk, version=expected).update(
        version=F("version") + 1
    )
    if not updated:
        raise ConflictError()
    instance.version = expected + 1


def _ensure_still_allowed(user, instance: Model) -> None:
    """After a save: the object must still be within what the user may change (or the save is undone)."""
    model = type(instance)
    if not restrict(model._default_manager.filter(pk=instance.pk), user, Action.CHANGE).exists() and not (
        model is MonthlyReport and instance.status == ReportStatus.APPROVED
    ):
        raise PermissionDenied(_("保存后该记录将超出您的修改范围,保存未生效。"))


def changed_fields(instance: Model, data: dict) -> list[str]:
    return [name for name, value in data.items() if getattr(instance, name) != value]


def _changed_since_stored(instance: Model) -> list[str]:
    """Fields whose in-memory value differs from the stored row: what a save would really change."""
    stored = type(instance)._default_manager.filter(pk=instance.pk).values().first() or {}
    return [
        field.name
        for field in type(instance)._meta.concrete_fields
        if field.editable and not field.primary_key and getattr(instance, field.attname) != stored.get(field.attname)
    ]


@transaction.atomic
def record_save(
    *,
    instance: Model,
    acting_user,
    expected_version: int | None = None,
    m2m: dict | None = None,
    computed: Iterable[str] = (),
) -> Model:
    """Save an existing record whose new values were set in memory (admin forms, history reverts).

    ``computed`` names fields the calling service derived itself (a report's year to date); they are
    not the user's input and are not checked against what the user may write.

    What changes is worked out against the stored row, so a crafted form cannot slip a field past
    the field check, and a save that changes nothing writes nothing.
    """
    changed = _changed_since_stored(instance) + list(m2m or {})
    require(acting_user, Action.CHANGE, instance)
    if not changed:
        return instance  # nothing to write: no version bump, no empty history record
    _check_fields(acting_user, type(instance), [name for name in changed if name not in computed])
    instance.full_clean()
    _bump_version(instance, expected_version)
    instance._history_user = acting_user
    instance.save()
    for name, values in (m2m or {}).items():
        getattr(instance, name).set(values)
    _ensure_still_allowed(acting_user, instance)
    return instance


@transaction.atomic
def record_update(*, instance: Model, data: dict, acting_user, expected_version: int | None = None) -> Model:
    """Apply ``data`` (field -> value) to an existing record and save it through the policy."""
    require(acting_user, Action.CHANGE, instance)
    changed = changed_fields(instance, data)
    _check_fields(acting_user, type(instance), changed)
    for name in changed:
        setattr(instance, name, data[name])
    return record_save(instance=instance, acting_user=acting_user, expected_version=expected_version)


@transaction.atomic
def record_create(*, instance: Model, acting_user, m2m: dict | None = None) -> Model:
    require(acting_user, Action.ADD, instance)
    instance.full_clean()
    instance._history_user = acting_user
    instance.save()
    for name, values in (m2m or {}).items():
        getattr(instance, name).set(values)
    return instance


@transaction.atomic
def record_delete(*, instance: Model, acting_user) -> None:
    require(acting_user, Action.DELETE, instance)
    instance._history_user = acting_user
    instance.delete()


# Monthly reports -----------------------------------------------------------------------------

# What a monthly report's author types; the year-to-date figure is computed, the rest is workflow.
REPORT_INPUT_FIELDS = ("completed_month", "progress_text", "problems", "coordination_requests")


def _carry_forward(report: MonthlyReport, acting_user) -> None:
    """Later months' year-to-date follow this month's; an approved later month blocks the change."""
    running = report.completed_ytd
    later = MonthlyReport.objects.select_for_update().filter(
        project_id=report.project_id, year=report.year, month__gt=report.month
    ).order_by("month")
    for following in later:
        new_ytd = running + following.completed_month
        if following.completed_ytd != new_ytd:
            if not restrict(MonthlyReport.objects.filter(pk=following.pk), acting_user, Action.CHANGE).exists():
                raise ValidationError(
                    {"completed_month": _("%(month)s月的月报已提交或审核,不能再改变此前月份的累计数。") % {
                        "month": following.month}}
                )
            following.completed_ytd = new_ytd
            following._history_user = acting_user
            following.version += 1  # the row is locked (select_for_update) until the transaction ends
            following.save(update_fields=["completed_ytd", "version", "updated_at"])
        running = new_ytd


@transaction.atomic
def monthly_report_create(*, project, year: int, month: int, data: dict, acting_user) -> MonthlyReport:
    report = MonthlyReport(project=project, year=year, month=month, created_by=acting_user)
    _check_fields(acting_user, MonthlyReport, [k for k in data if k not in ("project", "year", "month")] or [])
    for name, value in data.items():
        setattr(report, name, value)
    report.compute_ytd()
    record_create(instance=report, acting_user=acting_user)
    _carry_forward(report, acting_user)
    return report


@transaction.atomic
def monthly_report_update(
    *, report: MonthlyReport, data: dict, acting_user, expected_version: int | None = None
) -> MonthlyReport:
    require(acting_user, Action.CHANGE, report)
    changed = changed_fields(report, data)
    _check_fields(acting_user, MonthlyReport, changed)
    for name in changed:
        setattr(report, name, data[name])
    report.compute_ytd()
    record_save(
        instance=report, acting_user=acting_user, expected_version=expected_version, computed=("completed_ytd",)
    )
    _carry_forward(report, acting_user)
    return report


def _transition(report: MonthlyReport, action: Action, acting_user, expected_version, **changes) -> MonthlyReport:
    require(acting_user, Action.VIEW, report)
    if not can(acting_user, action, report):
        if not can(acting_user, action, None, model=MonthlyReport):
            raise PermissionDenied(_("您没有权限执行此操作。"))
        if action in (Action.APPROVE, Action.RETURN) and acting_user.pk in (
            report.created_by_id, report.submitted_by_id
        ) and report.status == ReportStatus.SUBMITTED:
            raise PermissionDenied(_("不能审核自己填报或提交的月报。"))
        if action == Action.SUBMIT and report.status in (ReportStatus.DRAFT, ReportStatus.RETURNED):
            raise PermissionDenied(_("您没有权限提交该月报(不属于本单位,或该月份已锁定)。"))
        raise WorkflowError(
            _("当前状态为“%(status)s”的月报不能执行该操作。") % {"status": report.get_status_display()}
        )
    _bump_version(report, expected_version)
    for name, value in changes.items():
        setattr(report, name, value)
    report._history_user = acting_user
    report.save()
    return report


@transaction.atomic
def monthly_report_submit(*, report: MonthlyReport, acting_user, expected_version=None) -> MonthlyReport:
    return _transition(
        report, Action.SUBMIT, acting_user, expected_version,
        status=ReportStatus.SUBMITTED, submitted_by=acting_user, submitted_at=timezone.now(),
    )


@transaction.atomic
def monthly_report_approve(*, report: MonthlyReport, acting_user, comment: str = "", expected_version=None):
    return _transition(
        report, Action.APPROVE, acting_user, expected_version,
        status=ReportStatus.APPROVED, reviewed_by=acting_user, reviewed_at=timezone.now(), review_comment=comment,
    )


@transaction.atomic
def monthly_report_return(*, report: MonthlyReport, acting_user, comment: str, expected_version=None):
    if not (comment or "").strip():
        raise ValidationError({"review_comment": _("退回时须填写审核意见。")})
    return _transition(
        report, Action.RETURN, acting_user, expected_version,
        status=ReportStatus.RETURNED, reviewed_by=acting_user, reviewed_at=timezone.now(), review_comment=comment,
    )


@transaction.atomic
def monthly_report_reopen(*, report: MonthlyReport, acting_user, comment: str = "", expected_version=None):
    return _transition(
        report, Action.REOPEN, acting_user, expected_version,
        status=ReportStatus.RETURNED, reviewed_by=acting_user, reviewed_at=timezone.now(),
        review_comment=comment or _("已重新打开,可修改后再次提交。"),
    )


# Month locks ---------------------------------------------------------------------------------


@transaction.atomic
def period_lock(*, year: int, month: int, acting_user) -> PeriodLock:
    if not can(acting_user, Action.LOCK, model=PeriodLock):
        raise PermissionDenied(_("只有发改局统筹人员可以锁定月份。"))
    lock = PeriodLock(year=year, month=month, locked_by=acting_user)
    lock.full_clean()
    lock._history_user = acting_user
    lock.save()
    return lock


@transaction.atomic
def period_unlock(*, year: int, month: int, acting_user) -> None:
    if not can(acting_user, Action.LOCK, model=PeriodLock):
        raise PermissionDenied(_("只有发改局统筹人员可以重新打开月份。"))
    for lock in PeriodLock.objects.filter(year=year, month=month):
        lock._history_user = acting_user
        lock.delete()
