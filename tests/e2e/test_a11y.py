"""WCAG 2.1 A/AA: axe-core run in Chromium over every page, for every role and both languages.

axe-core comes from the npm registry (package.json, installed into node_modules/ by `make test`)
and is injected from disk, so the run needs no network. Any serious or critical violation fails;
`pytest -s` prints the table of pages with their violation counts by impact.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string

from notifications.services import notification_send
from portfolio.policy import Role
from projects.models import Milestone, MonthlyReport, Programme, Project
from tests.helpers import make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
IMPACTS = ("critical", "serious", "moderate", "minor")
FAILING = {"critical", "serious"}
DESKTOP, PHONE = 1366, 390
# Every language at desktop width; the phone's collapsed navigation and scrolling tables in Chinese.
RUNS = [(language, DESKTOP) for language in ("zh-hans", "en")] + [("zh-hans", PHONE)]
ROLES = ("viewer", "editor", "coordinator", "administrator")
ALL = frozenset(ROLES)
REVIEWERS = frozenset({"coordinator", "administrator"})
EXPECTED_STATUS = {"403": 403, "404": 404, "500": 500}

AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + '  ' + n.html.slice(0, 160))}));
}"""


@dataclass
class Result:
    page: str
    role: str
    language: str
    width: int
    status: int
    violations: list = field(default_factory=list)

    def count(self, impact):
        return sum(1 for v in self.violations if v["impact"] == impact)

    @property
    def failing(self):
        return [v for v in self.violations if v["impact"] in FAILING]


@pytest.fixture
def a11y_world(department, other_department):
    users = {
        "viewer": make_user("viewer", Role.VIEWER),
        "editor": make_user("editor", Role.EDITOR, department),
        "coordinator": make_user("coordinator", Role.COORDINATOR, is_staff=True),
        "administrator": make_user("administrator", Role.ADMINISTRATOR, is_staff=True),
    }
    programme = Programme.objects.create(year=2025, level="district", name="2025年区重点项目")
    with_milestones = Project.objects.create(
        programme=programme, code="A-1", name="有节点项目", lead_department=department,
        annual_plan=Decimal("1200"), total_investment=Decimal("5000"))
    Milestone.objects.create(project=with_milestones, kind="start", planned_date=dt.date(2025, 2, 1))
    Milestone.objects.create(project=with_milestones, kind="completion", planned_date=dt.date(2025, 11, 30))
    without_milestones = Project.objects.create(
        programme=programme, code="A-2", name="无节点项目", lead_department=department, annual_plan=Decimal("600"))
    other = Project.objects.create(
        programme=programme, code="A-3", name="另一单位项目", lead_department=other_department,
        annual_plan=Decimal("300"))
    for project, amounts in ((with_milestones, (100, 50)), (other, (20, 10))):
        ytd = Decimal(0)
        for month, amount in enumerate(amounts, start=1):
            ytd += amount
            MonthlyReport.objects.create(project=project, year=2025, month=month, completed_month=Decimal(amount),
                                         completed_ytd=ytd, status="approved")
    MonthlyReport.objects.create(project=with_milestones, year=2025, month=3, completed_month=Decimal(30),
                                 completed_ytd=Decimal(180), status="submitted", progress_text="主体施工")
    for user in users.values():
        notification_send(user=user, kind="reminder", title="2025年3月月报待填报", body="请于10日前提交。",
                          url="/projects/todo/", key="a11y-test", email=False)
    return users, with_milestones, without_milestones, other


def pages(with_milestones, without_milestones, other):
    """(name, url, roles that open it); the 403 and 404 rows open pages refused on purpose."""
    report = MonthlyReport.objects.filter(project=with_milestones).order_by("month").last()
    return [
        ("dashboard", "/?year=2025&month=3", ALL),
        ("project list", "/projects/", ALL),
        ("project page", f"/projects/{with_milestones.pk}/", ALL),
        ("project edit", f"/projects/{with_milestones.pk}/edit/", ALL - {"viewer"}),
        ("report entry, milestones", f"/projects/{with_milestones.pk}/reports/2025/3/", ALL),
        ("report entry, none", f"/projects/{without_milestones.pk}/reports/2025/3/", ALL),
        ("review queue", "/projects/review/", REVIEWERS),
        ("to-do", "/projects/todo/", ALL - {"viewer"}),
        ("bulk entry", "/projects/bulk/?year=2025&month=3", {"editor"}),
        ("month page", "/projects/months/2025/3/", REVIEWERS),
        ("notifications", "/notifications/", ALL),
        ("progress report", "/reports/progress/?year=2025&month=3", ALL),
        ("indicators report", "/reports/indicators/?year=2025&month=3", ALL),
        ("403", f"/projects/{other.pk}/edit/", {"viewer", "editor"}),
        ("404", "/projects/999999/", ALL),
        ("admin index", "/admin/", {"administrator"}),
        ("admin changelist", "/admin/projects/project/", {"administrator"}),
        ("admin change form", f"/admin/projects/project/{with_milestones.pk}/change/", {"administrator"}),
        ("milestones overdue", "/projects/milestones/overdue/?programme=&year=2025&month=6", ALL),
        ("milestones due", "/projects/milestones/due/?programme=&year=2025&month=1", ALL),
        ("admin report changelist", "/admin/projects/monthlyreport/", {"administrator"}),
        ("admin report change form", f"/admin/projects/monthlyreport/{report.pk}/change/", {"administrator"}),
    ]


