"""Print the reconciliation (published vs itemised) and a data-quality summary."""

from django.core.management.base import BaseCommand

from projects.figures import programme_reconciliation
from projects.selectors import data_quality


class Command(BaseCommand):
    help = "Reconciliation of published aggregates with the itemised portfolio, and what is still to be completed."

    def handle(self, *args, **options):
        self.stdout.write("Reconciliation (published | itemised):")
        for row in programme_reconciliation():
            mark = "OK      " if row.reconciles else "MISMATCH"
            if row.amounts_reconcile and row.count_difference:
                mark = "OK*     "  # amounts agree; the project count was scaled (--projects)
            self.stdout.write(
                f"  {mark} {row.programme} to {row.period_end}: "
                f"projects {row.published_count} | {row.itemised.count}; "
                f"completed {row.published_completed_yi} | {row.itemised.completed_ytd_yi} 亿元; "
                f"rate {row.published_rate}% | {row.itemised.rate}% (itemised plan {row.itemised.annual_plan_yi} 亿元)"
            )
        q = data_quality()
        self.stdout.write(f"Data quality of the {q.report_projects} projects named in the report:")
        self.stdout.write(f"  without a programme in the report:        {q.without_programme}")
        self.stdout.write(f"  without a lead department in the report:  {q.without_lead_department}")
        self.stdout.write(f"  without an annual plan in the report:     {q.without_annual_plan}")
        self.stdout.write(f"  without a status:                         {q.without_status}")
        self.stdout.write(f"  without any start or completion date:     {q.without_dates}")
        self.stdout.write(f"  without any milestone:                    {q.without_milestones}")
        self.stdout.write(f"  with figures filled in as sample data:    {q.with_sample_fields}")
        self.stdout.write(f"Places the report mentions (no project of a programme): {q.report_places}")
        self.stdout.write(f"Sample (generated) projects: {q.sample_projects}")
