"""`make bench`: every page and answer of the platform at one district (434 projects) and at a province
(100,000 projects × 12 months), on PostgreSQL, side by side.

Not a test: a benchmark, run by hand (the machines are shared and noisy, so nothing here passes or
fails on a time). It builds the two portfolios in databases of their own (``bench_434`` and
``bench_100k`` on the server of ``BENCH_DATABASE_URL``, reused when they already hold the portfolio),
then measures each page in a process per database, with the production settings (DEBUG off,
persistent connections, the cache in Redis), signed in as a coordinator, after a warm-up run:
queries, median and minimum of the runs, and the ratio of the 100,000-project median to the
434-project one. It prints the table and writes it to ``docs/bench.md``.

    python -m bench.pages                    # both sizes, 5 runs each (make bench)
    python -m bench.pages --sizes 434 --runs 3
    python -m bench.pages --only dashboard list-red
    python -m bench.pages --skip report-pdf   # prints the table, leaves docs/bench.md as it is
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SERVER = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres").rsplit("/", 1)[0]
SIZES = {"434": None, "100k": 100_000}
MONTHS = 12
YEAR, MONTH = 2025, 12
# A month closed in both databases (on the first measure): its pages read the frozen snapshot, as the
# leaders' pages do by default once a month has closed.
CLOSED_MONTH = 11
OUT = ROOT / "docs" / "bench.md"
# A case whose run takes longer than this is measured by that one run (marked *), without a warm-up.
LONG_RUN = 20.0


@dataclass(frozen=True)
class Case:
    key: str
    label: str
    url: str = ""  # a GET through the whole stack (middleware, session, templates)
    call: str = ""  # or a function of this module, for what a worker does
    # Each run as the first request after a change of the data: nothing remembered (projects.remembered).
    cold: bool = False
    # Each run as the first request after a department saved a report of the open month (MONTH): what the
    # figures read of other tables is still remembered (projects.remembered).
    after_entry: bool = False


CASES = [
    Case("dashboard", "dashboard", "/?year={year}&month={month}"),
    Case("dashboard-closed", "dashboard, closed month", "/?year={year}&month={closed}"),
    Case("dashboard-cold", "dashboard, first view after a change", "/?year={year}&month={month}", cold=True),
    Case("dashboard-closed-cold", "dashboard, closed month, first view after a change",
         "/?year={year}&month={closed}", cold=True),
    Case("dashboard-closed-entry", "dashboard, closed month, after an entry of the open month",
         "/?year={year}&month={closed}", after_entry=True),
    Case("list", "project list", "/projects/?year={year}&month={month}"),
    Case("list-red", "project list, red warnings", "/projects/?year={year}&month={month}&warning=red"),
    Case("list-yellow", "project list, yellow warnings", "/projects/?year={year}&month={month}&warning=yellow"),
    Case("list-red-closed", "project list, red warnings, closed month",
         "/projects/?year={year}&month={closed}&warning=red"),
    Case("list-red-cold", "project list, red warnings, first view after a change",
         "/projects/?year={year}&month={month}&warning=red", cold=True),
    Case("list-rate", "project list sorted by rate", "/projects/?year={year}&month={month}&ordering=rate"),
    Case("list-deep", "project list, page 40", "/projects/?year={year}&month={month}&page=40"),
    Case("project", "project page", "/projects/{project}/"),
    Case("review", "review queue", "/projects/review/"),
    Case("bulk", "bulk entry, largest department", "/projects/bulk/?year={year}&month={month}&department={department}"),
    Case("milestones", "overdue milestones", "/projects/milestones/overdue/?year={year}&month={month}"),
    Case("report-html", "progress report page (HTML)", "/reports/progress/?year={year}&month={month}"),
    Case("report-json", "API report JSON", "/api/v1/reports/progress/?year={year}&month={month}"),
    Case("report-html-closed", "progress report page, closed month", "/reports/progress/?year={year}&month={closed}"),
    Case("report-html-cold", "progress report page, first view after a change",
         "/reports/progress/?year={year}&month={month}", cold=True),
    Case("report-html-closed-cold", "progress report page, closed month, first view after a change",
         "/reports/progress/?year={year}&month={closed}", cold=True),
    Case("report-html-closed-entry", "progress report page, closed month, after an entry of the open month",
         "/reports/progress/?year={year}&month={closed}", after_entry=True),
    Case("report-html-closed-dept-cold",
         "progress report page, closed month, largest department, first view after a change",
         "/reports/progress/?year={year}&month={closed}&lead_department={department}", cold=True),
    # A list of more than PORTFOLIO_BACKGROUND_PROJECTS projects is written by the worker: its file, as the worker writes it.
    Case("export", "project list Excel export (worker at 100k)", call="list_xlsx"),
    Case("api-50", "API project list, 50 rows", "/api/v1/projects/"),
    Case("api-50-floor", "  bare .values() JSON, 50 rows", "/bench/values/?page_size=50"),
    Case("api-1000", "API project list, 1,000 rows", "/api/v1/projects/?page_size=1000"),
    Case("api-1000-floor", "  bare .values() JSON, 1,000 rows", "/bench/values/?page_size=1000"),
    Case("report-data", "report data phase", call="report_data", cold=True),
    Case("report-floor", "  hand-written SQL GROUP BY floor", call="report_floor"),
    Case("report-xlsx", "progress report Excel (worker)", call="report_xlsx", cold=True),
    Case("report-docx", "progress report Word (worker)", call="report_docx", cold=True),
    Case("report-pdf", "progress report PDF without appendix (worker)", call="report_pdf", cold=True),
]
RATIOS = [("api-50", "api-50-floor"), ("api-1000", "api-1000-floor"), ("report-data", "report-floor")]


# Building the databases ---------------------------------------------------------------------------


def database_url(size: str) -> str:
    return f"{SERVER}/bench_{size}"


def ensure_database(size: str) -> None:
    """Create, migrate and fill ``bench_<size>`` unless it already holds the portfolio."""
    from bench.load import ensure_postgres_database, vacuum_analyze

    ensure_postgres_database(database_url(size))
    env = {**os.environ, "DATABASE_URL": database_url(size), "DEBUG": "1", "DEMO": "0"}
    manage = [PYTHON, "manage.py"]
    run = {"cwd": ROOT, "env": env, "check": True}
    subprocess.run([*manage, "migrate", "--no-input", "-v0"], **run, stdout=subprocess.DEVNULL)
    subprocess.run([*manage, "load_report_data", "-v0"], **run, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    generate = [*manage, "generate_portfolio", "--months", str(MONTHS)]
    if SIZES[size]:
        generate += ["--projects", str(SIZES[size])]
    started = time.perf_counter()
    output = subprocess.run(generate, **run, capture_output=True, text=True).stdout
    if "already loaded" not in output:
        print(f"bench_{size}: portfolio generated in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        vacuum_analyze(database_url(size))


# Measuring, in a process per database ------------------------------------------------------------


def values_floor(request):
    """The API list's rows as a bare ``.values()`` JsonResponse: the floor the API is compared with. The
    same rows and columns as the API's answer (its own fields and the joined summaries' columns), no
    nesting, no conversion, no co-departments."""
    from django.http import JsonResponse

    from portfolio.api_rows import ValuesRepresentation
    from projects.api.serializers import ProjectSerializer
    from projects.api.views import ProjectViewSet
    from projects.models import Project

    columns = ValuesRepresentation(ProjectSerializer(), ProjectViewSet.values_list_computed).columns
    size = int(request.GET.get("page_size", 50))
    rows = list(Project.objects.order_by("code", "pk").values(*columns)[:size])
    return JsonResponse({"count": Project.objects.count(), "results": rows})


def urlpatterns_with_floor():
    from django.urls import path

    from portfolio import urls

    return [path("bench/values/", values_floor), *urls.urlpatterns]


urlpatterns: list = []


def _period():
    from portfolio.periods import Period

    return Period(YEAR, MONTH)


def report_data():
    from projects.models import Project
    from projects.reports.builders import build_progress_report

    return build_progress_report(Project.objects.all(), _period())


def report_floor():
    """The report's sums and counts by programme, department, category, town and status, one
    hand-written query each: year to date is the latest approved report up to the month."""
    from django.db import connection

    sql = """
        WITH latest AS (
            SELECT DISTINCT ON (r.project_id) r.project_id, r.completed_ytd
            FROM projects_monthlyreport r
            WHERE r.status = 'approved' AND r.year = %(year)s AND r.month <= %(month)s
            ORDER BY r.project_id, r.month DESC
        ), this_month AS (
            SELECT r.project_id, r.completed_month FROM projects_monthlyreport r
            WHERE r.status = 'approved' AND r.year = %(year)s AND r.month = %(month)s
        )
        SELECT {group}, count(*), sum(coalesce(p.annual_plan, p.sample_annual_plan)),
               sum(latest.completed_ytd), sum(this_month.completed_month)
        FROM projects_project p
        JOIN projects_programme g ON g.id = coalesce(p.programme_id, p.sample_programme_id)
        LEFT JOIN latest ON latest.project_id = p.id
        LEFT JOIN this_month ON this_month.project_id = p.id
        WHERE g.year = %(year)s
        GROUP BY {group}
    """
    groups = ["g.id", "p.lead_department_id", "p.category", "p.town_id", "p.status"]
    with connection.cursor() as cursor:
        for group in groups:
            cursor.execute(sql.format(group=group), {"year": YEAR, "month": MONTH})
            cursor.fetchall()


def _render(fmt: str, appendix: bool = True):
    from projects.reports.renderers import render_progress

    return render_progress(report_data(), fmt, html_context={"show_appendix": appendix}).content


def list_xlsx():
    from django.contrib.auth import get_user_model
    from django.http import QueryDict

    from projects.reports.listing import list_file, project_listing

    user = get_user_model().objects.get(username="bench-coordinator")
    content, _names = list_file(project_listing(user, QueryDict(f"year={YEAR}&month={MONTH}")))
    return content


def report_xlsx():
    """The workbook as the worker writes it: its lists streamed, to a temporary file (its size returned)."""
    import tempfile

    from projects.models import Project
    from projects.reports.builders import build_progress_report
    from projects.reports.renderers import save_progress_xlsx
    from projects.reports.structure import STREAMED

    with tempfile.TemporaryFile() as out:
        save_progress_xlsx(build_progress_report(Project.objects.all(), _period(), page=STREAMED), out)
        return out.tell()


def report_docx():
    return _render("docx")


def report_pdf():
    from projects.reports.renderers import pdf

    with pdf.background_rendering():
        return _render("pdf", appendix=False)


def measure(size: str, runs: int, only: list[str], skip: list[str]) -> list[dict]:
    """Each case: a warm-up run, then ``runs`` timed runs; a case whose run takes over LONG_RUN seconds is
    measured by that one run."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from portfolio.policy import Role, sync_role_groups
    from projects.closing import month_close
    from projects.models import Department, MonthlyReport, PeriodLock, Project
    from projects.remembered import forget

    urlpatterns[:] = urlpatterns_with_floor()
    settings.ROOT_URLCONF = __name__
    sync_role_groups()
    user, _created = django.contrib.auth.get_user_model().objects.get_or_create(username="bench-coordinator")
    user.groups.add(Group.objects.get(name=str(Role.COORDINATOR)))
    if not PeriodLock.objects.filter(year=YEAR, month=CLOSED_MONTH).exists():
        month_close(year=YEAR, month=CLOSED_MONTH, acting_user=user,
                    waive_missing="bench: the generated portfolio's months without a report")
        with connection.cursor() as cursor:  # as autovacuum would after the copy: index-only scans
            cursor.execute("VACUUM ANALYZE projects_snapshotproject, projects_snapshotreport")
    client = Client()
    client.force_login(user)
    largest = (Department.objects.annotate(n=Count("projects_led")).order_by("-n", "pk").first())
    project = Project.objects.filter(milestones__isnull=False, lead_department__isnull=False).order_by("pk").first()
    values = {"year": YEAR, "month": MONTH, "closed": CLOSED_MONTH, "department": largest.pk, "project": project.pk}
    entry = MonthlyReport.objects.filter(year=YEAR, month=MONTH).order_by("pk").first()

    results = []
    for case in CASES:
        if (only and case.key not in only) or case.key in skip:
            continue
        if case.url:
            url = case.url.format(**values)

            def once(url=url):
                response = client.get(url)
                if response.status_code != 200:
                    raise RuntimeError(f"{url}: {response.status_code}")
                content = response.getvalue() if response.streaming else response.content
                return len(content)
        else:
            function = globals()[case.call]

            def once(function=function):
                result = function()
                if isinstance(result, int):  # a file written to disk: its size
                    return result
                return len(result) if isinstance(result, bytes | str) else 0

        timings, size_bytes, queries = [], 0, 0
        for run in range(runs + 1):
            if case.cold:
                forget()
            if case.after_entry:
                entry.save()  # as a department's save: the report and a history row written, the same figures
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                size_bytes = once()
                elapsed = time.perf_counter() - started
            queries = len(captured.captured_queries)
            if run == 0 and elapsed <= LONG_RUN:
                continue  # a warm-up: templates, translations, the connection, PostgreSQL's plans
            timings.append(elapsed)
            if elapsed > LONG_RUN:
                break  # one run of a long case is its measure (the first one, when it takes that long)
        results.append({"key": case.key, "median": statistics.median(timings), "min": min(timings),
                        "runs": len(timings), "queries": queries, "bytes": size_bytes})
        print(f"  {size} {case.key}: {statistics.median(timings):.3f} s (min {min(timings):.3f}, {len(timings)} runs), "
              f"{queries} queries", file=sys.stderr)
    return results


