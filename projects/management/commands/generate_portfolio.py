"""Generate the itemised sample portfolio that reconciles with the published aggregates."""

import time

from django.core.management.base import BaseCommand, CommandError

from portfolio.planner import refresh_statistics
from projects.figures import programme_reconciliation
from projects.generator import DEFAULT_SEED, GeneratorError, generate_portfolio


class Command(BaseCommand):
    help = (
        "Itemise each programme into projects, milestones and monthly reports (flagged as sample data) "
        "whose totals equal the published aggregates. Deterministic for a seed; idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument(
            "--projects", type=int, default=None,
            help="Total number of projects across programmes (default: the declared counts, 336 + 98).",
        )
        parser.add_argument(
            "--months", type=int, default=None, choices=range(1, 13), metavar="1-12",
            help="Months of reports per project (default: up to the snapshot month).",
        )
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument("--replace", action="store_true", help="Replace existing sample data.")

    def handle(self, *args, **options):
        started = time.perf_counter()
        try:
            result = generate_portfolio(
                seed=options["seed"],
                projects=options["projects"],
                months=options["months"],
                batch_size=options["batch_size"],
                replace=options["replace"],
                stdout=self.stdout.write,
            )
        except GeneratorError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started
        if not result.generated:
            self.stdout.write("The sample portfolio with these parameters is already loaded; nothing changed.")
            return
        refresh_statistics()  # the planner's view of the rows just written (PostgreSQL)
        projects = sum(p.projects for p in result.programmes)
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {projects} projects, {result.milestones} milestones, "
                f"{result.monthly_reports} monthly reports in {elapsed:.1f} s (seed {result.seed})."
            )
        )
        for row in programme_reconciliation():
            mark = "OK" if row.amounts_reconcile else "MISMATCH"
            self.stdout.write(
                f"  {mark} {row.programme}: {row.itemised.count} projects, "
                f"{row.itemised.completed_ytd_yi} 亿元, {row.itemised.rate}%"
            )
