"""Fixtures of the API tests: the permission world of the service matrix, token clients, ETag helpers."""

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.projects.test_permissions import world  # noqa: F401  (the same world as the service matrix)


def pytest_configure(config):
    # Until pyproject.toml declares it (--strict-markers refuses unknown marks).
    config.addinivalue_line("markers", "fuzz: schemathesis run against the OpenAPI schema (bounded)")


def pytest_terminal_summary(terminalreporter):
    """Print the schemathesis case count at the end of every run (CI's log keeps it)."""
    import sys

    fuzz = sys.modules.get("tests.api.test_fuzz")
    totals = getattr(fuzz, "TOTALS", None)
    if totals:
        runs = ", ".join(f"{name} {count}" for name, count in sorted(totals.items()))
        terminalreporter.write_line(f"schemathesis: {sum(totals.values())} cases ({runs})")


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """The token endpoint's throttle counts live in the cache; each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


def token_client(user) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _created = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api_client():
    """`api_client(user)`: a client authenticated with the user's token (anonymous for None)."""
    return token_client


def etag_of(client: APIClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response["ETag"]


def act(client: APIClient, report, action: str, body=None, **extra):
    """A workflow action as a client sends it: with If-Match, the ETag it read (none when it cannot read)."""
    from django.urls import reverse

    detail = reverse("api:monthly-report-detail", args=[report.pk])
    read = client.get(detail)
    if read.status_code == 200:
        extra.setdefault("HTTP_IF_MATCH", read["ETag"])
    name = "return" if action == "return" else action
    return client.post(reverse(f"api:monthly-report-{name}", args=[report.pk]),
                       {} if body is None else body, format="json", **extra)


def build_portfolio(n: int, *, start: int = 0):
    """n projects with departments, a town, a co-department, a milestone and a monthly report each.

    Rows are bulk-created: the 1,000-project case of the query-count tests takes well under a second.
    """
    import datetime as dt
    from decimal import Decimal

    from indicators.models import Indicator, Observation, Target
    from projects.models import Department, Milestone, MonthlyReport, PeriodLock, Programme, Project

    departments = list(Department.objects.filter(code__startswith="bulk-").order_by("pk"))
    if not departments:
        departments = Department.objects.bulk_create([
            Department(code=f"bulk-{i}", name=f"批量单位{i}", kind=["bureau", "town", "street", "state_owned"][i % 4])
            for i in range(8)
        ])
    towns = [d for d in departments if d.kind in ("town", "street")]
    programme, _created = Programme.objects.get_or_create(year=2025, level="city", defaults={"name": "2025年市重点项目"})
    categories = ["industry", "transport", "municipal", "social"]
    statuses = ["preparation", "implementation", "completion", ""]
    projects = Project.objects.bulk_create([
        Project(
            programme=programme, code=f"B{start + i:05d}", name=f"批量项目{start + i:05d}",
            category=categories[i % 4], status=statuses[i % 4], lead_department=departments[i % len(departments)],
            town=towns[i % len(towns)], annual_plan=Decimal(100 + i), total_investment=Decimal(1000 + i),
            is_synthetic=True,
        )
        for i in range(n)
    ])
    Project.co_departments.through.objects.bulk_create([
        Project.co_departments.through(project_id=p.pk, department_id=departments[(i + 1) % len(departments)].pk)
        for i, p in enumerate(projects)
    ])
    Milestone.objects.bulk_create([
        Milestone(project=p, kind="start", planned_date=dt.date(2025, 1 + i % 12, 1)) for i, p in enumerate(projects)
    ])
    MonthlyReport.objects.bulk_create([
        MonthlyReport(project=p, year=2025, month=6, completed_month=Decimal(i % 50), completed_ytd=Decimal(i % 50))
        for i, p in enumerate(projects)
    ])
    indicators = Indicator.objects.bulk_create([
        Indicator(code=f"bulk-ind-{start + i}", name=f"批量指标{start + i}") for i in range(n)
    ])
    Observation.objects.bulk_create([
        Observation(indicator=ind, period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 6, 30), value=Decimal(1))
        for ind in indicators
    ])
    Target.objects.bulk_create([Target(indicator=ind, year=2025, value=Decimal(2)) for ind in indicators])
    PeriodLock.objects.bulk_create([
        PeriodLock(year=1000 + (start + i) // 12, month=(start + i) % 12 + 1) for i in range(n)
    ])
    Programme.objects.bulk_create([
        Programme(year=2100 - (start + i) // 2 % 100, level=["district", "city"][(start + i) % 2],
                  name=f"批量计划{start + i}", lead_department=departments[0])
        for i in range(min(n, 40))
    ], ignore_conflicts=True)
    return projects
