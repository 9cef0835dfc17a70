"""The project list's Excel file is streamed (projects.reports.listing): its projects are read and judged
LIST_FILE_CHUNK at a time over one query and written to the sheet row by row, so that a list of 100,000
projects is written in the memory of a chunk; the file is the list, in its order, whatever the chunk."""

import io
from collections.abc import Iterator

import openpyxl
import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from openpyxl.utils import get_column_letter

from portfolio.policy import Role
from projects.reports import listing
from projects.reports.fields import TEXT, WAN
from projects.reports.renderers.tables import Column, Table
from projects.reports.renderers.xlsx import SAMPLE_ROWS, save_workbook
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


@pytest.mark.parametrize("query", LISTS)
def test_the_file_is_the_list_in_its_order_whatever_the_chunk(portfolio, monkeypatch, query):
    user = make_user("streamed-coordinator", role=Role.COORDINATOR)
    page_codes = [p.code for p in listing.project_listing(user, QueryDict(query)).filterset.qs.only("code")]
    assert len(page_codes) > 1
    whole, whole_queries = written(user, query)
    monkeypatch.setattr(listing, "LIST_FILE_CHUNK", 7)
    chunked, chunked_queries = written(user, query)
    assert [row[0] for row in chunked] == page_codes  # every project once, in the list's order
    assert chunked == whole  # and each row's figures, warning and marks the same
    assert chunked_queries == whole_queries  # the chunks are read over one query


def test_the_projects_are_judged_a_chunk_at_a_time_as_the_sheet_is_written(portfolio, monkeypatch):
    user = make_user("streamed-viewer", role=Role.VIEWER)
    made = listing.project_listing(user, QueryDict("year=2025&month=6"))
    total = made.filterset.qs.count()
    monkeypatch.setattr(listing, "LIST_FILE_CHUNK", 50)
    judged, progress_of = [], listing.progress_of

    def counting(projects, *args, **kwargs):
        judged.append(len(projects))
        return progress_of(projects, *args, **kwargs)

    monkeypatch.setattr(listing, "progress_of", counting)
    rows = listing.list_rows(made)
    assert isinstance(rows, Iterator) and judged == []  # nothing read until the sheet asks
    first = next(rows)
    assert judged == [50] and first.project.code
    rest = list(rows)
    assert 1 + len(rest) == total and max(judged) == 50 and sum(judged) == total


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
