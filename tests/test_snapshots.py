"""The once-per-run sample portfolio (tests/snapshots.py) is what generating it gives, and stays per test."""

import contextlib

import pytest
from django.db import transaction
from django.db.models import Count, Sum

from indicators.models import Indicator, Observation
from portfolio.datasets import load_report_data
from projects.generator import generate_portfolio
from projects.models import Department, Milestone, MonthlyReport, Programme, Project


def figures():
    """What the reports read, to the last row: per programme, project count, plans and year-to-date."""
    return {
        "projects": list(Project.objects.order_by("code").values_list(
            "code", "programme__name", "lead_department__code", "town__code", "annual_plan", "sample_programme__name",
            "sample_annual_plan")),
        "reports": list(MonthlyReport.objects.values("project__code", "month").order_by("project__code", "month")
                        .annotate(n=Count("id"), ytd=Sum("completed_ytd"))),
        "milestones": Milestone.objects.count(),
        "history": (Project.history.count(), Milestone.history.count(), MonthlyReport.history.count()),
        "programmes": Programme.objects.count(),
        "departments": Department.objects.count(),
        "indicators": (Indicator.objects.count(), Observation.objects.count()),
    }


class _Rollback(Exception):
    pass


@pytest.mark.django_db
def test_the_restored_portfolio_is_the_generated_one(portfolio_snapshot):
    """Built the slow way in a savepoint that is rolled back, then restored: the same rows."""
    with contextlib.suppress(_Rollback), transaction.atomic():
        load_report_data()
        generate_portfolio()
        generated = figures()
        raise _Rollback
    assert not Project.objects.exists()
    portfolio_snapshot.restore(with_base=True)
    restored = figures()
    assert Project.objects.counted_in_year(2025).count() == 434 and restored["reports"]
    assert restored == generated


@pytest.mark.django_db
def test_a_test_changing_the_portfolio_does_not_change_it_for_the_next(portfolio):
    Project.objects.filter(is_synthetic=True).update(annual_plan=0)
    MonthlyReport.objects.update(progress_text="changed by the previous test")


@pytest.mark.django_db
def test_the_next_test_gets_it_whole(portfolio):
    assert MonthlyReport.objects.exists()
    assert not MonthlyReport.objects.filter(progress_text="changed by the previous test").exists()
    assert not Project.objects.filter(is_synthetic=True, annual_plan=0).exists()


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_gets_it_committed_and_new_rows_take_new_keys(portfolio):
    from django.db import connection

    assert Project.objects.filter(is_synthetic=True).count() > 200
    programme = Programme.objects.first()
    top = Project.objects.order_by("-pk").values_list("pk", flat=True).first()
    # A new row after the restore: the sequence (PostgreSQL) or AUTOINCREMENT (SQLite) is past the restored keys.
    created = Project.objects.create(programme=programme, code="NEW-1", name="新项目")
    assert created.pk > top
    assert connection.in_atomic_block is False  # really committed, as a live server would read it


@pytest.mark.django_db
def test_a_test_without_the_portfolio_sees_an_empty_database():
    assert not Project.objects.exists() and not Department.objects.exists()
