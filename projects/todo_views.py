"""The to-do page of the monthly cycle: an editor's reports still to do, a coordinator's late departments."""

import datetime as dt

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from . import letters
from .models import Project
from .permissions import Action, fills_reports, restrict, reviews_reports
from .reminders import late_departments, open_periods, outstanding_reports

PAGE_SIZE = 50


def _today() -> dt.date:
    return timezone.localdate()


def _page(request, rows):
    """The requested page of ``rows``, 50 a page, with the elided page range the pagination shows."""
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    page.elided = list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=0))
    return page


def _letters_due(user, today) -> list:
    """The supervision letters the user must follow up (overdue ones for the bureau, the department's to answer)."""
    due = letters.letters_due(user, today)
    return list(due[1]) if due else []


class TodoView(LoginRequiredMixin, View):
    """Editors: every report of their projects still to do in the open months, overdue ones marked.
    Coordinators: the departments late with a month's reports. Others: 403. Both lists are paged."""

    template = "projects/todo.html"

    def get(self, request):
        today = _today()
        periods = open_periods(today)
        if reviews_reports(request.user):
            late = [row for period in periods for row in late_departments(period, today)]
            page = _page(request, late)
            return render(request, self.template, {
                "reviewer": True, "late": page.object_list, "page": page, "today": today,
                "letters": _letters_due(request.user, today),
            })
        if not fills_reports(request.user):
            raise PermissionDenied
        projects = restrict(Project.objects.all(), request.user, Action.CHANGE)
        rows = [
            (row, row.days_overdue(today))
            for period in periods
            for row in outstanding_reports(projects, period)
        ]
        page = _page(request, rows)
        return render(request, self.template, {
            "reviewer": False, "rows": page.object_list, "page": page, "today": today,
            "letters": _letters_due(request.user, today),
        })
