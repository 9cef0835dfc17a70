"""The project list from a request's parameters, for a user: its projects, period, figure source and
filters, and its Excel file. Shared by the list page, its export in the request, and the export of a
long list rendered in the background (projects.reports.jobs), so that all three list the same rows.
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.http import QueryDict
from django.utils.translation import gettext as _

from portfolio.periods import Period

from ..filters import ProjectFilterSet
from ..forms import PeriodForm
from ..models import Project
from ..permissions import Action, restrict
from ..selectors import FigureSource, figure_source, latest_period, project_progress, with_list_figures
from .project_list import EXPORT_COLUMNS, project_list_file_names, project_list_workbook
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
    data = params.copy()

    def make(data):
        return ProjectFilterSet(data, queryset=projects, period=period, source=source)

    filterset = make(data)
    if not filterset.is_valid():
        notes.extend((messages.WARNING, text) for text in usable_notes(filterset, data))
        filterset = make(data)
    return ProjectListing(period_form, period, source, filterset, notes)


def usable_source(params, user, period: Period, notes: list) -> FigureSource:
    """The figures' source ``params`` ask for (reports.requests.source_for); a bad or forbidden basis or
    version is said in ``notes`` and the approved reports counted."""
    try:
        return source_for(params, user, period)
    except BadRequest as exc:
        notes.extend((messages.ERROR, line) for lines in exc.errors.values() for line in lines)
        return figure_source(period)


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


def list_file(listing: ProjectListing) -> tuple[bytes, tuple[str, str]]:
    """The list as an Excel workbook, its rows in the list's order, and its file names (the name, the ASCII
    fallback)."""
    filterset, period, source = listing.filterset, listing.period, listing.source
    order = [p.pk for p in filterset.qs.only("pk")] if filterset.data.get("ordering") else None
    rows = project_progress(Project.objects.filter(pk__in=filterset.qs.values("pk")).order_by("code")
                            .only(*EXPORT_COLUMNS), period, source)
    if order is not None:
        position = {pk: index for index, pk in enumerate(order)}
        rows.sort(key=lambda row: position.get(row.project.pk, len(position)))
    return project_list_workbook(rows, period, basis=source.statement), project_list_file_names(period)
