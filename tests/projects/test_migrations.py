"""The migration that moved a report project's generated programme and plan out of its facts."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("projects", "0006_sheet_return")]
AFTER = [("projects", "0009_remove_sample_fields")]


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def test_generated_values_move_out_of_the_facts_and_back():
    old = _migrate(BEFORE)
    Programme, Project = old.get_model("projects", "Programme"), old.get_model("projects", "Project")
    Department = old.get_model("projects", "Department")
    district = Programme.objects.create(year=2025, level="district", name="2025年区重点项目")
    bureau = Department.objects.create(code="FGJ", name="发改局", kind="bureau")
    Project.objects.create(code="R-1", name="报告项目", programme=district, annual_plan=Decimal("500"),
                           lead_department=bureau, sample_fields=["annual_plan", "lead_department", "programme"])
    Project.objects.create(code="R-2", name="有计划的报告项目", programme=district, annual_plan=Decimal("80"),
                           sample_fields=["annual_plan"])
    Project.objects.create(code="P-3", name="真实项目", programme=district, annual_plan=Decimal("70"),
                           lead_department=bureau, sample_fields=[])
    # R-1's history row as the generator left it: the next change must not read as emptying its facts.
    old.get_model("projects", "HistoricalProject").objects.create(
        id=Project.objects.get(code="R-1").pk, code="R-1", name="报告项目", programme=district,
        annual_plan=Decimal("500"), sample_fields=["annual_plan", "programme"], history_date=timezone.now(),
        history_type="~", created_at=timezone.now(), version=1)
    try:
        new = _migrate(AFTER)
        rows = {p["code"]: p for p in new.get_model("projects", "Project").objects.values(
            "code", "programme", "annual_plan", "lead_department", "sample_programme", "sample_annual_plan")}
        assert rows["R-1"] == {"code": "R-1", "programme": None, "annual_plan": None, "lead_department": None,
                               "sample_programme": district.pk, "sample_annual_plan": Decimal("500")}
        assert (rows["R-2"]["programme"], rows["R-2"]["annual_plan"], rows["R-2"]["sample_programme"],
                rows["R-2"]["sample_annual_plan"]) == (district.pk, None, None, Decimal("80"))
        assert (rows["P-3"]["programme"], rows["P-3"]["annual_plan"], rows["P-3"]["lead_department"],
                rows["P-3"]["sample_programme"], rows["P-3"]["sample_annual_plan"]) == (
                district.pk, Decimal("70"), bureau.pk, None, None)
        history = new.get_model("projects", "HistoricalProject").objects.get(code="R-1")
        assert (history.programme_id, history.annual_plan, history.sample_programme_id,
                history.sample_annual_plan) == (None, None, district.pk, Decimal("500"))
        back = _migrate(BEFORE)
        restored = {p.code: p for p in back.get_model("projects", "Project").objects.all()}
        assert (restored["R-1"].programme_id, restored["R-1"].annual_plan) == (district.pk, Decimal("500"))
        assert sorted(restored["R-1"].sample_fields) == ["annual_plan", "programme"]
        assert restored["P-3"].sample_fields == [] and restored["P-3"].annual_plan == Decimal("70")
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_the_months_closed_before_get_their_figures_stored_as_a_close_stores_them():
    """Migration 0020 stores the figures of the snapshots made before it (a closed month's pages read them) as
    closing._freeze stores them at a close: over a month report, an earlier one only, none, no plan
    and a rate rounded half away from zero."""
    from portfolio.policy import Role
    from projects import closing
    from projects.models import MonthlyReport, Programme, Project, SnapshotProject
    from tests.helpers import make_user

    coordinator = make_user("coordinator", Role.COORDINATOR)
    district = Programme.objects.create(year=2025, level="district", name="2025年区重点项目")
    shapes = {"P-MONTH": (Decimal(1200), {2: 50, 6: 120}), "P-EARLIER": (Decimal(1200), {5: 75}),
              "P-NONE": (Decimal(1200), {}), "P-NOPLAN": (None, {6: 10}), "P-ZEROPLAN": (Decimal(0), {6: 10}),
              "P-HALF": (Decimal(20000), {6: 1}), "P-THIRD": (Decimal(3), {6: 1})}
    for code, (plan, months) in shapes.items():
        project = Project.objects.create(code=code, name=f"项目{code}", programme=district, annual_plan=plan,
                                         source_quote=f"{code}项目。")
        for month, ytd in months.items():
            MonthlyReport.objects.create(project=project, year=2025, month=month, completed_month=Decimal(ytd),
                                         completed_ytd=Decimal(ytd), status="approved")
        if 6 not in months:
            closing.report_waive(project=project, year=2025, month=6, reason="项目暂停", acting_user=coordinator)
    closing.month_close(year=2025, month=6, acting_user=coordinator)
    # A correction: version 2 of the month has P-MONTH at 240, version 1 keeps 120.
    closing.month_reopen(year=2025, month=6, reason="更正", acting_user=coordinator)
    MonthlyReport.objects.filter(project__code="P-MONTH", month=6).update(
        completed_month=Decimal(190), completed_ytd=Decimal(240))
    closing.month_close(year=2025, month=6, acting_user=coordinator)
    fields = ("snapshot__version", "project__code", "completed_ytd", "completed_month", "report_status",
              "rate_hundredths")
    at_the_close = sorted(SnapshotProject.objects.values_list(*fields))
    rates = {"P-EARLIER": 625, "P-NONE": 0, "P-NOPLAN": None, "P-ZEROPLAN": None, "P-HALF": 1, "P-THIRD": 3333}
    assert {(row[0], row[1]): row[5] for row in at_the_close} == {
        **{(version, code): rate for version in (1, 2) for code, rate in rates.items()},
        (1, "P-MONTH"): 1000, (2, "P-MONTH"): 2000}
    try:
        _migrate([("projects", "0019_closed_month_issues_index")])
        after = _migrate([("projects", "0020_closed_month_stored_figures")])
        assert sorted(after.get_model("projects", "SnapshotProject").objects.values_list(*fields)) == at_the_close
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_the_months_closed_before_get_their_generated_flag_as_a_close_stores_it():
    """Migration 0021 stores whether a frozen project's figures rest on a generated report (its month or an
    earlier one of the year) and whether each frozen report was generated, as closing._freeze does."""
    from portfolio.policy import Role
    from projects import closing
    from projects.models import MonthlyReport, Programme, Project, SnapshotProject, SnapshotReport
    from tests.helpers import make_user

    coordinator = make_user("coordinator", Role.COORDINATOR)
    district = Programme.objects.create(year=2025, level="district", name="2025年区重点项目")
    shapes = {"P-REAL": {5: False, 6: False}, "P-MONTH": {6: True}, "P-EARLIER": {2: True, 6: False},
              "P-LATER": {6: False, 7: True}, "P-LASTYEAR": {6: False}}
    for code, months in shapes.items():
        project = Project.objects.create(code=code, name=f"项目{code}", programme=district,
                                         annual_plan=Decimal(1200), source_quote=f"{code}项目。")
        for month, generated in months.items():
            MonthlyReport.objects.create(project=project, year=2025, month=month, completed_month=Decimal(10),
                                         completed_ytd=Decimal(10 * month), status="approved", is_synthetic=generated)
    MonthlyReport.objects.create(project=Project.objects.get(code="P-LASTYEAR"), year=2024, month=3,
                                 completed_month=Decimal(1), completed_ytd=Decimal(1), status="approved",
                                 is_synthetic=True)
    closing.month_close(year=2025, month=6, acting_user=coordinator)
    at_the_close = dict(SnapshotProject.objects.values_list("project__code", "generated"))
    assert at_the_close == {"P-REAL": False, "P-MONTH": True, "P-EARLIER": True, "P-LATER": False,
                            "P-LASTYEAR": False}
    reports = ("project__code", "month", "is_synthetic")
    reports_at_the_close = sorted(SnapshotReport.objects.values_list(*reports))
    assert [row for row in reports_at_the_close if row[2]] == [("P-EARLIER", 2, True), ("P-MONTH", 6, True)]
    try:
        _migrate([("projects", "0020_closed_month_stored_figures")])
        after = _migrate([("projects", "0021_closed_month_generated_flag")])
        assert dict(after.get_model("projects", "SnapshotProject").objects.values_list(
            "project__code", "generated")) == at_the_close
        assert sorted(after.get_model("projects", "SnapshotReport").objects.values_list(*reports)) == \
            reports_at_the_close
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_the_months_closed_before_get_their_sample_facts_as_a_close_stores_them():
    """Migration 0022 stores whether a frozen project's programme and plan came from the sample generator's
    values, as closing._freeze does."""
    from portfolio.policy import Role
    from projects import closing
    from projects.models import MonthlyReport, Programme, Project, SnapshotProject
    from tests.helpers import make_user

    coordinator = make_user("coordinator", Role.COORDINATOR)
    district = Programme.objects.create(year=2025, level="district", name="2025年区重点项目")
    for code, programme, plan in (("P-BOTH", None, None), ("P-PLAN", district, None),
                                  ("P-PROG", None, Decimal(800)), ("P-NONE", district, Decimal(900))):
        project = Project.objects.create(code=code, name=f"项目{code}", programme=programme, sample_programme=district,
                                         annual_plan=plan, sample_annual_plan=Decimal(1000), source_quote=f"{code}。")
        MonthlyReport.objects.create(project=project, year=2025, month=6, completed_month=Decimal(10),
                                     completed_ytd=Decimal(60), status="approved")
    closing.month_close(year=2025, month=6, acting_user=coordinator)
    fields = ("project__code", "programme_from_sample", "plan_from_sample")
    at_the_close = sorted(SnapshotProject.objects.values_list(*fields))
    assert at_the_close == [("P-BOTH", True, True), ("P-NONE", False, False), ("P-PLAN", False, True),
                            ("P-PROG", True, False)]
    try:
        _migrate([("projects", "0021_closed_month_generated_flag")])
        after = _migrate([("projects", "0022_closed_month_sample_facts")])
        assert sorted(after.get_model("projects", "SnapshotProject").objects.values_list(*fields)) == at_the_close
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
