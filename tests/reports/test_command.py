"""The progress_report command writes the same report for scheduled runs; the CJK font check."""

import io
import subprocess

import docx
import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from projects.models import Project
from projects.reports import checks

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("progress_report", *args, stdout=out)
    return out.getvalue()


def test_command_writes_each_format(portfolio, tmp_path):
    for fmt in ("html", "xlsx", "docx"):
        output = tmp_path / "out" / f"report.{fmt}"
        message = run("--year", "2025", "--month", "6", "--format", fmt, "--output", str(output))
        assert output.exists() and str(output) in message
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "上半年，336个区重点项目完成投资590亿元，完成年度投资计划54.66%，超序时进度" in html
    wb = openpyxl.load_workbook(tmp_path / "out" / "report.xlsx")
    assert wb["项目明细"].max_row == 1 + 434
    assert docx.Document(tmp_path / "out" / "report.docx").paragraphs[0].text == "白云区2025年重点项目进度报告"


def test_command_filters_by_programme_and_department(portfolio, tmp_path):
    output = tmp_path / "city.xlsx"
    run("--year", "2025", "--month", "6", "--programme", "2025-city", "--format", "xlsx", "--output", str(output))
    rows = list(openpyxl.load_workbook(output)["项目明细"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == 98 and {r[2] for r in rows} == {"2025年市重点项目（白云区牵头）"}

    project = Project.objects.exclude(lead_department=None).select_related("lead_department").first()
    department = project.lead_department
    output = tmp_path / "dept.xlsx"
    run("--year", "2025", "--month", "6", "--department", department.code, "--format", "xlsx", "--output",
        str(output))
    rows = list(openpyxl.load_workbook(output)["项目明细"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == Project.objects.filter(lead_department=department).count()


def test_command_pdf_and_indicators(portfolio, tmp_path):
    output = tmp_path / "city.pdf"
    run("--year", "2025", "--month", "6", "--programme", "2025-city", "--format", "pdf", "--output", str(output))
    assert output.read_bytes().startswith(b"%PDF")
    output = tmp_path / "indicators.xlsx"
    run("--year", "2025", "--month", "6", "--indicators", "--format", "xlsx", "--output", str(output))
    assert "经济总量" in openpyxl.load_workbook(output).sheetnames


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--programme", "2025-county"], "Unknown programme '2025-county'; known: 2025-city, 2025-district"),
        (["--programme", "district"], "must look like 2025-district"),
        (["--programme", "2025-district", "--year", "2024"], "is for 2025, the report for 2024"),
        (["--department", "no-such-dept"], "Unknown department code"),
    ],
)
def test_command_errors_are_explained(portfolio, tmp_path, args, message):
    base = {"--year": "2025", "--month": "6", "--format": "xlsx", "--output": str(tmp_path / "x.xlsx")}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    with pytest.raises(CommandError, match=message):
        run(*[item for pair in base.items() for item in pair])


def test_cjk_font_check(monkeypatch):
    checks.cjk_fonts.cache_clear()
    try:
        assert checks.check_cjk_font() == []  # fonts-noto-cjk is installed here
        assert "Noto Sans CJK SC" in checks.cjk_fonts()

        checks.cjk_fonts.cache_clear()
        monkeypatch.setattr(checks.subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 0, "", ""))
        (warning,) = checks.check_cjk_font()
        assert warning.id == "reports.W001" and "fonts-noto-cjk" in warning.hint

        checks.cjk_fonts.cache_clear()
        monkeypatch.setattr(checks.shutil, "which", lambda name: None)
        (warning,) = checks.check_cjk_font()
        assert warning.id == "reports.W002"
    finally:
        checks.cjk_fonts.cache_clear()


def test_the_check_is_registered():
    from django.core.checks import registry

    import projects.reports.urls  # noqa: F401  (loads the check until an AppConfig.ready() imports it)

    assert checks.check_cjk_font in registry.registry.get_checks()
