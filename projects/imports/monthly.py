"""A department's month on an Excel sheet and back: the sheet prefilled, the upload previewed and saved.

The sheet holds exactly the rows of the bulk page (``selectors.month_sheet``): each project the
user may report for the department, its annual plan, last month's year to date and 形象进度 and the
stored values (locked cells), the cells to fill (this month's amount, 形象进度, problems,
coordination requests, the explanation of an implausible figure, the milestones' actual dates) and,
in a hidden column, the versions the row was read at. A hidden sheet says which department and
month it is for.

The upload is read back against the same rows: a project not on the user's sheet (another
department's, one added by hand), a row no longer open (submitted, approved, a closed month) or
read at an older version is refused on its row; the rows are saved through the bulk page's service
(``monthly_report_bulk_save``), all or none. The preview is that save run in a transaction that is
rolled back; the apply commits only when its outcome equals the confirmed preview's.
"""

import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from portfolio import downloads
from portfolio.sheets import Column, SheetError, listed, map_headers, read_table

from .. import services
from ..choices import MilestoneKind
from ..models import SheetReturn, year_to_date
from ..selectors import MonthSheet
from . import uploads
from . import widgets as w
from .resources import Change, shown

META_SHEET = "_meta"
META_KIND = "baiyun-month-sheet/1"
LOCKED_FILL = PatternFill("solid", fgColor="EDEDED")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
MILESTONE_KINDS = [kind for kind in MilestoneKind if kind != MilestoneKind.OTHER]
FILLED = ("completed_month", "progress_text", "problems", "coordination_requests", "plausibility_note")

LOCKED_COLUMNS = [
    Column("code", gettext_lazy("项目编号"), required=True),
    Column("name", gettext_lazy("项目名称")),
    Column("annual_plan", gettext_lazy("年度计划投资（万元）")),
    Column("previous_ytd", gettext_lazy("上月累计完成（万元）")),
    Column("previous_text", gettext_lazy("上月形象进度")),
]
INPUT_COLUMNS = [
    Column("completed_month", gettext_lazy("本月完成投资（万元）"), amount=True),
    Column("progress_text", gettext_lazy("形象进度")),
    Column("problems", gettext_lazy("存在问题")),
    Column("coordination_requests", gettext_lazy("需协调事项")),
    Column("plausibility_note", gettext_lazy("异常说明")),
]
MILESTONE_COLUMNS = [
    Column(f"ms:{kind.value}", format_lazy(gettext_lazy("{kind}节点实际日期"), kind=kind.label)) for kind in MILESTONE_KINDS
]
VERSION_COLUMN = Column("version", gettext_lazy("版本（请勿修改）"), required=True)
COLUMNS = [*LOCKED_COLUMNS, *INPUT_COLUMNS, *MILESTONE_COLUMNS, VERSION_COLUMN]


def _labels() -> dict[str, str]:
    """The columns' headers in the reader's language, by key."""
    return {column.key: str(column.label) for column in COLUMNS}


def file_name(sheet: MonthSheet) -> str:
    return downloads.file_name(_("%(year)s年%(month)s月重点项目月报填报表（%(department)s）") % {
        "year": sheet.period.year, "month": sheet.period.month, "department": sheet.department.name}, "xlsx")


def _offered(sheet: MonthSheet, project) -> dict[str, object]:
    """The milestone on the sheet for each kind: the project's first of that kind."""
    offered = {}
    for milestone in sheet.milestones.get(project.pk, []):
        offered.setdefault(milestone.kind, milestone)
    return offered


def _version(report, offered) -> str:
    milestones = ",".join(f"{m.pk}:{m.version}" for m in offered.values())
    return f"{report.version if report else 0}|{milestones}"


def _amount(value):
    return float(value) if value is not None else None


