"""One renderer per format; each turns a report structure (builders, indicators) into bytes.

The views and the progress_report command both come through here, so a page, a download and a
scheduled run of the same report are the same document.
"""

from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from indicators.reports import IndicatorReport
from portfolio.downloads import attachment, file_name
from portfolio.money import format_fixed
from portfolio.text import bracketed, colon, enumerated, semicolon

from ...selectors import Basis
from ..charts import MONTHS
from ..structure import ProgressReport
from .docx import render_docx
from .html import render_indicators_html, render_progress_html
from .tables import indicator_tables, progress_tables
from .xlsx import render_xlsx, save_report_workbook

FORMATS = ("html", "pdf", "xlsx", "docx")
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
# The main tables of the Word document (the appendix and the long lists stay in Excel and PDF).
DOCX_TABLES = ("summary", "department", "category", "town", "status", "warnings", "letters", "reconciliation")


@dataclass(frozen=True)
class Rendered:
    content: bytes
    content_type: str
    filename: str  # in the reader's language, with the period and the filters
    fallback: str = ""  # the ASCII name for clients that cannot read the other

    def response(self) -> HttpResponse:
        """The page itself, or the file as a download: the same answer for the pages and the API."""
        response = HttpResponse(self.content, content_type=self.content_type)
        if not self.content_type.startswith("text/html"):
            response["Content-Disposition"] = attachment(self.filename, self.fallback)
        return response


def _file_period(period) -> str:
    """2025年1—6月, in English Jan–Jun 2025: the period as a file name says it (no slash)."""
    if period.month == 1:
        return pgettext("file name", "%(year)s年1月") % {"year": period.year}
    return pgettext("file name", "%(year)s年1—%(last)s") % {"year": period.year, "last": MONTHS[period.month - 1]}


def progress_file_names(report: ProgressReport, fmt: str) -> tuple[str, str]:
    """白云区2025年1—6月重点项目进度报告（钟落潭镇）.pdf, and progress-report-2025-06.pdf: the period
    and the filters the report was built with (the basis only when it is not the approved one)."""
    stem = _("%(district)s%(period)s重点项目进度报告") % {
        "district": settings.PORTFOLIO_DISTRICT, "period": _file_period(report.period)}
    filters = [value for _label, value in report.scope if value != report.basis_statement]
    if report.basis != Basis.APPROVED:
        filters.append(_("含未审核月报"))
    if filters:
        stem += _("（%(filters)s）") % {
            "filters": enumerated(filters)}
    return file_name(stem, fmt), f"progress-report-{report.period.year}-{report.period.month:02d}.{fmt}"


def indicators_file_names(report: IndicatorReport, fmt: str) -> tuple[str, str]:
    stem = _("%(district)s%(period)s经济社会发展指标") % {
        "district": settings.PORTFOLIO_DISTRICT, "period": _file_period(report.period)}
    return file_name(stem, fmt), f"indicators-report-{report.period.year}-{report.period.month:02d}.{fmt}"


def _pdf(html: str) -> bytes:
    # WeasyPrint takes a noticeable time to import; only PDF requests pay for it.
    from .pdf import render_pdf

    return render_pdf(html)


def _pdf_in_background() -> bool:
    from .pdf import in_background

    return in_background()


def _progress_pdf_in_parts(report: ProgressReport, request, context: dict) -> bytes:
    """The report before the appendix and the appendix, laid out at the same time (see pdf.py); a long
    appendix by Typst (typst_appendix.py)."""
    from . import typst_appendix
    from .pdf import TypstPart, render_pdf_in_parts

    def part(name: str) -> str:
        return render_progress_html(report, request=request, for_pdf=True,
                                    **{**context, "show_appendix": name == "appendix", "pdf_part": name})

    appendix = (TypstPart(*typst_appendix.appendix_document(report), fallback_html=lambda: part("appendix"))
                if typst_appendix.wanted(report) else part("appendix"))
    parts = [part("main"), appendix]

    def stamp(orientations: list[bool]) -> str:
        return render_to_string("reports/pdf_page_stamp.html", {"report": report, "orientations": orientations},
                                request=request)

    return render_pdf_in_parts(parts[0], parts[1:], stamp)


def docx_charts(report: ProgressReport) -> list[tuple[str, bytes]]:
    """The report's charts as (caption, PNG), the same charts as the page's."""
    from ..charts import completion_chart_png, report_charts

    return [(chart.caption, completion_chart_png(chart.points)) for chart in report_charts(report)]


