"""The Excel template of an import: the headers, one example row, drop-down lists, and a sheet explaining each column.

The drop-downs (data validation) list the values the import accepts: categories, statuses, the
programmes, departments and towns/streets stored now (kept on a hidden sheet, so a long department
list is not cut at Excel's 255 characters). The example row is marked as one: delete it before filling.
"""

import datetime as dt
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ..choices import DatePrecision, DepartmentKind, MilestoneKind, ProjectCategory, ProjectStatus
from ..models import Department, Programme
from .services import Kind

DATA_ROWS = 2000
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
EXAMPLE_FONT = Font(color="808080", italic=True)


def _lists(key: str) -> dict[str, list[str]]:
    towns = [DepartmentKind.TOWN, DepartmentKind.STREET]
    departments = Department.objects.filter(active=True).order_by("kind", "code")
    return {
        "category": [str(label) for label in ProjectCategory.labels],
        "status": [str(label) for label in ProjectStatus.labels],
        "kind": [str(label) for label in (MilestoneKind if key == "milestones" else DepartmentKind).labels],
        "planned_date_precision": [str(label) for label in DatePrecision.labels],
        "actual_date_precision": [str(label) for label in DatePrecision.labels],
        "programme": list(Programme.objects.order_by("-year", "level").values_list("name", flat=True)),
        "lead_department": list(departments.values_list("name", flat=True)),
        "co_departments": list(departments.values_list("name", flat=True)),
        "department": list(departments.values_list("name", flat=True)),
        "town": list(departments.filter(kind__in=towns).values_list("name", flat=True)),
    }


def write_template(kind: Kind) -> bytes:
    """The template's .xlsx bytes."""
    book = Workbook()
    sheet = book.active
    sheet.title = str(kind.label)
    options = book.create_sheet(_("选项"))
    options.sheet_state = "hidden"
    guide = book.create_sheet(_("填写说明"))
    lists = _lists(kind.key)
    for position, column in enumerate(kind.columns, 1):
        letter = get_column_letter(position)
        cell = sheet.cell(row=1, column=position, value=str(column.label) + ("*" if column.required else ""))
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        example = column.example
        example = str(example) if example != "" and not isinstance(example, int | dt.date) else example
        value = sheet.cell(row=2, column=position, value=example if example != "" else None)
        value.font = EXAMPLE_FONT
        if isinstance(example, dt.date):
            value.number_format = "yyyy-mm-dd"
        sheet.column_dimensions[letter].width = max(12, min(40, len(str(column.label)) * 2 + 4))
        values = lists.get(column.key)
        if values:
            options.cell(row=1, column=position, value=str(column.label))
            for row, item in enumerate(values, 2):
                options.cell(row=row, column=position, value=item)
            rule = DataValidation(
                type="list", formula1=f"='{options.title}'!${letter}$2:${letter}${len(values) + 1}",
                allow_blank=not column.required, showErrorMessage=column.key != "co_departments",
                errorTitle=_("不是可选值"), error=_("请从下拉列表中选择。"),
            )
            sheet.add_data_validation(rule)
            rule.add(f"{letter}2:{letter}{DATA_ROWS + 1}")
    sheet.freeze_panes = "A2"
    guide.append([_("列名"), _("必填"), _("说明")])
    for cell in guide[1]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    for column in kind.columns:
        guide.append([str(column.label), _("是") if column.required else _("否"), str(column.help)])
    for line in (
        "",
        _("第一个工作表的第2行是示例（灰色斜体），填写前请删除或覆盖。"),
        _("表头可以不在第一行，列的顺序和名称可以不同：上传时会按列名识别，无法识别的列可以手工对应。"),
        _("空白单元格不改变系统中已有的值；合并单元格、未保存计算结果的公式会被拒绝。"),
        _("金额以万元为单位，可带千分位或“万元”；写“亿元”的（或列名带“亿元”的）自动换算为万元。"),
        _("上传后先预览每一行将新增、修改（逐项列出原值和新值）或不变，确认后才写入；任何一行有错误都不会写入。"),
    ):
        guide.append([line])
    guide.column_dimensions["A"].width = 24
    guide.column_dimensions["B"].width = 8
    guide.column_dimensions["C"].width = 80
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
