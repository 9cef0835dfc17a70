"""No output shows a generated value of a report-named project without its sample mark.

The sample generator fills in what the report leaves out for the projects it names (programme, lead
department, annual plan) and writes their monthly reports; every one of those values must be marked
where it is shown: the report's HTML and PDF (a "*" after the value), its Excel and Word (a column
saying which), the API JSON (``sample_fields`` / ``is_sample``), the project list and its Excel.
"""

import io
import re
from html.parser import HTMLParser

import docx
import openpyxl
import pytest
from django.db.models import Q
from pypdf import PdfReader

from portfolio.periods import Period
from projects.models import MonthlyReport, Programme, Project
from projects.reports.builders import build_progress_report
from projects.reports.renderers import render_progress
from projects.selectors import sample_values
from tests.helpers import make_user, token_client

pytestmark = pytest.mark.django_db
H1 = Period(2025, 6)
# The appendix's columns (HTML and PDF) and the row field each shows.
APPENDIX_COLUMNS = ["code", "name", "department", "annual_plan", "completed_ytd", "rate", "colour_label", "progress"]


class Rows(HTMLParser):
    """The cells of every table row of a page, as text."""

    def __init__(self):
        super().__init__()
        self.rows, self.row, self.cell = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def scope():
    """The district programme's report-named projects and a few sample ones (the named ones are all district)."""
    district = Project.objects.counted_in(Programme.objects.get(year=2025, level="district"))
    sample = district.filter(is_synthetic=True).order_by("code").values("pk")[:10]
    return district.filter(Q(is_synthetic=False) | Q(pk__in=sample))


@pytest.fixture
def named_report(portfolio):
    return build_progress_report(scope(), H1)


def named(report):
    """The report-named projects of the report whose rows hold generated values."""
    rows = [row for row in report.projects if not row.is_synthetic and row.sample_fields]
    assert rows, "the sample portfolio fills in figures for report-named projects"
    return rows


@pytest.mark.parametrize("closed", [False, True], ids=["open", "closed"])
def test_the_rows_say_which_values_are_generated(portfolio, closed):
    """From the reports, and from the month's frozen figures once it closes (as the close freezes them)."""
    if closed:
        from django.utils import timezone

        from projects.closing import _freeze
        from projects.models import MonthSnapshot
        from projects.selectors import figure_source

    generated = set(MonthlyReport.objects.filter(is_synthetic=True, year=2025, month__lte=6)
                    .values_list("project__code", flat=True))
    issues_generated = set(MonthlyReport.objects.filter(is_synthetic=True, year=2025, month=6)
                           .values_list("project__code", flat=True))
    if closed:
        _freeze(MonthSnapshot.objects.create(year=2025, month=6, version=1, closed_at=timezone.now()))
        assert figure_source(H1).frozen
        # The generated reports replaced by entered ones (as clearing the sample data would): the closed
        # month still says its frozen figures and issues were generated.
        MonthlyReport.objects.filter(is_synthetic=True).update(is_synthetic=False)
    named_report = build_progress_report(scope(), H1)
    by_code = {p.code: p for p in Project.objects.filter(code__in=[r.code for r in named_report.projects])}
    assert named_report.issues and {i.code for i in named_report.issues if i.is_sample} == {
        i.code for i in named_report.issues if i.code in issues_generated or by_code[i.code].is_synthetic}
    for row in named_report.projects:
        project = by_code[row.code]
        expected = sample_values(is_synthetic=project.is_synthetic, fact_fields=project.sample_fields,
                                 generated_reports=row.code in generated)
        assert row.sample_fields == expected, row.code
        if not project.is_synthetic:  # a real project's department is the report's or none, never generated
            assert "department" not in row.sample_fields
            assert row.department == (project.lead_department.name if project.lead_department else "未明确")
    assert any("annual_plan" in row.sample_fields for row in named(named_report))