def write_month_sheet(sheet: MonthSheet, *, user) -> bytes:
    """The department's month as an .xlsx: locked facts, cells to fill, the versions in a hidden column."""
    book = Workbook()
    ws = book.active
    ws.title = _("月报")
    kinds = [kind for kind in MILESTONE_KINDS if any(_offered(sheet, p).get(kind) for p in sheet.projects)]
    columns = [*LOCKED_COLUMNS, *INPUT_COLUMNS, *(c for c in MILESTONE_COLUMNS if c.key[3:] in kinds), VERSION_COLUMN]
    ws.append([_("%(department)s %(year)s年%(month)s月重点项目月报") % {
        "department": sheet.department.name, "year": sheet.period.year, "month": sheet.period.month}])
    ws.append([_("灰色单元格为只读；请填写白色单元格，金额以万元为单位。不要增删行或修改“版本”列。填好后在“批量填报”页上传，预览无误再确认。")])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(columns))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"].alignment = Alignment(wrap_text=True)
    ws.row_dimensions[2].height = 30
    ws.append([str(column.label) for column in columns])
    for cell in ws[3]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for project in sheet.projects:
        report = sheet.existing.get(project.pk)
        previous = sheet.previous.get(project.pk) or {}
        offered = _offered(sheet, project)
        values = {
            "code": project.code, "name": project.name, "annual_plan": _amount(project.annual_plan),
            "previous_ytd": _amount(previous.get("completed_ytd")), "previous_text": previous.get("progress_text", ""),
            "completed_month": _amount(report.completed_month) if report else None,
            "progress_text": report.progress_text if report else "",
            "problems": report.problems if report else "", "coordination_requests":
            report.coordination_requests if report else "", "plausibility_note": report.plausibility_note if report else "",
            "version": _version(report, offered),
        }
        for kind in kinds:
            milestone = offered.get(kind)
            values[f"ms:{kind}"] = milestone.actual_date if milestone else None
        ws.append([values.get(column.key) or None for column in columns])
        row = ws.max_row
        writable = sheet.editable[project.pk]
        for position, column in enumerate(columns, 1):
            cell = ws.cell(row=row, column=position)
            fillable = writable and (column in INPUT_COLUMNS or (column.key.startswith("ms:")
                                                                   and offered.get(column.key[3:]) is not None))
            cell.protection = Protection(locked=not fillable)
            if not fillable:
                cell.fill = LOCKED_FILL
            if column.amount or column.key in ("annual_plan", "previous_ytd"):
                cell.number_format = "#,##0.00"
            if column.key.startswith("ms:"):
                cell.number_format = "yyyy-mm-dd"
            cell.alignment = Alignment(wrap_text=column.key in ("name", "previous_text", *FILLED[1:]), vertical="top")
    last = ws.max_row
    amount_column = get_column_letter(columns.index(INPUT_COLUMNS[0]) + 1)
    if last > 3:
        rule = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                              errorTitle=_("不是金额"), error=_("请填写万元数，不能为负数。"))
        ws.add_data_validation(rule)
        rule.add(f"{amount_column}4:{amount_column}{last}")
    widths = {"code": 14, "name": 30, "previous_text": 30, "progress_text": 30, "problems": 24,
              "coordination_requests": 24, "plausibility_note": 20}
    for position, column in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(position)].width = widths.get(column.key, 16)
    ws.column_dimensions[get_column_letter(len(columns))].hidden = True
    ws.freeze_panes = "C4"
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # people may widen columns on a protected sheet
    ws.protection.formatRows = False
    meta = book.create_sheet(META_SHEET)
    meta.sheet_state = "veryHidden"
    for key, value in (("kind", META_KIND), ("department", sheet.department.code), ("year", sheet.period.year),
                       ("month", sheet.period.month), ("downloaded_at", timezone.now().isoformat(timespec="seconds")),
                       ("downloaded_by", user.get_username())):
        meta.append([key, value])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass
class SheetRow:
    """One row of an uploaded sheet: what it would save, against what is stored and last month."""

    number: int
    code: str
    name: str = ""
    kind: str = "skip"  # save | skip | error
    project: object = None
    data: dict = field(default_factory=dict)
    milestones: list = field(default_factory=list)
    expected_version: int | None = None
    stored: list[Change] = field(default_factory=list)
    last_month: list[Change] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    submittable: bool = False


@dataclass
class SheetUpload:
    sheet: MonthSheet
    file_name: str
    rows: list[SheetRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    saved: int = 0
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors and not any(row.kind == "error" for row in self.rows)

    def count(self, kind: str) -> int:
        return sum(1 for row in self.rows if row.kind == kind)

    @property
    def counts(self) -> dict[str, int]:
        return {kind: self.count(kind) for kind in ("save", "skip", "error")}

    @property
    def digest(self) -> str:
        shape = [[r.number, r.kind, r.code, [[c.label, c.old, c.new] for c in r.stored]] for r in self.rows]
        return uploads.digest(shape)


def _meta(data: bytes) -> dict:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True)
        if META_SHEET not in book.sheetnames:
            return {}
        return {str(key): value for key, value, *_rest in book[META_SHEET].iter_rows(values_only=True) if key}
    except Exception:
        return {}


