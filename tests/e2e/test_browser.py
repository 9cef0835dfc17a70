"""End-to-end: the monthly cycle, bulk entry, language switch and permissions, in a real browser."""

import datetime as dt
import re
from decimal import Decimal

import pytest

from portfolio.policy import Role
from projects.models import Milestone, MonthlyReport, Programme, Project
from tests.helpers import make_user

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
    response = page.goto(f"/projects/{other.pk}/edit/")
    assert response.status == 403
    assert "没有权限" in page.content()
    # Another department's month can be read (editors read every project), never written: the form
    # is disabled, has no save button, and says why.
    response = page.goto(f"/projects/{other.pk}/reports/2025/3/")
    assert response.status == 200
    assert page.locator("#id_completed_month").is_disabled()
    assert page.locator("#report-form button").count() == 0
    assert "不属于本单位" in page.locator("#read-only-reason").inner_text()
    # A forged POST from the editor's own session changes nothing.
    token = page.context.cookies()
    csrf = next(c["value"] for c in token if c["name"] == "csrftoken")
    reports_before = MonthlyReport.objects.filter(project=other).count()
    for url, form in ((f"/projects/{other.pk}/edit/", {"progress_summary": "篡改", "version": "1"}),
                      (f"/projects/{other.pk}/reports/2025/3/", {"completed_month": "999", "version": "0",
                                                                 "ms-TOTAL_FORMS": "0", "ms-INITIAL_FORMS": "0"})):
        result = page.request.post(f"{live_server.url}{url}", form={**form, "csrfmiddlewaretoken": csrf},
                                   headers={"Referer": live_server.url + "/"})
        assert result.status == 403, url
    assert Project.objects.get(pk=other.pk).progress_summary == ""
    assert MonthlyReport.objects.filter(project=other).count() == reports_before
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
    assert "2025年区重点项目\t3\t0.30\t0.03\t10.00\t16.67\t-6.67\t落后序时进度6.67个百分点" in summary
    with page.expect_download() as download_info:
        page.click(".downloads a:text('PDF')")
    download = download_info.value
    assert download.suggested_filename == "白云区2025年1—2月重点项目进度报告（2025年区重点项目）.pdf"
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


@pytest.fixture
def cycle_world(department, other_department):
    """A programme of 2025 with three projects; the first, without milestones, goes through the month."""
    editor = make_user("editor", Role.EDITOR, department)
    coordinator = make_user("coordinator", Role.COORDINATOR)
    programme = Programme.objects.create(year=2025, level="district", name="2025年区重点项目")
    target = Project.objects.create(programme=programme, code="C-1", name="无节点项目", lead_department=department,
                                    annual_plan=Decimal("5000"), total_investment=Decimal("20000"))
    others = [
        Project.objects.create(programme=programme, code="C-2", name="未开工项目甲", lead_department=department,
                               annual_plan=Decimal("800")),
        Project.objects.create(programme=programme, code="C-3", name="未开工项目乙", lead_department=other_department,
                               annual_plan=Decimal("300")),
    ]
    return editor, coordinator, target, others


def test_whole_month_for_a_project_without_milestones(new_page, cycle_world):
    from projects.models import MonthSnapshot, PeriodLock, ReportWaiver

    _editor, _coordinator, target, others = cycle_world
    assert not target.milestones.exists()
    entry = f"/projects/{target.pk}/reports/2025/4/"

    def report():
        return MonthlyReport.objects.get(project=target, year=2025, month=4)

    # The editor fills the month, with a thousands separator, and saves a draft.
    editor = new_page("editor")
    editor.goto(entry)
    assert editor.locator("#report-status").inner_text() == "未填报"
    assert editor.locator("#report-form table").count() == 0  # no milestone table for this project
    editor.fill("#id_completed_month", "1,200.5")
    editor.fill("#id_progress_text", "完成场地平整和桩基施工")
    editor.click("button[name=save]")
    assert "草稿已保存" in editor.locator(".alert-success").inner_text()
    assert editor.locator("#report-status").inner_text() == "草稿"
    assert Decimal(editor.locator("#id_completed_month").input_value().replace(",", "")) == Decimal("1200.5")
    assert (report().status, report().completed_month, report().completed_ytd) == (
        "draft", Decimal("1200.5"), Decimal("1200.5"))

    # ... and submits it.
    editor.click("button[name=submit]")
    assert editor.locator("#report-status").inner_text() == "已提交"
    assert report().status == "submitted"
    assert editor.locator("button[name=save]").count() == 0

    # The coordinator returns it from the review queue with a comment.
    coordinator = new_page("coordinator")
    coordinator.goto("/projects/review/")
    row = coordinator.locator("#queue tr", has_text="无节点项目")
    assert "1,200.50" in row.inner_text()
    row.locator("input[name=comment]").fill("本月完成投资与形象进度不符，请核实")
    row.locator("button", has_text="退回").click()
    assert "已退回" in coordinator.locator(".alert-success").inner_text()
    assert (report().status, report().review_comment) == ("returned", "本月完成投资与形象进度不符，请核实")

    # The editor reads the comment, corrects the figure and resubmits.
    editor.goto(entry)
    assert editor.locator("#report-status").inner_text() == "已退回"
    assert "本月完成投资与形象进度不符，请核实" in editor.locator("#review-comment").inner_text()
    editor.fill("#id_completed_month", "1,020.5")
    editor.click("button[name=submit]")
    assert editor.locator("#report-status").inner_text() == "已提交"
    assert (report().status, report().completed_month) == ("submitted", Decimal("1020.5"))

    # The coordinator changed no figure, so four eyes let them approve.
    assert not report().contributors.filter(username="coordinator").exists()
    coordinator.goto("/projects/review/")
    coordinator.locator("#queue tr", has_text="无节点项目").locator("button", has_text="通过").click()
    assert (report().status, report().completed_ytd, report().reviewed_by.username) == (
        "approved", Decimal("1020.5"), "coordinator")

    # The month page lists the two projects without a report; the coordinator waives them and closes the month.
    coordinator.goto("/projects/months/2025/4/")
    blockers = coordinator.locator("#blockers tbody").inner_text()
    assert "未开工项目甲" in blockers and "未开工项目乙" in blockers and "无节点项目" not in blockers
    coordinator.check("#id_waive_missing")
    coordinator.fill("#close-form input[name=reason]", "项目尚未开工，本月无投资")
    coordinator.locator("#close-form button").click()
    assert "已关闭" in coordinator.locator(".alert-success").inner_text()
    assert coordinator.locator("#closed-notice").is_visible()
    assert coordinator.locator("#blockers").count() == 0
    assert "未开工项目甲" in coordinator.locator("body").inner_text()  # the waiver list
    assert PeriodLock.objects.filter(year=2025, month=4).exists()
    assert set(ReportWaiver.objects.filter(year=2025, month=4).values_list("project", "reason")) == {
        (p.pk, "项目尚未开工，本月无投资") for p in others}
    assert list(MonthSnapshot.objects.filter(year=2025, month=4).values_list("version", flat=True)) == [1]

    # The closed month: the entry page says so and the form is read-only.
    editor.goto(entry)
    assert "关闭" in editor.locator("#closed-notice").inner_text()
    assert editor.locator("#report-form fieldset").get_attribute("disabled") is not None
    assert editor.locator("#id_completed_month").is_disabled()
    assert editor.locator("#report-form button").count() == 0
    assert editor.locator("#withdraw-form").count() == 0
    assert (report().status, report().completed_month) == ("approved", Decimal("1020.5"))
