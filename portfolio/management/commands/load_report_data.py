"""Load the 2025-H1 report fixtures (departments, programmes, projects, indicators)."""

from django.core.management.base import BaseCommand

from portfolio.datasets import load_report_data
from portfolio.planner import refresh_statistics


class Command(BaseCommand):
    help = "Load the report fixtures in one transaction; skipped when this version is already loaded."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Load again even if unchanged.")

    def handle(self, *args, force=False, **options):
        result = load_report_data(force=force)
        if result.loaded:
            refresh_statistics()  # the planner's view of the tables just filled (PostgreSQL)
            self.stdout.write(self.style.SUCCESS(f"Loaded {result.name} ({result.checksum[:12]})."))
        else:
            self.stdout.write(f"{result.name} is already loaded ({result.checksum[:12]}); nothing changed.")
