"""Every page, for every role, in Chromium: WCAG 2.1 A/AA with axe-core, and no Chinese left in English.

One walk per language, width and role opens each page once and checks it for all it is tested for:
- axe-core in Chinese and in English at a desktop's width, and in Chinese at a phone's: any serious
  or critical violation fails; `pytest -s` prints the table of pages with their counts by impact.
  axe-core comes from the npm registry (package.json, installed into node_modules/ by `make test`)
  and is injected from disk, so the run needs no network.
- in English, every page for every role (the refused ones too): no Chinese outside the data people
  entered. Names of departments, programmes, projects, indicators and their units, and every text
  typed into the records, stay as entered; they are read from the database and taken out of the
  page's visible text before it is checked. Whatever Chinese remains is an untranslated string,
  printed with its surroundings.
"""

import datetime as dt
import re
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.template.loader import render_to_string

from indicators.models import Indicator, Observation, Target
from notifications.services import notification_send
from portfolio.policy import Role
from projects import letters, services
from projects.models import Milestone, MonthlyReport, Programme, Project, SupervisionLetter
from tests.helpers import api_token, make_user

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
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
DATA_APPS = ("projects", "indicators", "notifications")
YEAR, MONTH = 2025, 3

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
    untranslated: list = field(default_factory=list)
    expected: tuple = ()

    @property
    def answered_as_expected(self):
        return self.status in (self.expected or (EXPECTED_STATUS.get(self.page, 200),))

    def count(self, impact):
        return sum(1 for v in self.violations if v["impact"] == impact)

    @property
    def failing(self):
        return [v for v in self.violations if v["impact"] in FAILING]


@pytest.fixture
def pages_world(department, other_department):
    """Three projects (with and without milestones, another department's), a month under review with
    its history, an indicator with a target, a notification for everyone; every role may open the admin."""
    users = {
        "viewer": make_user("viewer", Role.VIEWER, is_staff=True),
        "editor": make_user("editor", Role.EDITOR, department, is_staff=True),
        "coordinator": make_user("coordinator", Role.COORDINATOR, is_staff=True),
        "administrator": make_user("administrator", Role.ADMINISTRATOR, is_staff=True),
    }
    programme = Programme.objects.create(year=YEAR, level="district", name="2025年区重点项目")
    with_milestones = Project.objects.create(
        programme=programme, code="A-1", name="滨江大道改造工程", lead_department=department,
        annual_plan=Decimal("1778000.0000"), total_investment=Decimal("3210000.5000"), progress_summary="主体施工")
    Milestone.objects.create(project=with_milestones, kind="start", planned_date=dt.date(YEAR, 2, 1), note="已开工")
    Milestone.objects.create(project=with_milestones, kind="completion", planned_date=dt.date(YEAR, 11, 30))
    without_milestones = Project.objects.create(
        programme=programme, code="A-2", name="无节点项目", lead_department=department, annual_plan=Decimal("600"))
    other = Project.objects.create(
        programme=programme, code="A-3", name="另一单位项目", lead_department=other_department,
        annual_plan=Decimal("300"))
    for project, amounts in ((with_milestones, (100, 50)), (other, (20, 10))):
        ytd = Decimal(0)
        for month, amount in enumerate(amounts, start=1):
            ytd += amount
            MonthlyReport.objects.create(project=project, year=YEAR, month=month, completed_month=Decimal(amount),
                                         completed_ytd=ytd, status="approved", progress_text="基础施工")
    editor, coordinator = users["editor"], users["coordinator"]
    report = services.monthly_report_create(
        project=with_milestones, year=YEAR, month=MONTH, acting_user=editor,
        data={"completed_month": Decimal("30"), "progress_text": "主体结构施工中", "problems": "征地拆迁滞后"},
    )
    report = services.monthly_report_submit(report=report, acting_user=editor)
    report = services.monthly_report_return(report=report, acting_user=coordinator, comment="请补充数据")
    services.monthly_report_submit(report=report, acting_user=editor)
    with_milestones.refresh_from_db()
    services.record_update(instance=with_milestones, data={"progress_summary": "主体结构封顶"},
                           acting_user=coordinator, expected_version=with_milestones.version)
    gdp = Indicator.objects.create(code="gdp", name="地区生产总值", category="economy", unit="亿元")
    Observation.objects.create(indicator=gdp, period_start=dt.date(YEAR, 1, 1), period_end=dt.date(YEAR, 3, 31),
                               value=Decimal("640"), unit="亿元", qualifier="over", growth=Decimal("5.3"),
                               rank=1, rank_subject="增速", rank_scope="全市")
    Target.objects.create(indicator=gdp, year=YEAR, value=Decimal("1350"), unit="亿元", comparator="gte")
    # A letter sent to the editor's department (issued) and one still a draft.
    sent = SupervisionLetter.objects.create(kind="supervision", department=department, year=YEAR, month=MONTH,
                                            response_due=dt.date(YEAR, 4, 20), requested_actions="请加快推进。")
    sent.items.create(project=with_milestones, colour="red", reason="完成率5.62%，落后序时进度19.38个百分点")
    letters.letter_issue(letter=sent, acting_user=coordinator, expected_version=sent.version, today=dt.date(YEAR, 4, 8))
    draft = SupervisionLetter.objects.create(kind="reminder", department=other_department, year=YEAR, month=MONTH,
                                             response_due=dt.date(YEAR, 4, 20), requested_actions="请关注。")
    draft.items.create(project=other, colour="yellow", reason="完成率10.00%，落后序时进度15.00个百分点")
    for user in users.values():
        notification_send(user=user, kind="reminder", title="2025年3月月报待填报", body="请于10日前提交。",
                          url="/projects/todo/", key="pages-test", email=False)
        api_token(user)  # the tokens page and the admin's list with a row each
    return users, with_milestones, without_milestones, other


