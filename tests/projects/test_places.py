"""A place the report mentions (the airport, a platform) is no project: it is counted in no programme,
reports nothing, and its page says what it is."""

import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from portfolio.policy import Action, Role, can
from projects import services
from projects.models import MonthlyReport, Programme, Project
from tests.helpers import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def place_and_project(department):
    programme = Programme.objects.create(year=2025, level="district", name="2025年区重点项目")
    place = Project.objects.create(code="R-P", name="广州白云国际机场", record_kind="place",
                                   source_quote="广州白云国际机场旅客吞吐量保持稳定增长")
    project = Project.objects.create(code="R-J", name="第四跑道", programme=programme, lead_department=department)
    return place, project


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMINISTRATOR])
def test_nobody_starts_a_monthly_report_for_a_place(place_and_project, role):
    place, project = place_and_project
    user = make_user(f"u-{role}", role)
    assert can(user, Action.ADD, MonthlyReport(project=project, year=2025, month=6))
    assert not can(user, Action.ADD, MonthlyReport(project=place, year=2025, month=6))
    with pytest.raises(PermissionDenied) as refused:
        services.monthly_report_create(project=place, year=2025, month=6, acting_user=user,
                                       data={"completed_month": "10", "progress_text": "x"})
    assert "不是建设项目" in str(refused.value) and "广州白云国际机场" in str(refused.value)
    assert not MonthlyReport.objects.exists()


def test_a_places_page_has_no_warning_no_figures_and_nothing_to_complete(client, place_and_project):
    place, project = place_and_project
    client.force_login(make_user("coord", Role.COORDINATOR))
    page = client.get(reverse("projects:project_detail", args=[place.pk])).content.decode()
    assert "设施、平台或区域" in page and "不属重点项目计划" in page
    assert "待补充" not in page and "填报" not in page and "序时进度" not in page and "绿灯" not in page
    other = client.get(reverse("projects:project_detail", args=[project.pk])).content.decode()
    assert "设施、平台或区域" not in other and "填报" in other and "序时进度" in other
    assert place.missing_fields == [] and "annual_plan" in project.missing_fields


def test_the_list_and_its_excel_show_a_place_without_figures_or_warning(client, place_and_project):
    place, project = place_and_project
    client.force_login(make_user("coord-list", Role.COORDINATOR))
    page = client.get("/projects/", {"year": 2025, "month": 6}).content.decode()
    row = page[page.index(">R-P<"):]
    row = row[:row.index("</tr>")]
    assert "设施平台" in row and "绿灯" not in row and "待补充" not in row
    other = page[page.index(">R-J<"):]
    assert "绿灯" in other[:other.index("</tr>")]
    export = client.get("/projects/export.xlsx", {"year": 2025, "month": 6})
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["R-P"][8:12] == (None, None, None, None) and rows["R-J"][10] == "绿灯"
