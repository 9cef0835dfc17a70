"""Everything `make run` needs after migrate: report data, sample portfolio, demo accounts."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load the report fixtures and the itemised sample portfolio, and create the demo accounts. Idempotent."

    def handle(self, *args, **options):
        call_command("load_report_data", stdout=self.stdout)
        call_command("generate_portfolio", stdout=self.stdout)
        if settings.DEMO:
            call_command("create_demo_users", stdout=self.stdout)
        call_command("portfolio_status", stdout=self.stdout)