def measure_in_process(size: str, runs: int, only: list[str], skip: list[str]) -> list[dict]:
    from bench.load import production_environment

    with tempfile.TemporaryDirectory() as tmp:
        env = production_environment(
            tmp, os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"),
            DATABASE_URL=database_url(size), ALLOWED_HOSTS="testserver", CONN_MAX_AGE="600",
            PORTFOLIO_RENDER_RATE="100000",
        )
        subprocess.run([PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
        done = subprocess.run(
            [PYTHON, "-m", "bench.pages", "--measure", size, "--runs", str(runs), "--only", *only, "--skip", *skip],
            cwd=ROOT, env=env, check=True, stdout=subprocess.PIPE, text=True,
        )
    return json.loads(done.stdout)


# The table ------------------------------------------------------------------------------------------


def table(results: dict[str, list[dict]]) -> str:
    sizes = list(results)
    by_key = {size: {row["key"]: row for row in rows} for size, rows in results.items()}
    head = ["page or answer"]
    for size in sizes:
        head += [f"{size}: queries", f"{size}: median s", f"{size}: min s"]
    if len(sizes) == 2:
        head.append(f"{sizes[1]} ÷ {sizes[0]}")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for case in CASES:
        if not any(case.key in by_key[size] for size in sizes):
            continue
        cells = [case.label]
        for size in sizes:
            row = by_key[size].get(case.key)
            if row is None:
                cells += ["", "", ""]
                continue
            mark = "*" if row["runs"] == 1 else ""
            cells += [str(row["queries"]), f"{row['median']:.3f}{mark}", f"{row['min']:.3f}"]
        if len(sizes) == 2 and all(case.key in by_key[size] for size in sizes):
            small, large = (by_key[size][case.key]["median"] for size in sizes)
            cells.append(f"{large / small:.1f}×")
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for size in sizes:
        ratios = []
        for measured, floor in RATIOS:
            if measured in by_key[size] and floor in by_key[size]:
                ratio = by_key[size][measured]["median"] / by_key[size][floor]["median"]
                ratios.append(f"{measured} ÷ {floor} = {ratio:.1f}×")
        if ratios:
            lines.append(f"- {size}: " + "; ".join(ratios))
    lines.append(f"- `*`: one run, no warm-up (a run takes over {LONG_RUN:.0f} s).")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=list(SIZES))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", nargs="*", default=[], choices=[c.key for c in CASES])
    parser.add_argument("--skip", nargs="*", default=[], choices=[c.key for c in CASES],
                        help="cases to leave out (the 100,000-project PDF runs for over 20 minutes)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.runs, args.only, args.skip)))
        return 0
    results = {}
    for size in args.sizes:
        ensure_database(size)
        results[size] = measure_in_process(size, args.runs, args.only, args.skip)
    text = table(results)
    print(text)
    if not args.only and not args.skip:
        stamp = time.strftime("%Y-%m-%d %H:%M")
        args.out.write_text(
            f"# Benchmarks\n\nWritten by `make bench` (bench/pages.py) on {stamp}: PostgreSQL, production settings, "
            f"signed in as a coordinator, {args.runs} runs after a warm-up; seconds.\n\n{text}",
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
