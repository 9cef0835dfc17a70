"""Importing the project list: preview, apply, matching, re-import, history, rollback, permission, staleness."""

import datetime as dt
from decimal import Decimal

import pytest

from portfolio.policy import Role
from projects import services as project_services
from projects.imports import services
from projects.models import Programme, Project
from tests.helpers import make_user

from .helpers import HEADERS, LEAD, PROGRAMME, project_row, project_sheet, stored_state, workbook

KIND = services.KINDS["projects"]


def run(data, user, *, apply=False, name="清单.xlsx", chosen=None, programme=None, **kwargs):
    table, mapping = services.read(KIND, data, name=name, chosen=chosen)
    step = services.apply if apply else services.preview
    return step(KIND, table, mapping, acting_user=user, file_name=name, programme=programme, **kwargs)


@pytest.fixture
def district(report_data):
    return Programme.objects.get(year=2025, level="district")


def test_preview_writes_nothing_and_apply_writes_what_it_showed(district, coordinator):
    data = workbook([HEADERS, project_row("IMP-1", "新项目甲", co="白云区民政局、钟落潭镇"),
                     project_row("IMP-2", "新项目乙", total="1.5亿", plan="3,000万元", start="2025年4月")])
    before = stored_state()
    plan = run(data, coordinator)
    assert stored_state() == before
    assert [row.kind for row in plan.rows] == ["new", "new"]
    shown = {change.label: change.new for change in plan.rows[1].changes}
    assert shown["总投资（万元）"] == "15,000.00" and shown["年度计划投资（万元）"] == "3,000.00"
    assert shown["计划开工"] == "2025-04-01"

    applied = run(data, coordinator, apply=True, expected=plan.digest)
    assert applied.applied and applied.digest == plan.digest
    first, second = Project.objects.get(code="IMP-1"), Project.objects.get(code="IMP-2")
    assert first.programme == district and first.lead_department.name == LEAD and first.town.name == "钟落潭镇"
    assert sorted(first.co_departments.values_list("name", flat=True)) == ["白云区民政局", "钟落潭镇"]
    assert (second.total_investment, second.annual_plan) == (Decimal("15000"), Decimal("3000"))
    assert second.planned_start == dt.date(2025, 4, 1) and second.category == "industry" and not second.is_synthetic


def test_reimport_is_a_no_op_and_changes_are_shown_field_by_field(district, coordinator):
    data = project_sheet(3)
    run(data, coordinator, apply=True)
    before = stored_state()
    again = run(data, coordinator, apply=True)
    assert again.applied and [row.kind for row in again.rows] == ["skip"] * 3
    assert stored_state() == before  # no version bump, no history row

    changed = workbook([HEADERS, project_row("IMP-0002", "导入测试项目2", plan=45000, status="停工")])
    plan = run(changed, coordinator)
    assert plan.rows[0].kind == "update"
    assert {(c.label, c.old, c.new) for c in plan.rows[0].changes} == {
        ("项目状态", "在建", "停工"), ("年度计划投资（万元）", "30,000.00", "45,000.00"),
    }


def test_history_names_the_import_and_the_user(district, coordinator):
    run(project_sheet(1), coordinator, apply=True, name="白云区2025年清单.xlsx")
    run(workbook([HEADERS, project_row("IMP-0001", "导入测试项目1", plan=1000)]), coordinator, apply=True,
        name="修订.xlsx")
    project = Project.objects.get(code="IMP-0001")
    records = list(project.history.order_by("history_id"))
    assert [(r.history_type, r.history_change_reason, r.history_user) for r in records] == [
        ("+", "导入：白云区2025年清单.xlsx", coordinator), ("~", "导入：修订.xlsx", coordinator),
    ]
    assert project.version == 2


def test_a_failing_row_writes_nothing(district, coordinator):
    data = workbook([HEADERS, project_row("IMP-1", "甲"), project_row("IMP-2", "乙", total=100, plan=200),
                     project_row("IMP-3", "丙")])
    before = stored_state()
    plan = run(data, coordinator, apply=True)
    assert not plan.applied and stored_state() == before
    assert [row.kind for row in plan.rows] == ["new", "error", "new"]
    assert plan.rows[1].errors == ["年度计划投资（万元）：年度计划投资不能大于总投资。"]


