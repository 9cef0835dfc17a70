"""Reading a spreadsheet that people made: find the header row, map its columns, refuse what cannot be read.

The sheets a bureau sends are not machine exports: a title row above the headers, headers worded
their own way ("项目代码", "总投资（亿元）"), amounts with units, dates typed as text, merged cells,
formulas. ``read_table`` reads an .xlsx (or a .csv) into the rows under its header row and refuses,
with a message in the user's language naming the place, what it cannot read faithfully; ``map_headers``
matches the headers to the columns an import expects (by label and alias, then by the user's own
mapping). Parsing the values is the import's business (its widgets), not this module's. Imports no
feature app.
"""

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import override

from portfolio.text import enumerated

HEADER_SEARCH_ROWS = 30
# A header such as "总投资（亿元）" holds its amounts in 亿元; the reader marks each value (InYi), and
# the amount parser converts it. Only 亿元 needs it: 万元 is every amount column's own unit.
YI_HEADER = re.compile(r"亿元?")
MARKS = re.compile(r"[\s*＊※:：()（）\[\]【】<>《》]|必填|选填")


class SheetError(Exception):
    """A file that cannot be read as a table, with the reason in the user's language."""

    def __init__(self, message):
        super().__init__(message)
        self.message = str(message)


@dataclass(frozen=True)
class Column:
    """A column an import expects: its key, its header, the other headers that mean it, whether it must be there."""

    key: str
    label: str | Promise
    aliases: tuple[str, ...] = ()
    required: bool = False
    help: str | Promise = ""
    amount: bool = False
    example: object = ""

    def names(self) -> set[str]:
        """The headers that mean this column: its label in Chinese and in English, and its aliases."""
        labels = []
        for language in ("zh-hans", "en"):
            with override(language):
                labels.append(str(self.label))
        return {normalise_header(name) for name in (*labels, *self.aliases)}


@dataclass
class Table:
    """The rows of a sheet under its header row, each with its row number in the file."""

    sheet: str
    header_row: int
    headers: list[str]
    rows: list[tuple[int, list]] = field(default_factory=list)
    merged_bounds: list[tuple[int, int, int, int]] = field(default_factory=list)


def listed(items) -> str:
    """Items of a message joined as a list is in the reader's language (、 in Chinese, a comma in English)."""
    return enumerated(items)


def normalise_header(text) -> str:
    """ "项目代码（必填）" and " 项目代码* " are the same header; units stay (they change the values)."""
    text = unicodedata.normalize("NFKC", str(text or "")).strip()
    return MARKS.sub("", text).lower()


def _cell_name(row: int, column: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(column)}{row}"


def _kind_of(head: bytes, name: str) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"%PDF"):
        raise SheetError(_("“%(name)s”是 PDF 文件，不是 Excel 工作簿。请上传 .xlsx 文件。") % {"name": name})
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise SheetError(_(
            "“%(name)s”是旧版 Excel（.xls）或其他 Office 文件。请在 Excel 中另存为“Excel 工作簿（.xlsx）”后再上传。"
        ) % {"name": name})
    if name.lower().endswith(".csv"):
        return "csv"
    raise SheetError(_("“%(name)s”不是 Excel 工作簿（.xlsx）或 CSV 文件，无法读取。") % {"name": name})


def read_table(file, *, name: str, columns: Sequence[Column], sheet: str | None = None) -> Table:
    """The table of the file's first sheet (or the named one) under the row that holds its headers.

    Refused, with the reason: a file of another type, an empty or oversized file, no header row in
    the first rows, merged cells under the header, a formula whose result the file does not hold.
    Empty rows are dropped; each row keeps its number in the file, for the messages.
    """
    data = file.read() if hasattr(file, "read") else bytes(file)
    limit = settings.PORTFOLIO_IMPORT_MAX_BYTES
    if not data:
        raise SheetError(_("“%(name)s”是空文件。") % {"name": name})
    if len(data) > limit:
        raise SheetError(_("“%(name)s”超过 %(limit)s，无法导入。请删除多余的工作表或空行后再上传。")
                         % {"name": name, "limit": filesizeformat(limit)})
    table = _csv_table(data, name) if _kind_of(data[:8], name) == "csv" else _xlsx_table(data, name, sheet)
    return _under_header(table, columns, name)


