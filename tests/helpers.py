"""Helpers the tests share (not a test module: test modules import from here, never from each other)."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from indicators.models import Indicator, Observation, Target
from portfolio.policy import sync_role_groups
from projects.models import (
    Department,
    DepartmentMembership,
    Milestone,
    MonthlyReport,
    PeriodLock,
    Programme,
    Project,
)

PASSWORD = "pw-for-tests-123"


def make_user(username, role=None, department=None, **extra):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, **extra)
    if role:
        if not Group.objects.filter(name=str(role)).exists():
            sync_role_groups()  # a transactional test's flush removed the groups the migration made
        user.groups.add(Group.objects.get(name=str(role)))
    if department:
        DepartmentMembership.objects.create(user=user, department=department)
    return user


def date(text):
    return dt.date.fromisoformat(text)


# Database state: what a refused action must leave alone ------------------------------------------


def database_state(*, departments=False):
    """Everything a refused action must leave alone, history included (departments: for the API's writes)."""
    models = (Programme, Project, Milestone, MonthlyReport, PeriodLock, Indicator, Observation, Target)
    state = {m.__name__: list(m.objects.order_by("pk").values()) for m in models}
    for m in (Programme, Project, Milestone, MonthlyReport, PeriodLock, Observation, Target):
        state[f"{m.__name__}.history"] = m.history.count()
    state["co_departments"] = list(Project.co_departments.through.objects.order_by("pk").values())
    if departments:
        state["Department"] = list(Department.objects.order_by("pk").values())
    return state


# Query counts --------------------------------------------------------------------------------------


class QueryCounter:
    def __init__(self):
        self.context = CaptureQueriesContext(connection)

    def __enter__(self):
        self.context.__enter__()
        return self

    def __exit__(self, *exc):
        self.context.__exit__(*exc)

    @property
    def count(self):
        return len(self.context.captured_queries)

    def describe(self):
        return "\n".join(f"{i}. {q['sql']}" for i, q in enumerate(self.context.captured_queries, 1))

    def assert_count(self, expected: int, label: str = ""):
        """An exact count, printing every query on a mismatch (Zulip's assert_database_query_count)."""
        assert self.count == expected, (
            f"{label + ': ' if label else ''}{self.count} queries, expected {expected}\n{self.describe()}"
        )


# The API's clients -----------------------------------------------------------------------------------


def api_token(user) -> str:
    """A new API token of the user (knox's own issue: no per-user limit, tests make many clients)."""
    return AuthToken.objects.create(user=user)[1]


def token_client(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return client


def etag_of(client: APIClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response["ETag"]


def act(client: APIClient, report, action: str, body=None, **extra):
    """A workflow action as a client sends it: with If-Match, the ETag it read (none when it cannot read)."""
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


def planner_rows(conn, table: str) -> float | None:
    """PostgreSQL: the rows the planner believes ``table`` holds (-1 before any ANALYZE; inserts alone do
    not change it); None on SQLite."""
    if conn.vendor != "postgresql":
        return None
    with conn.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        return cursor.fetchone()[0]


def analyzed_columns(conn, table: str) -> int | None:
    """PostgreSQL: how many of ``table``'s columns have statistics (only ANALYZE writes them); None on SQLite."""
    if conn.vendor != "postgresql":
        return None
    with conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stats WHERE schemaname = current_schema() AND tablename = %s", [table])
        return cursor.fetchone()[0]