def pages(users, with_milestones, without_milestones, other):
    """(name, url, roles that open it); the 403 and 404 rows open pages refused on purpose."""
    report = MonthlyReport.objects.filter(project=with_milestones).order_by("month").last()
    p, r = with_milestones.pk, report.pk
    revision = with_milestones.history.order_by("-history_id").first().history_id
    group = users["editor"].groups.get()
    sent = SupervisionLetter.objects.exclude(state="draft").get()
    draft = SupervisionLetter.objects.get(state="draft")
    return [
        ("dashboard", f"/?year={YEAR}&month={MONTH}", ALL),
        ("project list", "/projects/", ALL),
        ("project page", f"/projects/{p}/", ALL),
        ("project edit", f"/projects/{p}/edit/", ALL - {"viewer"}),
        ("report entry, milestones", f"/projects/{p}/reports/{YEAR}/{MONTH}/", ALL),
        ("report entry, none", f"/projects/{without_milestones.pk}/reports/{YEAR}/{MONTH}/", ALL),
        ("review queue", "/projects/review/", REVIEWERS),
        ("to-do", "/projects/todo/", ALL - {"viewer"}),
        ("bulk entry", f"/projects/bulk/?year={YEAR}&month={MONTH}", {"editor"}),
        ("month page", f"/projects/months/{YEAR}/{MONTH}/", REVIEWERS),
        ("bulk entry, coordinator", f"/projects/bulk/?year={YEAR}&month={MONTH}&department={other.lead_department_id}",
         REVIEWERS),
        ("notifications", "/notifications/", ALL),
        ("API tokens", "/accounts/tokens/", ALL),
        ("progress report", f"/reports/progress/?year={YEAR}&month={MONTH}", ALL),
        ("letters", "/projects/letters/", ALL),
        ("letter", f"/projects/letters/{sent.pk}/", ALL),
        ("letter document", f"/projects/letters/{sent.pk}/html/", ALL),
        ("letter draft", f"/projects/letters/{draft.pk}/", REVIEWERS),
        ("indicators report", f"/reports/indicators/?year={YEAR}&month={MONTH}", ALL),
        ("403", f"/projects/{other.pk}/edit/", {"viewer", "editor"}),
        ("404", "/projects/999999/", ALL),
        ("milestones overdue", f"/projects/milestones/overdue/?programme=&year={YEAR}&month=6", ALL),
        ("milestones due", f"/projects/milestones/due/?programme=&year={YEAR}&month=1", ALL),
        ("two-factor settings", "/account/two-factor/", ALL),
        ("two-factor enrolment", "/account/two-factor/enrol/", ALL),
        ("admin index", "/admin/", {"administrator"}),
        ("admin changelist", "/admin/projects/project/", {"administrator"}),
        ("admin change form", f"/admin/projects/project/{p}/change/", {"administrator"}),
        ("admin history", f"/admin/projects/project/{p}/history/", {"administrator"}),
        ("admin revision", f"/admin/projects/project/{p}/history/{revision}/", {"administrator"}),
        ("admin report changelist", "/admin/projects/monthlyreport/", {"administrator"}),
        ("admin report change form", f"/admin/projects/monthlyreport/{r}/change/", {"administrator"}),
        ("admin report history", f"/admin/projects/monthlyreport/{r}/history/", {"administrator"}),
        ("admin observations", "/admin/indicators/observation/", {"administrator"}),
        ("admin user", f"/admin/auth/user/{users['editor'].pk}/change/", {"administrator"}),
        ("admin group", f"/admin/auth/group/{group.pk}/change/", {"administrator"}),
        ("admin API tokens", "/admin/portfolio/apitoken/", {"administrator"}),
        ("admin import", "/admin/projects/project/import/", {"administrator"}),
        ("admin editor import", "/admin/projects/departmentmembership/import/", {"administrator"}),
    ]