# The admin builds its widgets in jQuery ready handlers, which may run after the load event.
SETTLED = "() => new Promise(done => window.django && django.jQuery ? django.jQuery(() => setTimeout(done)) : done())"


def axe(page):
    page.evaluate(SETTLED)
    if not page.evaluate("() => typeof axe !== 'undefined'"):  # a document the init script did not reach
        page.add_script_tag(path=str(AXE))
    return page.evaluate(AXE_RUN, WCAG_TAGS)


def new_context(browser, live_server, language, width):
    """A context in the language and at the width, with axe-core injected into every document once
    (one copy of the script per context instead of one upload per page)."""
    viewport = {"width": width, "height": 900 if width == DESKTOP else 844}
    context = browser.new_context(viewport=viewport, base_url=live_server.url)
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def table(results):
    header = ("page", "role", "language", "width", "HTTP", *IMPACTS)
    rows = [(r.page, r.role, r.language, str(r.width), str(r.status), *(str(r.count(i)) for i in IMPACTS))
            for r in results]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    line = lambda row: " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))  # noqa: E731
    return "\n".join([line(header), "-+-".join("-" * w for w in widths), *map(line, rows)])


def anonymous_pages(page, users, language, width):
    response = page.goto("/login/")
    results = [Result("login", "anonymous", language, width, response.status, axe(page))]
    # The login form again after a wrong password: its error message and invalid fields.
    page.fill("#id_username", users["viewer"].username)
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    results.append(Result("login, wrong password", "anonymous", language, width, 200, axe(page)))
    # The error page Django serves without templates' context: rendered as it is served.
    page.set_content(render_to_string("500.html"))
    results.append(Result("500", "anonymous", language, width, 500, axe(page)))
    return results


def role_pages(page, live_server, a11y_world, role, language, width):
    users, with_milestones, without_milestones, other = a11y_world
    page.goto("/login/")
    page.fill("#id_username", users[role].username)
    page.fill("#id_password", "pw-for-tests-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    results = []
    for name, url, roles in pages(with_milestones, without_milestones, other):
        if role in roles:
            response = page.goto(url)
            results.append(Result(name, role, language, width, response.status, axe(page)))
    return results


# One test per language and width and per role, so that the runs spread over the test workers.
CASES = [(language, width, role) for language, width in RUNS for role in ("anonymous", *ROLES)]


@pytest.mark.parametrize(("language", "width", "role"), CASES, ids=[f"{lang}-{w}-{r}" for lang, w, r in CASES])
def test_every_page_passes_axe_for_every_role_and_language(browser, live_server, a11y_world, language, width, role):
    if not AXE.exists():
        pytest.fail(f"axe-core is missing ({AXE.relative_to(settings.BASE_DIR)}): install Node.js and npm, "
                    "then run `npm ci` (make test does it when npm is present)")
    context, page = new_context(browser, live_server, language, width)
    try:
        if role == "anonymous":
            results = anonymous_pages(page, a11y_world[0], language, width)
        else:
            results = role_pages(page, live_server, a11y_world, role, language, width)
    finally:
        context.close()

    print("\naxe-core " + ", ".join(WCAG_TAGS) + ": violations by impact\n" + table(results))
    unexpected = [r for r in results if r.status != EXPECTED_STATUS.get(r.page, 200)]
    assert not unexpected, [(r.page, r.role, r.language, r.width, r.status) for r in unexpected]
    failing = [r for r in results if r.failing]
    details = "\n".join(
        f"{r.page} / {r.role} / {r.language} / {r.width}px: {v['impact']} {v['id']} ({v['help']})\n    " + "\n    ".join(v["nodes"])
        for r in failing for v in r.failing
    )
    assert not failing, "serious or critical axe-core violations:\n" + details


def test_keyboard_skip_link_focus_ring_and_collapsing_navigation(new_page, a11y_world):
    """What axe cannot see: the skip link works, focus shows, the bar folds behind a toggler on a phone."""
    page = new_page("coordinator")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("e => e === document.activeElement") and skip.is_visible()
    ring = skip.evaluate("e => [getComputedStyle(e).outlineStyle, getComputedStyle(e).outlineWidth]")
    assert ring == ["solid", "3px"]
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    links = page.locator("#main-nav .nav-link")
    assert set(links.evaluate_all("ls => ls.map(l => getComputedStyle(l).color)")) == {"rgb(255, 255, 255)"}
    assert page.locator('#main-nav .nav-link[aria-current="page"]').get_attribute("href") == "/"

    # English, the coordinator's longest bar: the language select shows its whole name inside the bar.
    with page.expect_navigation():
        page.select_option("#language-form select", "en")
    select = page.locator("#language-form select")
    assert select.evaluate("s => s.scrollWidth <= s.clientWidth")
    box, bar = select.bounding_box(), page.locator("nav.navbar").bounding_box()
    assert box["x"] + box["width"] <= min(bar["x"] + bar["width"], 1366)
    logout = page.locator("nav form[action$='logout/'] button").bounding_box()
    assert logout["x"] + logout["width"] <= 1366 and logout["y"] + logout["height"] <= bar["y"] + bar["height"]

    page.set_viewport_size({"width": 390, "height": 844})
    toggler = page.locator(".navbar-toggler")
    assert toggler.is_visible() and not links.first.is_visible()
    toggler.focus()
    page.keyboard.press("Enter")
    page.locator("#main-nav.show").wait_for()
    assert toggler.get_attribute("aria-expanded") == "true" and links.first.is_visible()
