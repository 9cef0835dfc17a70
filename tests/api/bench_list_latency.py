"""Latency of the API project list beside a minimal JsonResponse view over .values(), same data, same run.

Not a test (pytest collects only test_*.py): run it by hand, on SQLite or PostgreSQL.

    .venv/bin/python -m tests.api.bench_list_latency [--projects 1000] [--rounds 30]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portfolio .venv/bin/python -m tests.api.bench_list_latency

It creates a throw-away test database, loads the report data, generates the sample portfolio with
the given number of projects, then times, interleaved, GET /api/v1/projects/ (one page of 1,000 and
the default page of 50, token-authenticated, full middleware) and GET /minimal/projects/ (one query
with the same joins, .values(), JsonResponse), and prints the medians and their ratio.
"""

import argparse
import os
import statistics
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portfolio.settings")

PROJECT_VALUES = (
    "id", "code", "name", "programme_id", "programme__name", "category", "location", "town_id", "town__name",
    "lead_department_id", "lead_department__name", "status", "total_investment", "annual_plan", "planned_start",
    "actual_start", "planned_completion", "actual_completion", "progress_summary", "version",
)


def minimal_projects(request):
    from django.http import JsonResponse

    from projects.models import Project

    rows = list(Project.objects.order_by("code", "pk").values(*PROJECT_VALUES))
    return JsonResponse({"count": len(rows), "results": rows})


def _urlpatterns():
    from django.urls import include, path

    return [path("api/", include("portfolio.api_urls")), path("minimal/projects/", minimal_projects)]


urlpatterns = []  # filled in main(), once Django is set up


def timed(client, url, **headers) -> float:
    started = time.perf_counter()
    response = client.get(url, headers=headers)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.content[:500]
    return elapsed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args(argv)

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment
    from knox.models import AuthToken

    from portfolio.datasets import load_report_data
    from portfolio.policy import Role
    from projects.generator import generate_portfolio
    from projects.models import Project
    from tests.helpers import make_user

    urlpatterns[:] = _urlpatterns()
    setup_test_environment()
    settings.DATABASES["default"].setdefault("TEST", {})
    if connection.vendor == "postgresql":
        settings.DATABASES["default"]["TEST"]["NAME"] = "test_portfolio_bench"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        load_report_data()
        generate_portfolio(projects=args.projects)
        count = Project.objects.count()
        user = make_user("bench-viewer", Role.VIEWER)
        token = AuthToken.objects.create(user=user)[1]
        client = Client()
        auth = {"Authorization": f"Token {token}"}
        cases = {
            f"API /api/v1/projects/?page_size={count}": (f"/api/v1/projects/?page_size={count}", auth),
            "API /api/v1/projects/ (page of 50)": ("/api/v1/projects/", auth),
            f"minimal .values() JsonResponse ({count} rows)": ("/minimal/projects/", {}),
        }
        times = {name: [] for name in cases}
        with override_settings(ROOT_URLCONF=__name__, DEBUG=False):
            for _warm_up in range(3):
                for url, headers in cases.values():
                    timed(client, url, **headers)
            for _round in range(args.rounds):
                for name, (url, headers) in cases.items():  # interleaved: drift hits every case alike
                    times[name].append(timed(client, url, **headers))
        print(f"database: {connection.vendor}; projects: {count}; rounds: {args.rounds}")
        medians = {}
        for name, samples in times.items():
            medians[name] = statistics.median(samples)
            p90 = sorted(samples)[int(0.9 * (len(samples) - 1))]
            print(f"  {name:<48} median {medians[name] * 1000:8.1f} ms   p90 {p90 * 1000:8.1f} ms")
        api_full, api_page, minimal = medians.values()
        print(f"  ratio API full list / minimal view: {api_full / minimal:.1f}x")
        print(f"  ratio API page of 50 / minimal view ({count} rows): {api_page / minimal:.2f}x")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