# In English every role opens every page; these are the ones each reviewer must be let into.
OPENED_IN_ENGLISH = {
    "administrator": lambda name: name != "404",
    "coordinator": lambda name: name not in ("404", "admin user", "admin group", "admin API tokens",
                                             "admin editor import"),
}


def data_values() -> list[str]:
    """Every text people entered: the free-text fields of the portfolio's records, longest first."""
    values = set()
    for model in apps.get_models():
        if model._meta.app_label not in DATA_APPS:
            continue
        fields = [f.name for f in model._meta.concrete_fields
                  if isinstance(f, (models.CharField, models.TextField)) and not f.choices]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            values.update(v for v in row if v and CJK.search(v))
    # Names the bureau configured for its documents (its district, its name, its letters' prefix) and
    # for its users' authenticator apps (the issuer, fixed at enrolment whatever the page's language).
    values.update(v for v in (settings.PORTFOLIO_DISTRICT, settings.PORTFOLIO_ISSUING_UNIT,
                              settings.PORTFOLIO_LETTER_PREFIX, settings.OTP_TOTP_ISSUER) if CJK.search(v))
    # Groups are records named by an administrator (the roles' groups are named in Chinese).
    values.update(v for v in Group.objects.values_list("name", flat=True) if CJK.search(v))
    # Names are also shown in parts (a title split on a line break); the longest go first.
    return sorted(values, key=len, reverse=True)


def untranslated(page, url: str, values: list[str]) -> list[str]:
    """The Chinese left on an English page once the data people entered is taken out of its text."""
    text = page.locator("body").inner_text()
    # The language menu names each language in itself (简体中文), so that its readers find it.
    for menu in page.locator("#language-form").all():
        text = text.replace(menu.inner_text(), "")
    # Text a reader meets without it being in the flow: titles of the page and of charts.
    text += "\n" + page.title()
    text += "\n" + "\n".join(page.locator("svg title, svg text").all_text_contents())
    if "/history/" in url and url.endswith("/history/"):
        reasons = [c.strip() for c in page.locator("#change-history tbody td:nth-child(5)").all_inner_texts()]
        assert reasons and "None" not in reasons, f"{url}: an empty change reason reads None"
    for value in values:
        text = text.replace(value, "")
    snippets = []
    for match in CJK.finditer(text):
        start, end = max(0, match.start() - 30), match.end() + 30
        snippet = text[start:end].replace("\n", " ⏎ ")
        if not snippets or snippet[:20] not in snippets[-1]:
            snippets.append(snippet)
    return snippets


