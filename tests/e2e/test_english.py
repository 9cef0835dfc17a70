"""Every page in English, for every role: no Chinese outside the data people entered.

Names of departments, programmes, projects, indicators and their units, and every text typed into
the records, stay as entered; they are read from the database and taken out of the page's visible
text before it is checked. Whatever Chinese remains is an untranslated string, printed with its
surroundings.
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import models

from indicators.models import Indicator, Observation, Target
from portfolio.policy import Role
from projects import services
from projects.models import Milestone, MonthlyReport, Programme, Project
from tests.helpers import make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
DATA_APPS = ("projects", "indicators", "notifications")
YEAR, MONTH = 2025, 3


@pytest.fixture
def english_world(department, other_department):
    users = {
        "administrator": make_user("administrator", Role.ADMINISTRATOR, is_staff=True),
        "coordinator": make_user("coordinator", Role.COORDINATOR, is_staff=True),
        "editor": make_user("editor", Role.EDITOR, department, is_staff=True),
        "viewer": make_user("viewer", Role.VIEWER, is_staff=True),
    }
    programme = Programme.objects.create(year=YEAR, level="district", name="2025年区重点项目")
    project = Project.objects.create(
        programme=programme, code="P-1", name="滨江大道改造工程", lead_department=department,
        annual_plan=Decimal("1778000.0000"), total_investment=Decimal("3210000.5000"), progress_summary="主体施工",
    )
    other = Project.objects.create(programme=programme, code="P-2", name="另一单位项目",
                                   lead_department=other_department, annual_plan=Decimal("600"))
    Milestone.objects.create(project=project, kind="start", planned_date=dt.date(YEAR, 2, 1), note="已开工")
    for month in (1, 2):
        MonthlyReport.objects.create(project=project, year=YEAR, month=month, completed_month=Decimal("100"),
                                     completed_ytd=Decimal(100 * month), status="approved",
                                     progress_text="基础施工")
    editor, coordinator = users["editor"], users["coordinator"]
    report = services.monthly_report_create(
        project=project, year=YEAR, month=MONTH, acting_user=editor,
        data={"completed_month": Decimal("80"), "progress_text": "主体结构施工中", "problems": "征地拆迁滞后"},
    )
    report = services.monthly_report_submit(report=report, acting_user=editor)
    report = services.monthly_report_return(report=report, acting_user=coordinator, comment="请补充数据")
    services.monthly_report_submit(report=report, acting_user=editor)
    project.refresh_from_db()
    services.record_update(instance=project, data={"progress_summary": "主体结构封顶"}, acting_user=coordinator,
                           expected_version=project.version)
    gdp = Indicator.objects.create(code="gdp", name="地区生产总值", category="economy", unit="亿元")
    Observation.objects.create(indicator=gdp, period_start=dt.date(YEAR, 1, 1), period_end=dt.date(YEAR, 3, 31),
                               value=Decimal("640"), unit="亿元", qualifier="over", growth=Decimal("5.3"),
                               rank=1, rank_subject="增速", rank_scope="全市")
    Target.objects.create(indicator=gdp, year=YEAR, value=Decimal("1350"), unit="亿元", comparator="gte")
    return users, project, report, other


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
    # Groups are records named by an administrator (the roles' groups are named in Chinese).
    values.update(v for v in Group.objects.values_list("name", flat=True) if CJK.search(v))
    # Names are also shown in parts (a title split on a line break); the longest go first.
    return sorted(values, key=len, reverse=True)


def untranslated(text: str, values: list[str]) -> list[str]:
    for value in values:
        text = text.replace(value, "")
    snippets = []
    for match in CJK.finditer(text):
        start, end = max(0, match.start() - 30), match.end() + 30
        snippet = text[start:end].replace("\n", " ⏎ ")
        if not snippets or snippet[:20] not in snippets[-1]:
            snippets.append(snippet)
    return snippets


def pages(project, report, other, users) -> list[str]:
    p = project.pk
    group = users["editor"].groups.get()
    revision = project.history.order_by("-history_id").first().history_id
    return [
        "/", "/projects/", f"/projects/{p}/", f"/projects/{p}/edit/", f"/projects/{p}/reports/{YEAR}/{MONTH}/",
        "/projects/review/", "/projects/todo/", f"/projects/bulk/?year={YEAR}&month={MONTH}",
        f"/projects/months/{YEAR}/{MONTH}/", "/notifications/", f"/reports/progress/?year={YEAR}&month={MONTH}",
        f"/reports/indicators/?year={YEAR}&month={MONTH}", "/admin/", "/admin/projects/project/",
        f"/admin/projects/project/{p}/change/", f"/admin/projects/project/{p}/history/",
        "/admin/projects/monthlyreport/", f"/admin/projects/monthlyreport/{report.pk}/change/",
        f"/admin/projects/monthlyreport/{report.pk}/history/", "/admin/indicators/observation/",
        f"/admin/projects/project/{p}/history/{revision}/",
        f"/projects/{other.pk}/edit/",  # refused to the editor
        f"/admin/auth/user/{users['editor'].pk}/change/", f"/admin/auth/group/{group.pk}/change/",
    ]


@pytest.mark.parametrize("role", ["administrator", "coordinator", "editor", "viewer"])
def test_every_page_reads_in_english(browser, live_server, english_world, role):
    users, project, report, other = english_world
    context = browser.new_context(viewport={"width": 1366, "height": 900}, base_url=live_server.url)
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto("/login/")
    page.fill("#id_username", users[role].username)
    page.fill("#id_password", "pw-for-tests-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    values = data_values()
    found, visited = {}, []
    try:
        for url in pages(project, report, other, users):
            response = page.goto(url)
            # A page that is not this role's answers 403 or 404: the refusal is read like any page.
            assert response.status in (200, 403, 404), f"{url}: {response.status}"
            if response.status == 200:
                assert page.locator("html").get_attribute("lang") == "en", url
                visited.append(url)
            text = page.locator("body").inner_text()
            # The language menu names each language in itself (简体中文), so that its readers find it.
            for menu in page.locator("#language-form").all():
                text = text.replace(menu.inner_text(), "")
            # Text a reader meets without it being in the flow: titles of the page and of charts.
            text += "\n" + page.title()
            text += "\n" + "\n".join(page.locator("svg title, svg text").all_text_contents())
            if url.endswith("/history/"):
                reasons = [c.strip() for c in page.locator("#change-history tbody td:nth-child(5)").all_inner_texts()]
                assert reasons and "None" not in reasons, f"{url}: an empty change reason reads None"
            snippets = untranslated(text, values)
            if snippets:
                found[url] = snippets
    finally:
        context.close()
    if role == "administrator":
        assert visited == pages(project, report, other, users), "the administrator sees every page"
    if role == "coordinator":
        assert visited == [u for u in pages(project, report, other, users) if "/auth/" not in u]
    report_lines = [f"{url}:\n  " + "\n  ".join(s) for url, s in found.items()]
    assert not found, f"Chinese in English pages for {role}:\n" + "\n".join(report_lines)
