"""The reports in the layout of official documents (GB/T 9704-2012): the faces per role, the page
numbers, the signature and 附件, Word's named styles, and programmes never added together unless the
bureau's setting says so."""

import io

import docx
import pytest
from django.core.checks import Info
from django.core.checks import Warning as CheckWarning
from django.test import override_settings
from docx.enum.section import WD_ORIENT
from pypdf import PdfReader

from portfolio.periods import Period
from projects.models import Project
from projects.reports import checks
from projects.reports.builders import build_progress_report
from projects.reports.renderers import render_progress
from projects.reports.renderers.docx import STYLES
from projects.reports.renderers.html import render_progress_html

H1 = Period(2025, 6)


@pytest.fixture
def two_programmes(portfolio):
    return build_progress_report(Project.objects.all(), H1)


def test_the_check_says_which_face_each_role_uses(settings):
    settings.DEBUG = True  # development says it; a production server's check prints nothing when all is well
    messages = checks.check_document_faces()
    info = next(m for m in messages if m.id == "reports.I001")
    assert isinstance(info, Info)
    for role, face in checks.document_faces().items():
        assert f"{role} {face}" in info.msg
    assert not [m for m in messages if m.id == "reports.W003"]  # `make` installed a face for every role
    settings.DEBUG = False
    assert checks.check_document_faces() == []


def test_a_role_without_an_installed_face_is_named(settings):
    settings.PORTFOLIO_DOCUMENT_FONTS = {**settings.PORTFOLIO_DOCUMENT_FONTS, "heading2": ["某公司楷体"]}
    warnings = [m for m in checks.check_document_faces() if m.id == "reports.W003"]
    assert len(warnings) == 1 and isinstance(warnings[0], CheckWarning) and "heading2" in warnings[0].msg
    assert checks.document_faces()["heading2"] is None
    assert checks.css_font_family("heading2") == '"某公司楷体", serif'


def test_the_page_is_set_in_the_configured_faces(portfolio, settings):
    settings.PORTFOLIO_DOCUMENT_FONTS = {**settings.PORTFOLIO_DOCUMENT_FONTS, "body": ["仿宋_GB2312", "FandolFang"]}
    html = render_progress_html(build_progress_report(Project.objects.filter(code__startswith="R25-0"), H1))
    assert 'font-family: "仿宋_GB2312", "FandolFang", serif;' in html


def test_programmes_are_shown_apart_by_default(two_programmes):
    report = two_programmes
    assert len(report.programmes) == 2 and not report.programmes_added
    html = render_progress_html(report)
    assert '<tr class="total">' not in html
    # one chart and one month table per programme, each on its own plan
    assert [p.pk for p, _points in report.programmes_apart] == [p.pk for p in report.programmes]
    for programme, points in report.programmes_apart:
        assert points[-1].completed_cumulative == programme.figures.completed_ytd
        assert html.count(f"{programme.name}累计完成率与序时进度") == 1
    assert "本报告所列" not in " ".join(report.narrative)
    document = docx.Document(io.BytesIO(render_progress(report, "docx").content))
    assert len(document.inline_shapes) == 2  # a chart per programme
    assert "合计" not in [row.cells[0].text for row in document.tables[0].rows]


def test_a_bureau_that_adds_programmes_says_which_projects_are_in_both(portfolio):
    district = Project.objects.filter(programme__level="district").order_by("code").first()
    city = Project.objects.filter(programme__level="city").order_by("code").first()
    city.name = district.name
    city.save()
    with override_settings(PORTFOLIO_ADD_PROGRAMMES=True):
        report = build_progress_report(Project.objects.all(), H1)
        html = render_progress_html(report)
        assert report.programmes_added
    assert district.name in report.in_several_programmes
    assert Project.objects.filter(name__in=report.in_several_programmes).values("name").distinct().count() == len(
        report.in_several_programmes)
    assert '<tr class="total">' in html and district.name in html.split("同时列入多个计划")[0]
    assert any("本报告所列434个项目" in p and district.name in p for p in report.narrative)