# The admin builds its widgets in jQuery ready handlers, which may run after the load event.
SETTLED = "() => new Promise(done => window.django && django.jQuery ? django.jQuery(() => setTimeout(done)) : done())"


def axe(page):
    page.evaluate(SETTLED)
    # axe-core's own doings are no violations of the page's (tests/e2e/conftest.py, Violations.ignored).
    with page.context.csp_violations.ignored(page):
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
    english = language == "en"
    response = page.goto("/login/")
    results = [Result("login", "anonymous", language, width, response.status, axe(page),
                      untranslated(page, "/login/", []) if english else [])]
    # The login form again after a wrong password: its error message and invalid fields.
    page.fill("#id_username", users["viewer"].username)
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    results.append(Result("login, wrong password", "anonymous", language, width, 200, axe(page),
                          untranslated(page, "/login/", []) if english else []))
    # Setting one's password: asking for the link, and a link that no longer works.
    for name, url in (("set password", "/accounts/password/"), ("set password, spent link", "/accounts/password/MQ/x-y/")):
        response = page.goto(url)
        results.append(Result(name, "anonymous", language, width, response.status, axe(page),
                              untranslated(page, url, []) if english else []))
    # The error page Django serves without templates' context: rendered as it is served.
    page.set_content(render_to_string("500.html"))
    results.append(Result("500", "anonymous", language, width, 500, axe(page)))
    return results


