"""A long appendix laid out by Typst in a background job: the characters of WeasyPrint's appendix, every
project in it, merged into the document and stamped with its running heads and page numbers."""

import io
import re
from collections import Counter

import pytest
from django.db.models import Q
from django.utils import translation
from pypdf import PdfReader

from portfolio import pdfworker
from portfolio.periods import Period
from projects.models import Project
from projects.reports.builders import build_progress_report
from projects.reports.renderers import pdf as pdf_module
from projects.reports.renderers import render_progress
from projects.reports.renderers.html import render_progress_html
from projects.reports.renderers.typst_appendix import HEADERS, appendix_document, typst_families

pytestmark = [pytest.mark.django_db, pytest.mark.any_database]
H1 = Period(2025, 6)
SAMPLE_MARK = "含样例数据，非真实数据"


def _city_report():
    return build_progress_report(Project.objects.filter(programme__level="city"), H1)


def _mixed_report():
    """The report's own projects (some of their values made by the sample generator, each marked) and
    the city programme's sample projects (marked whole)."""
    return build_progress_report(Project.objects.filter(Q(programme__level="city") | Q(is_synthetic=False)), H1)


def _texts(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def _characters(text: str, headers: list[str]) -> Counter:
    """The text's characters but white space, less the table header's as often as it repeats."""
    counted = Counter(re.sub(r"\s", "", text))
    repeats = text.count(headers[0])
    assert repeats >= 1
    for header in headers:
        for character, n in Counter(re.sub(r"\s", "", header)).items():
            counted[character] -= n * repeats
    return counted


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_typst_lays_out_the_characters_of_the_weasyprint_appendix(portfolio, language):
    with translation.override(language):
        report = _mixed_report()
        headers = [str(header) for header in HEADERS]
        weasyprint = pdf_module.render_pdf(render_progress_html(report, for_pdf=True, show_appendix=True,
                                                                pdf_part="appendix"))
        typst = pdfworker.render_typst(*appendix_document(report))
    typst_text = "\n".join(_texts(typst))
    marked = {name for row in report.projects if not row.is_synthetic for name in row.sample_fields}
    assert {"annual_plan", "completed_ytd", "rate", "colour_label", "progress"} <= marked
    assert any(row.is_synthetic for row in report.projects)
    assert _characters(typst_text, headers) == _characters("\n".join(_texts(weasyprint)), headers)
    flat = re.sub(r"\s", "", typst_text)
    for row in report.projects:
        assert row.code in flat
    # Each page of the appendix is landscape A4.
    assert all(float(p.mediabox.width) > float(p.mediabox.height) for p in PdfReader(io.BytesIO(typst)).pages)


def _fonts(page) -> set[str]:
    return {str(font["/BaseFont"]) for font in page["/Resources"]["/Font"].values()}


@pytest.mark.parametrize("worker", [False, True])
def test_a_long_appendix_is_laid_out_by_typst_in_the_merged_document(portfolio, settings, worker):
    report = _city_report()
    single = pdf_module.render_pdf(render_progress_html(report, for_pdf=True, show_appendix=True))
    main_pages = len(PdfReader(io.BytesIO(pdf_module.render_pdf(
        render_progress_html(report, for_pdf=True, show_appendix=False, pdf_part="main")))).pages)
    settings.PORTFOLIO_PDF_TYPST_ROWS = len(report.projects) - 1
    settings.PORTFOLIO_PDF_WORKER = worker
    with pdf_module.background_rendering():
        content = render_progress(report, "pdf").content
    pages = PdfReader(io.BytesIO(content)).pages
    texts = _texts(content)
    # The pages before the appendix are WeasyPrint's, as in the single document.
    assert texts[:main_pages] == _texts(single)[:main_pages]
    assert not any(name.endswith("-Identity-H") for page in pages[:main_pages] for name in _fonts(page))
    # The appendix's are Typst's (it names its fonts so), landscape, stamped like every page.
    appendix = pages[main_pages:]
    assert appendix and all(any(name.endswith("-Identity-H") for name in _fonts(page)) for page in appendix)
    assert all(float(page.mediabox.width) > float(page.mediabox.height) for page in appendix)
    for number, text in enumerate(texts, start=1):
        assert f"— {number} —" in text
        assert SAMPLE_MARK in text
    flat = re.sub(r"\s", "", "".join(texts[main_pages:]))
    assert all(row.code in flat for row in report.projects)
    if worker:
        pdf_module._discard_pool()


def test_without_typst_the_appendix_is_weasyprints(portfolio, settings, monkeypatch):
    report = _city_report()
    settings.PORTFOLIO_PDF_WORKER = False
    with pdf_module.background_rendering():
        expected = _texts(render_progress(report, "pdf").content)  # 98 rows: WeasyPrint's appendix

    def broken(source, data):
        raise RuntimeError("typst failed")

    monkeypatch.setattr(pdfworker, "render_typst", broken)
    settings.PORTFOLIO_PDF_TYPST_ROWS = 0
    with pdf_module.background_rendering():
        assert _texts(render_progress(report, "pdf").content) == expected


def test_document_faces_are_named_as_typst_names_them():
    installed = ("FandolFang R", "FandolHei", "Noto Serif CJK SC", "Noto Serif CJK SC Bold")
    assert typst_families(["仿宋_GB2312", "FandolFang", "Noto Serif CJK SC"], installed) == [
        "FandolFang R", "Noto Serif CJK SC", "Noto Serif CJK SC Bold"]
    assert typst_families(["黑体", "FandolHei"], installed) == ["FandolHei"]
    assert typst_families(["方正小标宋简体"], installed) == ["方正小标宋简体"]  # none installed: Typst's fallback