def test_a_save_failing_in_the_apply_rolls_everything_back(district, coordinator, monkeypatch):
    calls = []
    original = project_services.record_create

    def failing(**kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return original(**kwargs)

    monkeypatch.setattr(project_services, "record_create", failing)
    before = stored_state()
    plan = run(project_sheet(4), coordinator, apply=True)
    assert not plan.applied and stored_state() == before
    assert plan.rows[2].kind == "error" and "disk full" in plan.rows[2].errors[0]


def test_matching_by_code_then_by_exact_name_within_the_programme(district, coordinator):
    run(project_sheet(2), coordinator, apply=True)
    by_name = workbook([HEADERS, project_row("", "导入测试项目1", plan=999), project_row("", "全新项目")])
    plan = run(by_name, coordinator, apply=True)
    assert [row.kind for row in plan.rows] == ["update", "new"]
    assert Project.objects.get(code="IMP-0001").annual_plan == Decimal("999")
    assert Project.objects.get(name="全新项目").code.startswith("2025-D-")
    # a near name is a new project, never a guess
    assert run(workbook([HEADERS, project_row("", "导入测试项目 1")]), coordinator).rows[0].kind == "new"


def test_the_bureaus_list_fills_a_report_projects_facts_over_the_samples(district, coordinator, portfolio):
    """A report project's programme is 待补充 (the sample's is kept apart): the bureau's row naming it
    exactly, without its code, is that project, and its facts replace the sample's values."""
    project = Project.objects.filter(is_synthetic=False, sample_programme=district).order_by("code").first()
    assert project.programme_id is None and project.annual_plan is None and project.sample_annual_plan
    plan = run(workbook([HEADERS, project_row("", project.name, plan=4321, total=900000)]), coordinator, apply=True)
    assert [row.kind for row in plan.rows] == ["update"]
    project.refresh_from_db()
    assert (project.programme, project.annual_plan) == (district, Decimal("4321"))
    assert project.sample_fields == [] and project.counted_plan == Decimal("4321")
    # the same name in another programme is not guessed to be it
    city = Programme.objects.get(year=2025, level="city")
    other = Project.objects.filter(is_synthetic=False, programme__isnull=True).exclude(pk=project.pk).first()
    other.programme = city
    other.save()
    assert run(workbook([HEADERS, project_row("", other.name)]), coordinator).rows[0].kind == "new"


def test_ambiguous_and_contradicting_rows_are_errors(district, coordinator):
    Project.objects.create(code="DUP-A", name="同名项目", programme=district)
    Project.objects.create(code="DUP-B", name="同名项目", programme=district)
    run(project_sheet(1), coordinator, apply=True)
    data = workbook([
        HEADERS, project_row("", "同名项目"), project_row("OTHER-9", "导入测试项目1"),
        project_row("IMP-0001", "导入测试项目1"), project_row("IMP-0001", "导入测试项目1"),
    ])
    plan = run(data, coordinator)
    assert [row.kind for row in plan.rows] == ["error", "error", "skip", "error"]
    assert "DUP-A" in plan.rows[0].errors[0] and "DUP-B" in plan.rows[0].errors[0]
    assert "IMP-0001" in plan.rows[1].errors[0]
    assert "第 4 行" in plan.rows[3].errors[0]


def test_unknown_values_name_the_field(district, coordinator):
    data = workbook([HEADERS, project_row("IMP-1", "甲", category="航天", lead="不存在的局", start="三月份",
                                          total="十亿", town="白云区民政局")])
    errors = run(data, coordinator).rows[0].errors
    assert any(e.startswith("项目类别：“航天”不是可选值") for e in errors)
    assert any(e.startswith("牵头单位：“不存在的局”不在单位名录中") for e in errors)
    assert any(e.startswith("计划开工：“三月份”不是日期") for e in errors)
    assert any(e.startswith("总投资（万元）：“十亿”不是金额") for e in errors)
    assert any(e.startswith("所在镇街：“白云区民政局”不在镇街名录中") for e in errors)


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_who_may_not_import_changes_nothing(district, role, department):
    user = make_user(f"import-{role}", role={"viewer": Role.VIEWER, "editor": Role.EDITOR}[role],
                     department=department if role == "editor" else None)
    before = stored_state()
    plan = run(project_sheet(2), user, apply=True)
    assert not plan.applied and stored_state() == before
    assert all(row.kind == "error" for row in plan.rows)


def test_a_change_after_the_preview_is_not_overwritten(district, coordinator):
    run(project_sheet(2), coordinator, apply=True)
    data = workbook([HEADERS, project_row("IMP-0001", "导入测试项目1", plan=5000), project_row("IMP-0002", "导入测试项目2")])
    plan = run(data, coordinator)
    # someone changes the row previewed as unchanged: applying the file would now overwrite their change
    project = Project.objects.get(code="IMP-0002")
    project_services.project_update(project=project, data={"annual_plan": Decimal("1")}, acting_user=coordinator,
                                    expected_version=project.version)
    before = stored_state()
    applied = run(data, coordinator, apply=True, expected=plan.digest, versions=services.versions_of(plan))
    assert not applied.applied and stored_state() == before
    assert [row.kind for row in applied.rows] == ["update", "error"] and "预览之后" in applied.rows[1].errors[0]


def test_a_record_created_after_the_preview_is_not_created_twice(district, coordinator):
    data = workbook([HEADERS, project_row("", "预览后才建的项目")])
    plan = run(data, coordinator)
    assert plan.rows[0].kind == "new"
    Project.objects.create(code="HAND-1", name="预览后才建的项目", programme=district)
    before = stored_state()
    applied = run(data, coordinator, apply=True, expected=plan.digest, versions=services.versions_of(plan))
    assert not applied.applied and stored_state() == before
    assert "预览之后" in applied.errors[0]


def test_the_programme_chosen_for_the_import(district, coordinator):
    city = Programme.objects.get(year=2025, level="city")
    data = workbook([HEADERS, project_row("IMP-1", "甲", programme=""), project_row("IMP-2", "乙", programme=PROGRAMME)])
    plan = run(data, coordinator, programme=city)
    assert plan.rows[0].kind == "new" and ("所属计划", "—", city.name) in {
        (c.label, c.old, c.new) for c in plan.rows[0].changes}
    assert plan.rows[1].kind == "error" and "不一致" in plan.rows[1].errors[0]


def test_preview_and_apply_run_on_a_thousand_rows(district, coordinator, count_queries):
    data = project_sheet(1000)
    plan = run(data, coordinator)
    assert plan.counts["new"] == 1000
    applied = run(data, coordinator, apply=True, expected=plan.digest)
    assert applied.applied and Project.objects.filter(code__startswith="IMP-").count() == 1000


def test_an_unchanged_reimport_costs_the_same_queries_at_10_and_100_rows(district, coordinator, count_queries):
    """Reads do not grow with the rows; each row's own savepoint (a failing row must not spoil the
    transaction on PostgreSQL) is not a read and is not counted."""
    counts = []
    for size in (10, 100):
        data = project_sheet(size, prefix=f"Q{size}")
        run(data, coordinator, apply=True)
        with count_queries() as counter:
            plan = run(data, coordinator)
        assert plan.counts["skip"] == size
        counts.append(sum(1 for q in counter.context.captured_queries if "SAVEPOINT" not in q["sql"]))
    assert counts[0] == counts[1], counts


def test_an_error_row_is_named_and_reports_only_what_is_wrong(district, coordinator):
    plan = run(workbook([HEADERS, project_row("", "出错的新项目", total="abc")]), coordinator)
    row = plan.rows[0]
    assert row.kind == "error" and row.name == "出错的新项目"
    assert row.errors == ["总投资（万元）：“abc”不是金额。请填写万元数，例如 1200.5、3,210.5、3210.5万元或 1.2亿元。"]