def role_pages(page, live_server, pages_world, role, language, width):
    """The role's pages, checked with axe; in English every page, each also read for untranslated text."""
    users = pages_world[0]
    english = language == "en"
    values = data_values() if english else []
    page.goto("/login/")
    page.fill("#id_username", users[role].username)
    page.fill("#id_password", "pw-for-tests-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    results = []
    for name, url, roles in pages(*pages_world):
        if role not in roles and not english:
            continue
        response = page.goto(url)
        if role in roles:
            expected = (EXPECTED_STATUS.get(name, 200),)
        elif OPENED_IN_ENGLISH.get(role, lambda _name: False)(name):
            expected = (200,)
        else:  # not the role's page: refused, or open in a way nobody links to (the admin's index)
            expected = (200, 403, 404)
        result = Result(name, role, language, width, response.status, axe(page) if role in roles else [],
                        expected=expected)
        if english:
            assert page.locator("html").get_attribute("lang") == "en", url
            result.untranslated = untranslated(page, url, values)
        results.append(result)
    if role == "administrator":
        results += import_steps(page, role, language, width, values)
    if role == "editor":
        results += sheet_steps(page, role, language, width, values)
    return results


def sheet_steps(page, role, language, width, values):
    """The monthly Excel round-trip on the bulk page: download, fill, upload, the preview, the save."""
    page.goto(f"/projects/bulk/?year={YEAR}&month=4")
    page.locator("#excel-round-trip summary").click()
    with page.expect_download() as download:
        page.locator("#excel-round-trip a[download]").click()
    path = Path(tempfile.mkdtemp()) / "sheet.xlsx"
    download.value.save_as(path)
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    sheet.cell(row=4, column=6, value=12.5)  # the month's amount: the first column to fill, in either language
    book.save(path)
    page.set_input_files("#id_sheet_file", str(path))
    page.locator("#excel-round-trip button").click()
    page.wait_for_load_state()
    assert page.locator("#sheet-preview tbody tr").count() >= 1
    results = [Result("sheet preview", role, language, width, 200, axe(page),
                      untranslated(page, "sheet", values) if language == "en" else [])]
    page.locator("button[value=save]").click()
    page.wait_for_load_state()
    results.append(Result("sheet saved", role, language, width, 200, axe(page),
                          untranslated(page, "sheet saved", values) if language == "en" else []))
    return results


IMPORT_STEPS = frozenset({"admin import preview", "admin import done", "sheet preview", "sheet saved"})


def import_steps(page, role, language, width, values):
    """The admin's import after the upload: the preview (a change, a new row, an error) and the result."""
    project = Project.objects.filter(programme__isnull=False).order_by("pk").first()
    programme = project.programme.name
    headers = ["项目编号", "项目名称", "所属计划", "总投资（万元）", "年度计划投资（万元）"]
    book = openpyxl.Workbook()
    for row in (headers, [project.code, project.name, programme, 900000, 4321],
                ["WALK-1", "Walk test project", programme, 1000, 100],
                ["WALK-2", "Walk error row", programme, "abc", 100]):
        book.active.append(row)
    path = Path(tempfile.mkdtemp()) / "import.xlsx"
    book.save(path)
    values = [*values, *headers]
    page.goto("/admin/projects/project/import/")
    page.set_input_files("#id_file", str(path))
    page.click("#content-main input[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".import-rows tbody tr").count() == 3, page.locator("#content").inner_text()[:500]
    results = [Result("admin import preview", role, language, width, 200, axe(page),
                      untranslated(page, "import", values) if language == "en" else [])]
    # the error row blocks the confirm: the same file without it is confirmed
    book.active.delete_rows(4)
    book.save(path)
    page.goto("/admin/projects/project/import/")
    page.set_input_files("#id_file", str(path))
    page.click("#content-main input[type=submit]")
    page.wait_for_load_state()
    page.click("#content-main input[type=submit].default")
    page.wait_for_load_state()
    assert page.locator(".messagelist .success").count() == 1
    results.append(Result("admin import done", role, language, width, 200, axe(page),
                          untranslated(page, "import done", values) if language == "en" else []))
    return results


# One test per language and width and per role, so that the runs spread over the test workers.
CASES = [(language, width, role) for language, width in RUNS for role in ("anonymous", *ROLES)]


@pytest.mark.parametrize(("language", "width", "role"), CASES, ids=[f"{lang}-{w}-{r}" for lang, w, r in CASES])
def test_every_page_for_every_role_passes_axe_and_reads_in_its_language(
        browser, live_server, pages_world, language, width, role):
    if not AXE.exists():
        pytest.fail(f"axe-core is missing ({AXE.relative_to(settings.BASE_DIR)}): install Node.js and npm, "
                    "then run `npm ci` (make test does it when npm is present)")
    context, page = new_context(browser, live_server, language, width)
    try:
        if role == "anonymous":
            results = anonymous_pages(page, pages_world[0], language, width)
        else:
            results = role_pages(page, live_server, pages_world, role, language, width)
    finally:
        context.close()

    print("\naxe-core " + ", ".join(WCAG_TAGS) + ": violations by impact\n" + table(results))
    unexpected = [r for r in results if not r.answered_as_expected]
    assert not unexpected, [(r.page, r.role, r.language, r.width, r.status) for r in unexpected]
    if language == "en" and role in OPENED_IN_ENGLISH:
        opened = {r.page for r in results if r.status == 200} - IMPORT_STEPS
        assert opened == {name for name, _url, _roles in pages(*pages_world) if OPENED_IN_ENGLISH[role](name)}
    failing = [r for r in results if r.failing]
    details = "\n".join(
        f"{r.page} / {r.role} / {r.language} / {r.width}px: {v['impact']} {v['id']} ({v['help']})\n    " + "\n    ".join(v["nodes"])
        for r in failing for v in r.failing
    )
    assert not failing, "serious or critical axe-core violations:\n" + details
    chinese = "\n".join(f"{r.page}:\n  " + "\n  ".join(r.untranslated) for r in results if r.untranslated)
    assert not chinese, f"Chinese in English pages for {role}:\n{chinese}"


def test_keyboard_skip_link_focus_ring_and_collapsing_navigation(new_page, pages_world):
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
