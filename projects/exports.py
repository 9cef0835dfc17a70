"""The project list as an Excel workbook: real numbers, frozen header, text safe from formula injection."""

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from portfolio.money import round_half_up

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value) -> str:
    """Text that a spreadsheet will never run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def project_list_workbook(rows, period, *, basis: str = "") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("项目清单")
    headers = [
        _("项目编号"), _("项目名称"), _("重点项目计划"), _("牵头单位"), _("所在镇街"), _("项目类别"), _("项目状态"),
        _("年度计划投资(万元)"), _("累计完成投资(万元)"), _("完成率(%)"), _("预警"), _("预警原因"), _("样例数据"),
    ]
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    labels = {"red": _("红灯"), "yellow": _("黄灯"), "green": _("绿灯")}
    for row in rows:
        p = row.project
        ws.append([
            safe_text(p.code), safe_text(p.name), safe_text(p.programme or ""), safe_text(p.lead_department or ""),
            safe_text(p.town or ""), safe_text(p.get_category_display()), safe_text(p.get_status_display()),
            float(round_half_up(p.period_plan)) if p.period_plan is not None else None,
            float(round_half_up(row.completed_ytd)),
            float(row.rate) if row.rate is not None else None,
            labels[row.warning.colour], safe_text(row.warning.reason_text),
            _("是") if p.is_synthetic else _("否"),
        ])
    for col, width in zip("ABCDEFGHIJKLM", [14, 40, 22, 22, 12, 14, 10, 16, 16, 10, 8, 40, 8], strict=True):
        ws.column_dimensions[col].width = width
    for column in ("H", "I"):
        for cell in ws[column][1:]:
            cell.number_format = "#,##0.00"
    for cell in ws["J"][1:]:
        cell.number_format = "0.00"
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = ws.dimensions
    ws.sheet_properties.tabColor = "1F4E79"
    wb.properties.title = _("重点项目清单 %(period)s") % {"period": period}
    notes = wb.create_sheet(_("说明"))
    notes.append([_("统计期"), str(period)])
    notes.append([_("统计口径"), safe_text(basis)])
    notes.column_dimensions["B"].width = 80
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
