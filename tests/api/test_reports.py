"""Report data through the API: the same structure and files as the report pages, the same policy."""

import hashlib
import io
import json
from decimal import Decimal

import docx
import openpyxl
import pytest
from django.urls import reverse
from pypdf import PdfReader

from portfolio.periods import Period
from portfolio.policy import Role
from projects.models import Department, Programme, Project
from projects.reports.builders import build_progress_report
from tests.helpers import database_state, make_user

pytestmark = pytest.mark.django_db
PROGRESS = "/api/v1/reports/progress/"
INDICATORS = "/api/v1/reports/indicators/"
H1 = {"year": 2025, "month": 6}
REPORT_JSON_QUERIES = 29  # the warnings' and the appendix's page by key: keys, then rows
# The whole appendix of the 434-project portfolio on one page (the JSON lists 100 rows a page by default).
WHOLE = {**H1, "appendix_page_size": 1000}


@pytest.fixture
def coordinator_api(api_client, coordinator):
    return api_client(coordinator)


def programme(data, level):
    return next(p for p in data["programmes"] if p["level"] == level)


def test_progress_json_carries_the_2025_h1_figures(coordinator_api, portfolio):
    response = coordinator_api.get(PROGRESS, WHOLE)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["period"] == {"year": 2025, "month": 6}
    district, city = programme(data, "district"), programme(data, "city")
    assert district["figures"]["count"] == 336
    assert district["figures"]["completed_ytd_yi"] == "590.00"
    assert district["figures"]["rate"] == "54.66"
    assert district["snapshot"]["published_rate"] == "54.66"
    assert district["snapshot"]["reconciles"] is True
    assert city["figures"]["completed_ytd_yi"] == "177.80"
    assert city["figures"]["rate"] == "74.20"
    assert data["rules"] == {"version": "2025.2", "yellow_behind_points": 10, "red_behind_points": 30,
                             "red_overdue_months": 3, "milestones_only_statuses": ["completion", "maintenance"]}
    assert data["totals"]["time_elapsed"] == "50.00"
    assert "336个区重点项目完成投资590亿元，完成年度投资计划54.66%，超序时进度" in data["narrative"][0]
    assert "98个市重点项目完成投资177.8亿元，完成年度投资计划74.20%" in data["narrative"][0]
    assert len(data["projects"]) == 434
    assert sum(data["warning_counts"].values()) == 434
    assert len(data["warnings"]) == data["warning_counts"]["red"] + data["warning_counts"]["yellow"]
    assert data["has_sample_data"] is True


def test_progress_json_is_the_builders_structure(coordinator_api, portfolio):
    """Every figure of the JSON is the builder's, amounts to four places in 万元, rates to two."""
    report = build_progress_report(Project.objects.all(), Period(2025, 6))
    data = coordinator_api.get(PROGRESS, WHOLE).json()
    totals = report.totals
    assert Decimal(data["totals"]["annual_plan"]) == totals.annual_plan
    assert Decimal(data["totals"]["completed_ytd"]) == totals.completed_ytd
    assert Decimal(data["totals"]["rate"]) == totals.rate
    assert Decimal(data["totals"]["difference"]) == totals.difference
    assert data["totals"]["verdict_text"] == totals.verdict_text
    department = next(b for b in data["breakdowns"] if b["key"] == "department")
    built = next(b for b in report.breakdowns if b.key == "department")
    assert [(r["label"], r["rank"], r["figures"]["rate"]) for r in department["rows"]] == [
        (r.label, r.rank, None if r.figures.rate is None else f"{r.figures.rate:.2f}") for r in built.rows
    ]
    assert [w["reason_text"] for w in data["warnings"]] == [w.reason_text for w in report.warnings]
    assert [m["months_overdue"] for m in data["milestones_overdue"]] == [
        m.months_overdue for m in report.milestones_overdue
    ]
    assert [p["code"] for p in data["projects"]] == [p.code for p in report.projects]
    assert [m["completed_cumulative_yi"] for m in data["months"]] == [
        f"{m.completed_cumulative_yi:.2f}" for m in report.months
    ]