def _csv_table(data: bytes, name: str) -> Table:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SheetError(_("“%(name)s”的编码无法识别（应为 UTF-8 或 GBK）。") % {"name": name})
    rows = [(number, list(values)) for number, values in enumerate(csv.reader(io.StringIO(text)), 1)]
    return Table(sheet=name, header_row=0, headers=[], rows=rows)


def _xlsx_table(data: bytes, name: str, sheet: str | None) -> Table:
    from openpyxl import load_workbook

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise SheetError(_("“%(name)s”已损坏，或不是 Excel 工作簿（.xlsx）。") % {"name": name}) from None
    if unpacked > settings.PORTFOLIO_IMPORT_MAX_UNPACKED_BYTES:
        raise SheetError(_(
            "“%(name)s”解压后过大（多为大量空行或格式），无法导入。请只保留有数据的行后另存再上传。"
        ) % {"name": name})
    try:
        book = load_workbook(io.BytesIO(data), data_only=False)
    except Exception:
        raise SheetError(_("“%(name)s”不是可读取的 Excel 工作簿（.xlsx）。") % {"name": name}) from None
    if sheet and sheet not in book.sheetnames:
        raise SheetError(_("“%(name)s”中没有名为“%(sheet)s”的工作表。") % {"name": name, "sheet": sheet})
    worksheet = book[sheet] if sheet else book.worksheets[0]
    rows = [(number, list(values)) for number, values in enumerate(worksheet.iter_rows(values_only=True), 1)]
    formulas = [
        (number, column)
        for number, values in rows
        for column, value in enumerate(values, 1)
        if isinstance(value, str) and value.startswith("=")
    ]
    if formulas:
        rows = _formula_results(data, worksheet.title, rows, formulas, name)
    bounds = [merged.bounds for merged in worksheet.merged_cells.ranges]  # checked under the header row
    return Table(sheet=worksheet.title, header_row=0, headers=[], rows=rows, merged_bounds=bounds)


def _formula_results(data: bytes, title: str, rows, formulas, name: str):
    """A formula's value is the result Excel saved with it; a file saved without results is refused."""
    from openpyxl import load_workbook

    values = dict(enumerate(load_workbook(io.BytesIO(data), data_only=True)[title].iter_rows(values_only=True), 1))
    missing = []
    for number, column in formulas:
        result = values.get(number, ())[column - 1] if column <= len(values.get(number, ())) else None
        rows[number - 1][1][column - 1] = result
        if result is None:
            missing.append(_cell_name(number, column))
    if missing:
        raise SheetError(_(
            "“%(name)s”的单元格 %(cells)s 是公式，但文件中没有保存公式的计算结果。请在 Excel 中打开后保存，"
            "或将这些单元格复制后“粘贴为数值”，再上传。"
        ) % {"name": name, "cells": listed(missing[:10]) + ("……" if len(missing) > 10 else "")})
    return rows


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _under_header(table: Table, columns: Sequence[Column], name: str) -> Table:
    index = _header_index(columns)
    best, best_score = None, 0
    for number, values in table.rows[:HEADER_SEARCH_ROWS]:
        score = sum(1 for value in values if not _empty(value) and _header_key(value, index))
        if score > best_score:
            best, best_score = number, score
    if best is None:
        best = next((number for number, values in table.rows if any(not _empty(v) for v in values)), None)
    if best is None:
        raise SheetError(_("“%(name)s”中没有数据。") % {"name": name})
    header_values = table.rows[best - 1][1]
    width = max((i + 1 for i, v in enumerate(header_values) if not _empty(v)), default=0)
    headers = [("" if _empty(v) else str(v).strip()) for v in header_values[:width]]
    for bounds in table.merged_bounds:
        min_col, min_row, max_col, max_row = bounds
        if max_row >= best:
            raise SheetError(_(
                "“%(name)s”的第 %(first)s 行至第 %(last)s 行有合并单元格（%(cells)s）。合并单元格只能用在表头行以上的"
                "标题中；请取消合并，在每个单元格中填写各自的值后再上传。"
            ) % {"name": name, "first": max(min_row, best), "last": max_row,
                 "cells": f"{_cell_name(min_row, min_col)}:{_cell_name(max_row, max_col)}"})
    rows = [
        (number, (list(values) + [None] * width)[:width])
        for number, values in table.rows[best:]
        if any(not _empty(v) for v in values[:width])
    ]
    return Table(sheet=table.sheet, header_row=best, headers=headers, rows=rows)


