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
