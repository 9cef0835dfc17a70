"""The project list from a request's parameters, for a user: its projects, period, figure source and
filters, and its Excel file. Shared by the list page, its export in the request, and the export of a
long list rendered in the background (projects.reports.jobs), so that all three list the same rows.
"""

from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from io import BytesIO
from typing import BinaryIO

from django.contrib import messages
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _
from django_filters import FilterSet

from portfolio.periods import Period

from ..filters import ProjectFilterSet
from ..forms import PeriodForm
from ..models import Project
from ..permissions import Action, restrict
from ..selectors import (
    PROGRESS_RELATED,
    FigureSource,
    ProjectProgress,
    figure_source,
    latest_period,
    overdue_milestones,
    progress_in_chunks,
    with_list_figures,
)
from .project_list import EXPORT_COLUMNS, project_list_file_names, save_project_list
from .requests import BadRequest, source_for


@dataclass
class ProjectListing:
    period_form: PeriodForm
    period: Period
    source: FigureSource
    filterset: ProjectFilterSet
    # What the parameters could not be used for, in words: (messages level, text), for the page to show.
    notes: list[tuple[int, str]] = field(default_factory=list)

    @property
    def params(self) -> QueryDict:
        """The parameters the list used: a bad value is left out."""
        return self.filterset.data.copy()

    @property
    def projects(self) -> QuerySet:
        """The list's projects in its order: the one asked for, else by code."""
        queryset = self.filterset.qs
        return queryset if self.filterset.form.cleaned_data.get("ordering") else queryset.order_by("code", "pk")


def resolve_period(form: PeriodForm, projects) -> Period:
    """The period the user chose, else the latest month with reports, else the current month."""
    return form.period(lambda: latest_period(projects))


def project_listing(user, params) -> ProjectListing:
    """The ``user``'s restricted projects filtered by ``params``, carrying the period's figures, rate and
    warning computed in the database (selectors.with_list_figures), so that the list sorts and filters by
    them in one query; a parameter it cannot use is named in a note and left out."""
    notes = []
    projects = restrict(Project.objects.all(), user, Action.VIEW)
    period_form = PeriodForm(params or None)
    period = resolve_period(period_form, projects)
    source = usable_source(params, user, period, notes)
    projects = with_list_figures(projects, period, source)
    filterset = usable_filterset(
        lambda data: ProjectFilterSet(data, queryset=projects, period=period, source=source), params, notes)
    return ProjectListing(period_form, period, source, filterset, notes)


def usable_source(params, user, period: Period, notes: list) -> FigureSource:
    """The figures' source ``params`` ask for (reports.requests.source_for); a bad or forbidden basis or
    version is said in ``notes`` and the approved reports counted."""
    try:
        return source_for(params, user, period)
    except BadRequest as exc:
        notes.extend((messages.ERROR, line) for lines in exc.errors.values() for line in lines)
        return figure_source(period)


def usable_filterset(make: Callable[[QueryDict], FilterSet], params: QueryDict, notes: list) -> FilterSet:
    """The FilterSet ``make`` builds of ``params`` without the parameters it cannot use: each is said in
    ``notes`` (messages level, text) and left out, so that a hand-made or stale link still gives a list."""
    data = params.copy()
    filterset = make(data)
    if filterset.is_valid():
        return filterset
    notes.extend((messages.WARNING, text) for text in usable_notes(filterset, data))
    return make(data)


def usable_notes(filterset, data: QueryDict) -> list[str]:
    """Each parameter of ``data`` that ``filterset`` (invalid) cannot use, named with why: taken out of ``data``,
    so that a hand-made or stale link still gives a list."""
    notes = []
    for name, errors in filterset.errors.items():
        form_field = filterset.form.fields.get(name)
        notes.append(_("参数 %(param)s（%(label)s）的值“%(value)s”无法使用，已忽略：%(errors)s") % {
            "param": name, "label": form_field.label if form_field else name, "value": "，".join(data.getlist(name)),
            "errors": " ".join(str(e) for e in errors),
        })
        data.pop(name, None)
    return notes


# Projects read from the database, and judged, at a time while the list's file is written: the file's rows
# are streamed, so that writing 100,000 of them takes the memory of this many (and of the list's overdue
# milestones, read at once). On PostgreSQL outside a transaction (the worker) the server holds the query's
# result until the cursor closes.
LIST_FILE_CHUNK = 2000


def list_rows(listing: ProjectListing, on_chunk: Callable[[int], None] | None = None) -> Iterator[ProjectProgress]:
    """The list's rows with their progress, in the list's order, read in chunks of LIST_FILE_CHUNK projects
    over one query (a server-side cursor on PostgreSQL), with their overdue milestones read first (one query).
    ``on_chunk`` is told the number of rows given so far as each chunk is read (a job's progress). Close the
    generator when done with it (``save_list_file`` does): its cursor closes with it."""
    period = listing.period
    overdue = overdue_milestones(listing.filterset.qs, period)
    projects = (listing.projects.select_related(*PROGRESS_RELATED)
                .only(*EXPORT_COLUMNS).iterator(chunk_size=LIST_FILE_CHUNK))
    try:
        yield from progress_in_chunks(projects, period, overdue, chunk=LIST_FILE_CHUNK, on_chunk=on_chunk)
    finally:
        projects.close()  # the cursor, also when the file fails part-way


def save_list_file(
    listing: ProjectListing, out: BinaryIO, on_chunk: Callable[[int], None] | None = None
) -> tuple[str, str]:
    """The list as an Excel workbook written to ``out``, its rows in the list's order (``on_chunk``: list_rows');
    its file names (the name, the ASCII fallback)."""
    with closing(list_rows(listing, on_chunk)) as rows:
        save_project_list(rows, listing.period, out, basis=listing.source.statement)
    return project_list_file_names(listing.period)


def list_file(listing: ProjectListing) -> tuple[bytes, tuple[str, str]]:
    """The list's workbook as bytes (a list short enough to answer in the request), and its file names."""
    buffer = BytesIO()
    names = save_list_file(listing, buffer)
    return buffer.getvalue(), names