def _header_index(columns: Iterable[Column]) -> tuple[dict[str, str], dict[str, str]]:
    """Every header name of the columns (both languages, aliases) -> key; and those of amount columns.
    Built once a read: a column's names are translated labels."""
    names: dict[str, str] = {}
    amounts: dict[str, str] = {}
    for column in columns:
        for name in column.names():
            names.setdefault(name, column.key)
            if column.amount:
                amounts.setdefault(name, column.key)
    return names, amounts


UNITS = ("亿元", "万元", "亿", "万")


def _header_key(header, index: tuple[dict[str, str], dict[str, str]]) -> str | None:
    """The column a header means: by name, or an amount column's name with a unit ("总投资亿元" is
    "总投资" in 亿元; "总投资万元" is "总投资" in its own unit)."""
    names, amounts = index
    text = normalise_header(header)
    if text in names:
        return names[text]
    for unit in UNITS:
        stem = text[: -len(unit)]
        if text.endswith(unit) and (stem in amounts or stem + "万元" in amounts):
            return amounts.get(stem) or amounts[stem + "万元"]
    return None


@dataclass(frozen=True)
class InYi:
    """A cell of a column headed in 亿元 (总投资（亿元）): the amount parser converts it to 万元."""

    value: object

    def __str__(self):
        return str(self.value)


@dataclass
class Mapping:
    """Which header (by position) is which column; what is unmapped, missing or twice there."""

    keys: dict[int, str]
    in_yi: set[int]
    unknown: list[str]
    missing: list[Column]
    duplicates: list[str]

    @property
    def complete(self) -> bool:
        return not self.missing and not self.duplicates


def map_headers(headers: Sequence[str], columns: Sequence[Column], chosen: dict[str, str] | None = None) -> Mapping:
    """Match headers to columns: the user's choice first (header -> key, "" to ignore), then label and alias."""
    chosen = chosen or {}
    index = _header_index(columns)
    by_key = {column.key: column for column in columns}
    keys, in_yi, unknown, seen, duplicates = {}, set(), [], {}, []
    for position, header in enumerate(headers):
        if not header:
            continue
        key = chosen[header] if header in chosen else _header_key(header, index)
        if not key or key not in by_key:
            if header not in chosen:
                unknown.append(header)
            continue
        if key in seen:
            duplicates.append(str(by_key[key].label))
            continue
        seen[key] = position
        keys[position] = key
        if by_key[key].amount and YI_HEADER.search(normalise_header(header)) and "万" not in header:
            in_yi.add(position)
    missing = [column for column in columns if column.required and column.key not in seen]
    return Mapping(keys=keys, in_yi=in_yi, unknown=unknown, missing=missing, duplicates=duplicates)


def mapped_rows(table: Table, mapping: Mapping) -> tuple[list[str], list[list]]:
    """The table's rows as the import's columns (plus ``row``, the row number in the file)."""
    positions = sorted(mapping.keys)
    headers = ["row", *(mapping.keys[p] for p in positions)]
    rows = []
    for number, values in table.rows:
        row = [number]
        for position in positions:
            value = values[position]
            if position in mapping.in_yi and not _empty(value):
                value = InYi(value)
            row.append(value)
        rows.append(row)
    return headers, rows
