"""portfolio.bulk writes what bulk_create_with_history writes: the same rows, keys and history rows."""

import datetime as dt
from decimal import Decimal

import pytest
from simple_history.utils import bulk_create_with_history

from portfolio.bulk import ROWS_PER_STATEMENT, insert, insert_history
from projects.choices import ReportStatus
from projects.models import Milestone, MonthlyReport, Programme, Project

pytestmark = pytest.mark.django_db

RECORD_FIELDS = ["project_id", "year", "month", "completed_month", "completed_ytd", "progress_text", "problems",
                 "status", "is_synthetic", "version", "submitted_at", "created_by_id"]
HISTORY_FIELDS = ["id", *RECORD_FIELDS, "history_type", "history_user_id", "history_change_reason"]


def reports(project, count, *, year):
    return [
        MonthlyReport(project=project, year=year + i // 12, month=i % 12 + 1, completed_month=Decimal(f"{i}.25"),
                      completed_ytd=Decimal(i * 10) + Decimal("0.5"), progress_text=f"第{i}月，主体施工",
                      problems="" if i % 3 else "征地滞后", status="approved", is_synthetic=True)
        for i in range(count)
    ]


def rows(model, fields, **filters):
    return list(model.objects.filter(**filters).order_by("year", "month").values_list(*fields))


def test_insert_and_history_write_what_the_orm_writes():
    programme = Programme.objects.create(year=2025, level="district", name="2025年区重点项目")
    ours = Project.objects.create(programme=programme, code="A", name="甲")
    django = Project.objects.create(programme=programme, code="B", name="乙")
    # More rows than one statement takes, so that the keys of every statement are read back in order.
    count = ROWS_PER_STATEMENT + 37
    mine = reports(ours, count, year=2000)
    insert(mine)
    insert_history(mine)
    bulk_create_with_history(reports(django, count, year=2000), MonthlyReport)

    assert all(r.pk and not r._state.adding for r in mine)
    stored = {pk: (year, month) for pk, year, month in MonthlyReport.objects.filter(project=ours)
              .values_list("pk", "year", "month")}
    assert {r.pk: (r.year, r.month) for r in mine} == stored  # each object got its own row's key
    strip = lambda table: [row[1:] for row in table]  # noqa: E731 (the project differs, nothing else)
    assert strip(rows(MonthlyReport, RECORD_FIELDS, project=ours)) == strip(
        rows(MonthlyReport, RECORD_FIELDS, project=django))
    history = MonthlyReport.history.model
    theirs = {r[1:] for r in rows(history, [f for f in HISTORY_FIELDS if f != "id"], project_id=django.pk)}
    ours_history = rows(history, HISTORY_FIELDS, project_id=ours.pk)
    assert {r[2:] for r in ours_history} == theirs
    assert sorted(r[0] for r in ours_history) == sorted(stored)  # the history rows name the records' keys
    assert MonthlyReport.objects.get(pk=mine[0].pk).created_at == mine[0].created_at  # pre_save ran


def test_history_rows_are_dated_now_and_read_back_as_records():
    programme = Programme.objects.create(year=2025, level="district", name="2025年区重点项目")
    project = Project.objects.create(programme=programme, code="A", name="甲")
    milestones = [Milestone(project=project, kind="start", planned_date=dt.date(2025, 2, 1), is_synthetic=True)]
    before = dt.datetime.now(dt.UTC)
    insert(milestones)
    insert_history(milestones, change_reason="样例生成")
    record = Milestone.history.get(id=milestones[0].pk)
    assert record.history_date >= before and record.history_change_reason == "样例生成"
    assert record.instance.planned_date == dt.date(2025, 2, 1) and record.instance.project_id == project.pk


def test_nothing_to_insert_writes_nothing():
    insert([])
    insert_history([])
    assert not MonthlyReport.objects.exists() and not MonthlyReport.history.exists()


def test_choices_members_are_written_as_their_values():
    """The generator passes TextChoices members: the rows (and their history) hold the values, not the names."""
    programme = Programme.objects.create(year=2025, level="district", name="2025年区重点项目")
    project = Project.objects.create(programme=programme, code="E", name="枚举")
    made = [MonthlyReport(project=project, year=2025, month=1, completed_month=Decimal(1), completed_ytd=Decimal(1),
                          status=ReportStatus.APPROVED, is_synthetic=True)]
    insert(made)
    insert_history(made)
    assert MonthlyReport.objects.values_list("status", flat=True).get(pk=made[0].pk) == "approved"
    assert MonthlyReport.history.values_list("status", flat=True).get(id=made[0].pk) == "approved"
