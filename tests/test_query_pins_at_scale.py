"""Every page and answer of the scale issue runs the same queries at a generated 20,000 projects as at 10.

The pinned counts of the other tests (tests/projects/test_lists.py, test_views.py, tests/reports/test_views.py,
tests/api/test_reports.py and test_queries.py, where they are explained) are checked here again on the
sample generator's portfolio of 20,000 projects × 6 months; the pages without a pin of their own (the
project page, the list's Excel export, the report's Word file) are compared between 10 and 20,000
projects. One test, one generated portfolio per size: generating 20,000 projects takes 10–20 s.
"""

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from portfolio.periods import Period
from portfolio.planner import refresh_statistics
from portfolio.policy import Role
from projects.closing import month_close
from projects.generator import generate_portfolio
from projects.models import Department, MonthlyReport, MonthSnapshot, PeriodLock, Project
from projects.reports.builders import build_progress_report
from tests.api.test_queries import LIST_QUERIES
from tests.api.test_reports import H1, PROGRESS, REPORT_JSON_QUERIES
from tests.helpers import make_user, token_client
from tests.projects.test_lists import LIST_PINS, add_a_long_overdue_milestone
from tests.projects.test_views import BULK_QUERIES, PAGE_PINS
from tests.reports.test_views import PROGRESS as REPORT_PAGE
from tests.reports.test_views import REPORT_QUERIES

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _counts(client, api, reader_api, editor, coordinator, count_queries) -> tuple[dict[str, int], dict[str, str]]:
    """The query count of every page and answer, as its pinned test asks it."""
    counts, described = {}, {}

    def count(key, call, status=200, warm=True):
        if warm:
            call()  # warm the session and the caches a first request fills
        with count_queries() as queries:
            response = call()
        if response is not None:
            assert response.status_code == status, (key, response.status_code)
        counts[key] = queries.count
        described[key] = queries.describe()

    for url, params, _expected in LIST_PINS:
        count(f"{url} {params}", lambda url=url, params=params: client.get(url, params))
    project = Project.objects.counted_in_year(2025).order_by("code").first()
    count("project page", lambda: client.get(reverse("projects:project_detail", args=[project.pk])))
    # The files of 20,000 projects take seconds each: they are counted once, after a page that warmed
    # what they read (the lists above for its export, the report page for the report's workbook).
    count("list export", lambda: client.get(reverse("projects:project_export"), {"year": 2025, "month": 6}),
          warm=False)
    count("report builder", lambda: build_progress_report(Project.objects.all(), Period(2025, 6)) and None)
    count("report page", lambda: client.get(REPORT_PAGE, {"year": 2025, "month": 6}))
    count("report xlsx", lambda: client.get(REPORT_PAGE, {"year": 2025, "month": 6, "format": "xlsx"}), warm=False)
    count("report JSON", lambda: api.get(PROGRESS, H1))
    for basename in LIST_QUERIES:
        for size in (50, 1000):
            count(f"API {basename} list, {size} rows",
                  lambda basename=basename, size=size: reader_api.get(reverse(f"api:{basename}-list"),
                                                                     {"page_size": size}))
    count("bulk entry", lambda: editor.get(reverse("projects:bulk_entry"), {"year": 2025, "month": 6}))
    # An editor's dashboard counts the department's reports still to do over every open month.
    count("editor's dashboard", lambda: editor.get(reverse("dashboard")))
    MonthlyReport.objects.filter(month=6).update(status="submitted")  # a review queue with reports in it
    for url_name, _expected in PAGE_PINS:
        count(url_name, lambda url_name=url_name: client.get(reverse(url_name)))
    # A closed month: its figures and the projects' attributes are read from the snapshot, joined.
    month_close(year=2025, month=5, acting_user=coordinator, waive_missing="generated portfolio")
    closed = {"year": 2025, "month": 5}
    count("closed month: dashboard", lambda: client.get(reverse("dashboard"), closed))
    count("closed month: red list", lambda: client.get(reverse("projects:project_list"), {**closed, "warning": "red"}))
    count("closed month: report page", lambda: client.get(REPORT_PAGE, closed))
    count("closed month: report JSON", lambda: api.get(PROGRESS, closed))
    return counts, described


def test_every_page_and_answer_runs_the_same_queries_at_10_and_20000_projects(
    report_data, client, count_queries, settings, monkeypatch
):
    # A session seen again after LAST_SEEN_RESOLUTION seconds is saved (three queries): the files of
    # 20,000 projects take longer than that on a busy machine, which is time, not size.
    monkeypatch.setattr("portfolio.middleware.LAST_SEEN_RESOLUTION", 24 * 3600)
    settings.PORTFOLIO_BACKGROUND_PROJECTS = 100_000  # the files render here, as at 10 projects
    coordinator = make_user("coordinator", Role.COORDINATOR)
    api = token_client(coordinator)
    reader_api = token_client(make_user("reader", Role.VIEWER))  # the API lists' pins are a viewer's
    measured, described = {}, {}
    for n in (10, 20_000):
        # The month closed at the smaller size is opened again: the lock and the snapshot go with it.
        PeriodLock.objects.all().delete()
        MonthSnapshot.objects.all().delete()
        generate_portfolio(projects=n, replace=True)
        if connection.vendor == "postgresql":
            # The planner's statistics of the rows just written (in this test's transaction, which
            # autovacuum cannot see): without them it plans nested loops over 120,000 reports.
            refresh_statistics()
        add_a_long_overdue_milestone()
        assert Project.objects.counted_in_year(2025).count() == n
        # A department of a few projects at both sizes, for its editor's bulk sheet.
        department = Department.objects.order_by("code").first()
        # Saved one by one, so that their history names the department at both sizes (the project page
        # reads the departments its history names in one query, none when it names none).
        for project in Project.objects.counted_in_year(2025).order_by("code")[:3]:
            project.lead_department = department
            project.save()
        editor = Client()
        editor.force_login(make_user(f"editor-{n}", Role.EDITOR, department=department))
        client.force_login(coordinator)
        measured[n], described[n] = _counts(client, api, reader_api, editor, coordinator, count_queries)

    differing = {key: (measured[10][key], measured[20_000][key])
                 for key in measured[10] if measured[10][key] != measured[20_000][key]}
    assert not differing, f"query counts at 10 and 20,000 projects: {differing}\n" + "\n".join(
        f"{key} at {n}:\n{described[n][key]}" for key in differing for n in measured)
    at_scale = measured[20_000]
    pins = {f"{url} {params}": expected for url, params, expected in LIST_PINS}
    pins |= dict(PAGE_PINS)
    pins |= {"report builder": REPORT_QUERIES[0], "report page": REPORT_QUERIES[1], "report xlsx": REPORT_QUERIES[2],
             "report JSON": REPORT_JSON_QUERIES, "bulk entry": BULK_QUERIES}
    # The generated portfolio locks no month: the period-lock list is empty, and an empty page is not read.
    pins |= {f"API {basename} list, {size} rows": queries for basename, queries in LIST_QUERIES.items()
             for size in (50, 1000) if basename != "period-lock"}
    assert {key: at_scale[key] for key in pins} == pins
