"""Shared fixtures: the report data and sample portfolio, role users, the permission world, query counts."""

import contextlib
import datetime as dt
import sys
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import translation

from indicators.models import Indicator, Observation, Target
from portfolio.datasets import load_report_data
from portfolio.policy import Role
from projects.generator import generate_portfolio
from projects.models import Department, Milestone, MonthlyReport, Programme, Project
from tests.helpers import QueryCounter, make_user
from tests.snapshots import capture

# The schemathesis case count, printed at the end of every run (CI's log keeps it). Under xdist the
# fuzz tests run in workers: each hands its counts to the controller, which prints the sum.
_FUZZ_CASES: dict[str, int] = {}


def _fuzz_totals() -> dict[str, int]:
    fuzz = sys.modules.get("tests.api.test_fuzz")
    return dict(getattr(fuzz, "TOTALS", None) or {})


def pytest_sessionfinish(session):
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["fuzz_cases"] = _fuzz_totals()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    _FUZZ_CASES.update(getattr(node, "workeroutput", {}).get("fuzz_cases", {}))


def pytest_terminal_summary(terminalreporter):
    totals = {**_FUZZ_CASES, **_fuzz_totals()}
    if totals:
        runs = ", ".join(f"{name} {count}" for name, count in sorted(totals.items()))
        terminalreporter.write_line(f"schemathesis: {sum(totals.values())} cases ({runs})")


@pytest.fixture(autouse=True)
def default_language():
    """Every test starts in the default language: a request in English leaves English active in the thread."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Tests create many users; the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def pdf_in_one_process(settings):
    """PDFs render in the test's process: with a test worker on every core, laying out the appendix
    in another process only adds a spawned interpreter and the merge. The tests of the worker
    (tests/reports/test_renderers.py) switch it on themselves."""
    settings.PORTFOLIO_PDF_WORKER = False


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts with an empty cache: throttle and render counts of one test never refuse another's."""
    from django.core.cache import cache

    cache.clear()
    yield


# The report fixtures and the sample portfolio are built once per run (per xdist worker), in a
# transaction that is rolled back, and their rows inserted again in each test that asks for them.
# Why not keep them in the base test database: most tests start from an empty database and count
# rows globally, and transactional tests (browser tests with live_server) flush every table. Why
# not hold a transaction open across tests: a transactional test in between ends it. Restoring
# the rows costs about 0.15 s; building them cost seconds. The details are in tests/snapshots.py.
@pytest.fixture(scope="session")
def report_data_snapshot(django_db_setup, django_db_blocker):
    """The rows load_report_data() writes, captured once per run (tests/snapshots.py says why)."""
    with django_db_blocker.unblock():
        return capture("report_data", load_report_data)


@pytest.fixture(scope="session")
def portfolio_snapshot(report_data_snapshot, django_db_setup, django_db_blocker):
    """What generate_portfolio() writes on top of the report fixtures, captured once per run."""
    with django_db_blocker.unblock():
        return capture("portfolio", generate_portfolio, base=report_data_snapshot)


@pytest.fixture(scope="session")
def sized_portfolio_snapshots(report_data_snapshot, django_db_setup, django_db_blocker):
    """The sample portfolio at 10 and at 1,000 projects, for the query counts pinned at both sizes."""
    with django_db_blocker.unblock():
        return {n: capture(f"portfolio of {n}", lambda n=n: generate_portfolio(projects=n), base=report_data_snapshot)
                for n in (10, 1000)}


@pytest.fixture
def report_data(db, report_data_snapshot):
    """The report fixtures, as `make run` loads them (the same rows, restored rather than loaded)."""
    report_data_snapshot.restore()


@pytest.fixture
def portfolio(report_data, portfolio_snapshot):
    """The report fixtures and the itemised sample portfolio of 2025-H1 (434 projects, months 1-6)."""
    portfolio_snapshot.restore()