def test_the_html_and_pdf_mark_every_generated_value(named_report):
    html = render_progress(named_report, "html").content.decode()
    parser = Rows()
    parser.feed(html)
    rows = {cells[0]: cells for cells in parser.rows if len(cells) == len(APPENDIX_COLUMNS)}
    for row in named(named_report):
        cells = dict(zip(APPENDIX_COLUMNS, rows[row.code], strict=True))
        for name in ("department", "annual_plan", "completed_ytd", "rate", "colour_label"):
            assert cells[name].endswith("*") == (name in row.sample_fields), (row.code, name, cells[name])
        if row.progress:
            assert cells["progress"].endswith("*") == ("progress" in row.sample_fields)
    for row in named_report.projects:
        if row.is_synthetic:
            assert row.code + "*" in rows, row.code
    for warning in named_report.warnings:
        marked = f"{warning.code}*" in html
        assert marked == warning.is_sample, warning.code
    # The PDF is the same page typeset: it carries every mark the page carries.
    pdf = render_progress(named_report, "pdf").content
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    visible = re.sub(r"<[^>]+>", "", html.split("<body", 1)[1])
    assert text.count("*") == visible.count("*") > len(named(named_report))


def test_the_excel_and_word_files_say_which_values_are_generated(named_report):
    book = openpyxl.load_workbook(io.BytesIO(render_progress(named_report, "xlsx").content))
    sheet = next(ws for ws in book.worksheets if ws.title == "项目明细")
    headers = [cell.value for cell in sheet[1]]
    code, synthetic, fields = headers.index("项目编号"), headers.index("样例数据"), headers.index("样例字段")
    cells = {row[code]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    for row in named(named_report):
        listed = cells[row.code][fields] or ""
        assert cells[row.code][synthetic] in (None, "")
        if "department" in row.sample_fields:
            assert "牵头单位" in listed
        # the programme a report project is counted in is the sample's: its cell is listed too
        assert ("programme" in row.sample_fields) == ("重点项目计划" in listed), (row.code, listed)
        if "annual_plan" in row.sample_fields:
            assert "年度计划投资（万元）" in listed
        if "completed_ytd" in row.sample_fields:
            assert "累计完成投资（万元）" in listed
    warnings_sheet = next(ws for ws in book.worksheets if ws.title == "预警项目")
    marks = {r[1]: r[-1] for r in warnings_sheet.iter_rows(min_row=2, values_only=True) if r[1]}
    for warning in named_report.warnings:
        assert (marks[warning.code] == "是") == warning.is_sample

    document = docx.Document(io.BytesIO(render_progress(named_report, "docx").content))
    for table in document.tables:
        header = [cell.text for cell in table.rows[0].cells]
        if "项目编号" not in header or header[-1] != "样例数据":
            continue
        for line in table.rows[1:]:
            cells = [cell.text for cell in line.cells]
            warning = next((w for w in named_report.warnings if w.code == cells[header.index("项目编号")]), None)
            if warning is not None:
                assert (cells[-1] == "是") == warning.is_sample


def test_the_api_json_lists_the_generated_fields(portfolio):
    client = token_client(make_user("honest-viewer", "查看"))
    district = Programme.objects.get(year=2025, level="district")
    data = client.get("/api/v1/reports/progress/", {"year": 2025, "month": 6, "programme": district.pk,
                                                    "appendix_page_size": 1000}).json()
    rows = {row["code"]: row for row in data["projects"]}
    report = build_progress_report(Project.objects.counted_in(district), H1)
    for row in report.projects:
        assert rows[row.code]["sample_fields"] == list(row.sample_fields)
    assert [w["is_sample"] for w in data["warnings"]] == [w.is_sample for w in report.warnings]


def test_the_project_list_and_its_excel_mark_generated_values(client, portfolio):
    user = make_user("honest-list", "查看")
    client.force_login(user)
    project = next(p for p in Project.objects.filter(is_synthetic=False).order_by("code")
                   if "annual_plan" in p.sample_fields)
    page = client.get("/projects/", {"q": project.code, "year": 2025, "month": 6}).content.decode()
    row = page[page.index(f">{project.code}<"):]
    row = row[:row.index("</tr>")]
    assert "待补充" in row and row.count("sample-mark") == 3  # department to fill; programme, plan, year to date
    export = client.get("/projects/export.xlsx", {"q": project.code, "year": 2025, "month": 6})
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    headers = [cell.value for cell in sheet[1]]
    line = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == project.code)
    marked = line[headers.index("样例数据")]
    assert marked.startswith("部分：") and "年度计划投资（万元）" in marked and "牵头单位" not in marked
