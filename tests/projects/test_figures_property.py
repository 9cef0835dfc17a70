"""The figures and the warning the database computes equal the Python rule, on generated projects.

progress.classify and progress.months_between stay the specification; selectors.with_period_figures
(the month's report joined, the latest earlier one looked up only when the month's does not count),
warning_annotations and warning_order_annotations are how the pages, the dashboard and the report's
lists compute them for a province's 100,000 projects. Hypothesis draws the shapes a hand-picked
record misses: no plan, no report, a draft this month over an approved earlier one, milestones
reached before or after the period's end, planned on a later day of the month than the period's end.
"""

import calendar
import datetime as dt
from decimal import Decimal

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portfolio.periods import Period, months_between
from projects.models import Milestone, MonthlyReport, Programme, Project
from projects.progress import classify, verdict
from projects.selectors import (
    WARNING_RANK,
    Basis,
    figure_source,
    progress_of,
    warning_order_annotations,
    with_list_figures,
)

PERIOD = Period(2025, 6)
STATUSES = ["preparation", "implementation", "completion", "maintenance", "suspended"]
REPORT_STATES = ["approved", "submitted", "draft", "returned"]

report = st.tuples(st.integers(1, 6), st.integers(0, 12000), st.sampled_from(REPORT_STATES))
def _date(year, month, day):
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


# Days around the period's end (the 30th) decide whether a month is whole: drawn often on purpose.
day = st.builds(_date, st.integers(2024, 2025), st.integers(1, 12), st.sampled_from([1, 15, 29, 30, 31]))
milestone = st.tuples(day, st.one_of(st.none(), day))
project = st.fixed_dictionaries({
    "plan": st.one_of(st.none(), st.just(0), st.integers(1, 20000)),
    "status": st.sampled_from(STATUSES),
    "reports": st.lists(report, max_size=4, unique_by=lambda r: r[0]),
    "milestones": st.lists(milestone, max_size=3),
})


class _Undo(Exception):
    pass


def _latest(reports, *, counted, exact=False):
    months = [r for r in reports if counted(r[2]) and (r[0] == PERIOD.month if exact else r[0] <= PERIOD.month)]
    return max(months, key=lambda r: r[0]) if months else None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(projects=st.lists(project, min_size=1, max_size=6), basis=st.sampled_from(Basis.values))
def test_database_figures_and_warning_equal_the_python_rule(db, projects, basis):
    try:
        with transaction.atomic():
            programme = Programme.objects.create(year=2025, level="district", name="2025年区重点项目")
            made = []
            for index, shape in enumerate(projects):
                p = Project.objects.create(programme=programme, code=f"H{index:02d}", name=f"项目{index}",
                                           annual_plan=None if shape["plan"] is None else Decimal(shape["plan"]),
                                           status=shape["status"])
                for month, ytd, state in shape["reports"]:
                    MonthlyReport.objects.create(project=p, year=2025, month=month, completed_month=Decimal(ytd),
                                                 completed_ytd=Decimal(ytd), status=state)
                for planned, actual in shape["milestones"]:
                    Milestone.objects.create(project=p, kind="start", planned_date=planned, actual_date=actual)
                made.append((p, shape))
            source = figure_source(PERIOD, basis)
            figured = list(with_list_figures(Project.objects.filter(programme=programme), PERIOD, source)
                           .annotate(**warning_order_annotations(PERIOD)).order_by("code"))
            counted = (lambda state: state == "approved") if basis == Basis.APPROVED else (lambda state: True)
            for row, (p, shape), progress in zip(figured, made, progress_of(figured, PERIOD), strict=True):
                assert row.pk == p.pk
                latest = _latest(shape["reports"], counted=counted)
                this_month = _latest(shape["reports"], counted=counted, exact=True)
                any_this_month = _latest(shape["reports"], counted=lambda state: True, exact=True)
                assert row.period_ytd == (None if latest is None else Decimal(latest[1])), shape
                assert row.period_month == (None if this_month is None else Decimal(this_month[1])), shape
                assert row.period_status == (None if any_this_month is None else any_this_month[2]), shape
                open_overdue = [planned for planned, actual in shape["milestones"]
                                if planned < PERIOD.end and (actual is None or actual > PERIOD.end)]
                expected = classify(rate=progress.rate, time_elapsed=PERIOD.time_elapsed, overdue=progress.overdue,
                                    status=shape["status"])
                assert row.list_warning == WARNING_RANK[expected.colour], (shape, progress.rate)
                assert row.list_overdue_months == max(
                    (months_between(d, PERIOD.end) for d in open_overdue), default=0), shape
                word, points = verdict(progress.rate, PERIOD.time_elapsed)
                assert row.list_behind == (int(points * 100) if word == "behind" else 0), (shape, progress.rate)
            raise _Undo
    except _Undo:
        pass
