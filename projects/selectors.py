"""Reads shared by commands, pages and reports of the projects app."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum

from portfolio.money import rate_percent, round_half_up, wan_to_yi

from .models import MonthlyReport, ProgrammeSnapshot, Project


@dataclass(frozen=True)
class ReconciliationRow:
    """Published aggregates of a programme beside the itemised totals, in 亿元 and %."""

    programme: str
    period_end: str
    published_count: int
    itemised_count: int
    published_completed_yi: Decimal
    itemised_completed_yi: Decimal
    published_rate: Decimal
    itemised_rate: Decimal | None
    itemised_plan_yi: Decimal

    @property
    def reconciles(self) -> bool:
        return (
            self.published_count == self.itemised_count
            and self.published_completed_yi == self.itemised_completed_yi
            and self.published_rate == self.itemised_rate
        )


def programme_reconciliation() -> list[ReconciliationRow]:
    """One row per published snapshot; three queries whatever the number of projects."""
    snapshots = list(ProgrammeSnapshot.objects.select_related("programme").order_by("programme__year", "pk"))
    project_totals = {
        row["programme"]: row
        for row in Project.objects.filter(programme__in=[s.programme_id for s in snapshots])
        .values("programme")
        .annotate(count=Count("pk"), plan=Sum("annual_plan"))
    }
    period_filter = Q(pk__in=[])
    for s in snapshots:
        period_filter |= Q(project__programme=s.programme_id, year=s.period_end.year, month=s.period_end.month)
    ytd_totals = {
        row["project__programme"]: row["ytd"]
        for row in MonthlyReport.objects.filter(period_filter)
        .values("project__programme")
        .annotate(ytd=Sum("completed_ytd"))
    }
    rows = []
    for s in snapshots:
        totals = project_totals.get(s.programme_id, {})
        plan = totals.get("plan") or Decimal(0)
        ytd = ytd_totals.get(s.programme_id) or Decimal(0)
        rows.append(
            ReconciliationRow(
                programme=s.programme.name,
                period_end=s.period_end.isoformat(),
                published_count=s.project_count,
                itemised_count=totals.get("count", 0),
                published_completed_yi=round_half_up(wan_to_yi(s.completed_investment)),
                itemised_completed_yi=round_half_up(wan_to_yi(ytd)),
                published_rate=s.plan_ratio,
                itemised_rate=rate_percent(ytd, plan),
                itemised_plan_yi=round_half_up(wan_to_yi(plan)),
            )
        )
    return rows


@dataclass(frozen=True)
class DataQuality:
    """What an administrator still has to complete, counted over the report's own projects."""

    report_projects: int
    without_programme: int
    without_lead_department: int
    without_annual_plan: int
    without_status: int
    without_dates: int
    without_milestones: int
    with_sample_fields: int
    sample_projects: int


def data_quality() -> DataQuality:
    """Counts over the report's projects; a field filled by the sample generator counts as missing."""
    rows = list(
        Project.objects.filter(is_synthetic=False)
        .annotate(milestone_count=Count("milestones"))
        .values(
            "programme_id", "lead_department_id", "annual_plan", "status", "planned_start", "actual_start",
            "planned_completion", "actual_completion", "sample_fields", "milestone_count",
        )
    )

    def missing(row, field, value_key):
        return row[value_key] is None or field in (row["sample_fields"] or [])

    return DataQuality(
        report_projects=len(rows),
        without_programme=sum(missing(r, "programme", "programme_id") for r in rows),
        without_lead_department=sum(missing(r, "lead_department", "lead_department_id") for r in rows),
        without_annual_plan=sum(missing(r, "annual_plan", "annual_plan") for r in rows),
        without_status=sum(not r["status"] for r in rows),
        without_dates=sum(
            all(r[k] is None for k in ("planned_start", "actual_start", "planned_completion", "actual_completion"))
            for r in rows
        ),
        without_milestones=sum(r["milestone_count"] == 0 for r in rows),
        with_sample_fields=sum(bool(r["sample_fields"]) for r in rows),
        sample_projects=Project.objects.filter(is_synthetic=True).count(),
    )