def progress_meta(report: ProgressReport) -> list[str]:
    lines = [
        _("%(period)s · 序时进度%(elapsed)s%% · 生成时间%(at)s · 预警规则%(version)s版") % {
            "period": report.period_label, "elapsed": format_fixed(report.time_elapsed, grouping=False),
            "at": report.generated_at.strftime("%Y-%m-%d %H:%M"), "version": report.rule_version,
        }
    ]
    if report.scope:
        lines.append(semicolon().join(f"{label}{colon()}{value}" for label, value in report.scope))
    lines.append(completeness_line(report))
    if report.has_sample_data:
        lines.append(_("注意：本报告含样例数据（由样例生成器生成），仅供演示和培训，不是真实数据。"))
    return lines


def completeness_line(report: ProgressReport) -> str:
    """The month's reporting completeness in one sentence (Excel and Word; the page has its own)."""
    c = report.completeness.total
    line = _("%(month)s月月报（截止%(due)s）：应报%(e)s个项目，已填报%(r)s个，已提交%(s)s个，已审核%(a)s个，免报%(w)s个。") % {
        "month": report.period.month, "due": report.completeness.due_date.isoformat(), "e": c.expected,
        "r": c.reported, "s": c.submitted + c.approved, "a": c.approved, "w": c.waived,
    }
    late = report.completeness.late_departments
    if late:
        line += _("逾期未报单位：%(departments)s。") % {
            "departments": enumerated(f"{d.label}{bracketed(d.outstanding)}" for d in late)}
    return line


def indicators_meta(report: IndicatorReport) -> list[str]:
    return [
        _("截至%(period)s · 生成时间%(at)s") % {
            "period": report.period_label, "at": report.generated_at.strftime("%Y-%m-%d %H:%M"),
        }
    ]


def render_progress(report: ProgressReport, fmt: str, *, request=None, html_context: dict | None = None) -> Rendered:
    filename, fallback = progress_file_names(report, fmt)
    context = html_context or {}
    if fmt == "pdf" and context.get("show_appendix", True) and report.projects and _pdf_in_background():
        return Rendered(_progress_pdf_in_parts(report, request, context), CONTENT_TYPES[fmt], filename, fallback)
    if fmt in ("html", "pdf"):
        html = render_progress_html(report, request=request, for_pdf=fmt == "pdf", **context)
        if fmt == "html":
            return Rendered(html.encode(), CONTENT_TYPES[fmt], filename, fallback)
        return Rendered(_pdf(html), CONTENT_TYPES[fmt], filename, fallback)
    tables = progress_tables(report)
    if fmt == "xlsx":
        content = render_xlsx(tables, title=report.title, meta=progress_meta(report), narrative=report.narrative)
        return Rendered(content, CONTENT_TYPES[fmt], filename, fallback)
    if fmt == "docx":
        main = [t for t in tables if t.key in DOCX_TABLES and (t.rows or t.key != "letters")]
        appendix = next((t for t in tables if t.key == "projects"), None) if report.projects else None
        content = render_docx(main, title=report.title, meta=progress_meta(report), narrative=report.narrative,
                              footer=report.sample_mark, charts=docx_charts(report),
                              signature=(report.issuing_unit, report.generated_at.date()), appendix=appendix)
        return Rendered(content, CONTENT_TYPES[fmt], filename, fallback)
    raise ValueError(f"unknown format {fmt!r}")


def save_progress_xlsx(report: ProgressReport, out: BinaryIO) -> tuple[str, str]:
    """The report's Excel workbook written to ``out`` (a file open for writing), the lists of a streamed report
    (``structure.STREAMED``) read as their sheets are written; its file names (the name, the ASCII fallback)."""
    save_report_workbook(progress_tables(report), out, title=report.title, meta=progress_meta(report),
                         narrative=report.narrative)
    return progress_file_names(report, "xlsx")


def render_indicators(report: IndicatorReport, fmt: str, *, request=None, html_context: dict | None = None) -> Rendered:
    filename, fallback = indicators_file_names(report, fmt)
    if fmt in ("html", "pdf"):
        html = render_indicators_html(report, request=request, for_pdf=fmt == "pdf", **(html_context or {}))
        if fmt == "html":
            return Rendered(html.encode(), CONTENT_TYPES[fmt], filename, fallback)
        return Rendered(_pdf(html), CONTENT_TYPES[fmt], filename, fallback)
    tables = indicator_tables(report)
    if fmt == "xlsx":
        return Rendered(render_xlsx(tables, title=report.title, meta=indicators_meta(report)), CONTENT_TYPES[fmt],
                        filename, fallback)
    if fmt == "docx":
        return Rendered(render_docx(tables, title=report.title, meta=indicators_meta(report)), CONTENT_TYPES[fmt],
                        filename, fallback)
    raise ValueError(f"unknown format {fmt!r}")
