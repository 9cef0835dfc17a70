"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright against the live test server."""

import contextlib
import os
import shutil

import pytest

# Playwright's sync API runs an event loop in the test thread; the test's own ORM calls are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def pytest_collection_modifyitems(items):
    """Every test here is a browser test, whether or not its module says so: `-m "not e2e"` skips them all."""
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here + os.sep):
            item.add_marker(pytest.mark.e2e)


# What the Content-Security-Policy blocks, a browser reports twice: a securitypolicyviolation event in
# the page and a console message ("Refused to apply inline style because it violates …"). Every
# context a test opens listens for both, and the test fails on any (pytest_runtest_call below).
CSP_LISTENER = """document.addEventListener("securitypolicyviolation", (e) => window.__cspViolation(
  `${e.effectiveDirective} refused ${e.blockedURI || "inline code"} (${e.sourceFile || document.URL}:${e.lineNumber})`
  + (e.sample ? ` ${e.sample}` : "")));"""


def _is_csp_message(text: str) -> bool:
    return text.startswith("Refused to") or "Content Security Policy" in text


class Violations(list):
    """What the policy refused in a test's pages, less what the test's own tools did."""

    def __init__(self):
        super().__init__()
        self.ignoring = 0

    def report(self, text: str) -> None:
        if not self.ignoring:
            self.append(text)

    @contextlib.contextmanager
    def ignored(self, page):
        """A tool's code in the page (axe-core re-parses stylesheets into <style> elements of its own,
        which the policy refuses): its violations are not the page's. The events it queued are let
        through before the block ends."""
        self.ignoring += 1
        try:
            yield
            page.evaluate("() => new Promise(done => setTimeout(done))")
        finally:
            self.ignoring -= 1


@pytest.fixture(autouse=True)
def csp_violations(request, browser, monkeypatch):
    """Every browser context of the test reports the policy's violations into this list (and carries
    it as context.csp_violations)."""
    violations = Violations()
    new_context = browser.new_context

    def on_console(message):
        if _is_csp_message(message.text):
            violations.report(f"{message.page.url if message.page else ''}: {message.text}")

    def listening_context(*args, **kwargs):
        context = new_context(*args, **kwargs)
        context.expose_binding("__cspViolation", lambda source, text: violations.report(f"{source['page'].url}: {text}"))
        context.add_init_script(CSP_LISTENER)
        context.on("console", on_console)
        context.csp_violations = violations
        return context

    monkeypatch.setattr(browser, "new_context", listening_context)
    request.node.csp_violations = violations
    return violations


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    violations = getattr(item, "csp_violations", None)
    if violations:
        pytest.fail("the Content-Security-Policy refused what a page needed:\n" + "\n".join(dict.fromkeys(violations)))
    return result


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is required for the browser tests: apt-get install chromium (make test installs it)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    contexts = []

    def make(username=None, password="pw-for-tests-123"):
        context = browser.new_context(viewport={"width": 1366, "height": 900}, base_url=live_server.url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        if username:
            page.goto("/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", password)
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server.url}/")
        return page

    yield make
    for context in contexts:
        context.close()
