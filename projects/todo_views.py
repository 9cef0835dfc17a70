"""The to-do page of the monthly cycle: an editor's reports still to do, a coordinator's late departments."""

import datetime as dt

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from .models import MonthlyReport, Project
from .permissions import Action, can, is_reviewer, restrict
from .reminders import late_departments, open_periods, outstanding_reports


def _today() -> dt.date:
    return timezone.localdate()


class TodoView(LoginRequiredMixin, View):
    """Editors: every report of their projects still to do in the open months, overdue ones marked.
    Coordinators: the departments late with a month's reports. Others: 403."""

    template = "projects/todo.html"

    def get(self, request):
        today = _today()
        periods = open_periods(today)
        if is_reviewer(request.user):
            late = [row for period in periods for row in late_departments(period, today)]
            return render(request, self.template, {"reviewer": True, "late": late, "today": today})
        if not can(request.user, Action.SUBMIT, model=MonthlyReport):
            raise PermissionDenied
        projects = restrict(Project.objects.all(), request.user, Action.CHANGE)
        rows = [
            (row, row.days_overdue(today))
            for period in periods
            for row in outstanding_reports(projects, period)
        ]
        return render(request, self.template, {"reviewer": False, "rows": rows, "today": today})
