"""Time and queries of importing the project list: preview and apply of N new rows, then the re-import.

Not a test (pytest collects only test_*.py): run it by hand, on SQLite or PostgreSQL.

    .venv/bin/python -m tests.imports.bench_import [--rows 1000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portfolio .venv/bin/python -m tests.imports.bench_import

It creates a throw-away test database, loads the report data and a coordinator, then reads, previews
and applies a sheet of N new projects (every column filled, co-departments included), then previews
and applies the same file again (no change), printing the seconds and the queries of each step
(savepoints counted apart: each row runs in its own).
"""

import argparse
import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portfolio.settings")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1000)
    args = parser.parse_args(argv)
    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from portfolio.datasets import load_report_data
        from portfolio.policy import Role
        from projects.imports import services
        from tests.helpers import make_user
        from tests.imports.helpers import project_sheet

        load_report_data()
        user = make_user("bench-coordinator", Role.COORDINATOR)
        kind = services.KINDS["projects"]
        data = project_sheet(args.rows, co="白云区民政局、钟落潭镇")
        print(f"{connection.vendor}, {args.rows} rows, {len(data):,} bytes")
        for label in ("new", "unchanged"):
            started = time.perf_counter()
            table, mapping = services.read(kind, data, name="bench.xlsx")
            read_s = time.perf_counter() - started
            for step in (services.preview, services.apply):
                connection.queries_log.clear()
                with CaptureQueriesContext(connection) as queries:
                    connection.queries_log = __import__("collections").deque(maxlen=10**7)
                    started = time.perf_counter()
                    plan = step(kind, table, mapping, acting_user=user, file_name="bench.xlsx")
                    seconds = time.perf_counter() - started
                sql = [q["sql"] for q in queries.captured_queries]
                savepoints = sum(1 for q in sql if "SAVEPOINT" in q)
                print(f"{label:9} read {read_s:5.2f} s  {step.__name__:7} {seconds:6.2f} s  "
                      f"{len(sql) - savepoints:6} queries + {savepoints} savepoint statements  {dict(plan.counts)}"
                      f"{'  applied' if plan.applied else ''}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