def test_filters_are_the_project_lists(coordinator_api, portfolio):
    district = Project.objects.filter(programme__level="district").values_list("programme", flat=True).first()
    data = coordinator_api.get(PROGRESS, {**H1, "programme": district, "warning": "red"}).json()
    assert [p["level"] for p in data["programmes"]] == ["district"]
    assert {p["colour"] for p in data["projects"]} == {"red"}
    assert data["totals"]["count"] == data["warning_counts"]["red"] == len(data["projects"])
    assert {s["label"] for s in data["scope"]} >= {"重点项目计划", "预警"}


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"month": "13"}, "month", "月份须在1至12之间"),
        ({"month": "六"}, "month", "月份须为1至12之间的整数"),
        ({"year": "abc"}, "year", "年度须为整数"),
        ({"programme": "999999"}, "programme", ""),
        ({"lead_department": "x"}, "lead_department", ""),
        ({"warning": "purple"}, "warning", ""),
    ],
)
@pytest.mark.parametrize("url", [PROGRESS, PROGRESS + "xlsx/", PROGRESS + "pdf/"])
def test_bad_parameters_answer_400_with_the_field(coordinator_api, portfolio, url, params, field, message):
    response = coordinator_api.get(url, {**H1, **params})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    errors = response.json()
    assert list(errors) == [field] and message in errors[field][0]


def test_a_programme_of_another_year_is_refused(coordinator_api, portfolio):
    district = Programme.objects.get(year=2025, level="district").pk
    response = coordinator_api.get(PROGRESS, {"year": 2024, "month": 6, "programme": district})
    assert response.status_code == 400
    assert "与报告年度2024不一致" in response.json()["programme"][0]


@pytest.mark.parametrize("url", [PROGRESS, INDICATORS, PROGRESS + "pdf/", INDICATORS + "xlsx/"])
def test_anonymous_401_and_a_user_without_a_role_403(api_client, db, url):
    anonymous = api_client(None).get(url)
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"] == "Token"
    assert anonymous["Content-Type"] == "application/json"
    refused = api_client(make_user("nobody")).get(url)
    assert refused.status_code == 403 and "detail" in refused.json()


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_reports_are_read_only(coordinator_api, db, method):
    assert getattr(coordinator_api, method)(PROGRESS, {}, format="json").status_code == 405


def test_an_editors_report_covers_only_what_they_may_see(api_client, portfolio, settings):
    settings.PORTFOLIO_EDITOR_SEES_ALL_PROJECTS = False
    own = Department.objects.get(pk=Project.objects.exclude(lead_department=None)
                                 .values_list("lead_department", flat=True).order_by("lead_department").first())
    editor = make_user("dept-editor", Role.EDITOR, own)
    data = api_client(editor).get(PROGRESS, H1).json()
    visible = set(Project.objects.filter(lead_department=own).values_list("code", flat=True))
    assert {p["code"] for p in data["projects"]} == visible
    assert data["totals"]["count"] == len(visible) < 434
    assert {"label": "可见范围", "value": "本单位牵头或配合的项目"} in data["scope"]
    assert all(p["snapshot"] is None or not p["snapshot"]["covers_programme"] for p in data["programmes"])
    workbook = openpyxl.load_workbook(io.BytesIO(api_client(editor).get(PROGRESS + "xlsx/", H1).content))
    assert {row[0] for row in workbook["项目明细"].iter_rows(min_row=2, values_only=True)} == visible


