"""Staff pages: dashboard, project list and page, monthly report entry, review queue, bulk entry.

Views stay thin: every read starts from projects.permissions.restrict, every write goes through
projects.services; refusals answer 403/404, bad input re-renders the form with what was typed.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from . import services
from .exports import project_list_workbook
from .filters import ProjectFilterSet
from .forms import (
    PROJECT_EDIT_FIELDS,
    BulkFormSet,
    MilestoneActualFormSet,
    MonthlyReportEntryForm,
    PeriodForm,
    ReturnForm,
    project_edit_form,
    style_form,
)
from .models import Department, Milestone, MonthlyReport, PeriodLock, Programme, Project
from .permissions import (
    Action,
    can,
    changeable_fields,
    department_of,
    get_visible_or_404,
    is_reviewer,
    require,
    restrict,
)
from .progress import Period
from .selectors import (
    indicator_progress,
    latest_period,
    milestones_due,
    milestones_overdue,
    programme_totals,
    project_progress,
    reports_waiting_for,
    warning_counts,
)

PAGE_SIZE = 50


def _resolve_period(form: PeriodForm, projects) -> Period:
    """The period the user chose, else the latest month with reports, else the current month."""
    today = dt.date.today()
    return form.period(latest_period(projects) or Period(today.year, today.month))


def _filtered_projects(request):
    """The list's restricted projects, period and FilterSet: shared by the page and its Excel export."""
    projects = restrict(Project.objects.all(), request.user, Action.VIEW)
    period_form = PeriodForm(request.GET or None)
    period = _resolve_period(period_form, projects)
    return period_form, period, ProjectFilterSet(request.GET, queryset=projects, period=period)


def _period_and_programme(request, projects):
    data = request.GET.copy()
    if "programme" not in data:
        # The district programme of the latest year unless the user chose another (or all: "").
        default = Programme.objects.filter(level="district").order_by("-year").first()
        data["programme"] = str(default.pk) if default else ""
    form = PeriodForm(data)
    programme = form.cleaned_data.get("programme") if form.is_valid() else None
    scoped = projects.filter(programme=programme) if programme else projects
    period = _resolve_period(form, scoped)
    return form, programme, scoped, period


class DashboardView(LoginRequiredMixin, View):
    def get(self, request):
        projects = restrict(Project.objects.all(), request.user, Action.VIEW)
        form, programme, scoped, period = _period_and_programme(request, projects)
        rows = project_progress(scoped, period)
        due = milestones_due(scoped, period)
        overdue = milestones_overdue(scoped, period)
        waiting = reports_waiting_for(request.user)
        return render(request, "projects/dashboard.html", {
            "form": form,
            "programme": programme,
            "period": period,
            "totals": programme_totals(scoped, period),
            "warnings": warning_counts(rows),
            "due": due[:15], "due_count": due.count(),
            "overdue": overdue[:15], "overdue_count": overdue.count(),
            "waiting": waiting[:10], "waiting_count": waiting.count(),
            "indicators": indicator_progress(period.year),
        })


