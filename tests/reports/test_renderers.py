"""Each format is produced from the one structure and parsed back: PDF text, Excel values, Word paragraphs."""

import io
from decimal import Decimal

import docx
import openpyxl
import pytest
from django.utils import translation
from pypdf import PdfReader

from indicators.reports import build_indicator_report
from portfolio.periods import Period
from projects.models import Project
from projects.reports.builders import build_progress_report
from projects.reports.charts import completion_chart
from projects.reports.checks import document_faces
from projects.reports.renderers import render_indicators, render_progress
from projects.reports.renderers.xlsx import safe_text

pytestmark = pytest.mark.django_db
H1 = Period(2025, 6)
SAMPLE_MARK = "含样例数据，非真实数据"


@pytest.fixture
def city_report(portfolio):
    """The city programme (98 projects): every section filled, and quick to typeset."""
    return build_progress_report(Project.objects.filter(programme__level="city"), H1)


def pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.any_database
def test_pdf_has_the_chinese_headings_figures_and_page_numbers(city_report):
    rendered = render_progress(city_report, "pdf")
    assert rendered.content.startswith(b"%PDF") and rendered.content_type == "application/pdf"
    pages, text = pdf_text(rendered.content)
    compact = text.replace("\n", "")
    assert pages >= 3  # the sections flow; the appendix (附件) starts on its own landscape page
    for heading in ("白云区2025年市重点项目（白云区牵头）进度报告", "一、进度综述（草稿）", "二、总体进度", "三、分类进度",
                    "四、预警项目", "五、项目节点", "六、存在问题与需协调事项", "七、公布汇总数与明细合计核对",
                    "附件", "重点项目明细表", "累计完成率", "广州市白云区发展和改革局"):
        assert heading in compact, heading
    assert "98个市重点项目完成投资177.8亿元，完成年度投资计划74.20%，超全市总体进度" in compact
    assert "177.80" in text and "74.20" in text and "239.62" in text
    assert "— 1 —" in text and f"— {pages} —" in text  # the 公文 page numbers
    first_project = city_report.projects[0]
    assert first_project.code in text
    # The faces of each role are embedded (subset), so Chinese never falls back to boxes.
    fonts = {str(font) for page in PdfReader(io.BytesIO(rendered.content)).pages
             for font in _fonts(page)}
    for role, face in document_faces().items():
        assert face is not None, role  # `make` installs a face for every role
        assert any(face.replace(" ", "-") in font for font in fonts), (role, face, fonts)


def _fonts(page):
    resources = page["/Resources"]
    for font in (resources.get("/Font") or {}).values():
        yield font.get_object()["/BaseFont"]


