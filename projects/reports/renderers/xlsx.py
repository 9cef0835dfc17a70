"""Excel (.xlsx) writing with openpyxl, for every workbook the platform offers (reports, the project list).

A sheet is a Table (header, kinds, rows): numbers stay numbers with the number format of their
kind, dates are dates, and text is made safe. Text that a spreadsheet would read as a formula
(= + - @, or a leading tab or carriage return) is prefixed with a quote, so a project name cannot
run anything; control characters that the file format cannot hold (openpyxl refuses \\x0b, as
pasted from Word) are dropped. Written in openpyxl's write-only mode (streamed, several times
faster on the 10,000-project appendix): a table's rows may be any iterable, read once, so that a long
sheet is written row by row to disk without its rows ever all being in memory.
"""

import datetime as dt
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import closing, nullcontext, suppress
from decimal import Decimal
from io import BytesIO
from itertools import chain, islice
from typing import BinaryIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from portfolio.text import printable

from ..fields import DATE, INT, NUMBER, POINTS, RATE, TEXT, WAN, YI
from .tables import Table

FORMATS = {
    INT: "#,##0",
    YI: "#,##0.00",
    WAN: "#,##0.00",
    RATE: "0.00",
    POINTS: "+0.00;-0.00;0.00",
    NUMBER: "General",
    DATE: "yyyy-mm-dd",
}
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE6F3")
TITLE_FONT = Font(bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top")
MAX_WIDTH = 60
SAMPLE_ROWS = 300  # rows looked at to size a column


def safe_text(value: str) -> str:
    """Text a spreadsheet can hold and will never evaluate (CSV/formula injection)."""
    value = printable(value)
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def display_width(value) -> int:
    """Characters as a spreadsheet shows them: a Chinese character takes two columns."""
    if value is None:
        return 0
    if isinstance(value, Decimal | float):
        text = f"{value:,.2f}"
    elif isinstance(value, dt.date):
        text = "0000-00-00"
    else:
        text = str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(ws, value, kind: str):
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return safe_text(value)
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = FORMATS.get(kind, "General") if kind != TEXT else "General"
    if isinstance(value, dt.date) and kind == TEXT:
        cell.number_format = FORMATS[DATE]
    return cell


def _size_columns(ws, table: Table, head: list[list]) -> None:
    """Each column as wide as the header and the first rows ask (``head``), within the column's width."""
    widths = [display_width(c.header) + 2 if table.with_header else 0 for c in table.columns]
    for row in head:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], display_width(value) + 2)
    for i, column in enumerate(table.columns):
        width = column.width if column.width and widths[i] > column.width else widths[i]
        ws.column_dimensions[get_column_letter(i + 1)].width = min(MAX_WIDTH, max(8, width))


def write_table(wb: Workbook, table: Table) -> None:
    """One sheet: the styled header row, then the rows with their kinds' formats, then the note. The
    rows are read once, in order (a list or a generator, closed when the sheet is written or fails)."""
    rows = iter(table.rows)
    with closing(rows) if hasattr(rows, "close") else nullcontext():
        _write_sheet(wb, table, rows)


def _write_sheet(wb: Workbook, table: Table, rows: Iterator[list]) -> None:
    ws = wb.create_sheet(table.name)
    head = list(islice(rows, SAMPLE_ROWS))
    _size_columns(ws, table, head)  # the sheet's top (columns, panes) is written with its first row
    if table.with_header:
        ws.freeze_panes = table.freeze
        ws.print_title_rows = "1:1"
    if len(table.columns) > 8:
        ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    if table.with_header:
        header = []
        for column in table.columns:
            cell = WriteOnlyCell(ws, value=safe_text(column.header))
            cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, WRAP
            header.append(cell)
        ws.append(header)
    kinds = [c.kind for c in table.columns]
    written = 0
    for row in chain(head, rows):
        ws.append([_cell(ws, value, kind) for value, kind in zip(row, kinds, strict=True)])
        written += 1
    if table.auto_filter:  # written after the rows (openpyxl writes the filter at the sheet's end)
        ws.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{written + 1}"
    if table.note:
        ws.append([])
        ws.append([safe_text(table.note)])


def save_workbook(tables: list[Table], out: BinaryIO, *, title: str = "",
                  cover: Callable[[Workbook], None] | None = None) -> None:
    """A workbook of one sheet per table, after the sheet ``cover`` writes if given, written to ``out`` (a file
    open for writing). If a table's rows fail part-way, the sheets written so far are removed from the disk and
    the error raised."""
    wb = Workbook(write_only=True)
    wb.properties.title = title or None
    try:
        if cover is not None:
            cover(wb)
        for table in tables:
            write_table(wb, table)
        wb.save(out)
    except BaseException:
        _discard(wb)
        raise


def _discard(wb: Workbook) -> None:
    """Remove the temporary files a write-only workbook's sheets write their rows to (openpyxl removes them when
    it saves the workbook, else only when the process exits): a failed file leaves no rows on the disk."""
    for ws in wb.worksheets:
        writer = getattr(ws, "_writer", None)  # openpyxl's WorksheetWriter, made with the sheet's first row
        if writer is not None and isinstance(writer.out, str):
            with suppress(Exception):
                ws.close()  # its XML writers closed in order, not left to the garbage collector
            with suppress(OSError, ValueError):
                writer.cleanup()


def _write_cover(wb: Workbook, title: str, meta: list[str], narrative: list[str] | None) -> None:
    cover = wb.create_sheet(_("报告摘要"))
    cover.column_dimensions["A"].width = 120
    title_cell = WriteOnlyCell(cover, value=safe_text(title))
    title_cell.font = TITLE_FONT
    cover.append([title_cell])
    for line in meta:
        cover.append([safe_text(line)])
    if narrative:
        cover.append([])
        heading = WriteOnlyCell(cover, value=_("进度综述（草稿）"))
        heading.font = HEADER_FONT
        cover.append([heading])
        for paragraph in narrative:
            cell = WriteOnlyCell(cover, value=safe_text(paragraph))
            cell.alignment = WRAP
            cover.append([cell])


def save_report_workbook(
    tables: list[Table], out: BinaryIO, *, title: str, meta: list[str], narrative: list[str] | None = None
) -> None:
    """A report's workbook written to ``out``: a cover sheet (title, scope, narrative), then one sheet per table."""
    save_workbook(tables, out, title=title, cover=lambda wb: _write_cover(wb, title, meta, narrative))


def render_xlsx(
    tables: list[Table], *, title: str, meta: list[str], narrative: list[str] | None = None
) -> bytes:
    """``save_report_workbook`` as bytes."""
    buffer = BytesIO()
    save_report_workbook(tables, buffer, title=title, meta=meta, narrative=narrative)
    return buffer.getvalue()
