"""Downloads are named in the reader's words, with the period and the filters, and any name is safe."""

import re
from urllib.parse import unquote

from hypothesis import given
from hypothesis import strategies as st

from portfolio.downloads import FORBIDDEN, attachment, file_name
from portfolio.policy import Role
from projects.models import Department, Programme
from tests.helpers import make_user

PROGRESS = "/reports/progress/"


def _names(header: str) -> tuple[str, str]:
    plain = re.search(r'filename="([^"]*)"', header).group(1)
    encoded = re.search(r"filename\*=UTF-8''(\S+)$", header).group(1)
    return plain, unquote(encoded)


@given(st.text(max_size=300), st.sampled_from(["pdf", "xlsx", "docx", "zip"]))
def test_any_words_make_a_safe_name_and_a_valid_header(stem, extension):
    name = file_name(stem, extension)
    assert name.endswith(f".{extension}") and not FORBIDDEN.search(name)
    assert len(name) <= 121 + len(extension) and not name.startswith((" ", "."))
    header = attachment(name, f"fallback.{extension}")
    header.encode("latin-1")  # an HTTP header holds nothing else
    plain, encoded = _names(header)
    assert encoded == name and plain == f"fallback.{extension}"


def test_a_filtered_report_is_named_by_its_period_and_filters(client, portfolio):
    client.force_login(make_user("names", Role.COORDINATOR))
    town = Department.objects.get(name="钟落潭镇")
    response = client.get(PROGRESS, {"year": 2025, "month": 6, "town": town.pk, "format": "pdf"})
    plain, name = _names(response["Content-Disposition"])
    assert name == "白云区2025年1—6月重点项目进度报告（钟落潭镇）.pdf"
    assert plain == "progress-report-2025-06.pdf"
    city = Programme.objects.get(level="city")
    response = client.get(PROGRESS, {"year": 2025, "month": 6, "programme": city.pk, "town": town.pk,
                                     "format": "xlsx"})
    assert _names(response["Content-Disposition"])[1] == (
        "白云区2025年1—6月重点项目进度报告（2025年市重点项目（白云区牵头）、钟落潭镇）.xlsx")
    whole = client.get(PROGRESS, {"year": 2025, "month": 6, "format": "docx"})
    assert _names(whole["Content-Disposition"])[1] == "白云区2025年1—6月重点项目进度报告.docx"


def test_names_follow_the_language_and_the_setting(client, portfolio, settings):
    settings.PORTFOLIO_DISTRICT = "从化区"
    client.force_login(make_user("names-en", Role.COORDINATOR))
    client.cookies["django_language"] = "en"
    response = client.get(PROGRESS, {"year": 2025, "month": 6, "format": "pdf"})
    assert _names(response["Content-Disposition"])[1] == "从化区 key project progress report Jan–Jun 2025.pdf"
    listed = client.get("/projects/export.xlsx", {"year": 2025, "month": 6})
    plain, name = _names(listed["Content-Disposition"])
    assert plain == "projects-2025-06.xlsx" and name.startswith("从化区") and "清单" not in name


def test_the_project_list_export_is_named_in_chinese(client, portfolio):
    client.force_login(make_user("names-list", Role.COORDINATOR))
    response = client.get("/projects/export.xlsx", {"year": 2025, "month": 6})
    assert _names(response["Content-Disposition"]) == ("projects-2025-06.xlsx", "白云区重点项目清单（截至2025年6月）.xlsx")