@pytest.mark.any_database
def test_the_pdf_closes_with_the_signature_and_gives_the_list_as_attachment(portfolio, settings):
    settings.PORTFOLIO_ISSUING_UNIT = "某区发展和改革局"
    report = build_progress_report(Project.objects.filter(programme__level="city"), H1)
    reader = PdfReader(io.BytesIO(render_progress(report, "pdf").content))
    texts = [page.extract_text().replace("\n", "") for page in reader.pages]
    signed = next(i for i, text in enumerate(texts) if "某区发展和改革局" in text)
    assert "附件：重点项目明细表" in texts[signed]
    assert f"{report.generated_at.year}年{report.generated_at.month}月{report.generated_at.day}日" in texts[signed]
    # 附件 starts on the next page, in landscape, and runs to the end
    assert texts[signed + 1].lstrip().startswith(("附件", "含样例数据"))
    landscape = [float(p.mediabox.width) > float(p.mediabox.height) for p in reader.pages]
    assert landscape == [False] * (signed + 1) + [True] * (len(texts) - signed - 1)
    for number, text in enumerate(texts, start=1):
        assert f"— {number} —" in text


def test_the_word_file_uses_named_styles_fields_and_an_attachment(portfolio):
    report = build_progress_report(Project.objects.filter(programme__level="district"), H1)
    document = docx.Document(io.BytesIO(render_progress(report, "docx").content))
    names = {style.name for style in document.styles}
    assert {name for name, *_rest in STYLES.values()} <= names
    used = [(p.style.name, p.text) for p in document.paragraphs]
    assert used[0] == ("公文标题", report.title)
    assert ("公文一级标题", "一、进度综述（草稿）") in used and ("公文一级标题", "附件") in used
    assert all(style == "公文正文" for style, text in used if text in report.narrative)
    body = document.styles["公文正文"]
    assert body.font.size.pt == 16 and body.paragraph_format.line_spacing.pt == 28
    assert body.element.rPr.rFonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") \
        == checks.settings.PORTFOLIO_DOCUMENT_FONTS["body"][0]
    # page numbers on the outside edge of odd and even pages, as PAGE fields
    assert document.settings.odd_and_even_pages_header_footer
    for section in document.sections:
        for footer in (section.footer, section.even_page_footer):
            number = footer.paragraphs[-1]
            assert number.text == "— 1 —" and "PAGE" in number._p.xml
    assert [s.orientation for s in document.sections] == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE]
    assert len(document.inline_shapes) == 1  # the chart, as a picture
    assert len(document.tables[-1].rows) == 1 + len(report.projects)  # the attachment: every project
    assert "广州市白云区发展和改革局" in [text for _style, text in used]
    assert "tblHeader" in document.tables[-1]._tbl.xml and "cantSplit" in document.tables[-1]._tbl.xml


def _fills(pdf: bytes, tmp_path) -> list[tuple[bool, float]]:
    """(landscape, how far down its type area the text of each page reaches), from poppler's word boxes."""
    import re
    import subprocess

    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    boxes = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    fills = []
    for width, height, body in re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', boxes, re.S):
        width, height = float(width), float(height)
        landscape = width > height
        mm = 72 / 25.4
        top, bottom = (26 * mm, height - 24 * mm) if landscape else (37 * mm, height - 35 * mm)
        inside = [float(y) for y in re.findall(r'yMax="([\d.]+)"', body) if top - 5 < float(y) < bottom + 2]
        fills.append((landscape, (max(inside) - top) / (bottom - top) if inside else 0.0))
    return fills


@pytest.mark.slow
@pytest.mark.any_database
def test_no_page_is_left_half_empty_but_the_last_of_the_text_and_of_the_attachment(two_programmes, tmp_path):
    fills = _fills(render_progress(two_programmes, "pdf").content, tmp_path)
    end_of_text = next(i for i, (landscape, _fill) in enumerate(fills) if landscape) - 1
    assert end_of_text > 5
    short = [(number, round(fill, 2)) for number, (_landscape, fill) in enumerate(fills, start=1)
             if fill < 0.75 and number - 1 not in (end_of_text, len(fills) - 1)]
    assert short == []