class ProjectListView(LoginRequiredMixin, View):
    def get(self, request):
        period_form, period, filterset = _filtered_projects(request)
        style_form(filterset.form)
        queryset = filterset.qs if filterset.is_valid() else filterset.queryset.none()
        if not request.GET.get("ordering"):
            queryset = queryset.order_by("code")
        page = Paginator(queryset.select_related("programme", "lead_department", "town"), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        rows = {row.project.pk: row for row in project_progress(Project.objects.filter(pk__in=[p.pk for p in page]), period)}
        return render(request, "projects/project_list.html", {
            "filter": filterset,
            "period_form": period_form,
            "period": period,
            "page": page,
            "rows": [rows[p.pk] for p in page],
        })


class ProjectExportView(LoginRequiredMixin, View):
    """The filtered list as an Excel workbook (same filters and permissions as the page)."""

    def get(self, request):
        _period_form, period, filterset = _filtered_projects(request)
        if not filterset.is_valid():
            return HttpResponse(_("筛选条件有误:%(errors)s") % {"errors": filterset.errors.as_text()}, status=400)
        content = project_list_workbook(project_progress(filterset.qs.order_by("code"), period), period)
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="projects-{period}.xlsx"'
        return response


class ProjectDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        project = get_visible_or_404(
            Project.objects.select_related("programme", "lead_department", "town").prefetch_related("co_departments"),
            request.user, pk=pk,
        )
        period = _resolve_period(PeriodForm(), Project.objects.filter(pk=pk))
        progress = project_progress(Project.objects.filter(pk=pk), period)[0]
        # The month to fill next: the latest one while it is still open, else the month after it.
        latest = project.monthly_reports.filter(year=period.year, month=period.month).first()
        next_period = period
        if latest is not None and not can(request.user, Action.CHANGE, latest) and period.month < 12:
            next_period = Period(period.year, period.month + 1)
        reports = list(project.monthly_reports.select_related("submitted_by", "reviewed_by").order_by("year", "month"))
        history = list(project.history.select_related("history_user").order_by("-history_date", "-history_id")[:30])
        changes = []
        for newer, older in zip(history, [*history[1:], None], strict=True):
            fields = [c.field for c in newer.diff_against(older).changes] if older is not None else []
            changes.append((newer, [str(Project._meta.get_field(f).verbose_name) for f in fields]))
        return render(request, "projects/project_detail.html", {
            "project": project,
            "progress": progress,
            "period": period,
            "milestones": list(project.milestones.order_by("planned_date", "actual_date", "pk")),
            "reports": reports,
            "chart": cumulative_chart(project, reports),
            "changes": changes,
            "missing": [str(Project._meta.get_field(f).verbose_name) for f in project.missing_fields],
            "sample_fields": [str(Project._meta.get_field(f).verbose_name) for f in project.sample_fields],
            "can_edit": can(request.user, Action.CHANGE, project),
            "can_fill": can(request.user, Action.ADD, MonthlyReport(project=project, year=next_period.year,
                                                                    month=next_period.month)),
            "next_period": next_period,
        })


def cumulative_chart(project, reports, width=560, height=220):
    """Points of the cumulative completion line and the plan line (annual plan × months ÷ 12) as SVG coordinates."""
    if not reports or not project.annual_plan:
        return None
    year = reports[-1].year
    points = [(r.month, r.completed_ytd) for r in reports if r.year == year]
    top = max([project.annual_plan, *[v for _m, v in points]])
    pad = 30

    def xy(month, value):
        x = pad + (width - 2 * pad) * month / 12
        y = height - pad - (height - 2 * pad) * float(value / top)
        return f"{x:.1f},{y:.1f}"

    return {
        "width": width, "height": height, "pad": pad,
        "actual": " ".join(xy(m, v) for m, v in [(0, 0), *points]),
        "plan": f"{xy(0, 0)} {xy(12, project.annual_plan)}",
        "months": [(m, pad + (width - 2 * pad) * m / 12) for m in range(0, 13, 3)],
    }


class ProjectEditView(LoginRequiredMixin, View):
    """Edit the fields of a project the user may change (an editor: its 形象进度 only)."""

    def _setup(self, request, pk):
        project = get_visible_or_404(Project.objects.all(), request.user, pk=pk)
        require(request.user, Action.CHANGE, project)
        allowed = changeable_fields(request.user, Project)
        fields = [f for f in PROJECT_EDIT_FIELDS if allowed is None or f in allowed]
        return project, project_edit_form(fields)

    def get(self, request, pk):
        project, form_class = self._setup(request, pk)
        return render(request, "projects/project_form.html", {
            "project": project, "form": form_class(instance=project), "version": project.version})

    def post(self, request, pk):
        project, form_class = self._setup(request, pk)
        form = form_class(request.POST, instance=Project.objects.get(pk=pk))
        version = request.POST.get("version")
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in form.fields if name != "co_departments"}
            try:
                with transaction.atomic():
                    instance = Project.objects.get(pk=pk)
                    services.record_update(instance=instance, data=data, acting_user=request.user,
                                           expected_version=version)
                    if "co_departments" in form.fields:
                        services.record_save(instance=instance, acting_user=request.user,
                                             m2m={"co_departments": form.cleaned_data["co_departments"]},
                                             expected_version=instance.version)
                messages.success(request, _("已保存。"))
                return HttpResponseRedirect(reverse("projects:project_detail", args=[pk]))
            except services.ConflictError as exc:
                form.add_error(None, exc.message)
            except ValidationError as exc:
                _add_errors(form, exc)
        return render(request, "projects/project_form.html", {
            "project": project, "form": form, "version": version}, status=400 if form.errors else 200)