def read_upload(data: bytes, *, name: str, sheet: MonthSheet) -> SheetUpload:
    """Read an uploaded sheet against the department's month as it is stored now (SheetError when unreadable)."""
    table = read_table(data, name=name, columns=COLUMNS)
    meta = _meta(data)
    upload = SheetUpload(sheet=sheet, file_name=name)
    if meta.get("kind") != META_KIND:
        raise SheetError(_("“%(name)s”不是本平台下载的月报填报表。请在“批量填报”页下载本月的表，填写后上传。") % {"name": name})
    period = sheet.period
    if (meta.get("department"), meta.get("year"), meta.get("month")) != (sheet.department.code, period.year, period.month):
        raise SheetError(_("“%(name)s”是%(department)s %(year)s年%(month)s月的表，不是本页的%(this_department)s %(this_year)s年%(this_month)s月。") % {
            "name": name, "department": meta.get("department"), "year": meta.get("year"), "month": meta.get("month"),
            "this_department": sheet.department.name, "this_year": period.year, "this_month": period.month})
    mapping = map_headers(table.headers, COLUMNS)
    if not mapping.complete:
        raise SheetError(_("“%(name)s”的表头被改动（缺少：%(columns)s），无法读取。请重新下载本月的表。") % {
            "name": name, "columns": listed([c.label for c in mapping.missing] or mapping.duplicates)})
    by_code = {project.code: project for project in sheet.projects}
    seen: dict[str, int] = {}
    for number, values in table.rows:
        cells = {mapping.keys[position]: values[position] for position in mapping.keys}
        upload.rows.append(_row(number, cells, sheet, by_code, seen))
    return upload


def _row(number: int, cells: dict, sheet: MonthSheet, by_code: dict, seen: dict) -> SheetRow:
    code = w.text(cells.get("code") or "")
    row = SheetRow(number=number, code=code, name=w.text(cells.get("name") or ""))
    project = by_code.get(code)
    if project is None:
        row.kind = "error"
        row.errors.append(_("项目编号“%(code)s”不在本单位本月的填报表中：表中不能添加项目，也不能填报其他单位的项目。") % {"code": code})
        return row
    row.project, row.name = project, project.name
    if code in seen:
        row.kind = "error"
        row.errors.append(_("与第 %(row)s 行是同一个项目，同一项目只能出现一次。") % {"row": seen[code]})
        return row
    seen[code] = number
    _values(row, cells, sheet)
    return row


def _values(row: SheetRow, cells: dict, sheet: MonthSheet) -> None:
    project = row.project
    report = sheet.existing.get(project.pk)
    offered = _offered(sheet, project)
    labels = _labels()
    try:
        stored_version, _sep, milestone_part = w.text(cells.get("version") or "").partition("|")
        row.expected_version = int(stored_version)
        read_versions = dict(tuple(map(int, item.split(":"))) for item in milestone_part.split(",") if item)
    except ValueError:
        row.kind = "error"
        row.errors.append(_("“版本”列被改动，无法确认这一行读取时的数据。请重新下载本月的表。"))
        return
    errors = []
    try:
        amount = w.AmountWidget().clean(cells.get("completed_month"))
    except ValueError as exc:
        errors.append(_("%(field)s：%(message)s") % {"field": labels["completed_month"], "message": exc})
        amount = None
    new = {"completed_month": amount}
    for key in FILLED[1:]:
        new[key] = "" if w.blank(cells.get(key)) else w.text(cells[key])
    old = {key: getattr(report, key) if report else (None if key == "completed_month" else "") for key in FILLED}
    for key in FILLED:
        if shown(new[key]) != shown(old[key]):
            row.stored.append(Change(labels[key], shown(old[key]), shown(new[key])))
    errors += _milestones(row, cells, offered, read_versions, labels)
    previous = sheet.previous.get(project.pk) or {}
    if amount is not None:
        row.last_month.append(Change(_("累计完成（万元）"), shown(previous.get("completed_ytd")),
                                     shown(year_to_date(previous.get("completed_ytd"), amount))))
    if new["progress_text"]:
        row.last_month.append(Change(_("形象进度"), shown(previous.get("progress_text")), new["progress_text"]))
    row.data = {key: (new[key] if new[key] is not None else Decimal(0)) for key in FILLED}
    has_input = amount is not None or any(new[key] for key in FILLED[1:])
    row.submittable = bool(report) and sheet.editable[project.pk] and has_input
    if errors:
        row.kind, row.errors = "error", errors
    elif row.stored and not sheet.editable[project.pk]:
        row.kind = "error"
        row.errors.append(_("这一行已不能修改（已提交、已审核，或所在月份已关闭），未保存。"))
    elif row.stored:
        row.kind = "save"


