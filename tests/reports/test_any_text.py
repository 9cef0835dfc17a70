"""Any text a user can store renders in every format: one helper (portfolio.text.printable) removes
what XML cannot hold, so a \\x0b pasted from Word never breaks a download again."""

import io
from decimal import Decimal

import docx
import openpyxl
import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portfolio.periods import Period
from portfolio.text import NOT_XML, printable
from projects.models import MonthlyReport
from projects.reports.builders import build_progress_report
from projects.reports.renderers import render_progress

# What can be stored: PostgreSQL holds no NUL, and no lone surrogate comes through UTF-8.
STORABLE = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=40)
WITH_CONTROLS = st.lists(st.sampled_from(["\x0b", "\x0c", "\x01", "\x1f", "\ufffe", "一期", "=1", "<b>", "&"]),
                         min_size=1, max_size=6).map("".join)
TEXT = st.one_of(STORABLE, WITH_CONTROLS)


class _Undo(Exception):
    pass


@given(st.text())
def test_printable_keeps_everything_else(text):
    cleaned = printable(text)
    assert not NOT_XML.search(cleaned)
    assert cleaned == "".join(c for c in text if not NOT_XML.match(c))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=TEXT, progress=TEXT, problems=TEXT, requests=TEXT, department=TEXT)
def test_any_stored_text_renders(build, name, progress, problems, requests, department):
    try:
        with transaction.atomic():
            lead = build.department("D1", name=department)
            project = build.project(plan=100, ytd=None, department=lead)
            project.name = name
            project.save()
            MonthlyReport.objects.create(project=project, year=2025, month=6, completed_month=Decimal(60),
                                         completed_ytd=Decimal(60), status="approved", progress_text=progress,
                                         problems=problems, coordination_requests=requests)
            report = build_progress_report(type(project).objects.filter(pk=project.pk), Period(2025, 6))
            assert render_progress(report, "html").content
            book = openpyxl.load_workbook(io.BytesIO(render_progress(report, "xlsx").content))
            assert "项目明细" in book.sheetnames
            document = docx.Document(io.BytesIO(render_progress(report, "docx").content))
            assert document.paragraphs and not any(NOT_XML.search(p.text) for p in document.paragraphs)
            raise _Undo
    except _Undo:
        pass


@pytest.mark.slow
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=WITH_CONTROLS, problems=WITH_CONTROLS)
def test_any_stored_text_renders_as_pdf(build, name, problems):
    try:
        with transaction.atomic():
            project = build.project(plan=100, ytd=None)
            project.name = name
            project.save()
            MonthlyReport.objects.create(project=project, year=2025, month=6, completed_month=Decimal(60),
                                         completed_ytd=Decimal(60), status="approved", problems=problems)
            report = build_progress_report(type(project).objects.filter(pk=project.pk), Period(2025, 6))
            assert render_progress(report, "pdf").content.startswith(b"%PDF")
            raise _Undo
    except _Undo:
        pass
