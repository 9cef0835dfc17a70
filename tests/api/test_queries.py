"""Pinned query counts: every API list runs the same number of queries at 10 and at 1,000 projects."""

import pytest
from django.urls import reverse

from projects.models import Project
from projects.roles import Role
from tests.helpers import build_portfolio, make_user, token_client

pytestmark = pytest.mark.django_db

BASENAMES = ["department", "programme", "project", "milestone", "monthly-report", "indicator", "observation",
             "target", "period-lock"]
# Token lookup, role, count, page, plus one prefetch for the projects' co-departments.
PROJECT_LIST_QUERIES = 5


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
        assert q_small.count == q_large.count, f"{name}: 10 rows {q_small.count}, 1000 rows {q_large.count}\n" + \
            q_large.describe()
    assert large["project"][0].count == PROJECT_LIST_QUERIES, large["project"][0].describe()


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
