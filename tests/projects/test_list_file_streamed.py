"""The project list's Excel file is streamed (projects.reports.listing): its projects are read and judged
LIST_FILE_CHUNK at a time over one query and written to the sheet row by row, so that a list of 100,000
projects is written in the memory of a chunk; the file is the list, in its order, whatever the chunk."""

import io
import os
from collections.abc import Iterator

import openpyxl
import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import ALL_TEMP_FILES

from portfolio.policy import Role
from projects import selectors
from projects.reports import listing, project_list
from projects.reports.fields import TEXT, WAN
from projects.reports.project_list import _row, _Words
from projects.reports.renderers.tables import Column, Table
from projects.reports.renderers.xlsx import SAMPLE_ROWS, safe_text, save_workbook
from tests.helpers import make_user

LISTS = [
    "year=2025&month=6",
    "year=2025&month=6&ordering=-rate",
    "year=2025&month=6&warning=red&ordering=name",
    "year=2025&month=3&ordering=-warning,code",
    "year=2025&month=6&category=industry&ordering=-annual_plan",
]


def written(user, query: str) -> tuple[list[tuple], int]:
    """The file's project rows (header left out) and the queries writing it took."""
    made = listing.project_listing(user, QueryDict(query))
    out = io.BytesIO()
    with CaptureQueriesContext(connection) as queries:
        listing.save_list_file(made, out)
    book = openpyxl.load_workbook(io.BytesIO(out.getvalue()), read_only=True)
    return list(book.worksheets[0].iter_rows(values_only=True))[1:], len(queries)


def page_rows(client, query: str) -> list[list]:
    """Every row the list's pages show (100 a page), as the file's cells would hold them."""
    words, cells, number = _Words(), [], 1
    while True:
        response = client.get(f"/projects/?{query}&page_size=100&page={number}")
        assert response.status_code == 200
        page = response.context["page"]
        cells += [as_cells(_row(row, words)) for row in response.context["rows"]]
        if not page.has_next():
            return cells
        number += 1


def as_cells(values: list) -> list:
    """A row's values as openpyxl reads them back: no empty text, text made safe."""
    return [None if value in ("", None) else safe_text(value) if isinstance(value, str) else value
            for value in values]


@pytest.mark.parametrize("query", LISTS)
def test_the_file_is_the_list_its_pages_show_whatever_the_chunk(portfolio, monkeypatch, client, query):
    user = make_user("streamed-coordinator", role=Role.COORDINATOR)
    client.force_login(user)
    shown = page_rows(client, query)
    assert len(shown) > 1
    whole, whole_queries = written(user, query)
    monkeypatch.setattr(listing, "LIST_FILE_CHUNK", 7)
    chunked, chunked_queries = written(user, query)
    # Every project once, in the list's order, with the figures, warning, reason and marks its page shows.
    assert [list(row) for row in chunked] == shown
    assert chunked == whole
    assert chunked_queries == whole_queries  # the chunks are read over one query


def test_the_projects_are_judged_a_chunk_at_a_time_as_the_sheet_is_written(portfolio, monkeypatch):
    user = make_user("streamed-viewer", role=Role.VIEWER)
    made = listing.project_listing(user, QueryDict("year=2025&month=6"))
    total, chunk = made.filterset.qs.count(), SAMPLE_ROWS + 50
    assert total > chunk
    monkeypatch.setattr(listing, "LIST_FILE_CHUNK", chunk)
    events, progress_of, append = [], selectors.progress_of, WriteOnlyWorksheet.append

    def judging(projects, *args, **kwargs):
        events.append(("judged", len(projects)))
        return progress_of(projects, *args, **kwargs)

    def appending(sheet, row):
        events.append(("appended", 1))
        return append(sheet, row)

    monkeypatch.setattr(selectors, "progress_of", judging)
    monkeypatch.setattr(WriteOnlyWorksheet, "append", appending)
    rows = listing.list_rows(made)
    assert isinstance(rows, Iterator) and events == []  # nothing read until the sheet asks
    listing.save_list_file(made, io.BytesIO())
    judged = [index for index, (event, _n) in enumerate(events) if event == "judged"]
    assert [events[index][1] for index in judged] == [chunk, total - chunk]
    # The first chunk's rows (and the header) are on the sheet before the second chunk is read.
    assert sum(1 for event, _n in events[: judged[1]] if event == "appended") == 1 + chunk


