"""Word (.docx) rendering with python-docx: the narrative and the main tables, for staff to edit.

The document follows the layout of official documents (GB/T 9704-2012) in named styles a clerk can
change: 公文标题 (小标宋 2号), 公文正文 (仿宋 3号, 28-point lines, two-character indent), 公文一级标题
(黑体), 公文二级标题 (楷体), 表格文字; the faces are the first of each PORTFOLIO_DOCUMENT_FONTS list.
Page numbers “— 1 —” are PAGE fields on the outside edge (right on odd pages, left on even ones);
the issuing unit and the date close the text; the project list follows as 附件 on landscape pages.

Tables are written straight into the document XML: python-docx's cell API looks every cell up
again from the top of the table, which makes a table of a few thousand rows take minutes.
"""

import datetime as dt
from copy import deepcopy
from decimal import Decimal
from functools import lru_cache
from io import BytesIO

import docx
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from portfolio.money import format_fixed
from portfolio.periods import document_date
from portfolio.text import printable

from .tables import NUMERIC, POINTS, Table

LATIN_FONT = "Times New Roman"
# The named styles of the document, on Word's own where one exists (the navigation pane and the table
# of contents follow the headings): name, base style, font role, size in points.
STYLES = {
    "title": ("公文标题", "Title", "title", 22),
    "body": ("公文正文", "Normal", "body", 16),
    "heading1": ("公文一级标题", "Heading 1", "heading1", 16),
    "heading2": ("公文二级标题", "Heading 2", "heading2", 16),
    "table": ("表格文字", "Normal", "body", 10.5),
}


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


def _face(role: str) -> str:
    return settings.PORTFOLIO_DOCUMENT_FONTS[role][0]


def _new_document(title: str, *, landscape: bool = False):
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    # The type area of GB/T 9704: 156 × 225 mm.
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(28)
    _set_fonts(document.styles["Normal"], _face("body"), Pt(16))
    _set_language(document, get_language() or "zh-hans")
    for key in STYLES:
        _named_style(document, key)
    document.core_properties.title = printable(title)
    document.core_properties.language = _word_language(get_language() or "zh-hans")
    return document


def _named_style(document, key: str):
    name, base, role, size = STYLES[key]
    styles = document.styles
    style = styles[name] if name in [s.name for s in styles] else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = styles[base]
    style.quick_style = True
    _set_fonts(style, _face(role), Pt(size), bold=key == "title")
    style.font.color.rgb = RGBColor(0, 0, 0)
    style.font.italic = False
    fmt = style.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    if key == "table":
        fmt.line_spacing = 1.0
        fmt.first_line_indent = Pt(0)
    else:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(28 if key != "title" else 36)
        fmt.first_line_indent = Pt(0) if key == "title" else Pt(32)  # two characters of 3号
    if key == "title":
        fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
        fmt.space_after = Pt(14)
    if key.startswith("heading"):
        fmt.keep_with_next = True
        style.font.bold = False
    return style


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
    """The title in the header; the page number as “— 1 —” on the outside edge at the foot (the 公文
    way: right on odd pages, left on even ones), with the sample-data mark above it when the report
    has sample data."""
    document.settings.odd_and_even_pages_header_footer = True
    for section in document.sections:
        for header in (section.header, section.even_page_header):
            header.is_linked_to_previous = False
            paragraph = header.paragraphs[0]
            paragraph.text = printable(title)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for part, side in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
            part.is_linked_to_previous = False
            foot = part.paragraphs[0]
            if footer:
                foot.text = printable(footer)
                foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
                foot = part.add_paragraph()
            foot.alignment = side
            foot.paragraph_format.left_indent = foot.paragraph_format.right_indent = Pt(14)  # one character in
            foot.add_run("— ").font.size = Pt(14)
            _field(foot, "PAGE")
            foot.add_run(" —").font.size = Pt(14)


@lru_cache(maxsize=4)
def _cell_template(right: bool, bold: bool):
    """An empty table cell (w:tc > w:p > w:r > w:t) in 9 pt, right-aligned or bold as asked."""
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
    t.set(qn("xml:space"), "preserve")
    r.append(t)
    p.append(r)
    tc.append(p)
    return tc


def _cell_xml(text: str, *, right: bool, bold: bool = False):
    """A table cell holding ``text``: a copy of the template (python-docx makes each element through its
    parser, seven a cell; a 100,000-row appendix spent most of its time there)."""
    tc = deepcopy(_cell_template(right, bold))
    tc[0][-1][-1].text = text  # w:tc > w:p > w:r > w:t
    return tc


