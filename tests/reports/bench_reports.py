"""Time of the progress report's data phase and of each format, on a throw-away database.

Not a test (pytest collects only test_*.py): run it by hand, on SQLite or PostgreSQL.

    .venv/bin/python -m tests.reports.bench_reports [--projects 434] [--months 6] [--rounds 3]
    .venv/bin/python -m tests.reports.bench_reports --projects 10000 --months 12 --rounds 1 --formats data html xlsx

It loads the report data, generates the sample portfolio (the default is the 2025-H1 portfolio
that reconciles with the report), then times, in one process after a warm-up, the builders (data,
narrative and indicators included) and each renderer, and prints the best and the median.
"""

import argparse
import os
import statistics
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portfolio.settings")
FORMATS = ("data", "html", "xlsx", "docx", "pdf", "pdf-no-appendix")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=None, help="default: the 2025 portfolio (434)")
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--formats", nargs="+", choices=FORMATS, default=list(FORMATS))
    args = parser.parse_args(argv)

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    from portfolio.datasets import load_report_data
    from portfolio.periods import Period
    from projects.generator import generate_portfolio
    from projects.models import Project
    from projects.reports.builders import build_progress_report
    from projects.reports.renderers import render_progress

    setup_test_environment()
    settings.DATABASES["default"].setdefault("TEST", {})
    if connection.vendor == "postgresql":
        settings.DATABASES["default"]["TEST"]["NAME"] = "test_portfolio_bench_reports"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        load_report_data()
        options = {"months": args.months}
        if args.projects is not None:
            options.update(projects=args.projects, replace=True)
        generate_portfolio(**options)
        count = Project.objects.filter(programme__year=2025).count()
        period = Period(2025, args.months)

        def build():
            return build_progress_report(Project.objects.all(), period)

        report = build()
        steps = {
            "data": build,
            "html": lambda: render_progress(report, "html"),
            "xlsx": lambda: render_progress(report, "xlsx"),
            "docx": lambda: render_progress(report, "docx"),
            "pdf": lambda: render_progress(report, "pdf"),
            "pdf-no-appendix": lambda: render_progress(report, "pdf", html_context={"show_appendix": False}),
        }
        print(f"database: {connection.vendor}; projects: {count}; period: {period.year}-{period.month:02d}; "
              f"rounds: {args.rounds}")
        for name in args.formats:
            steps[name]()  # warm-up: imports, fonts, caches
            samples = []
            for _round in range(args.rounds):
                started = time.perf_counter()
                result = steps[name]()
                samples.append(time.perf_counter() - started)
            size = f"{len(result.content):,} bytes" if hasattr(result, "content") else ""
            print(f"  {name:<16} best {min(samples):7.2f} s   median {statistics.median(samples):7.2f} s   {size}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