def _add_errors(form, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class ReportEntryView(LoginRequiredMixin, View):
    """One project's monthly report: fill, save as draft, submit; read-only once submitted."""

    template = "projects/report_entry.html"

    def _setup(self, request, pk, year, month):
        project = get_visible_or_404(Project.objects.select_related("programme", "lead_department"), request.user, pk=pk)
        if not 1 <= month <= 12:
            raise Http404(_("月份须在1至12之间。"))
        report = MonthlyReport.objects.filter(project=project, year=year, month=month).first()
        if report is None:
            candidate = MonthlyReport(project=project, year=year, month=month)
            editable = can(request.user, Action.ADD, candidate)
        else:
            editable = can(request.user, Action.CHANGE, report)
        return project, report, editable

    def _context(self, request, project, report, year, month, form, milestones, editable):
        previous = MonthlyReport(project=project, year=year, month=month).previous_ytd()
        return {
            "project": project, "report": report, "year": year, "month": month, "form": form,
            "milestones": milestones, "editable": editable, "previous_ytd": previous,
            "can_submit": editable and (report is None or can(request.user, Action.SUBMIT, report)),
            "can_review": report is not None and can(request.user, Action.APPROVE, report),
            "return_form": ReturnForm(),
        }

    def get(self, request, pk, year, month):
        project, report, editable = self._setup(request, pk, year, month)
        if not editable and report is None:
            require(request.user, Action.ADD, MonthlyReport(project=project, year=year, month=month))
        form = MonthlyReportEntryForm(instance=report, initial={"version": report.version if report else None})
        milestones = MilestoneActualFormSet(queryset=project.milestones.order_by("planned_date", "pk"), prefix="ms")
        return render(request, self.template, self._context(request, project, report, year, month, form,
                                                            milestones, editable))

    def post(self, request, pk, year, month):
        project, report, editable = self._setup(request, pk, year, month)
        if not editable:
            raise PermissionDenied(_("您没有权限填报或修改该月报。"))
        form = MonthlyReportEntryForm(request.POST, instance=report)
        milestones = MilestoneActualFormSet(request.POST, queryset=project.milestones.order_by("planned_date", "pk"),
                                            prefix="ms")
        if form.is_valid() and milestones.is_valid():
            data = {name: form.cleaned_data[name] for name in services.REPORT_INPUT_FIELDS}
            try:
                with transaction.atomic():
                    if report is None:
                        report = services.monthly_report_create(
                            project=project, year=year, month=month, data=data, acting_user=request.user)
                    else:
                        report = services.monthly_report_update(
                            report=MonthlyReport.objects.get(pk=report.pk), data=data, acting_user=request.user,
                            expected_version=form.cleaned_data.get("version"))
                    for ms_form in milestones.forms:
                        if ms_form.has_changed():
                            services.record_update(
                                instance=Milestone.objects.get(pk=ms_form.instance.pk),
                                data={k: ms_form.cleaned_data[k] for k in ("actual_date", "note")},
                                acting_user=request.user)
                    if "submit" in request.POST:
                        services.monthly_report_submit(report=report, acting_user=request.user)
                messages.success(request, _("月报已提交,等待审核。") if "submit" in request.POST else _("草稿已保存。"))
                return HttpResponseRedirect(reverse("projects:report_entry", args=[pk, year, month]))
            except services.ConflictError as exc:
                form.add_error(None, exc.message)
            except ValidationError as exc:
                _add_errors(form, exc)
            except services.WorkflowError as exc:
                form.add_error(None, exc.message)
        return render(request, self.template, self._context(request, project, report, year, month, form,
                                                            milestones, editable), status=400)


class ReviewQueueView(LoginRequiredMixin, View):
    """Coordinator: submitted reports to approve or return. Editor: their drafts and returned reports."""

    def get(self, request):
        if not (is_reviewer(request.user) or can(request.user, Action.SUBMIT, model=MonthlyReport)):
            raise PermissionDenied
        reports = reports_waiting_for(request.user)
        page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(request, "projects/review_queue.html", {
            "page": page, "reviewer": is_reviewer(request.user), "return_form": ReturnForm()})


class ReviewActionView(LoginRequiredMixin, View):
    def post(self, request, pk, action):
        report = get_visible_or_404(MonthlyReport.objects.select_related("project"), request.user, pk=pk)
        back = request.POST.get("next") or reverse("projects:review_queue")
        try:
            if action == "approve":
                services.monthly_report_approve(report=report, acting_user=request.user,
                                                comment=request.POST.get("comment", ""))
                messages.success(request, _("已审核通过:%(report)s") % {"report": report})
            elif action == "return":
                form = ReturnForm(request.POST)
                if not form.is_valid():
                    messages.error(request, _("退回时须填写审核意见。"))
                    return HttpResponseRedirect(back)
                services.monthly_report_return(report=report, acting_user=request.user,
                                               comment=form.cleaned_data["comment"])
                messages.success(request, _("已退回:%(report)s") % {"report": report})
            elif action == "reopen":
                services.monthly_report_reopen(report=report, acting_user=request.user)
                messages.success(request, _("已重新打开:%(report)s") % {"report": report})
            else:
                raise Http404
        except (services.WorkflowError, services.ConflictError) as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(back)


class BulkEntryView(LoginRequiredMixin, View):
    """All of a department's projects for one month on one sheet; all rows saved or none."""

    template = "projects/bulk_entry.html"

    def _setup(self, request):
        department = department_of(request.user)
        if is_reviewer(request.user):
            # Coordinators may fill a department's sheet for it (e.g. from a paper return).
            chosen = request.GET.get("department")
            department = (
                Department.objects.filter(pk=chosen).first() if chosen and chosen.isdigit() else None
            ) or department or Department.objects.filter(projects_led__isnull=False).order_by("code").first()
        if department is None:
            raise PermissionDenied(_("您不属于任何责任单位,无法批量填报。"))
        own = restrict(Project.objects.filter(lead_department=department), request.user, Action.CHANGE)
        if not own.exists() and not is_reviewer(request.user):
            raise PermissionDenied(_("您没有可填报的项目。"))
        period = _resolve_period(PeriodForm(request.GET or None), own)
        projects = list(own.order_by("code"))
        existing = {
            r.project_id: r for r in MonthlyReport.objects.filter(project__in=projects, year=period.year,
                                                                  month=period.month)
        }
        return department, period, projects, existing

    def _rows(self, formset, projects, existing, editable):
        rows = []
        for form, project in zip(formset.forms, projects, strict=True):
            if not editable[project.pk]:
                for field in form.fields.values():
                    field.disabled = True
            rows.append((form, project, existing.get(project.pk), editable[project.pk]))
        return rows

    def _editable(self, request, projects, existing):
        """Which rows may be written: reports still open to the user, or new ones in an unlocked month.

        Two queries for the whole sheet (the projects are already those the user may change).
        """
        open_reports = set(
            restrict(MonthlyReport.objects.filter(pk__in=[r.pk for r in existing.values()]), request.user,
                     Action.CHANGE).values_list("pk", flat=True)
        )
        month_open = not PeriodLock.objects.filter(year=self.period.year, month=self.period.month).exists() or (
            is_reviewer(request.user))
        return {
            p.pk: existing[p.pk].pk in open_reports if p.pk in existing else month_open
            for p in projects
        }

    def _initial(self, projects, existing):
        initial = []
        for project in projects:
            report = existing.get(project.pk)
            initial.append({
                "project": project.pk,
                "completed_month": report.completed_month if report else None,
                "progress_text": report.progress_text if report else "",
                "problems": report.problems if report else "",
                "coordination_requests": report.coordination_requests if report else "",
            })
        return initial

    def get(self, request):
        department, period, projects, existing = self._setup(request)
        self.period = period
        editable = self._editable(request, projects, existing)
        formset = BulkFormSet(initial=self._initial(projects, existing), prefix="rows")
        return render(request, self.template, {
            "department": department, "period": period, "formset": formset,
            "rows": self._rows(formset, projects, existing, editable)})

    def post(self, request):
        department, period, projects, existing = self._setup(request)
        self.period = period
        editable = self._editable(request, projects, existing)
        formset = BulkFormSet(request.POST, initial=self._initial(projects, existing), prefix="rows")
        rows = self._rows(formset, projects, existing, editable)
        by_pk = {p.pk: p for p in projects}
        valid = formset.is_valid()
        if valid and [f.cleaned_data.get("project") for f in formset.forms] != [p.pk for p in projects]:
            raise PermissionDenied(_("提交的项目与本单位可填报的项目不一致。"))
        if valid:
            try:
                with transaction.atomic():
                    saved = 0
                    for form in formset.forms:
                        project = by_pk[form.cleaned_data["project"]]
                        if not editable[project.pk] or not form.has_input():
                            continue
                        data = {k: form.cleaned_data[k] or ("" if k != "completed_month" else 0)
                                for k in services.REPORT_INPUT_FIELDS}
                        try:
                            if project.pk in existing:
                                services.monthly_report_update(
                                    report=MonthlyReport.objects.get(pk=existing[project.pk].pk),
                                    data=data, acting_user=request.user)
                            else:
                                services.monthly_report_create(project=project, year=period.year, month=period.month,
                                                               data=data, acting_user=request.user)
                            saved += 1
                        except (ValidationError, PermissionDenied, services.ConflictError) as exc:
                            text = exc.message if isinstance(exc, services.ConflictError) else (
                                "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
                            form.add_error(None, text)
                            valid = False
                    if not valid:
                        raise _RollBack
                messages.success(request, _("已保存 %(n)s 个项目的月报草稿。") % {"n": saved})
                return HttpResponseRedirect(request.get_full_path())
            except _RollBack:
                pass
        messages.error(request, _("有数据未通过校验,所有行均未保存。请按提示修改后再保存。"))
        return render(request, self.template, {
            "department": department, "period": period, "formset": formset, "rows": rows}, status=400)


class _RollBack(Exception):
    """Undo every row of a bulk save when one row fails."""