def add_table(document, table: Table) -> None:
    document.add_paragraph(printable(table.title), style=STYLES["heading2"][0])
    word_table = document.add_table(rows=1, cols=len(table.columns))
    word_table.style = "Table Grid"
    tbl = word_table._tbl
    header_row = tbl.tr_lst[0]
    for tc in list(header_row.tc_lst):
        header_row.remove(tc)
    # The header repeats on every page; no row splits across pages.
    trpr = header_row.get_or_add_trPr()
    for tag in ("w:tblHeader", "w:cantSplit"):
        element = OxmlElement(tag)
        element.set(qn("w:val"), "true")
        trpr.append(element)
    for column in table.columns:
        header_row.append(_cell_xml(printable(column.header), right=False, bold=True))
    template_row = OxmlElement("w:tr")
    row_properties = OxmlElement("w:trPr")
    row_properties.append(OxmlElement("w:cantSplit"))
    template_row.append(row_properties)
    kinds = [c.kind for c in table.columns]
    for row in table.rows:
        tr = deepcopy(template_row)
        for value, kind in zip(row, kinds, strict=True):
            tr.append(_cell_xml(cell_text(value, kind), right=kind in NUMERIC))
        tbl.append(tr)
    if table.note:
        document.add_paragraph(printable(table.note), style=STYLES["table"][0])


def _heading(document, text: str, level: int = 1):
    return document.add_paragraph(printable(text), style=STYLES[f"heading{level}"][0])


def _signature(document, unit: str, day: dt.date) -> None:
    """The issuing unit and the date close the text, right-aligned four characters in."""
    for index, text in enumerate((unit, document_date(day))):
        paragraph = document.add_paragraph(printable(text), style=STYLES["body"][0])
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.paragraph_format.first_line_indent = Pt(0)
        paragraph.paragraph_format.right_indent = Pt(64)
        if index == 0:
            paragraph.paragraph_format.space_before = Pt(28)


def render_docx(
    tables: list[Table], *, title: str, meta: list[str], narrative: list[str] | None = None,
    landscape: bool = False, footer: str = "", charts: list[tuple[str, bytes]] | None = None,
    signature: tuple[str, dt.date] | None = None, appendix: Table | None = None,
) -> bytes:
    """``footer`` is printed at the foot of every page (the sample-data mark); ``charts`` are
    (caption, PNG) pairs shown before the tables; ``signature`` is the issuing unit and the date;
    ``appendix`` follows as 附件 on landscape pages."""
    document = _new_document(title, landscape=landscape)
    document.add_paragraph(printable(title), style=STYLES["title"][0])
    for line in meta:
        paragraph = document.add_paragraph(printable(line), style=STYLES["table"][0])
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if narrative:
        _heading(document, _("一、进度综述（草稿）"))
        for text in narrative:
            document.add_paragraph(printable(text), style=STYLES["body"][0])
        _heading(document, _("二、主要表格"))
    for caption, png in charts or []:
        document.add_picture(BytesIO(png), width=Mm(150))
        document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph = document.add_paragraph(printable(caption), style=STYLES["table"][0])
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for table in tables:
        add_table(document, table)
    if appendix is not None:
        document.add_paragraph(_("附件：重点项目明细表"), style=STYLES["body"][0])
    if signature is not None:
        _signature(document, *signature)
    if appendix is not None:
        section = document.add_section(WD_SECTION.NEW_PAGE)
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
        section.top_margin, section.bottom_margin = Mm(26), Mm(24)
        section.left_margin, section.right_margin = Mm(20), Mm(20)
        label = document.add_paragraph(_("附件"), style=STYLES["heading1"][0])
        label.paragraph_format.first_line_indent = Pt(0)
        document.add_paragraph(_("重点项目明细表"), style=STYLES["title"][0])
        add_table(document, appendix)
    return _finish(document, title, footer)


def _finish(document, title: str, footer: str) -> bytes:
    """The running head and page numbers on every section, and the file's bytes."""
    _header_and_footer(document, title, footer)
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def render_letter_docx(document) -> bytes:
    """A supervision letter (renderers.letters.LetterDocument) in the same named styles as the reports."""
    word = _new_document(document.title)
    word.add_paragraph(printable(document.title), style=STYLES["title"][0])
    reference = word.add_paragraph(printable(document.reference), style=STYLES["body"][0])
    reference.alignment = WD_ALIGN_PARAGRAPH.CENTER
    reference.paragraph_format.first_line_indent = Pt(0)
    if document.sample_mark:
        word.add_paragraph(printable(document.sample_mark), style=STYLES["table"][0])
    recipient = word.add_paragraph(printable(document.recipient), style=STYLES["body"][0])
    recipient.paragraph_format.first_line_indent = Pt(0)
    word.add_paragraph(printable(document.opening), style=STYLES["body"][0])
    add_table(word, document.table)
    for text in (document.actions, document.closing):
        word.add_paragraph(printable(text), style=STYLES["body"][0])
    if document.date is not None:
        _signature(word, document.issuing_unit, document.date)
    else:
        paragraph = word.add_paragraph(printable(document.issuing_unit), style=STYLES["body"][0])
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return _finish(word, document.title, document.sample_mark)
