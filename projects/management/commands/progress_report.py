"""Write a progress (or indicators) report to a file, for scheduled runs.

    manage.py progress_report --year 2025 --month 6 [--programme 2025-district] [--department CODE]
                              --format html|pdf|xlsx|docx --output FILE [--indicators] [--no-appendix]
                              [--basis approved|all] [--snapshot N]

The command runs as the system, with full visibility: the report covers every project the
filters select, through the same FilterSet, builders and renderers as the report pages.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from indicators.reports import build_indicator_report
from portfolio.periods import Period
from projects.filters import ProjectFilterSet
from projects.models import Department, Programme, Project
from projects.reports.builders import build_progress_report, scope_from_filterset
from projects.reports.renderers import FORMATS, render_indicators, render_progress
from projects.reports.renderers.pdf import background_rendering
from projects.reports.structure import whole_lists
from projects.selectors import Basis, figure_source


class Command(BaseCommand):
    help = "Write the programme progress report (or, with --indicators, the indicators report) to a file."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--month", type=int, required=True, choices=range(1, 13), metavar="1-12")
        parser.add_argument("--programme", help="Programme code YEAR-LEVEL, e.g. 2025-district or 2025-city.")
        parser.add_argument("--department", help="Lead department code (Department.code).")
        parser.add_argument("--format", dest="fmt", choices=FORMATS, default="pdf")
        parser.add_argument("--output", required=True, help="File to write.")
        parser.add_argument("--indicators", action="store_true", help="The indicators report instead.")
        parser.add_argument(
            "--no-appendix", action="store_true",
            help="Leave the project appendix out of the HTML and PDF (the Excel file always has it).",
        )
        parser.add_argument(
            "--basis", choices=Basis.values, default=Basis.APPROVED,
            help="approved (default): approved reports only, a closed month's frozen figures; all: every report.",
        )
        parser.add_argument("--snapshot", type=int, help="An earlier frozen version of a closed month.")

    def handle(self, *args, **options):
        period = Period(options["year"], options["month"])
        fmt = options["fmt"]
        started = time.perf_counter()
        # A command is a job of its own: a long PDF is laid out in parts, as in the background worker.
        with background_rendering():
            if options["indicators"]:
                rendered = render_indicators(build_indicator_report(period), fmt)
            else:
                rendered = render_progress(
                    self._progress(period, options), fmt, html_context={"show_appendix": not options["no_appendix"]}
                )
        output = Path(options["output"])
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(rendered.content)
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"Wrote {output} ({len(rendered.content):,} bytes) in {elapsed:.2f} s."))

    def _progress(self, period: Period, options):
        data = {}
        if options["programme"]:
            data["programme"] = self._programme(options["programme"], period).pk
        if options["department"]:
            try:
                data["lead_department"] = Department.objects.get(code=options["department"]).pk
            except Department.DoesNotExist:
                raise CommandError(f"Unknown department code {options['department']!r}.") from None
        filterset = ProjectFilterSet(data, queryset=Project.objects.all(), period=period)
        if not filterset.is_valid():
            raise CommandError(f"Invalid filters: {filterset.form.errors.as_text()}")
        source = figure_source(period, options["basis"], options["snapshot"])
        if options["snapshot"] and (source.snapshot is None or source.snapshot.version != options["snapshot"]):
            raise CommandError(f"{period} has no frozen version {options['snapshot']}.")
        return build_progress_report(filterset.qs, period, scope=scope_from_filterset(filterset), source=source,
                                     page=whole_lists(options["fmt"]))

    def _programme(self, code: str, period: Period) -> Programme:
        year, _sep, level = code.partition("-")
        if not year.isdigit() or not level:
            raise CommandError(f"Programme code must look like 2025-district, not {code!r}.")
        programme = Programme.objects.by_code(code)
        if programme is None:
            known = ", ".join(p.code for p in Programme.objects.order_by("-year", "level"))
            raise CommandError(f"Unknown programme {code!r}; known: {known or 'none'}.")
        if programme.year != period.year:
            raise CommandError(f"Programme {code} is for {programme.year}, the report for {period.year}.")
        return programme
