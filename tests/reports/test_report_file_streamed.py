"""The progress report's Excel file streams its per-project lists (the appendix, the warnings, the milestones
and the issues): read from the database a chunk at a time as their sheets are written, never held whole,
the same rows as the whole report's, and nothing left behind when the file fails part-way."""

import io
import os

import openpyxl
import pytest
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import ALL_TEMP_FILES

from portfolio.models import ReportJob
from portfolio.policy import Role
from projects import selectors
from projects.closing import month_close
from projects.models import Department, Project
from projects.reports import builders, jobs
from projects.reports.renderers import render_progress, save_progress_xlsx
from projects.reports.requests import build_progress_request, progress_request_for
from projects.reports.structure import STREAMED, WHOLE, StreamedRows, whole_lists
from tests.helpers import make_user

# The shapes a file is asked for in: the whole programme, the red warnings, a category in the first quarter,
# a town's projects in December, everything entered (each also as a department's editor sees it: its own
# projects, with those it co-leads).
QUERIES = [
    "year=2025&month=6",
    "year=2025&month=6&warning=red",
    "year=2025&month=3&category=industry",
    "year=2025&month=12&town={town}",
    "year=2025&month=6&basis=all",
]


# The per-project lists a streamed report reads as its file is written.
LISTS = ("projects", "warnings", "milestones_overdue", "milestones_reached", "issues")


def _values(content: bytes) -> list[list]:
    """Every sheet's cells, the generation time left out (it differs between two renders)."""
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return [[sheet.title, *[cell if not (isinstance(cell, str) and "生成时间" in cell) else "<meta>" for cell in row]]
            for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]


def _report(user, query: str, page):
    return build_progress_request(progress_request_for(user, QueryDict(query)), page)


@pytest.fixture
def users(portfolio, settings):
    settings.PORTFOLIO_EDITOR_SEES_ALL_PROJECTS = False  # an editor's report: its department's projects
    department = Department.objects.filter(projects_led__isnull=False).order_by("pk").first()
    for project in Project.objects.exclude(lead_department=department).order_by("code")[:5]:
        project.co_departments.add(department)  # and those it co-leads (the query then reads DISTINCT)
    return [make_user("streamed-coordinator", role=Role.COORDINATOR),
            make_user("streamed-editor", role=Role.EDITOR, department=department)]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("query", QUERIES)
def test_the_streamed_file_holds_the_whole_reports_rows_in_its_order(users, query, language, monkeypatch):
    monkeypatch.setattr(builders, "REPORT_FILE_CHUNK", 7)  # many chunks, the last one short
    town = Project.objects.filter(town__isnull=False).values_list("town", flat=True).order_by("town").first()
    query = query.format(town=town)
    projects = []
    for user in users[:1] if "basis=all" in query else users:  # every report entered: the coordinators' alone
        with translation.override(language):
            projects.append(_same_file(user, query, monkeypatch))
    assert projects[0] > 0 and projects[1:] < projects[:1]  # the editor's report is its department's


def _same_file(user, query: str, monkeypatch) -> int:
    """Whether the streamed report's lists and file equal the whole report's; its number of projects."""
    whole, streamed = _report(user, query, WHOLE), _report(user, query, STREAMED)
    assert isinstance(streamed.projects, StreamedRows) and isinstance(streamed.warnings, StreamedRows)
    assert len(streamed.projects) == len(whole.projects) and len(streamed.warnings) == len(whole.warnings)
    for name in LISTS:
        assert list(getattr(streamed, name)) == getattr(whole, name), name
    assert list(streamed.projects) == whole.projects  # read again, the same rows
    with CaptureQueriesContext(connection) as chunked:
        content = render_progress(streamed, "xlsx").content
    assert _values(content) == _values(render_progress(whole, "xlsx").content)
    monkeypatch.setattr(builders, "REPORT_FILE_CHUNK", 10_000)
    again = _report(user, query, STREAMED)
    with CaptureQueriesContext(connection) as at_once:
        render_progress(again, "xlsx")
    # Each list one query, however many chunks it is read in (the issues none when the month has none).
    streamed_lists = [name for name in LISTS if isinstance(getattr(again, name), StreamedRows)]
    assert streamed_lists == [*LISTS[:4], *(["issues"] if whole.issues else [])]
    assert len(chunked) == len(at_once) == len(streamed_lists)
    monkeypatch.setattr(builders, "REPORT_FILE_CHUNK", 7)
    return len(whole.projects)


def test_a_closed_months_file_streams_its_frozen_rows(users, monkeypatch):
    month_close(year=2025, month=6, acting_user=users[0], waive_missing="测试：未报送的项目")
    monkeypatch.setattr(builders, "REPORT_FILE_CHUNK", 11)
    whole, streamed = _report(users[0], "year=2025&month=6", WHOLE), _report(users[0], "year=2025&month=6", STREAMED)
    assert streamed.snapshot_version == whole.snapshot_version == 1
    for name in LISTS:
        assert list(getattr(streamed, name)) == getattr(whole, name), name
    assert len(whole.warnings) > 0 and len(whole.milestones_overdue) > 0
    assert _values(render_progress(streamed, "xlsx").content) == _values(render_progress(whole, "xlsx").content)


def test_only_the_excel_file_streams():
    assert whole_lists("xlsx") is STREAMED
    assert [whole_lists(fmt) for fmt in ("pdf", "docx")] == [WHOLE, WHOLE]


