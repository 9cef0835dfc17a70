"""The project page: its cumulative chart in three shapes, and a change history in words."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from portfolio.policy import Role
from projects.history import project_history
from projects.models import Department, MonthlyReport, Programme, Project
from projects.reports.charts import MONTHS, cumulative_chart
from tests.helpers import make_user

pytestmark = pytest.mark.django_db

MONTH_LABELS = [f"{m}月" for m in range(1, 13)]


def svg_text(svg) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", str(svg))


def aria_text(svg) -> str:
    return " ".join(re.findall(r"<(?:title|desc)[^>]*>([^<]*)</", str(svg)))


# The chart ---------------------------------------------------------------------------------------

def test_chart_with_plan_and_reports_has_axes_legend_and_figures():
    chart = cumulative_chart(year=2025, annual_plan=Decimal("1200"),
                             completed={1: Decimal("100"), 2: Decimal("150.5")})
    svg = str(chart.svg)
    texts = svg_text(svg)
    assert svg.startswith("<svg") and 'role="img"' in svg and 'viewBox="0 0 ' in svg and 'width="100%"' in svg
    assert all(label in texts for label in MONTH_LABELS)
    assert "万元" in texts and {"0", "250", "1,000", "1,250"} <= set(texts)  # unit; ticks above the plan
    assert "累计完成投资" in texts and "计划线" in texts  # the legend
    assert 'class="plan"' in svg and 'class="completed"' in svg
    aria = aria_text(svg)
    assert "1,200" in aria and "1月 100" in aria and "2月 150.5" in aria
    assert [m.plan for m in chart.months][:3] == [Decimal("100.00"), Decimal("200.00"), Decimal("300.00")]


def test_chart_without_reports_shows_the_plan_and_says_so():
    chart = cumulative_chart(year=2025, annual_plan=Decimal("600"), completed={})
    svg = str(chart.svg)
    texts = svg_text(svg)
    assert all(label in texts for label in MONTH_LABELS) and "万元" in texts
    assert "计划线" in texts and "累计完成投资" not in texts and 'class="completed"' not in svg
    assert "尚无月报。" in texts and "尚无月报" in aria_text(svg) and "600" in aria_text(svg)
    assert chart.has_data and chart.reported == []


def test_chart_without_annual_plan_draws_only_the_completed_line():
    chart = cumulative_chart(year=2025, annual_plan=None, completed={3: Decimal("80")})
    svg = str(chart.svg)
    texts = svg_text(svg)
    assert 'class="plan"' not in svg and "计划线" not in texts and "累计完成投资" in texts
    assert "无年度计划投资，不显示计划线。" in texts
    assert "3月 80" in aria_text(svg) and "100" in texts  # axis rounded up above 80


def test_chart_with_nothing_keeps_its_axes_and_a_message():
    chart = cumulative_chart(year=2025, annual_plan=Decimal("0"), completed={})
    texts = svg_text(chart.svg)
    assert not chart.has_data and "12月" in texts and "万元" in texts
    assert "尚无月报，也无年度计划投资。" in texts


def test_chart_months_follow_the_language():
    with translation.override("en"):
        chart = cumulative_chart(year=2025, annual_plan=Decimal("1200"), completed={1: Decimal("100")})
        expected = [str(m) for m in MONTHS]  # the English catalogue's labels, whatever they are
    assert [m.label for m in chart.months] == expected


# The history -------------------------------------------------------------------------------------

@pytest.fixture
def history_world(department, other_department):
    coordinator = make_user("coord", Role.COORDINATOR)
    programme = Programme.objects.create(year=2025, level="district", name="2025年区重点项目")
    project = Project(programme=programme, code="P-1", name="项目一", lead_department=department,
                      annual_plan=Decimal("1200"), total_investment=Decimal("5000"))
    project._history_user = coordinator
    project.save()
    return coordinator, project, other_department


def test_history_says_which_fields_changed_from_what_to_what(history_world):
    coordinator, project, other_department = history_world
    project.lead_department = other_department
    project.status = "implementation"
    project.annual_plan = Decimal("1500.5")
    project.planned_start = dt.date(2025, 3, 1)
    project._history_user = coordinator
    project.save()

    edit, creation = project_history(project)
    assert edit.user == "coord" and edit.action == "修改"
    changes = {c.label: (c.old, c.new) for c in edit.changes}
    assert changes["牵头单位"] == ("测试单位", "另一单位")
    assert changes["项目状态"] == ("—", "在建")
    assert changes["年度计划投资（万元）"] == ("1,200.00", "1,500.50")
    assert changes["计划开工"] == ("—", "2025-03-01")
    assert "版本" not in changes  # bookkeeping, not an edit
    assert creation.action == "创建" and creation.changes == [] and creation.user == "coord"


def test_history_without_a_user_is_the_system(history_world):
    _coordinator, project, _other = history_world
    del project._history_user  # a save by a command or migration carries no user
    project.name = "项目一（更名）"
    project.save()
    assert project_history(project)[0].user == "系统"
    assert [(c.label, c.old, c.new) for c in project_history(project)[0].changes] == [
        ("项目名称", "项目一", "项目一（更名）")]


def test_history_is_bounded(history_world):
    _coordinator, project, _other = history_world
    for i in range(5):
        project.progress_summary = f"第{i}次"
        project.save()
    rows = project_history(project, limit=3)
    assert len(rows) == 3 and all(r.action == "修改" for r in rows)
    # The oldest shown record still knows what it changed: the record before it was read too.
    assert [(c.old, c.new) for c in rows[-1].changes] == [("第1次", "第2次")]


def test_the_page_shows_chart_and_history(client, history_world):
    coordinator, project, other_department = history_world
    MonthlyReport.objects.create(project=project, year=2025, month=1, completed_month=Decimal(100),
                                 completed_ytd=Decimal(100), status="approved")
    project.lead_department = other_department
    project._history_user = coordinator
    project.save()
    client.force_login(coordinator)
    html = client.get(reverse("projects:project_detail", args=[project.pk])).content.decode()
    assert 'id="cumulative-chart"' in html and "<desc" in html and 'id="chart-figures"' in html
    assert "<caption>" in html and 'scope="row"' in html
    assert "牵头单位：测试单位 → 另一单位" in html and "创建" in html


def _page_queries(client, count_queries, project, user):
    client.force_login(user)
    url = reverse("projects:project_detail", args=[project.pk])
    with count_queries() as q:
        response = client.get(url)
    assert response.status_code == 200
    return q


def test_page_query_count_does_not_grow_with_history(client, count_queries, history_world):
    coordinator, project, _other = history_world
    departments = [Department.objects.create(code=f"d{i}", name=f"单位{i}", kind="bureau") for i in range(4)]
    programmes = [Programme.objects.create(year=2020 + i, level="district", name=f"计划{i}") for i in range(3)]

    def edit(i):
        project.lead_department = departments[i % len(departments)]
        project.programme = programmes[i % len(programmes)]
        project.status = ["implementation", "completion", ""][i % 3]
        project._history_user = coordinator
        project.save()

    for i in range(2):
        edit(i)
    assert project.history.count() == 3
    small = _page_queries(client, count_queries, project, coordinator)
    for i in range(2, 40):
        edit(i)
    assert project.history.count() >= 31
    large = _page_queries(client, count_queries, project, coordinator)
    small.assert_count(22, "3 history records")
    large.assert_count(22, "31 history records")


@pytest.mark.django_db
def test_a_project_loaded_without_a_creation_record_says_its_first_record_is_the_earliest():
    """Bulk-loaded projects (report data, sample portfolio) have one '~' record: nothing to compare it with."""
    project = Project.objects.create(code="H-1", name="历史项目")
    project.history.all().delete()
    project.progress_summary = "主体施工"
    project.save()
    rows = project_history(project)
    assert [(row.action, row.changes) for row in rows] == [("最早的记录（此前无历史可比较）", [])]
    project.progress_summary = "主体封顶"
    project.save()
    newest, earliest = project_history(project)
    assert newest.action == "修改" and [c.new for c in newest.changes] == ["主体封顶"]
    assert earliest.action == "最早的记录（此前无历史可比较）"
