"""Versioned saves of any record through the policy: the generic create, save, update and delete.

Each asks the policy (portfolio.policy), validates the model, checks the version the caller read
in the same UPDATE that bumps it (optimistic locking: a stale or missing version is refused, never
silently overwrites), records the acting user in the history, and runs in one transaction: a
refused write changes nothing. Feature apps' use-case services build on these. Imports no feature app.
"""

import re
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Model
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from portfolio.text import enumerated

from .policy import Action, can_change_field, require, restrict


class ConflictError(Exception):
    """Someone else saved the record since it was read (stale version)."""

    def __init__(self, message=None):
        super().__init__(message or _("该记录已被他人修改，您的保存未生效。请刷新页面查看最新内容后再修改。"))
        self.message = str(self.args[0])


class MalformedVersion(ConflictError):
    """The write carried no version, or something that is no version: bad input (a 400), not someone
    else's save; still a ConflictError, so that every caller that refuses a stale write refuses it too."""


# Versions are PositiveIntegerFields: what every backend stores in them.
MAX_VERSION = 2**31 - 1
_VERSION_TEXT = re.compile(r"[0-9]{1,10}")


def expected(version) -> int:
    """The version a write says it read; a missing or malformed version is refused, never skipped."""
    if version is None or version == "":
        raise MalformedVersion(_("保存请求没有带上您读取时的版本号，无法确认没有覆盖他人的修改，保存未生效。请刷新页面后再保存。"))
    if isinstance(version, int) and not isinstance(version, bool):
        read = version
    elif isinstance(version, str) and _VERSION_TEXT.fullmatch(version.strip()):
        read = int(version.strip())
    else:
        read = -1
    if not 0 <= read <= MAX_VERSION:
        raise MalformedVersion(_("版本号“%(version)s”无效，保存未生效。请刷新页面后再保存。") % {
            "version": Truncator(str(version)).chars(20)})
    return read


def field_label(model: type[Model], name: str) -> str:
    """A field's name as users read it (its verbose name); the name itself for anything else."""
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:
        return name


def clean_text(model: type[Model], name: str, value: str) -> str:
    """A text a service takes outside a form, held to its model field's rules (length, NUL); refused
    with each message led by the field's name."""
    try:
        return model._meta.get_field(name).clean(value, None)
    except ValidationError as exc:
        label = field_label(model, name)
        raise ValidationError({name: [_("%(field)s：%(message)s") % {"field": label, "message": message}
                                      for message in exc.messages]}) from None


def check_fields(user, model: type[Model], fields: Iterable[str]) -> None:
    refused = [name for name in fields if not can_change_field(user, model, name)]
    if refused:
        labels = enumerated(field_label(model, name) for name in refused)
        raise PermissionDenied(_("您无权修改以下字段：%(fields)s。") % {"fields": labels})


def bump_version(instance: Model, expected_version) -> None:
    """Check and increase the version in one UPDATE; the row stays locked until the transaction ends."""
    if not hasattr(instance, "version"):
        return
    read = expected(expected_version)
    updated = type(instance)._default_manager.filter(pk=instance.pk, version=read).update(
        version=F("version") + 1
    )
    if not updated:
        raise ConflictError()
    instance.version = read + 1


def _ensure_still_allowed(user, instance: Model) -> None:
    """After a save: the object must still be within what the user may change (or the save is undone)."""
    model = type(instance)
    if not restrict(model._default_manager.filter(pk=instance.pk), user, Action.CHANGE).exists():
        raise PermissionDenied(_("保存后该记录将超出您的修改范围，保存未生效。"))


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
    if hasattr(instance, "version"):
        expected(expected_version)  # a malformed version is refused even when nothing would change
    if not changed:
        return instance  # nothing to write: no version bump, no empty history record
    check_fields(acting_user, type(instance), [name for name in changed if name not in computed])
    instance.full_clean()
    bump_version(instance, expected_version)
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
    check_fields(acting_user, type(instance), changed)
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