def test_the_files_are_the_pages_downloads(coordinator_api, client, coordinator, portfolio):
    """xlsx and docx parse back with the same figures; the format is the path's whatever is asked."""
    xlsx = coordinator_api.get(PROGRESS + "xlsx/", H1)
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert xlsx["Content-Disposition"].startswith('attachment; filename="progress-report-2025-06.xlsx"')
    client.force_login(coordinator)
    page_xlsx = client.get("/reports/progress/", {**H1, "format": "xlsx"})
    sheets = [openpyxl.load_workbook(io.BytesIO(r.content)) for r in (xlsx, page_xlsx)]
    assert [list(row[1:]) for row in sheets[0]["总体进度"].iter_rows(values_only=True)] == [
        list(row[1:]) for row in sheets[1]["总体进度"].iter_rows(values_only=True)
    ]
    document = docx.Document(io.BytesIO(coordinator_api.get(PROGRESS + "docx/", H1).content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "336个区重点项目完成投资590亿元" in text
    # ?format= and Accept cannot turn the file into JSON.
    forced = coordinator_api.get(PROGRESS + "docx/", {**H1, "format": "json"}, HTTP_ACCEPT="application/json")
    assert forced.status_code == 200 and forced["Content-Type"].startswith("application/vnd.openxml")


def test_pdf_downloads_with_chinese_text(coordinator_api, portfolio):
    response = coordinator_api.get(PROGRESS + "pdf/", {**H1, "appendix": "0"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "重点项目" in text and "54.66" in text


def test_indicators_json_and_file(coordinator_api, report_data):
    data = coordinator_api.get(INDICATORS, H1).json()
    rows = {row["code"]: row for group in data["groups"] for row in group["rows"]}
    assert rows["gdp"]["value"] == "1532.8000"
    assert rows["gdp"]["growth"] == "5.3000"
    assert rows["gdp"]["rank"] == 1
    workbook = openpyxl.load_workbook(io.BytesIO(coordinator_api.get(INDICATORS + "xlsx/", H1).content))
    cells = {cell for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for cell in row}
    assert "地区生产总值" in cells and 1532.8 in {c for c in cells if isinstance(c, float)}


def test_query_count_is_pinned_at_10_and_1000_projects(api_client, portfolio_of_size, coordinator, count_queries):
    client = api_client(coordinator)
    for size in (10, 1000):
        with portfolio_of_size(size):
            with count_queries() as q:
                response = client.get(PROGRESS, H1)
            assert response.status_code == 200 and len(response.json()["projects"]) == min(size, 100)
            q.assert_count(REPORT_JSON_QUERIES, f"the progress report's JSON at {size} projects")


@pytest.mark.parametrize("role", ["viewer", "editor", "coordinator", "administrator"])
@pytest.mark.parametrize("url", [PROGRESS, INDICATORS, PROGRESS + "xlsx/", INDICATORS + "docx/"])
def test_every_role_reads_the_reports_and_changes_nothing(world, api_client, role, url):
    """The matrix's report cells: reading is every role's (through the policy's VIEW); nothing is written."""
    before = database_state(departments=True)
    response = api_client(world.users[role]).get(url, H1)
    assert response.status_code == 200, response.content
    assert database_state(departments=True) == before


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, ensure_ascii=False).encode()).hexdigest()


def _without_keys(value):
    """The JSON without primary keys (programmes' pk, departments' and towns' row keys in the breakdowns):
    they come from the database's sequences, which earlier tests advance on PostgreSQL, not from the report."""
    if isinstance(value, list):
        return [_without_keys(item) for item in value]
    if not isinstance(value, dict):
        return value
    value = {key: _without_keys(item) for key, item in value.items() if key != "pk"}
    if value.get("key") in ("department", "town"):
        value["rows"] = [{k: v for k, v in row.items() if k != "key"} for row in value["rows"]]
    return value


def test_report_json_is_pinned(coordinator_api, portfolio):
    """The JSON of both reports, keys in order and every value, as the API has always written it (the whole
    appendix on one page; the keys that say how it is paged are the only ones added)."""
    progress = coordinator_api.get(PROGRESS, WHOLE).json()
    assert (progress.pop("page"), progress.pop("appendix_pages")) == ({"number": 1, "size": 1000}, 1)
    assert progress.pop("listed") == {
        "projects": 434, "warnings": len(progress["warnings"]), "red_far_behind": sum(
            1 for w in progress["warnings"] if w["colour"] == "red" and w["behind"] and Decimal(w["behind"]) > 30),
        "red_overdue": sum(1 for w in progress["warnings"] if w["max_overdue_months"] > 3),
        "milestones_reached": len(progress["milestones_reached"]),
        "milestones_overdue": len(progress["milestones_overdue"]),
        "milestones_long_overdue": sum(1 for m in progress["milestones_overdue"] if m["months_overdue"] > 3),
        "issues": len(progress["issues"]),
        "issues_with_problems": sum(1 for i in progress["issues"] if i["problems"]),
        "issues_with_requests": sum(1 for i in progress["issues"] if i["coordination_requests"]),
    }
    indicators = coordinator_api.get(INDICATORS, H1).json()
    for data in (progress, indicators):
        assert data.pop("generated_at")
    assert [p["pk"] for p in progress["programmes"]] == [
        Programme.objects.get(year=2025, level=level).pk for level in ("district", "city")]
    assert (_digest(_without_keys(progress)), _digest(indicators)) == (
        "e654eb8185624bb4a7cedec652916e6ac4b43d3ebf1ea8694565faae0b14ec4c",
        "baa26b2a5291add41c6ef9b4c26fd2ebd01fbf844d5143e8e0b08da59bd3860a",
    )


def test_report_schema_is_pinned(coordinator_api):
    """The schema's report components: names, fields in order, types, labels and help texts."""
    components = coordinator_api.get(reverse("api_schema"), {"format": "json"}).json()["components"]["schemas"]
    names = ["ProgressReport", "IndicatorReport", "IndicatorGroup", "IndicatorRow", "Figures", "Period", "Scope",
             "Reconciliation", "ProgrammeFigures", "GroupRow", "Breakdown", "Warning", "MilestoneRow", "Issue",
             "MonthPoint", "ProjectRow", "WarningCounts", "WarningRules", "Completeness", "ReportingStatus"]
    assert {name: _digest(components[name]) for name in names} == {
        "ProgressReport": "b5264d339aa53546b94ead332423b4a89ed611fe4c7568c5e93d09d7d48b2566",
        "IndicatorReport": "478195c5e6af302aba8db68b0636de924afee98af268cf5a53671215decb23c2",
        "IndicatorGroup": "e65749010fdbba3a46d9a77e87625231aac3b16c53363c4f9edbee3459209ddd",
        "IndicatorRow": "b25429ac039508cf6f28b8e27842f6d2208139698fcab60f8f7f720dddf72ccc",
        "Figures": "3b99cac785bf7f4c361b6b069cbf5014264c4ede5ff909aaf9093d3c7ff44805",
        "Period": "f63f4416d14041a3bb60f075eb8d9cfda0b5b28bfcb5c8af94197f6f093811c6",
        "Scope": "3a96ccebd0fabc4f8207d4fad3c51d920894868b8085a21ebcf9c77a1c645bc4",
        "Reconciliation": "dada74c11163d71d68566e37a1488bce896505c7c591dbed610c5c2ee84af31f",
        "ProgrammeFigures": "7160ee3196e61024e7591f519b98cb6e93879017d2225df0dbb14834c0876ae6",
        "GroupRow": "76acef65379b9839ccbc39edeaa3afad1557b2e5a36154f5335e8d7434c3fa23",
        "Breakdown": "4ce760cbb850596d53887f225e99cb4d3a4f3260260aabb20270a7110810e76a",
        "Warning": "6c933deffc721709333b8ae3114fa4cc78e84a15022fb011fcd2c1fd74bf2894",
        "MilestoneRow": "9fde688969e29b70f2ee5afb3793b35d37684c50df8b4ed276c0897c8312a213",
        "Issue": "f8852a41d248502a2b4347ad65088a6746006c1604aaa84114f29a522433b9d4",
        "MonthPoint": "1707311bb88ea696caac030f9d60816c2c64c4dc3e02a42250663d7a5f458bd6",
        "ProjectRow": "4eccc2ae5232611874716d1abcb46a33f6e6c47a8ce1827fa6a8f37cba1afc17",
        "WarningCounts": "3de198863113338a94237e7aaeeb8ef55e7f7903c62ca498522a72b51e798958",
        "WarningRules": "a1e88dc4b54c83eb5f1fb3913965e88321707813778ec630fdbf827098bf7608",
        "Completeness": "0468f5afe97520ddbdeb4bb9a4055e0a506a4197f3b3758c38d2198ddc6a8086",
        "ReportingStatus": "79d9fedc1804a829ea8db18d0132d675eb76b67a3c3acdaad0926b9a23b55be4",
    }