def test_xlsx_sheets_hold_real_numbers_with_formats(city_report):
    rendered = render_progress(city_report, "xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(rendered.content))
    assert wb.sheetnames == ["报告摘要", "总体进度", "月度进度", "按牵头单位", "按项目类别", "按镇街", "按项目状态",
                             "预警项目", "督办函", "节点完成", "节点逾期", "问题与协调", "公布数核对", "项目明细"]
    cover = [row[0] for row in wb["报告摘要"].iter_rows(values_only=True) if row and row[0]]
    assert cover[0] == "白云区2025年市重点项目（白云区牵头）进度报告"
    assert any(line.startswith("上半年，98个市重点项目完成投资177.8亿元") for line in cover)

    summary = wb["总体进度"]
    assert summary.freeze_panes == "A2"
    assert [c.value for c in summary[1]][:4] == ["范围", "项目数", "年度计划投资（亿元）", "累计完成投资（亿元）"]
    city = [c.value for c in summary[2]]
    assert city[0] == "2025年市重点项目（白云区牵头）" and city[1] == 98
    assert city[3] == pytest.approx(177.80) and city[4] == pytest.approx(74.20) and city[5] == 50
    assert summary.cell(2, 4).number_format == "#,##0.00"
    assert summary.cell(2, 5).number_format == "0.00"

    departments = wb["按牵头单位"]
    ranks = [row[0] for row in departments.iter_rows(min_row=2, values_only=True)]
    assert ranks[0] == 1 and ranks == sorted(ranks)

    appendix = wb["项目明细"]
    assert appendix.max_row == 1 + 98
    header = [c.value for c in appendix[1]]
    first = dict(zip(header, [c.value for c in appendix[2]], strict=True))
    expected = city_report.projects[0]
    assert first["项目编号"] == expected.code
    assert Decimal(str(first["累计完成投资（万元）"])) == expected.completed_ytd
    assert appendix.column_dimensions["B"].width >= 20

    reconciliation = [c.value for c in wb["公布数核对"][2]]
    assert reconciliation[2:5] == [98, 98, 0] and reconciliation[-1] == "一致"


def test_xlsx_text_is_safe_from_formula_injection(build):
    build.project(plan=1000, ytd=100, code="=HYPERLINK(\"http://x\")")
    project = Project.objects.get()
    project.name = "+cmd|' /C calc'!A0"
    project.save()
    report = build_progress_report(Project.objects.all(), H1)
    wb = openpyxl.load_workbook(io.BytesIO(render_progress(report, "xlsx").content))
    row = list(wb["项目明细"][2])
    assert row[0].value == "'=HYPERLINK(\"http://x\")" and row[0].data_type == "s"
    assert row[1].value == "'+cmd|' /C calc'!A0"
    assert [safe_text(t) for t in ("-1", "@SUM(A1)", "\tx", "正常")] == ["'-1", "'@SUM(A1)", "'\tx", "正常"]
    # Control characters the file format cannot hold are dropped before the formula check.
    assert [safe_text(t) for t in ("\x0b=1", "一期\x0b二期\x00")] == ["'=1", "一期二期"]


def test_docx_has_the_narrative_and_main_tables(city_report):
    rendered = render_progress(city_report, "docx")
    document = docx.Document(io.BytesIO(rendered.content))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == "白云区2025年市重点项目（白云区牵头）进度报告"
    assert "一、进度综述（草稿）" in paragraphs
    assert any(p.startswith("上半年，98个市重点项目完成投资177.8亿元，完成年度投资计划74.20%") for p in paragraphs)
    assert any(p.startswith("上半年，实现地区生产总值1532.8亿元") for p in paragraphs)
    assert "按牵头单位" in paragraphs and "预警项目（红灯、黄灯）" in paragraphs
    summary = document.tables[0]
    assert [c.text for c in summary.rows[0].cells][:2] == ["范围", "项目数"]
    assert [c.text for c in summary.rows[1].cells][:5] == ["2025年市重点项目（白云区牵头）", "98", "239.62", "177.80",
                                                          "74.20"]
    warnings = document.tables[5]
    assert len(warnings.rows) == 1 + len(city_report.warnings)
    section = document.sections[0]
    assert section.footer.paragraphs[0].text == SAMPLE_MARK  # at the foot of every page
    # the page number as a field Word computes, “— 1 —”; the title in the header; Chinese proofing
    number = section.footer.paragraphs[1]
    assert number.text == "— 1 —" and "PAGE" in number._p.xml and 'w:fldCharType="begin"' in number._p.xml
    assert section.header.paragraphs[0].text == city_report.title
    normal = document.styles["Normal"].element.xml
    assert 'w:val="zh-CN"' in normal and document.core_properties.language == "zh-CN"
    with translation.override("en"):
        english = docx.Document(io.BytesIO(render_progress(city_report, "docx").content))
    assert english.core_properties.language == "en-US" and 'w:val="en-US"' in english.styles["Normal"].element.xml


def test_html_is_a_standalone_printable_page(city_report):
    html = render_progress(city_report, "html").content.decode()
    assert html.startswith("<!DOCTYPE html>") and "{% " not in html
    assert "@page" in html and "size: A4 landscape" in html and "display: table-header-group" in html
    assert '<p class="back no-print"><a href="/">' in html
    assert "<svg" in html and "<script" not in html
    assert "98个市重点项目完成投资177.8亿元" in html


def test_chart_marks_each_month_and_the_time_elapsed_line(city_report):
    svg = str(completion_chart(city_report.months))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<circle") == 6
    assert "序时进度" in svg and "累计完成率" in svg and "12月" in svg
    assert f"{city_report.months[-1].rate:.2f}%" in svg  # two places, like every rate


def test_indicator_report_in_every_format(report_data):
    report = build_indicator_report(H1)
    pages, text = pdf_text(render_indicators(report, "pdf").content)
    assert "2025年主要指标完成情况" in text and "地区生产总值" in text and "1532.8亿元" in text
    wb = openpyxl.load_workbook(io.BytesIO(render_indicators(report, "xlsx").content))
    economy = wb["经济总量"]
    gdp = dict(zip([c.value for c in economy[1]], [c.value for c in economy[2]], strict=True))
    assert gdp["指标"] == "地区生产总值" and gdp["数值"] == pytest.approx(1532.8) and gdp["同比增长（%）"] == 5.3
    renewal = next(row for row in wb["城市建设"].iter_rows(values_only=True) if row[0] == "城市更新固定资产投资")
    assert renewal[-1] == pytest.approx(42.63)
    document = docx.Document(io.BytesIO(render_indicators(report, "docx").content))
    assert document.paragraphs[0].text == "2025年主要指标完成情况"
    assert any(row.cells[0].text == "地区生产总值" for table in document.tables for row in table.rows)
    html = render_indicators(report, "html").content.decode()
    assert "增速排名全市第一" in html


def test_pdf_rendering_raises_the_collector_thresholds_only_while_it_runs():
    import gc

    from projects.reports.renderers.pdf import RENDERING_THRESHOLDS, fewer_collections

    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold() == RENDERING_THRESHOLDS
        with fewer_collections():  # a second rendering at the same time (another thread)
            assert gc.get_threshold() == RENDERING_THRESHOLDS
        assert gc.get_threshold() == RENDERING_THRESHOLDS  # the first is still running
    assert gc.get_threshold() == before
    try:
        with fewer_collections():
            raise RuntimeError("a failed rendering")
    except RuntimeError:
        pass
    assert gc.get_threshold() == before


def _page_lines(content: bytes) -> list[list[str]]:
    """Each page's text lines, sorted: the stamp's head and foot are extracted after the content."""
    return [sorted(line.strip() for line in page.extract_text().splitlines() if line.strip())
            for page in PdfReader(io.BytesIO(content)).pages]


def _orientations(content: bytes) -> list[bool]:
    return [float(p.mediabox.width) > float(p.mediabox.height) for p in PdfReader(io.BytesIO(content)).pages]


@pytest.mark.any_database
def test_the_pdf_in_parts_is_the_single_document(city_report, settings):
    """Rendered in parts (worker or not), the PDF has the single document's pages, text, page numbers
    counted over the whole document, running heads, and landscape appendix pages."""
    from projects.reports.renderers import pdf
    from projects.reports.renderers.html import render_progress_html

    single = pdf.render_pdf(render_progress_html(city_report, for_pdf=True, show_appendix=True))
    pdf._discard_pool()
    settings.PORTFOLIO_PDF_WORKER = True
    in_request = render_progress(city_report, "pdf").content
    assert pdf._pool is None  # a web request starts no process
    with pdf.background_rendering():
        with_worker = render_progress(city_report, "pdf").content
    assert pdf._pool is not None  # the appendix was laid out in the worker process
    settings.PORTFOLIO_PDF_WORKER = False
    with pdf.background_rendering():
        here = render_progress(city_report, "pdf").content
    expected = _page_lines(single)
    assert _page_lines(with_worker) == expected
    assert _page_lines(here) == expected
    assert _page_lines(in_request) == expected
    assert _orientations(with_worker) == _orientations(single)
    total = len(expected)
    assert any(_orientations(single)) and not all(_orientations(single))
    assert total > 1
    for number, lines in enumerate(expected, start=1):
        # The foot: the page number “— n —”, counted over the whole document; the sample mark on top.
        assert any(f"— {number} —" in line for line in lines)
        assert any(SAMPLE_MARK in line for line in lines)  # on every page, the appendix's too


def test_report_projects_with_generated_figures_are_sample_data(portfolio):
    named = Project.objects.filter(is_synthetic=False, sample_annual_plan__isnull=False)
    report = build_progress_report(named, H1)
    assert report.projects and not any(row.is_synthetic for row in report.projects)
    assert report.has_sample_data  # their plan, department and monthly reports were generated
    assert report.sample_mark == SAMPLE_MARK


def test_a_report_without_sample_data_has_no_sample_mark(report_data):
    codes = Project.objects.order_by("code").values_list("code", flat=True)[:10]
    report = build_progress_report(Project.objects.filter(code__in=list(codes)), H1)
    assert not report.has_sample_data
    pages, text = pdf_text(render_progress(report, "pdf").content)
    assert pages >= 2 and f"— {pages} —" in text and SAMPLE_MARK not in text
    document = docx.Document(io.BytesIO(render_progress(report, "docx").content))
    assert document.paragraphs[0].text == report.title
    assert [p.text for p in document.sections[0].footer.paragraphs] == ["— 1 —"]  # the page number only


@pytest.mark.any_database
def test_a_failing_worker_leaves_the_part_to_this_process(city_report, settings, monkeypatch):
    from concurrent.futures import Future

    from projects.reports.renderers import pdf

    settings.PORTFOLIO_PDF_WORKER = True
    expected = _page_lines(render_progress(city_report, "pdf").content)

    class BrokenPool:
        def submit(self, *args):
            raise RuntimeError("cannot start new processes")

    monkeypatch.setattr(pdf, "_worker_pool", lambda: BrokenPool())
    with pdf.background_rendering():
        assert _page_lines(render_progress(city_report, "pdf").content) == expected

    class DyingPool:
        def submit(self, *args):
            future = Future()
            future.set_exception(OSError("worker died"))
            return future

    monkeypatch.setattr(pdf, "_worker_pool", lambda: DyingPool())
    with pdf.background_rendering():
        assert _page_lines(render_progress(city_report, "pdf").content) == expected