@pytest.fixture
def portfolio_of_size(report_data, sized_portfolio_snapshots):
    """`with portfolio_of_size(n): ...`: the sample portfolio of n projects (10 or 1,000) until the block ends.

    The block runs in a savepoint that is rolled back, so the next size starts from the report data alone.
    """

    @contextlib.contextmanager
    def of_size(n):
        with contextlib.suppress(_Rollback), transaction.atomic():
            sized_portfolio_snapshots[n].restore()
            yield
            raise _Rollback

    return of_size


class _Rollback(Exception):
    pass


@pytest.fixture
def department(db):
    return Department.objects.create(code="test-dept", name="测试单位", kind="bureau")


@pytest.fixture
def other_department(db):
    return Department.objects.create(code="test-other", name="另一单位", kind="town")


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.org", "pw-for-tests-123")


@pytest.fixture
def coordinator(db):
    return make_user("coord", Role.COORDINATOR, is_staff=True)


@pytest.fixture
def editor(department):
    return make_user("editor", Role.EDITOR, department, is_staff=True)


@pytest.fixture
def viewer(db):
    return make_user("viewer", Role.VIEWER, is_staff=True)


@pytest.fixture
def count_queries():
    """Use as `with count_queries() as q: ...; q.count`, and `q.describe()` in assertion messages."""
    return QueryCounter


# The permission world of the service, API and report matrices -----------------------------------


@dataclass
class World:
    users: dict
    programme: Programme
    projects: dict  # "own"/"other" -> Project (own = the editor's department leads it)
    milestones: dict
    approved: dict  # month 1, approved
    submitted: dict  # month 2, submitted by the editor of that department
    drafts: dict  # month 3, draft
    indicator: Indicator


@pytest.fixture
def world(department, other_department):
    users = {
        "viewer": make_user("viewer", Role.VIEWER),
        "editor": make_user("editor", Role.EDITOR, department),
        "other_editor": make_user("other_editor", Role.EDITOR, other_department),
        "coordinator": make_user("coordinator", Role.COORDINATOR),
        "administrator": make_user("administrator", Role.ADMINISTRATOR),
    }
    programme = Programme.objects.create(year=2025, level="district", name="2025年区重点项目")
    projects, milestones, drafts, submitted, approved = {}, {}, {}, {}, {}
    for side, dept, author in (("own", department, users["editor"]), ("other", other_department, users["other_editor"])):
        p = Project.objects.create(
            programme=programme, code=f"P-{side}", name=f"项目{side}", lead_department=dept,
            annual_plan=Decimal("1000"), total_investment=Decimal("5000"),
        )
        projects[side] = p
        milestones[side] = Milestone.objects.create(project=p, kind="start", planned_date=dt.date(2025, 3, 1))
        approved[side] = MonthlyReport.objects.create(
            project=p, year=2025, month=1, completed_month=Decimal(10), completed_ytd=Decimal(10),
            status="approved", created_by=author, submitted_by=author,
        )
        submitted[side] = MonthlyReport.objects.create(
            project=p, year=2025, month=2, completed_month=Decimal(5), completed_ytd=Decimal(15),
            status="submitted", created_by=author, submitted_by=author,
        )
        drafts[side] = MonthlyReport.objects.create(
            project=p, year=2025, month=3, completed_month=Decimal(5), completed_ytd=Decimal(20), created_by=author,
        )
    indicator = Indicator.objects.create(code="gdp", name="地区生产总值", unit="亿元")
    Observation.objects.create(indicator=indicator, period_start=dt.date(2025, 1, 1),
                               period_end=dt.date(2025, 6, 30), value=Decimal("1532.8"))
    Target.objects.create(indicator=indicator, year=2025, value=Decimal("3000"))
    return World(users=users, programme=programme, projects=projects, milestones=milestones, drafts=drafts,
                 submitted=submitted, approved=approved, indicator=indicator)