def test_a_failed_file_leaves_no_rows_on_the_disk_and_no_cursor_open(portfolio, monkeypatch):
    user = make_user("streamed-failure", role=Role.COORDINATOR)
    made = listing.project_listing(user, QueryDict("year=2025&month=6"))
    monkeypatch.setattr(listing, "LIST_FILE_CHUNK", 50)
    rows, row = [0], project_list._row

    def failing(*args):
        rows[0] += 1
        if rows[0] > SAMPLE_ROWS + 100:
            raise RuntimeError("the file fails part-way")
        return row(*args)

    monkeypatch.setattr(project_list, "_row", failing)
    before = set(ALL_TEMP_FILES)
    with pytest.raises(RuntimeError) as failure:  # its traceback holds the generators' frames
        listing.save_list_file(made, io.BytesIO())
    assert failure.value.args and rows[0] == SAMPLE_ROWS + 101
    left = [path for path in set(ALL_TEMP_FILES) - before if os.path.exists(path)]
    assert left == []  # the sheet's rows written so far are not left in the temporary directory
    if connection.vendor == "postgresql":  # a server-side cursor: closed with the rows, not when freed
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_cursors")
            assert cursor.fetchone()[0] == 0  # (a plain query is no cursor here: only the list's would show)


def test_a_sheet_of_streamed_rows_is_sized_from_its_first_rows_and_filtered_over_all(tmp_path):
    count = SAMPLE_ROWS + 150
    rows = ([f"P-{i:04d}", "长" * 30 if i == SAMPLE_ROWS + 10 else "短", i * 1.5] for i in range(count))
    table = Table("t", "t", "t", [Column("编号"), Column("名称", TEXT), Column("金额", WAN)], rows, auto_filter=True)
    path = tmp_path / "streamed.xlsx"
    with path.open("wb") as out:
        save_workbook([table], out)
    sheet = openpyxl.load_workbook(path)["t"]
    assert sheet.max_row == count + 1 and sheet.cell(count + 1, 1).value == f"P-{count - 1:04d}"
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(3)}{count + 1}"
    # A long name past the first rows does not widen its column; the rows looked at do.
    assert sheet.column_dimensions["B"].width < 20 and sheet.column_dimensions["A"].width >= 8
    assert sheet.cell(2, 3).number_format == "#,##0.00"


def test_a_jobs_progress_moves_as_its_rows_are_written(portfolio, settings, monkeypatch, client):
    from projects.reports import jobs

    settings.PORTFOLIO_BACKGROUND_PROJECTS = 100
    monkeypatch.setattr(listing, "LIST_FILE_CHUNK", 50)
    steps, step = [], jobs._step
    monkeypatch.setattr(jobs, "_step", lambda job, progress, stage: (steps.append(progress), step(job, progress, stage)))
    client.force_login(make_user("streamed-job", role=Role.COORDINATOR))
    response = client.get("/projects/export.xlsx", {"year": 2025, "month": 6})
    assert response.status_code == 302
    job = jobs.ReportJob.objects.get()
    assert job.state == job.State.DONE and job.progress == 100
    writing = steps[steps.index(40):steps.index(90)]
    chunks = -(-job.projects // 50)
    # One step a chunk, rising from 40% (none written) towards 90% (the file saved).
    assert len(writing) == chunks and writing[0] == 40 and all(a < b for a, b in zip(writing, writing[1:], strict=False))
    assert writing[-1] == 40 + 50 * (chunks - 1) * 50 // job.projects
