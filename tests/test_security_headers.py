"""The security headers on every page, and pages the Content-Security-Policy lets work whole.

Every URL of the URL conf is requested, for each demo account and anonymously, over the sample
portfolio: each answer carries the policy (no 'unsafe-inline', no 'unsafe-eval'), Referrer-Policy,
X-Content-Type-Options, X-Frame-Options and Cross-Origin-Opener-Policy; each HTML answer has no style
attribute, no event-handler attribute, no javascript: URL, and no <script> or <style> of its own
unless it carries the request's nonce. The templates are read too, for the branches no request
reaches. The browser tests (tests/e2e) listen for the violations a browser reports.
"""

import datetime as dt
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from notifications.models import Notification
from notifications.services import notification_send
from portfolio.models import ReportJob
from portfolio.periods import Period
from projects import letters
from projects.demo import DEMO_ACCOUNTS, create_demo_accounts
from projects.models import DepartmentMembership, MonthlyReport, Project, SupervisionLetter

pytestmark = pytest.mark.django_db

YEAR, MONTH = 2025, 6
HEADERS = {
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
POLICY = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "font-src": {"'self'"},
    "connect-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}
# Downloads (spreadsheets, PDFs, Word files, archives, the API schema): not pages, and laying them out
# for the whole portfolio takes seconds. They are requested anonymously: the refusal carries the headers.
FILES = {
    "projects:project_export", "projects:month_sheet", "projects:month_sheets", "projects:letter_file pdf",
    "projects:letter_file docx", "api_schema",
    *(f"api:report-{report}-{fmt}" for report in ("progress", "indicators")
      for fmt in ("pdf", "xlsx", "docx")),
}
# Templates only WeasyPrint reads (a PDF's page stamp, never served to a browser): a <style> block is theirs.
PDF_ONLY_TEMPLATES = {"reports/pdf_page_stamp.html"}
TEMPLATE_DIRS = [Path(settings.BASE_DIR) / "templates"]


def parse_policy(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def policy_problems(header: str | None, nonces: set[str]) -> list[str]:
    """What is wrong with a Content-Security-Policy header, given the nonces the page uses."""
    if not header:
        return ["no Content-Security-Policy header"]
    problems = []
    if re.search(r"unsafe-|\*|https?:", header):
        problems.append(f"an unsafe source or another origin is allowed: {header}")
    policy = parse_policy(header)
    for name, sources in POLICY.items():
        if set(policy.get(name, ())) != sources:
            problems.append(f"{name} is {policy.get(name)}, not {sorted(sources)}")
    styles = set(policy.get("style-src", ()))
    header_nonces = {s[len("'nonce-"):-1] for s in styles if s.startswith("'nonce-")}
    if "'self'" not in styles or styles - {"'self'"} - {f"'nonce-{n}'" for n in header_nonces}:
        problems.append(f"style-src is {sorted(styles)}")
    if nonces - header_nonces:
        problems.append(f"the page's nonces {sorted(nonces)} are not all the header's {sorted(header_nonces)}")
    return problems


class InlineCode(HTMLParser):
    """Collects what a strict policy blocks in a page: style and on… attributes, javascript: URLs,
    <script> and <style> elements of its own, and the nonces the page's own elements carry."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.nonces: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        shown = self.get_starttag_text()[:160]
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.problems.append(f"{name} attribute: {shown}")
            if value and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL: {shown}")
        if tag == "script" and attributes.get("src"):
            if re.match(r"(https?:)?//", attributes["src"]):
                self.problems.append(f"script from another origin: {shown}")
        elif tag == "script" and attributes.get("type") in ("application/json", "application/ld+json"):
            pass  # data, not code: a policy does not apply to it
        elif tag in ("script", "style"):
            if attributes.get("nonce"):
                self.nonces.add(attributes["nonce"])
            else:
                self.problems.append(f"<{tag}> without the request's nonce: {shown}")


def walk(patterns, prefix="", namespace=None):
    """(route, name, pattern) for every URL pattern, names with their namespaces."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield prefix + str(pattern.pattern), name, pattern


def _model_of(name: str | None, pattern: URLPattern):
    """The model a URL shows: its ModelAdmin's (by the admin's URL names), or its API view's."""
    for model in admin.site._registry:
        if name and name.startswith(f"admin:{model._meta.app_label}_{model._meta.model_name}_"):
            return model
    model_admin = getattr(pattern.callback, "model_admin", None)
    if model_admin is not None:
        return model_admin.model
    view = getattr(pattern.callback, "cls", None)
    return getattr(view, "model", None) or getattr(getattr(view, "queryset", None), "model", None)


def _first_pk(model) -> str:
    pk = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
    return str(pk if pk is not None else 0)


def urls_of(world, user) -> list[tuple[str, str]]:
    """(name, path) for every URL of the URL conf, its parameters taken from the world's records (the
    user's own notification). The same view under a format suffix (/api/v1/projects.json) is the same
    page, and is not repeated."""
    notification = Notification.objects.filter(user=user).values_list("pk", flat=True).first()
    values = {"year": YEAR, "month": MONTH, "action": "approve", "uidb64": "MQ", "token": "x-y",
              "filename": "swagger-ui.css"}
    by_name = {
        "projects:project_detail": {"pk": world["project"].pk},
        "projects:project_edit": {"pk": world["project"].pk},
        "projects:report_entry": {"pk": world["project"].pk},
        "projects:review_action": {"pk": world["report"].pk},
        "projects:letter_detail": {"pk": world["letter"].pk},
        "notifications:notification_detail": {"pk": notification or 0},
        "admin:view_on_site": {"content_type_id": ContentType.objects.get_for_model(Project).pk,
                               "object_id": world["project"].pk},
        "admin:auth_user_password_change": {"id": world["editor"].pk},
        # A background report file's page and download: the user's own job (anyone else's is a 404).
        "reports:job": {"pk": world["jobs"].get(getattr(user, "username", None), world["any_job"]).pk},
        "reports:job_file": {"pk": world["jobs"].get(getattr(user, "username", None), world["any_job"]).pk},
    }
    urls, seen = [], set()
    for route, name, pattern in walk(get_resolver().url_patterns):
        if "format" in pattern.pattern.regex.groupindex or "<drf_format_suffix:" in route:
            continue
        model = _model_of(name, pattern)
        if name is None:  # the admin's object redirect and the catch-alls of the admin and the API
            if route.endswith("<path:object_id>/"):
                urls.append(("admin object", "/" + route.replace("<path:object_id>", _first_pk(model))))
            else:
                urls.append(("catch-all", "/" + route.split("^")[0] + "no-such-page/"))
            continue
        if name in seen:
            continue
        seen.add(name)
        if name == "projects:letter_file":
            urls += [(f"{name} {fmt}", reverse(name, kwargs={"pk": world["letter"].pk, "fmt": fmt}))
                     for fmt in ("html", "pdf", "docx")]
        elif name == "admin:app_list":
            urls += [(f"{name} {app}", reverse(name, kwargs={"app_label": app}))
                     for app in world["admin_apps"]]
        elif name.endswith("_simple_history"):  # the admin's revision page: (object_id, history_id)
            record = model.history.order_by("history_id").first()
            urls.append((name, reverse(name, args=[record.pk, record.history_id] if record else [0, 0])))
        else:
            kwargs = {}
            for group in pattern.pattern.regex.groupindex:
                if group in by_name.get(name, {}):
                    kwargs[group] = by_name[name][group]
                elif group in ("pk", "object_id") and model is not None:
                    kwargs[group] = _first_pk(model)
                else:
                    kwargs[group] = values[group]
            urls.append((name, reverse(name, kwargs=kwargs)))
    return urls


@pytest.fixture
def world(portfolio, settings):
    """The sample portfolio with the demo accounts, the month's letters (one issued to the demo editor's
    department), a notification for everyone."""
    settings.DEMO = True
    create_demo_accounts()
    accounts = {u.username: u for u in get_user_model().objects.filter(
        username__in=[account.username for account in DEMO_ACCOUNTS])}
    coordinator, editor = accounts["coordinator"], accounts["editor"]
    department = DepartmentMembership.objects.get(user=editor).department
    today = dt.date(YEAR, 7, 8)
    drafted = letters.draft_letters(period=Period(YEAR, MONTH), acting_user=coordinator, today=today)
    letter = next((x for x in drafted.letters if x.department_id == department.pk), drafted.letters[0])
    letters.letter_issue(letter=letter, acting_user=coordinator, expected_version=letter.version, today=today)
    for user in accounts.values():
        notification_send(user=user, kind="reminder", title="2025年6月月报待填报", body="请于7月5日前提交。\n第二行。",
                          url="/projects/todo/", key="headers-test", email=False)
    project = Project.objects.filter(lead_department=department).order_by("pk").first()
    jobs = {}
    for user in accounts.values():
        job = ReportJob.objects.create(user=user, kind="progress", fmt="xlsx", params={"year": [str(YEAR)]},
                                       language="zh-hans", key=f"headers-{user.pk}", state=ReportJob.State.DONE,
                                       progress=100, filename="进度报告.xlsx")
        job.file.save(f"{job.pk}.xlsx", ContentFile(b"PK\x03\x04"), save=True)
        jobs[user.username] = job
    return {
        "jobs": jobs, "any_job": next(iter(jobs.values())),
        "accounts": accounts, "editor": editor, "project": project,
        "report": MonthlyReport.objects.filter(project=project).order_by("-year", "-month").first(),
        "letter": SupervisionLetter.objects.get(pk=letter.pk),
        "admin_apps": sorted({model._meta.app_label for model in admin.site._registry}),
    }


def page_problems(response) -> list[str]:
    problems = [f"{name} is {response.get(name)!r}, not {value!r}" for name, value in HEADERS.items()
                if response.get(name) != value]
    nonces: set[str] = set()
    if response.get("Content-Type", "").startswith("text/html") and not response.streaming:
        parser = InlineCode()
        parser.feed(response.content.decode())
        problems += parser.problems
        nonces = parser.nonces
    return problems + policy_problems(response.get("Content-Security-Policy"), nonces)


# One role per test (the demo accounts), so that the roles spread over the test workers.
ROLES = ["anonymous", "admin", "coordinator", "editor", "viewer"]


@pytest.mark.parametrize("who", ROLES)
def test_every_page_carries_the_headers_and_nothing_the_policy_blocks(world, who):
    user = world["accounts"].get(who)
    client = Client()
    if user:
        client.force_login(user)
    failures, pages, names = [], 0, set()
    for name, path in urls_of(world, user):
        if name in FILES and user:
            continue
        names.add(name)
        response = client.get(path, HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            pages += 1
        failures += [f"{path} ({response.status_code}): {p}" for p in page_problems(response)]
    assert not failures, f"{who}: {len(failures)} problems:\n" + "\n".join(failures[:60])
    # The walk reached the platform's pages, the admin's, the API's and its docs, and the role was
    # shown pages, not only refusals (the sample portfolio gives every role many).
    assert {"dashboard", "reports:progress", "projects:letter_file html", "admin:projects_project_change",
            "admin:projects_project_simple_history", "api:project-detail", "api_docs", "login"} <= names
    assert pages >= (5 if user is None else 100 if who == "admin" else 50), pages


def test_the_report_pages_style_carries_the_nonce_of_the_header(client, portfolio, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("reports:progress"), {"year": YEAR, "month": MONTH})
    page = response.content.decode()
    nonces = re.findall(r'<style nonce="([^"]+)">', page)
    assert nonces and len(set(nonces)) == 1
    assert f"'nonce-{nonces[0]}'" in parse_policy(response["Content-Security-Policy"])["style-src"]
    # A new nonce for every answer: a nonce seen once is no key to the next page.
    again = client.get(reverse("reports:progress"), {"year": YEAR, "month": MONTH})
    assert re.findall(r'<style nonce="([^"]+)">', again.content.decode())[0] != nonces[0]


def test_a_page_with_a_stale_or_missing_nonce_is_caught():
    """The checks themselves: what a strict policy would block is reported."""
    parser = InlineCode()
    parser.feed('<p style="color:red">x</p><select onchange="go()"></select>'
                '<a href="javascript:void(0)">x</a>'
                '<script>alert(1)</script><style>p{}</style><script src="https://cdn.example/x.js"></script>'
                '<style nonce="abc">p{}</style><script type="application/json">{}</script>')
    assert [p.split(":")[0] for p in parser.problems] == [
        "style attribute", "onchange attribute", "javascript", "<script> without the request's nonce",
        "<style> without the request's nonce", "script from another origin"]
    strict = "default-src 'self'; script-src 'self'; style-src 'self' 'nonce-xyz'; img-src 'self' data:; " \
             "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; " \
             "frame-ancestors 'none'"
    assert policy_problems(strict, {"xyz"}) == []
    assert policy_problems(strict, {"abc"})  # a page's nonce the header does not allow
    assert policy_problems(strict.replace("'self' 'nonce-xyz'", "'self' 'unsafe-inline'"), set())
    assert policy_problems(None, set()) == ["no Content-Security-Policy header"]


def _template_source_without_tags(text: str) -> str:
    text = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", "", text, flags=re.S)
    return re.sub(r"{#.*?#}|{%.*?%}|{{.*?}}", "x", text, flags=re.S)


def template_problems(text: str) -> list[str]:
    """What a strict policy would block in a template's HTML, whatever branch a request takes."""
    parser = InlineCode()
    parser.feed(_template_source_without_tags(text))
    return parser.problems


def test_no_template_served_to_a_browser_has_inline_code():
    problems = []
    for directory in TEMPLATE_DIRS:
        for path in sorted(directory.rglob("*.html")):
            name = path.relative_to(directory).as_posix()
            if name in PDF_ONLY_TEMPLATES:
                continue
            problems += [f"{name}: {p}" for p in template_problems(path.read_text(encoding="utf-8"))]
    assert not problems, "\n".join(problems)
    # And the check would see them.
    assert len(template_problems(
        '<td style="{{ x }}">{% if a %}<b onclick="{% url "x" %}">{% endif %}<style>a{}</style>')) == 3


def test_report_only_mode_sends_the_same_policy_without_enforcing_it():
    code = ("from django.conf import settings as s; "
            "print(s.CONTENT_SECURITY_POLICY, sorted(s.CONTENT_SECURITY_POLICY_REPORT_ONLY['DIRECTIVES']))")
    env = {**os.environ, "CSP_REPORT_ONLY": "1", "DJANGO_SETTINGS_MODULE": "portfolio.settings"}
    out = subprocess.run([sys.executable, "-c", "import django; django.setup(); " + code], env=env,
                         cwd=settings.BASE_DIR, capture_output=True, text=True, check=True).stdout
    assert out.startswith("None [") and "'script-src'" in out and "'frame-ancestors'" in out
