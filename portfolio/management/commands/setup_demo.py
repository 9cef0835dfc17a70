"""Everything `make run` needs after migrate: report data, sample portfolio, demo accounts."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from portfolio.datasets import load_report_data


class Command(BaseCommand):
    help = "Load the report fixtures and the itemised sample portfolio, and create the demo accounts. Idempotent."

    def handle(self, *args, **options):
        report = load_report_data()
        self.stdout.write(f"{report.name}: {'loaded' if report.loaded else 'already loaded, unchanged'} "
                          f"({report.checksum[:12]}).")
        # New report data (an upgrade) rewrote the report projects: the sample built on them is rebuilt.
        call_command("generate_portfolio", replace=report.loaded, stdout=self.stdout)
        if settings.DEMO:
            call_command("create_demo_users", stdout=self.stdout)
        call_command("portfolio_status", stdout=self.stdout)
