"""The Content-Security-Policy in Chromium: what it refuses is caught, and what the pages need still works.

Every browser test listens for violations (tests/e2e/conftest.py); these open what is most at risk
under a policy without inline code: the scripts moved to static files, the report's stylesheet with
its nonce, the admin's widgets, Swagger UI and the browsable API.
"""

import datetime as dt
from decimal import Decimal

import pytest

from portfolio.policy import Role
from projects.models import Milestone, MonthlyReport, Programme, Project
from tests.helpers import make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


@pytest.fixture
def csp_world(department):
    editor = make_user("editor", Role.EDITOR, department)
    coordinator = make_user("coordinator", Role.COORDINATOR, is_staff=True)
    administrator = make_user("administrator", Role.ADMINISTRATOR, is_staff=True)
    programme = Programme.objects.create(year=2025, level="district", name="2025年区重点项目")
    project = Project.objects.create(programme=programme, code="P-1", name="滨江大道改造工程",
                                     lead_department=department, annual_plan=Decimal("100000"),
                                     total_investment=Decimal("500000"))
    Milestone.objects.create(project=project, kind="start", planned_date=dt.date(2025, 3, 1))
    MonthlyReport.objects.create(project=project, year=2025, month=1, completed_month=Decimal("1000"),
                                 completed_ytd=Decimal("1000"), status="approved")
    return editor, coordinator, administrator, project


def test_what_the_policy_refuses_is_caught(new_page, csp_world, csp_violations):
    page = new_page("editor")
    page.evaluate("() => document.body.setAttribute('style', 'background: red')")
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.ran = true';
                             document.body.append(s); }""")
    page.evaluate("() => new Promise(done => setTimeout(done, 50))")
    assert page.evaluate("() => window.ran") is None
    assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") != "rgb(255, 0, 0)"
    caught = "\n".join(csp_violations)
    assert "style-src-attr" in caught and "script-src-elem" in caught, caught
    csp_violations.clear()  # refused on purpose


def test_the_pages_scripts_and_styles_run_from_static_files(new_page, csp_world):
    _editor, _coordinator, _administrator, project = csp_world
    page = new_page("editor")
    # site.css: the bar's colour; site.js: the language menu switches on its own.
    bar = page.locator("nav.navbar")
    assert bar.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(10, 88, 202)"
    with page.expect_navigation():
        page.select_option("#language-form select", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    # report_entry.js: the share of the annual plan, and the note asked for above the plausible share.
    page.goto(f"/projects/{project.pk}/reports/2025/2/")
    assert not page.locator("#group-plausibility_note").is_visible()
    page.fill("#id_completed_month", "60000")
    assert page.locator("#plan-share").inner_text() == "Share of annual plan 61.00%"
    assert page.locator("#group-plausibility_note").is_visible()
    # The project page's chart keeps its size from site.css (it had it from a style attribute).
    page.goto(f"/projects/{project.pk}/")
    assert page.locator("svg.chart").evaluate("e => getComputedStyle(e).maxWidth") == "600px"


def test_the_report_page_keeps_its_stylesheet_under_the_nonce(new_page, csp_world):
    page = new_page("coordinator")
    page.goto("/reports/progress/?year=2025&month=3")
    assert page.locator("h1").evaluate("e => getComputedStyle(e).textAlign") == "center"
    year = page.locator(".toolbar input[name=year]")
    in_em = "e => Math.round(parseFloat(getComputedStyle(e).width) / parseFloat(getComputedStyle(e).fontSize))"
    assert year.evaluate(in_em) == 6
    # The columns' widths are classes now: the first column of the summary is 21% of its table.
    share = page.locator("table").first.evaluate(
        "t => t.querySelector('thead th').getBoundingClientRect().width / t.getBoundingClientRect().width")
    assert 0.20 < share < 0.22


def test_the_admins_widgets_work(new_page, csp_world):
    _editor, _coordinator, _administrator, project = csp_world
    page = new_page("administrator")
    page.goto(f"/admin/projects/project/{project.pk}/change/")
    # An autocomplete (select2) asks the server for its choices and lists them.
    page.locator(".field-lead_department .select2-selection").first.click()
    page.locator(".select2-container--open .select2-search__field").fill("测试")
    page.locator(".select2-results__option", has_text="测试单位").wait_for()
    # The date shortcuts open their calendar.
    page.locator(".field-planned_start .date-icon").first.click()
    assert page.locator(".calendarbox").first.is_visible()


def test_swagger_ui_and_the_browsable_api_work(new_page, csp_world):
    page = new_page("coordinator")
    page.goto("/api/docs/")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() > 10
    page.goto("/api/v1/projects/")
    assert "滨江大道改造工程" in page.locator(".response-info").inner_text()
    filters = page.locator(".request-form-aside")
    assert filters.count() and filters.first.evaluate("e => getComputedStyle(e).cssFloat") == "right"
    filters.first.click()
    page.locator("#filtersModal").wait_for()