def _milestones(row: SheetRow, cells: dict, offered: dict, read_versions: dict, labels: dict) -> list[str]:
    """The milestones' actual dates on the row: changes are kept with the version each was read at."""
    errors = []
    for kind in MILESTONE_KINDS:
        key = f"ms:{kind}"
        if key not in cells:
            continue
        milestone = offered.get(kind)
        try:
            date = w.DateWidget().clean(cells[key])
        except ValueError as exc:
            errors.append(_("%(field)s：%(message)s") % {"field": labels[key], "message": exc})
            continue
        if milestone is None:
            if date is not None:
                errors.append(_("%(label)s：该项目没有这一节点。") % {"label": labels[key]})
            continue
        if date != milestone.actual_date:
            row.stored.append(Change(labels[key], shown(milestone.actual_date), shown(date)))
            row.milestones.append(services.MilestoneInput(
                milestone=milestone, data={"actual_date": date}, expected_version=read_versions.get(milestone.pk)))
    return errors


def _bulk_rows(upload: SheetUpload, submit: bool) -> list:
    return [
        services.BulkRow(project=row.project, data=row.data, expected_version=row.expected_version,
                         milestones=row.milestones)
        for row in upload.rows
        if row.kind == "save" or (submit and row.kind == "skip" and row.submittable)
    ]


class _DryRun(Exception):
    pass


def _save(upload: SheetUpload, *, submit: bool, acting_user) -> None:
    period = upload.sheet.period
    rows = _bulk_rows(upload, submit)
    if not rows:
        upload.errors.append(_("表中没有需要保存或提交的内容：与系统中已保存的相同。"))
        return
    try:
        upload.saved = services.monthly_report_bulk_save(
            year=period.year, month=period.month, rows=rows, submit=submit, acting_user=acting_user)
    except services.BulkRefused as refused:
        for row in upload.rows:
            if row.project is not None and refused.errors.get(row.project.pk):
                row.kind = "error"
                row.errors.extend(refused.errors[row.project.pk])


def preview(upload: SheetUpload, *, acting_user) -> SheetUpload:
    """Check every row through the save itself, in a transaction that is rolled back."""
    if not upload.ok:
        return upload
    if not upload.count("save"):
        if not any(row.submittable for row in upload.rows):
            upload.errors.append(_("表中没有需要保存或提交的内容：与系统中已保存的相同。"))
        return upload  # only submitting the stored reports is left: the apply checks it
    try:
        with transaction.atomic():
            _save(upload, submit=False, acting_user=acting_user)
            raise _DryRun
    except _DryRun:
        pass
    upload.saved = 0
    return upload


def apply(upload: SheetUpload, *, acting_user, submit: bool, expected: str) -> SheetUpload:
    """Save the rows (as drafts, or submitted), all or none, if the outcome is the confirmed preview's."""
    if upload.digest != expected:
        upload.errors.append(_("预览之后，表中的项目已被他人修改或提交，本次上传未保存任何内容。请重新上传并预览。"))
        return upload
    if not upload.ok:
        return upload
    with transaction.atomic():
        _save(upload, submit=submit, acting_user=acting_user)
        if not upload.ok:
            transaction.set_rollback(True)
            return upload
        SheetReturn.objects.create(
            department=upload.sheet.department, year=upload.sheet.period.year, month=upload.sheet.period.month,
            uploaded_by=acting_user, file_name=upload.file_name[:255], saved=upload.saved, submitted=submit)
        upload.applied = True
    return upload


__all__ = ["apply", "file_name", "preview", "read_upload", "write_month_sheet"]
