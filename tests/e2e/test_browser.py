"""End-to-end: the monthly cycle, bulk entry, language switch and permissions, in a real browser."""

import datetime as dt
import re
from decimal import Decimal

import pytest

from projects.models import Milestone, MonthlyReport, Programme, Project
from projects.roles import Role
from tests.conftest import make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


@pytest.fixture
def e2e_world(department, other_department):
    editor = make_user("editor", Role.EDITOR, department)
    coordinator = make_user("coordinator", Role.COORDINATOR)
    programme = Programme.objects.create(year=2025, level="district", name="2025年区重点项目")
    projects = {}
    for side, dept in (("own", department), ("other", other_department)):
        p = Project.objects.create(programme=programme, code=f"P-{side}", name=f"项目{side}", lead_department=dept,
                                   annual_plan=Decimal("1200"), total_investment=Decimal("5000"))
        Milestone.objects.create(project=p, kind="start", planned_date=dt.date(2025, 3, 1))
        for month, amount in ((1, 100), (2, 50)):
            MonthlyReport.objects.create(project=p, year=2025, month=month, completed_month=Decimal(amount),
                                         completed_ytd=Decimal(150 if month == 2 else 100), status="approved")
        projects[side] = p
    second = Project.objects.create(programme=programme, code="P-own2", name="项目own2", lead_department=department,
                                    annual_plan=Decimal("600"))
    return editor, coordinator, projects, second


def figure(page, name):
    return page.locator(f'[data-figure="{name}"]').inner_text().strip()


def test_monthly_cycle_submit_return_resubmit_approve(new_page, e2e_world):
    _editor, _coordinator, projects, _second = e2e_world
    own = projects["own"]
    coordinator = new_page("coordinator")
    coordinator.goto("/?month=3")
    ytd_before = figure(coordinator, "ytd")

    editor = new_page("editor")
    editor.goto(f"/projects/{own.pk}/reports/2025/3/")
    editor.fill("#id_completed_month", "80")
    editor.fill("#id_progress_text", "主体结构施工中")
    editor.click("button[name=submit]")
    assert editor.locator("#report-status").inner_text() == "已提交"

    coordinator.goto("/projects/review/")
    row = coordinator.locator("#queue tr", has_text="项目own")
    row.locator("input[name=comment]").fill("请补充形象进度的具体数据")
    row.locator("button", has_text="退回").click()
    assert "已退回" in coordinator.locator(".alert-success").inner_text()

    editor.goto(f"/projects/{own.pk}/reports/2025/3/")
    assert "请补充形象进度的具体数据" in editor.locator("#review-comment").inner_text()
    editor.fill("#id_completed_month", "90")
    editor.fill("#id_progress_text", "主体结构施工至第5层")
    editor.click("button[name=submit]")
    assert editor.locator("#report-status").inner_text() == "已提交"

    coordinator.goto("/projects/review/")
    coordinator.locator("#queue tr", has_text="项目own").locator("button", has_text="通过").click()
    report = MonthlyReport.objects.get(project=own, year=2025, month=3)
    assert (report.status, report.completed_ytd) == ("approved", Decimal("240"))

    coordinator.goto("/?month=3")
    # 150 + 150 to February, plus this month's 90 万元 for one project: 0.03 -> 0.04 亿元 (390 万元).
    assert ytd_before == "0.03" and figure(coordinator, "ytd") == "0.04"


