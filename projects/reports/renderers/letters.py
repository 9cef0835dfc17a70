"""A supervision letter as a document in the official layout: HTML (its page), PDF and Word.

``letter_document`` arranges the letter (title, reference, recipient, the paragraphs, the table of
projects, the closing and the signature) once; the renderers below only render it.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from portfolio.downloads import file_name
from portfolio.periods import Period, period_label
from portfolio.text import colon

from ...choices import LetterKind
from ...models import SupervisionLetter
from ..structure import sample_mark
from . import CONTENT_TYPES, Rendered
from .tables import INT, Column, Table


@dataclass
class LetterDocument:
    letter: SupervisionLetter
    title: str  # 督办函 / 提醒函
    reference: str  # 白发改督〔2025〕3号; for a draft, 草稿
    recipient: str  # 钟落潭镇：
    opening: str
    table: Table
    actions: str
    closing: str
    issuing_unit: str
    date: dt.date | None
    sample_mark: str = ""


def letter_document(letter: SupervisionLetter) -> LetterDocument:
    items = list(letter.items.select_related("project").order_by("position"))
    table = Table("letter", _("项目"), _("预警项目"), [
        Column(_("序号"), INT, 6), Column(_("项目编号")), Column(_("项目名称"), width=30), Column(_("预警")),
        Column(_("预警原因"), width=50)])
    for number, item in enumerate(items, start=1):
        table.rows.append([number, item.project.code + ("*" if item.is_sample else ""), item.project.name,
                           item.colour_label, item.reason])
    red = sum(1 for item in items if item.colour == "red")
    opening = _("经对%(period)s重点项目建设进度监测，你单位牵头的%(n)s个项目进度滞后，其中红灯项目%(red)s个、"
                "黄灯项目%(yellow)s个，具体如下：") % {
        "period": period_label(Period(letter.year, letter.month)), "n": len(items), "red": red,
        "yellow": len(items) - red}
    sample = any(item.is_sample for item in items)
    return LetterDocument(
        letter=letter,
        title=letter.get_kind_display(),
        reference=letter.reference or _("（草稿，发出时编号）"),
        recipient=f"{letter.department.name}{colon()}",
        opening=opening,
        table=table,
        actions=letter.requested_actions,
        closing=_("特此函告。") if letter.kind == LetterKind.SUPERVISION else _("特此提醒。"),
        issuing_unit=settings.PORTFOLIO_ISSUING_UNIT,
        date=letter.issued_on,
        sample_mark=sample_mark(sample),
    )


def letter_file_names(document: LetterDocument, fmt: str) -> tuple[str, str]:
    letter = document.letter
    stem = _("%(reference)s%(kind)s（%(department)s）") % {
        "reference": letter.reference or _("草稿"), "kind": document.title, "department": letter.department.name}
    return file_name(stem, fmt), f"letter-{letter.number_year or 'draft'}-{letter.number or letter.pk}.{fmt}"


def render_letter(letter: SupervisionLetter, fmt: str, *, request=None) -> Rendered:
    document = letter_document(letter)
    filename, fallback = letter_file_names(document, fmt)
    if fmt in ("html", "pdf"):
        html = render_to_string("reports/letter.html", {"document": document, "report": document,
                                                        "for_pdf": fmt == "pdf"}, request=request)
        if fmt == "html":
            return Rendered(html.encode(), CONTENT_TYPES[fmt], filename, fallback)
        from .pdf import render_pdf

        return Rendered(render_pdf(html), CONTENT_TYPES[fmt], filename, fallback)
    if fmt == "docx":
        from .docx import render_letter_docx

        return Rendered(render_letter_docx(document), CONTENT_TYPES[fmt], filename, fallback)
    raise ValueError(f"unknown format {fmt!r}")
