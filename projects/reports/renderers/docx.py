"""Word (.docx) rendering with python-docx: the narrative and the main tables, for staff to edit.

Tables are written straight into the document XML: python-docx's cell API looks every cell up
again from the top of the table, which makes a table of a few thousand rows take minutes.
"""

import datetime as dt
from copy import deepcopy
from decimal import Decimal
from io import BytesIO

import docx
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from portfolio.money import format_fixed
from portfolio.text import printable

from .tables import NUMERIC, POINTS, Table

BODY_FONT = "宋体"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"


def cell_text(value, kind: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format_fixed(value, signed=kind == POINTS and value > 0)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}" if kind in NUMERIC else str(value)
    return printable(value)


def _set_fonts(style, east_asian: str, size: Pt | None = None, bold: bool | None = None) -> None:
    style.font.name = LATIN_FONT
    if size is not None:
        style.font.size = size
    if bold is not None:
        style.font.bold = bold
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asian)


def _new_document(title: str, *, landscape: bool = False):
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2))
    _set_fonts(document.styles["Normal"], BODY_FONT, Pt(11))
    for name in ("Title", "Heading 1", "Heading 2"):
        _set_fonts(document.styles[name], HEADING_FONT)
    _set_language(document, get_language() or "zh-hans")
    document.core_properties.title = printable(title)
    document.core_properties.language = _word_language(get_language() or "zh-hans")
    return document


def _word_language(language: str) -> str:
    return "en-US" if language.startswith("en") else "zh-CN"


def _set_language(document, language: str) -> None:
    """The document's proofing language, on the base style every other inherits (zh-CN in Chinese)."""
    rpr = document.styles["Normal"].element.get_or_add_rPr()
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    tag = _word_language(language)
    lang.set(qn("w:val"), tag)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _field(paragraph, instruction: str) -> None:
    """A field Word computes when it lays out the page (PAGE, NUMPAGES)."""
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, instruction), ("separate", None), (None, "1"), ("end", None)):
        if kind is not None:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == instruction:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {instruction} "
        else:
            element = OxmlElement("w:t")
            element.text = text
        run._r.append(element)


def _header_and_footer(document, title: str, footer: str) -> None:
    """The title in the header; the page number as “— 1 —” at the foot (the 公文 way), and the
    sample-data mark above it when the report has sample data."""
    section = document.sections[0]
    header = section.header.paragraphs[0]
    header.text = printable(title)
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    foot = section.footer.paragraphs[0]
    if footer:
        foot.text = printable(footer)
        foot = section.footer.add_paragraph()
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    foot.add_run("— ")
    _field(foot, "PAGE")
    foot.add_run(" —")


def _cell_xml(text: str, *, right: bool, bold: bool = False):
    tc = OxmlElement("w:tc")
    p = OxmlElement("w:p")
    if right:
        ppr = OxmlElement("w:pPr")
        jc = OxmlElement("w:jc")
        jc.set(qn("w:val"), "right")
        ppr.append(jc)
        p.append(ppr)
    r = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "18")  # 9 pt
    rpr.append(size)
    if bold:
        rpr.append(OxmlElement("w:b"))
    r.append(rpr)
    t = OxmlElement("w:t")
    t.text = text
    t.set(qn("xml:space"), "preserve")
    r.append(t)
    p.append(r)
    tc.append(p)
    return tc


def add_table(document, table: Table) -> None:
    document.add_heading(printable(table.title), level=2)
    word_table = document.add_table(rows=1, cols=len(table.columns))
    word_table.style = "Table Grid"
    tbl = word_table._tbl
    header_row = tbl.tr_lst[0]
    for tc in list(header_row.tc_lst):
        header_row.remove(tc)
    # The header repeats on every page.
    trpr = header_row.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    trpr.append(repeat)
    for column in table.columns:
        header_row.append(_cell_xml(printable(column.header), right=False, bold=True))
    template_row = OxmlElement("w:tr")
    kinds = [c.kind for c in table.columns]
    for row in table.rows:
        tr = deepcopy(template_row)
        for value, kind in zip(row, kinds, strict=True):
            tr.append(_cell_xml(cell_text(value, kind), right=kind in NUMERIC))
        tbl.append(tr)
    if table.note:
        document.add_paragraph(printable(table.note))


def render_docx(
    tables: list[Table], *, title: str, meta: list[str], narrative: list[str] | None = None,
    landscape: bool = False, footer: str = "",
) -> bytes:
    """``footer`` is printed at the foot of every page (the sample-data mark)."""
    document = _new_document(title, landscape=landscape)
    _header_and_footer(document, title, footer)
    heading = document.add_heading(printable(title), level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in meta:
        paragraph = document.add_paragraph(printable(line))
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if narrative:
        document.add_heading(_("一、进度综述（草稿）"), level=1)
        for text in narrative:
            paragraph = document.add_paragraph(printable(text))
            paragraph.paragraph_format.first_line_indent = Pt(22)
        document.add_heading(_("二、主要表格"), level=1)
    for table in tables:
        add_table(document, table)
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
