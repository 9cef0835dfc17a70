"""Pinned query counts: every API list runs the same number of queries at 10 and at 1,000 projects."""

import pytest
from django.urls import reverse

from portfolio.policy import Role
from projects.models import Project
from tests.helpers import build_portfolio, make_user, token_client

pytestmark = pytest.mark.django_db

# Queries of each list, whatever the number of rows: the token lookup (with its user), the user's
# roles, the count and the page; the project list adds one prefetch for the co-departments.
LIST_QUERIES = {
    "department": 4, "programme": 4, "project": 5, "milestone": 4, "monthly-report": 4, "indicator": 4,
    "observation": 4, "target": 4, "period-lock": 4,
}
BASENAMES = list(LIST_QUERIES)
PROJECT_LIST_QUERIES = LIST_QUERIES["project"]


def list_queries(client, basename, count_queries, **params):
    with count_queries() as queries:
        response = client.get(reverse(f"api:{basename}-list"), params)
    assert response.status_code == 200, response.content
    return queries, response.json()


@pytest.mark.parametrize("page_size", [50, 1000])
def test_list_query_counts_do_not_grow_from_10_to_1000_projects(db, count_queries, page_size):
    client = token_client(make_user("reader", Role.VIEWER))
    build_portfolio(10)
    small = {name: list_queries(client, name, count_queries, page_size=page_size) for name in BASENAMES}
    build_portfolio(990, start=10)
    large = {name: list_queries(client, name, count_queries, page_size=page_size) for name in BASENAMES}
    assert small["project"][1]["count"] == 10 and large["project"][1]["count"] == 1000
    assert len(large["project"][1]["results"]) == min(page_size, 1000)
    for name in BASENAMES:
        (q_small, _), (q_large, _) = small[name], large[name]
        q_small.assert_count(LIST_QUERIES[name], f"{name} at 10 rows")
        q_large.assert_count(LIST_QUERIES[name], f"{name} at 1000 rows")


def test_filtered_and_searched_project_lists_keep_their_count(db, count_queries):
    client = token_client(make_user("reader", Role.VIEWER))
    build_portfolio(10)
    params = {"category": "industry", "search": "批量", "ordering": "-annual_plan"}
    small, _ = list_queries(client, "project", count_queries, **params)
    build_portfolio(990, start=10)
    large, body = list_queries(client, "project", count_queries, **params)
    assert body["count"] == Project.objects.filter(category="industry").count() > 200
    assert small.count == large.count == PROJECT_LIST_QUERIES, large.describe()


def test_a_detail_read_is_a_fixed_handful_of_queries(db, count_queries):
    client = token_client(make_user("reader", Role.VIEWER))
    project = build_portfolio(3)[0]
    with count_queries() as queries:
        response = client.get(reverse("api:project-detail", args=[project.pk]))
    assert response.status_code == 200
    assert queries.count <= 4, queries.describe()