def test_bulk_entry_refuses_a_bad_row_and_keeps_the_typed_values(new_page, e2e_world):
    _editor, _coordinator, _projects, _second = e2e_world
    page = new_page("editor")
    page.goto("/projects/bulk/?year=2025&month=3")
    rows = page.locator("#bulk-form tbody tr")
    rows.nth(0).locator("input[name$=completed_month]").fill("60")
    rows.nth(0).locator("input[name$=progress_text]").fill("第一行进度")
    rows.nth(1).locator("input[name$=completed_month]").fill("一百")
    rows.nth(1).locator("input[name$=progress_text]").fill("第二行进度")
    page.click("#bulk-form button")
    assert "所有行均未保存" in page.locator(".alert-danger").inner_text()
    rows = page.locator("#bulk-form tbody tr")
    assert rows.nth(0).locator("input[name$=completed_month]").input_value() == "60"
    assert rows.nth(1).locator("input[name$=completed_month]").input_value() == "一百"
    assert rows.nth(1).locator("input[name$=progress_text]").input_value() == "第二行进度"
    assert "请输入数字" in rows.nth(1).inner_text()
    assert not MonthlyReport.objects.filter(month=3).exists()


def test_language_switch(new_page, e2e_world):
    page = new_page("editor")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "项目清单" in page.locator("nav").inner_text()
    with page.expect_navigation():
        page.select_option("#language-form select", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    nav = page.locator("nav").inner_text()
    assert "Project list" in nav and "Dashboard" in nav and "项目清单" not in nav
    page.goto("/projects/")
    assert "Project list" in page.locator("h1").inner_text()
    assert "Warning" in page.locator("#project-table thead").inner_text()
    with page.expect_navigation():
        page.select_option("#language-form select", "zh-hans")
    assert "项目清单" in page.locator("nav").inner_text()


def test_editor_cannot_open_or_post_another_departments_pages(new_page, e2e_world, live_server):
    _editor, _coordinator, projects, _second = e2e_world
    other = projects["other"]
    page = new_page("editor")
    for url in (f"/projects/{other.pk}/edit/", f"/projects/{other.pk}/reports/2025/3/"):
        response = page.goto(url)
        assert response.status == 403, url
        assert "没有权限" in page.content()
    # A forged POST from the editor's own session changes nothing.
    token = page.context.cookies()
    csrf = next(c["value"] for c in token if c["name"] == "csrftoken")
    result = page.request.post(f"{live_server.url}/projects/{other.pk}/edit/",
                               form={"progress_summary": "篡改", "version": "1", "csrfmiddlewaretoken": csrf},
                               headers={"Referer": live_server.url + "/"})
    assert result.status == 403
    assert Project.objects.get(pk=other.pk).progress_summary == ""
    assert re.search("项目other", page.goto(f"/projects/{other.pk}/").text() or "")


def test_dashboard_to_the_progress_report_and_its_pdf(new_page, e2e_world, tmp_path):
    """The coordinator follows the dashboard's link, reads the report, downloads the PDF, prints the page."""
    from pypdf import PdfReader

    page = new_page("coordinator")
    page.goto("/?month=2")
    with page.expect_navigation():
        page.click("#progress-report-link")
    assert "/reports/progress/" in page.url and "month=2" in page.url
    assert "2025年1—2月" in page.locator(".subtitle").inner_text()
    summary = page.locator("table").first.inner_text()
    # 3 projects, plan 3,000 万元, 300 万元 by February: 10.00% against 16.67%.
    assert "合计\t3\t0.30\t0.03\t10.00\t16.67\t-6.67\t落后序时进度6.67个百分点" in summary
    with page.expect_download() as download_info:
        page.click(".downloads a:text('PDF')")
    download = download_info.value
    assert download.suggested_filename == "progress-report-2025-02.pdf"
    path = tmp_path / "report.pdf"
    download.save_as(path)
    text = PdfReader(path).pages[0].extract_text()
    assert "10.00" in text and "落后序时进度6.67个百分点" in text
    # The browser's own print of the page: A4, the toolbar left out by the print stylesheet.
    printed = tmp_path / "printed.pdf"
    page.emulate_media(media="print")
    assert not page.locator(".toolbar").is_visible()
    page.pdf(path=str(printed), prefer_css_page_size=True)
    first = PdfReader(printed).pages[0]
    assert (round(float(first.mediabox.width)), round(float(first.mediabox.height))) == (595, 842)
