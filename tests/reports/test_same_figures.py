"""One figure, one value: the dashboard, the project list, its Excel export, the progress report and
the API's report JSON agree for the same period and filters, because they read the same selectors."""

import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from portfolio.money import format_yi
from projects.models import Department, MonthlyReport, Programme, Project

H1 = {"year": "2025", "month": "6"}


def dashboard_figures(client, programme) -> dict:
    page = client.get(reverse("dashboard"), {**H1, "programme": programme.pk}).content.decode()
    figures = dict(re.findall(r'data-figure="(\w+)"[^>]*>([^<]*)<', page))
    return {key: figures[key].strip() for key in ("count", "plan", "ytd", "rate", "red", "yellow", "green")}


def list_count(client, params) -> int:
    page = client.get(reverse("projects:project_list"), {**H1, **params}).content.decode()
    return int(re.search(r"(\d+) 个项目", page).group(1))


def report_json(client, params) -> dict:
    response = client.get("/api/v1/reports/progress/", {**H1, "appendix_page_size": 1000, **params})
    assert response.status_code == 200, response.content
    return response.json()


def export_rows(client, params) -> dict[str, tuple]:
    response = client.get(reverse("projects:project_export"), {**H1, **params})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    code, ytd, rate, colour = (header.index(name) for name in ("项目编号", "累计完成投资（万元）", "完成率（%）", "预警"))
    return {row[code]: (row[ytd], row[rate], row[colour]) for row in sheet.iter_rows(min_row=2, values_only=True)}


@pytest.fixture
def drafts(portfolio):
    """A draft in the period for a few projects: no figure counts it, on any of the five paths."""
    for project in Project.objects.filter(programme__level="district").order_by("code")[:5]:
        MonthlyReport.objects.filter(project=project, year=2025, month=6).update(status="draft")


@pytest.mark.parametrize("level", ["district", "city"])
def test_dashboard_list_report_api_and_export_agree_for_a_programme(client, viewer, drafts, level):
    client.force_login(viewer)
    programme = Programme.objects.get(year=2025, level=level)
    params = {"programme": programme.pk}
    data = report_json(client, params)
    totals, counts = data["totals"], data["warning_counts"]

    dashboard = dashboard_figures(client, programme)
    assert int(dashboard["count"]) == totals["count"] == list_count(client, params)
    assert dashboard["plan"] == format_yi(Decimal(totals["annual_plan"]))
    assert dashboard["ytd"] == format_yi(Decimal(totals["completed_ytd"]))
    assert dashboard["rate"] == f"{totals['rate']}%"
    for colour in ("red", "yellow", "green"):
        assert int(dashboard[colour]) == counts[colour] == list_count(client, {**params, "warning": colour})

    exported = export_rows(client, params)
    assert len(exported) == totals["count"]
    by_code = {p["code"]: p for p in data["projects"]}
    assert set(exported) == set(by_code)
    for code, (ytd, rate, colour) in exported.items():
        project = by_code[code]
        assert Decimal(str(ytd)).quantize(Decimal("0.01")) == Decimal(project["completed_ytd"]).quantize(Decimal("0.01"))
        assert (None if rate is None else Decimal(str(rate))) == (
            None if project["rate"] is None else Decimal(project["rate"]))
        assert colour == project["colour_label"]


def test_list_report_api_and_export_agree_for_a_department(client, viewer, drafts):
    client.force_login(viewer)
    department = (Department.objects.filter(projects_led__programme__level="district")
                  .order_by("code").distinct().first())
    params = {"programme": Programme.objects.get(year=2025, level="district").pk, "lead_department": department.pk}
    data = report_json(client, params)
    assert data["totals"]["count"] == list_count(client, params) == len(export_rows(client, params)) > 0
    for colour in ("red", "yellow", "green"):
        assert data["warning_counts"][colour] == list_count(client, {**params, "warning": colour})


def test_a_year_without_a_month_means_the_whole_year_on_every_path(client, viewer, portfolio):
    """/projects/?year=2024 and /reports/progress/?year=2024 both mean January to December 2024."""
    client.force_login(viewer)
    page = client.get(reverse("projects:project_list"), {"year": "2024"}).content.decode()
    assert "截至2024年12月" in page
    data = report_json(client, {"year": "2024", "month": ""})
    assert data["period"] == {"year": 2024, "month": 12}
    dashboard = client.get(reverse("dashboard"), {"year": "2024"}).content.decode()
    assert re.search(r'name="month" id="id_month" value="12"', dashboard)
