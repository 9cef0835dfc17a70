"""A project's change history in words: who changed which field from what to what."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import models
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from portfolio.models import choice_label

from .models import Project
from .templatetags.portfolio import wan

# Long texts (形象进度, source quotes) are cut so one edit does not fill the page.
TEXT_CHARS = 80


@dataclass(frozen=True)
class FieldChange:
    label: str  # the field's verbose name
    old: str
    new: str


@dataclass(frozen=True)
class HistoryRow:
    when: dt.datetime
    user: str
    action: str  # 创建 / 修改 / 删除
    changes: list[FieldChange] = field(default_factory=list)
    reason: str = ""


def _action(history_type: str, *, earliest: bool = False) -> str:
    if earliest and history_type == "~":
        # Loaded in bulk (the report data, an import) without a creation record: nothing to compare with.
        return _("最早的记录（此前无历史可比较）")
    labels = {"+": _("创建"), "~": _("修改"), "-": _("删除")}
    return labels.get(history_type, history_type)


def _user(record) -> str:
    user = record.history_user
    if user is None:
        return _("系统")
    return user.get_full_name() or user.get_username()


def _names_by_model(deltas) -> dict[type, dict]:
    """Every related object the diffs mention, fetched in one query per related model."""
    wanted: dict[type, set] = defaultdict(set)
    for _record, changes, _earliest in deltas:
        for change in changes:
            model_field = Project._meta.get_field(change.field)
            if model_field.many_to_one:
                wanted[model_field.related_model].update(v for v in (change.old, change.new) if v is not None)
    return {model: model._base_manager.in_bulk(ids) for model, ids in wanted.items()}


def _display(model_field: models.Field, value, names: dict[type, dict]) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if model_field.many_to_one:
        related = names.get(model_field.related_model, {}).get(value)
        return str(related) if related is not None else _("已删除（编号%(pk)s）") % {"pk": value}
    if model_field.choices:
        return str(choice_label(model_field, value))
    if isinstance(model_field, models.DecimalField):
        return wan(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return Truncator(str(value)).chars(TEXT_CHARS)


def _verbose_name(name: str) -> str:
    try:
        return str(Project._meta.get_field(name).verbose_name)
    except models.FieldDoesNotExist:
        return name


def project_history(project: Project, limit: int = 30) -> list[HistoryRow]:
    """The latest ``limit`` historical records of a project, newest first, each with its changed fields.

    Two queries at most plus one per related model named in the diffs (departments, programmes),
    however many records there are: the record just beyond the window is read too, so the oldest
    shown record can still say what it changed.
    """
    records = list(
        project.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    deltas = []
    for index, record in enumerate(records[:limit]):
        older = records[index + 1] if index + 1 < len(records) else None
        changes = [] if older is None or record.history_type == "+" else record.diff_against(older).changes
        deltas.append((record, changes, older is None and len(records) <= limit))
    names = _names_by_model(deltas)
    order = {f.name: i for i, f in enumerate(Project._meta.fields)}
    rows = []
    for record, changes, earliest in deltas:
        rows.append(HistoryRow(
            when=record.history_date,
            user=_user(record),
            action=_action(record.history_type, earliest=earliest),
            changes=[
                FieldChange(
                    label=_verbose_name(change.field),
                    old=_display(Project._meta.get_field(change.field), change.old, names),
                    new=_display(Project._meta.get_field(change.field), change.new, names),
                )
                for change in sorted(changes, key=lambda c: order.get(c.field, len(order)))
            ],
            reason=record.history_change_reason or "",
        ))
    return rows
