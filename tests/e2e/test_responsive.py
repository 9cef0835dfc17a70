"""At a phone's 390 px: no page overflows the viewport (the top navigation bar is checked apart), lists
and the bulk sheet become cards with thumb-sized inputs; screenshots for the README."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from portfolio.policy import Role
from projects.models import Milestone, MonthlyReport, Programme, Project
from tests.helpers import make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

WIDTH, HEIGHT = 390, 844
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

# Elements wider than the viewport outside the navigation bar and outside any scrolling container.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const offenders = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('nav.navbar')) continue;
    let scroller = false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') { scroller = true; break; }
    }
    if (scroller) continue;
    const r = el.getBoundingClientRect();
    if (r.width && (r.right > width + 1 || r.left < -1)) {
      offenders.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${el.className} right=${Math.round(r.right)}`);
    }
  }
  const withNav = document.documentElement.scrollWidth;
  const nav = document.querySelector('nav.navbar');
  if (nav) nav.style.display = 'none';
  const withoutNav = document.documentElement.scrollWidth;
  if (nav) nav.style.display = '';
  return {width, withNav, withoutNav, offenders: offenders.slice(0, 15)};
}"""


@pytest.fixture
def phone_world(department, other_department):
    coordinator = make_user("coordinator", Role.COORDINATOR)
    editor = make_user("editor", Role.EDITOR, department)
    programme = Programme.objects.create(year=2025, level="district", name="2025年区重点项目")
    projects = []
    for i in range(30):
        dept = department if i % 2 else other_department
        p = Project.objects.create(
            programme=programme, code=f"BY-2025-{i:03d}", name=f"白云区第{i}号重点建设项目（含配套道路及综合管廊工程）",
            lead_department=dept, annual_plan=Decimal(12000 + 100 * i), total_investment=Decimal(500000),
        )
        Milestone.objects.create(project=p, kind="start", planned_date=dt.date(2025, 1, 1) + dt.timedelta(days=7 * i))
        for month in (1, 2):
            MonthlyReport.objects.create(project=p, year=2025, month=month, completed_month=Decimal(100 * i),
                                         completed_ytd=Decimal(100 * i * month), status="approved")
        MonthlyReport.objects.create(project=p, year=2025, month=3, completed_month=Decimal(50),
                                     completed_ytd=Decimal(100 * i * 2 + 50), status="submitted", created_by=editor,
                                     submitted_by=editor)
        projects.append(p)
    return coordinator, editor, projects, department


@pytest.fixture
def phone(browser, live_server):
    contexts = []

    def make(username, language=None):
        context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, base_url=live_server.url,
                                      device_scale_factor=1, has_touch=True)
        if language:
            context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.goto("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", "pw-for-tests-123")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield make
    for context in contexts:
        context.close()


def with_a_year_of_reports(project):
    """The project page with a report for every month, long texts included (its table of reports)."""
    for month in range(4, 13):
        MonthlyReport.objects.create(
            project=project, year=2025, month=month, completed_month=Decimal("123456.78"),
            completed_ytd=Decimal("1234567.89") + month, status="approved",
            progress_text="主体结构施工完成约百分之六十，配套道路及综合管廊同步推进" * 2,
            problems="征地拆迁进度滞后，需协调相关部门加快办理手续")
    Milestone.objects.create(project=project, kind="completion", planned_date=dt.date(2025, 12, 31),
                             note="竣工验收及配套设施移交")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_no_page_overflows_a_phone_screen(phone, phone_world, language):
    _coordinator, _editor, projects, department = phone_world
    own = next(p for p in projects if p.lead_department_id == department.pk)
    busy = next(p for p in projects if p.lead_department_id == department.pk and p != own)
    with_a_year_of_reports(busy)
    pages = {
        "dashboard": "/?year=2025&month=3",
        "list": "/projects/?year=2025&month=3",
        "project": f"/projects/{own.pk}/",
        "reports": f"/projects/{busy.pk}/",
        "entry": f"/projects/{own.pk}/reports/2025/4/",
        "bulk": f"/projects/bulk/?year=2025&month=4&department={department.pk}",
        "queue": "/projects/review/",
        "milestones": "/projects/milestones/overdue/?programme=&year=2025&month=6",
        "edit": f"/projects/{own.pk}/edit/",
        "todo": "/projects/todo/",
        "month": "/projects/months/2025/3/",
        "notices": "/notifications/",
        "tokens": "/accounts/tokens/",
        "progress": "/reports/progress/?year=2025&month=3",
        "indicators": "/reports/indicators/?year=2025&month=3",
    }
    editor_pages = {"editor todo": "/projects/todo/", "editor entry": f"/projects/{busy.pk}/reports/2025/6/"}
    coordinator, editor = phone("coordinator", language), phone("editor", language)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    report, failures = [], []
    for name, url in [*pages.items(), *editor_pages.items()]:
        page = editor if name.startswith("editor") else coordinator
        response = page.goto(url)
        assert response.status == 200, (name, url)
        result = page.evaluate(OVERFLOW)
        report.append(f"{name:<11} scrollWidth {result['withNav']:>4} (without the navigation bar "
                      f"{result['withoutNav']:>4}) of {result['width']}")
        if result["withNav"] > WIDTH or result["offenders"]:
            failures.append((name, result))
        if language == "zh-hans" and name in ("dashboard", "list", "entry", "bulk"):
            # The top of the page, as far as a few screens down (the lists go on for 50 rows).
            height = min(page.evaluate("document.documentElement.scrollHeight"), 2 * HEIGHT)
            page.screenshot(path=str(SCREENSHOTS / f"{name}-390.png"), full_page=True,
                            clip={"x": 0, "y": 0, "width": WIDTH, "height": height})
    print(f"\n{language}\n" + "\n".join(report))
    assert not failures, failures


def test_list_and_bulk_sheet_are_cards_with_thumb_sized_inputs(phone, phone_world):
    _coordinator, _editor, _projects, department = phone_world
    page = phone("coordinator")
    page.goto("/projects/?year=2025&month=3")
    first = page.locator("#project-table tbody tr").first
    assert first.evaluate("tr => getComputedStyle(tr).display") == "block"
    assert "完成率" in first.inner_text()  # each cell carries its column's name
    page.goto(f"/projects/bulk/?year=2025&month=4&department={department.pk}")
    row = page.locator("#bulk-form tbody tr").first
    assert row.evaluate("tr => getComputedStyle(tr).display") == "block"
    for box in (row.locator("input.form-control").nth(i).bounding_box() for i in range(5)):
        assert box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH
    row.locator("input.form-control").first.fill("12")
    page.click("button[name=save]")
    assert MonthlyReport.objects.filter(project__lead_department=department, year=2025, month=4).count() == 1
