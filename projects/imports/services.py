"""Import a sheet: read it, preview what each row would do, apply it all in one transaction or nothing.

The preview is the apply run inside a transaction that is rolled back (django-import-export's dry
run), so it meets every rule the apply meets: the model's validation, the policy, the services. The
apply repeats the run for real and commits only when every row succeeds and its outcome is the one
the user confirmed (a digest of the preview); otherwise nothing is written and the reason is given.
"""

from collections import Counter
from dataclasses import dataclass, field

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from portfolio.records import ConflictError
from portfolio.sheets import Column, Mapping, SheetError, Table, listed, map_headers, mapped_rows, read_table

from ..models import Programme
from . import uploads
from .resources import (
    DEPARTMENT_COLUMNS,
    EDITOR_COLUMNS,
    MILESTONE_COLUMNS,
    PROJECT_COLUMNS,
    DepartmentResource,
    EditorResource,
    MilestoneResource,
    ProjectResource,
    RowOutcome,
)
from .widgets import text


@dataclass(frozen=True)
class Kind:
    key: str
    label: object
    columns: list[Column]
    resource: type
    template_name: object


KINDS = {
    kind.key: kind
    for kind in (
        Kind("projects", gettext_lazy("项目清单"), PROJECT_COLUMNS, ProjectResource, gettext_lazy("项目清单导入模板")),
        Kind("milestones", gettext_lazy("项目节点"), MILESTONE_COLUMNS, MilestoneResource,
             gettext_lazy("项目节点导入模板")),
        Kind("departments", gettext_lazy("单位名录"), DEPARTMENT_COLUMNS, DepartmentResource,
             gettext_lazy("单位名录导入模板")),
        Kind("editors", gettext_lazy("填报员账号"), EDITOR_COLUMNS, EditorResource, gettext_lazy("填报员账号导入模板")),
    )
}


class StalePreview(Exception):
    """The data changed between the preview and the apply: what would be written is not what was confirmed."""