def test_the_lists_are_judged_a_chunk_at_a_time_as_their_sheets_are_written(users, monkeypatch):
    chunk = 40
    monkeypatch.setattr(builders, "REPORT_FILE_CHUNK", chunk)
    report = _report(users[0], "year=2025&month=6", STREAMED)
    projects, warnings = len(report.projects), len(report.warnings)
    assert projects > 9 * chunk and warnings > chunk
    events, progress_of, append = [], selectors.progress_of, WriteOnlyWorksheet.append

    def judging(rows, *args, **kwargs):
        events.append(("judged", len(rows)))
        if connection.vendor == "postgresql":  # the list read over a server-side cursor, open as it is judged
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_cursors")
                events.append(("cursors", cursor.fetchone()[0]))
        return progress_of(rows, *args, **kwargs)

    def appending(sheet, row):
        events.append((sheet.title, 1))
        return append(sheet, row)

    monkeypatch.setattr(selectors, "progress_of", judging)
    monkeypatch.setattr(WriteOnlyWorksheet, "append", appending)
    save_progress_xlsx(report, io.BytesIO())
    if connection.vendor == "postgresql":  # (a list's last chunk is judged once its cursor has run out)
        cursors = [n for event, n in events if event == "cursors"]
        assert set(cursors) <= {0, 1} and cursors.count(1) >= len(cursors) - 2
    judged = [index for index, (event, _n) in enumerate(events) if event == "judged"]
    # The warnings' sheet comes before the appendix's: each list read once, a chunk at a time.
    assert [events[index][1] for index in judged] == _chunks(warnings, chunk) + _chunks(projects, chunk)
    # The appendix's sheet sizes its columns from its first SAMPLE_ROWS (300) rows, read in 8 chunks; those
    # rows and the header are on the sheet before its 9th chunk is read.
    ninth = judged[len(_chunks(warnings, chunk)) + 8]
    assert sum(1 for event, _n in events[:ninth] if event == "项目明细") == 1 + 8 * chunk


def _chunks(total: int, size: int) -> list[int]:
    return [size] * (total // size) + ([total % size] if total % size else [])


@pytest.mark.parametrize("where", ["a project's line", "the sheet"])
def test_a_file_failing_part_way_leaves_no_rows_on_the_disk_and_no_cursor_open(users, monkeypatch, where):
    monkeypatch.setattr(builders, "REPORT_FILE_CHUNK", 30)
    made, append, rows = builders._project_rows, WriteOnlyWorksheet.append, [0]

    def failing(progress_rows):  # the rows fail: the exception passes up through the rows' generators
        for row in made(progress_rows):
            rows[0] += 1
            if rows[0] > 350:
                raise RuntimeError("a project's line fails part-way")
            yield row

    def appending(sheet, row):  # the writer fails: the rows' generators are left where they stood
        if sheet.title == "项目明细":
            rows[0] += 1
            if rows[0] > 351:  # (its header first)
                raise RuntimeError("the sheet fails part-way")
        return append(sheet, row)

    if where == "the sheet":
        monkeypatch.setattr(WriteOnlyWorksheet, "append", appending)
    else:
        monkeypatch.setattr(builders, "_project_rows", failing)
    report = _report(users[0], "year=2025&month=6", STREAMED)
    before = set(ALL_TEMP_FILES)
    with pytest.raises(RuntimeError) as failure:  # its traceback holds the generators' frames
        save_progress_xlsx(report, io.BytesIO())
    assert failure.value.args and rows[0] == 351 + (where == "the sheet")
    assert [path for path in set(ALL_TEMP_FILES) - before if os.path.exists(path)] == []
    if connection.vendor == "postgresql":  # the server-side cursor closed with the rows, not when freed
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_cursors")
            assert cursor.fetchone()[0] == 0


def test_a_jobs_progress_moves_as_the_lists_are_written(portfolio, settings, monkeypatch):
    settings.PORTFOLIO_BACKGROUND_PROJECTS = 100
    monkeypatch.setattr(builders, "REPORT_FILE_CHUNK", 30)
    monkeypatch.setattr(jobs, "STEP_ROWS", 50)
    steps, step = [], jobs._step
    monkeypatch.setattr(jobs, "_step", lambda job, progress, stage: (steps.append(progress), step(job, progress, stage)))
    client = Client()
    client.force_login(make_user("streamed-report-job", role=Role.COORDINATOR))
    assert client.get("/reports/progress/", {"year": 2025, "month": 6, "format": "xlsx"}).status_code == 302
    job = ReportJob.objects.get()
    assert job.state == job.State.DONE and job.progress == 100
    report = _report(job.user, "year=2025&month=6", STREAMED)
    # The lists in the order their sheets are written (the issues too when the month has some).
    sizes = [len(getattr(report, name)) for name in
             ("warnings", "milestones_reached", "milestones_overdue", "issues", "projects")]
    assert all(sizes[:3]) and sizes[4] == 434
    total, done, expected = sum(sizes), 0, []
    for rows in [chunk for size in sizes for chunk in _chunks(size, 50)]:
        done += rows
        expected.append(40 + 50 * done // total)
    # From 40% (nothing written) to 90% (the file saved), a step each 50 rows of any list read.
    assert steps[steps.index(40):] == [40, *expected, 90] and len(expected) > 10