@dataclass
class ImportPlan:
    """What an import does (or would do), row by row."""

    kind: Kind
    file_name: str
    table: Table
    mapping: Mapping
    rows: list[RowOutcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    applied: bool = False
    invited: list = field(default_factory=list)

    @property
    def counts(self) -> Counter:
        return Counter(row.kind for row in self.rows)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.counts["error"]

    @property
    def digest(self) -> str:
        """The preview's outcome in a few bytes: the apply must reproduce it exactly."""
        # A new row's id is left out: PostgreSQL does not give back the ids a rolled-back preview drew.
        shape = [
            [row.number, row.kind, None if row.kind == "new" else row.pk, row.version,
             [[c.label, c.old, c.new] for c in row.changes]]
            for row in self.rows
        ]
        return uploads.digest(shape)


def read(kind: Kind, file, *, name: str, chosen: dict | None = None) -> tuple[Table, Mapping]:
    """The sheet's table and how its headers map to the import's columns (SheetError when unreadable)."""
    table = read_table(file, name=name, columns=kind.columns)
    return table, map_headers(table.headers, kind.columns, chosen)


def _messages(error: Exception, labels: dict[str, str]) -> list[str]:
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return [
                (message if key == NON_FIELD_ERRORS else _("%(field)s：%(message)s") % {
                    "field": labels.get(key, key), "message": message,
                })
                for key, messages in error.message_dict.items()
                for message in messages
            ]
        return list(error.messages)
    if isinstance(error, ConflictError):
        return [_("该记录在预览之后已被他人修改，本次导入未写入任何内容。请重新上传并预览后再确认。")]
    if isinstance(error, PermissionDenied):
        return [str(error) or _("您没有权限导入这些数据。")]
    return [_("该行未能保存：%(reason)s") % {"reason": error}]


def _run(kind: Kind, table: Table, mapping: Mapping, *, acting_user, file_name: str, dry_run: bool,
         programme: Programme | None, versions: dict | None) -> ImportPlan:
    plan = ImportPlan(kind=kind, file_name=file_name, table=table, mapping=mapping)
    if not mapping.complete:
        missing = listed(column.label for column in mapping.missing)
        twice = listed(mapping.duplicates)
        plan.errors.append(
            _("缺少必填列：%(columns)s。") % {"columns": missing} if missing
            else _("以下列出现了不止一次：%(columns)s。") % {"columns": twice}
        )
        return plan
    if not table.rows:
        plan.errors.append(_("表头行（第 %(row)s 行）以下没有数据行。") % {"row": table.header_row})
        return plan
    headers, rows = mapped_rows(table, mapping)
    examples = [_example(kind, headers, language) for language in ("zh-hans", "en")]
    for row in [row for row in rows if any(_same(row[1:], example) for example in examples)]:
        rows.remove(row)
        plan.notes.append(_("第 %(row)s 行是模板中的示例行，已忽略。") % {"row": row[0]})
    if not rows:
        plan.errors.append(_("除模板的示例行外没有数据行。"))
        return plan
    options = {"acting_user": acting_user, "reason": _("导入：%(file)s") % {"file": file_name},
               "versions": versions}
    if kind.resource is ProjectResource:
        options["programme"] = programme
    resource = kind.resource(**options)
    result = resource.import_data(
        tablib.Dataset(*rows, headers=headers), dry_run=dry_run, use_transactions=True,
        rollback_on_validation_errors=True,
    )
    labels = resource.labels
    for error in result.base_errors:
        plan.errors.extend(_messages(error.error, labels))
    for index, row_result in enumerate(result.rows):
        number = rows[index][0] if index < len(rows) else index + 1
        outcome = resource.outcomes.get(number) or RowOutcome(number=number, kind="")
        if not outcome.name and "name" in headers and index < len(rows) and rows[index][headers.index("name")]:
            outcome.name = text(rows[index][headers.index("name")])
        if row_result.validation_error is not None:
            outcome.kind, outcome.errors = "error", _messages(row_result.validation_error, labels)
        elif row_result.errors:
            outcome.kind = "error"
            outcome.errors = [m for error in row_result.errors for m in _messages(error.error, labels)]
        plan.rows.append(outcome)
    plan.invited = list(getattr(resource, "invited", []))
    return plan


def _example(kind: Kind, headers: list[str], language: str) -> list[str]:
    """The template's example row (as written in either language) under these headers."""
    with override(language):
        examples = {column.key: _text(column.example) for column in kind.columns}
    return [examples.get(key, "") for key in headers[1:]]


def _text(value) -> str:
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return str(value if value is not None else "").strip()


def _same(values: list, example: list[str]) -> bool:
    return any(example) and [_text(value) for value in values] == example


def preview(kind: Kind, table: Table, mapping: Mapping, *, acting_user, file_name: str,
            programme: Programme | None = None) -> ImportPlan:
    """What the import would do, row by row; nothing is written."""
    return _run(kind, table, mapping, acting_user=acting_user, file_name=file_name, dry_run=True,
                programme=programme, versions=None)


def apply(kind: Kind, table: Table, mapping: Mapping, *, acting_user, file_name: str,
          programme: Programme | None = None, expected: str | None = None, versions: dict | None = None) -> ImportPlan:
    """Write the import: every row or none. ``expected`` is the digest of the preview the user confirmed."""
    try:
        with transaction.atomic():
            plan = _run(kind, table, mapping, acting_user=acting_user, file_name=file_name, dry_run=False,
                        programme=programme, versions=versions)
            if not plan.ok:
                return plan  # import_data rolled its transaction back already
            if expected is not None and plan.digest != expected:
                raise StalePreview
            plan.applied = True
    except StalePreview:
        plan.applied = False
        plan.errors.append(_("预览之后，相关数据已被修改，本次导入未写入任何内容。请重新上传并预览后再确认。"))
    return plan


def versions_of(plan: ImportPlan) -> dict[int, int]:
    """The versions the preview read, which the apply's saves must still find."""
    return {row.pk: row.version for row in plan.rows if row.pk and row.version is not None}


__all__ = ["KINDS", "ImportPlan", "SheetError", "apply", "preview", "read", "versions_of"]
