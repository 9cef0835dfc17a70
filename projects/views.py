"""Staff pages: dashboard, project list and page, monthly report entry, review queue, bulk entry.

Views stay thin: every read starts from projects.permissions.restrict, every write goes through
projects.services; refusals answer 403/404, bad input re-renders the form with what was typed.
"""

import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from indicators.models import Indicator
from indicators.reports import build_indicator_report
from portfolio.downloads import attachment
from portfolio.limits import RenderRefused
from portfolio.paging import KeysFirstPaginator
from portfolio.periods import Period, months_between
from portfolio.redirects import safe_next

from . import closing, letters, services, todo_views
from .figures import totals_and_warnings
from .filters import MilestoneListFilterSet
from .forms import (
    PROJECT_EDIT_FIELDS,
    BulkFormSet,
    BulkRowForm,
    MilestoneActualFormSet,
    MonthlyReportEntryForm,
    PeriodForm,
    ReturnForm,
    ReviewActionForm,
    project_edit_form,
    style_form,
)
from .history import project_history
from .models import (
    Department,
    Milestone,
    MonthlyReport,
    MonthSnapshot,
    PeriodLock,
    Programme,
    Project,
    ReportWaiver,
)
from .permissions import (
    Action,
    can,
    can_see_unapproved,
    changeable_fields,
    department_of,
    fills_for_any_department,
    fills_reports,
    get_visible_or_404,
    month_closed,
    month_lock,
    refusal,
    require,
    restrict,
    reviews_reports,
)
from .remembered import remembered
from .reminders import open_periods, outstanding_count
from .reports import jobs as report_jobs
from .reports.charts import cumulative_chart
from .reports.listing import (
    ProjectListing,
    list_file,
    project_listing,
    resolve_period,
    usable_filterset,
    usable_source,
)
from .reports.views import refused
from .selectors import (
    PROGRESS_RELATED,
    Basis,
    FigureSource,
    milestone_counts,
    milestones_due,
    milestones_overdue,
    month_sheet,
    progress_of,
    project_progress,
    reporting_status,
    reports_waiting_for,
    sheet_returns,
)
from .workflow import COUNTED_STATE

PAGE_SIZE = 50


def _say(request, notes: list[tuple[int, str]]) -> None:
    """What a page could not use of its parameters (reports.listing's notes), as messages."""
    for level, text in notes:
        messages.add_message(request, level, text)


def _source(request, period: Period) -> FigureSource:
    """Which reports the page's figures count (approved by default; a bad or forbidden basis says why)."""
    notes = []
    source = usable_source(request.GET, request.user, period, notes)
    _say(request, notes)
    return source


def _usable(request, make_filterset):
    """A FilterSet of the request's parameters, without those it cannot use (reports.listing.usable_filterset):
    each bad value is named in a message and ignored, so that a hand-made or stale link still shows a list."""
    notes = []
    filterset = usable_filterset(make_filterset, request.GET, notes)
    _say(request, notes)
    return filterset


def _listing(request) -> ProjectListing:
    """The list's restricted projects, period, figure source and FilterSet (reports.listing), what it could
    not use said in messages: shared by the page and its export."""
    listing = project_listing(request.user, request.GET)
    _say(request, listing.notes)
    return listing


PAGE_SIZES = (25, 50, 100)


def _page(request, queryset, *, keys_first=False):
    """The requested page of ``queryset`` at the chosen size (25, 50 or 100; a bad size is named and ignored);
    ``keys_first`` for a list filtered or sorted by a figure computed per row (portfolio.paging)."""
    size = request.GET.get("page_size") or ""
    if size not in {str(n) for n in PAGE_SIZES}:
        if size:
            messages.warning(request, _("参数 page_size（每页条数）的值“%(value)s”无法使用，已按每页%(n)s条显示。")
                             % {"value": size, "n": PAGE_SIZE})
        size = PAGE_SIZE
    if keys_first:
        paginator = KeysFirstPaginator(queryset, int(size), remember=remembered)
    else:
        paginator = Paginator(queryset, int(size))
    page = paginator.get_page(request.GET.get("page"))
    page.elided = list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=0))
    page.sizes, page.size = PAGE_SIZES, int(size)
    return page


def _period_and_programme(request, projects):
    data = request.GET.copy()
    if "programme" not in data:
        # The district programme of the latest year unless the user chose another (or all: "").
        default = Programme.objects.filter(level="district").order_by("-year").first()
        data["programme"] = str(default.pk) if default else ""
    form = PeriodForm(data)
    programme = form.cleaned_data.get("programme") if form.is_valid() else None
    scoped = projects.counted_in(programme) if programme else projects
    period = resolve_period(form, scoped)
    return form, programme, scoped, period


class DashboardView(LoginRequiredMixin, View):
    def get(self, request):
        projects = restrict(Project.objects.all(), request.user, Action.VIEW)
        form, programme, scoped, period = _period_and_programme(request, projects)
        style_form(form)
        source = _source(request, period)
        due = milestones_due(scoped, period).select_related("project__lead_department")
        overdue = milestones_overdue(scoped, period).select_related("project__lead_department")
        overdue_count, due_count = milestone_counts(scoped, period)
        waiting = reports_waiting_for(request.user)
        outstanding = None
        if fills_reports(request.user):
            # An editor's to-do counts the months' missing reports too, not only the drafts.
            outstanding = outstanding_count(restrict(Project.objects.all(), request.user, Action.CHANGE),
                                            open_periods(todo_views._today()))
        # Supervision letters: the coordinator's overdue responses, the department's letters to answer.
        letters_due = letters.letters_due(request.user, todo_views._today())
        if letters_due is not None:
            letters_due = (letters_due[0], letters_due[1].count())
        indicators, indicators_without_value = _indicator_panel(
            build_indicator_report(period, restrict(Indicator.objects.all(), request.user, Action.VIEW),
                                   targeted_only=True)
        )
        headline, warnings = totals_and_warnings(scoped, period, source)
        list_query = urlencode({"programme": programme.pk if programme else "", "year": period.year,
                                "month": period.month})
        return render(request, "projects/dashboard.html", {
            "outstanding": outstanding,
            "letters_due": letters_due,
            "form": form,
            "programme": programme,
            "period": period,
            "source": source,
            "may_switch_basis": can_see_unapproved(request.user),
            "basis_choices": Basis.choices,
            "reporting": reporting_status(scoped, period, source=source),
            "totals": headline,
            "warnings": warnings,
            "due": due[:15], "due_count": due_count,
            "overdue": [(m, months_between(m.planned_date, period.end)) for m in overdue[:15]],
            "overdue_count": overdue_count,
            "milestone_query": list_query,
            "waiting": waiting[:10], "waiting_count": waiting.count(),
            "indicators": indicators,
            "indicators_without_value": indicators_without_value,
        })


def _indicator_panel(report):
    """The dashboard's indicators: those with a full-year target, the ones with a value for the year
    first, and apart, the ones with no value yet, which the panel counts and names instead of
    showing rows of dashes. The figures and their words are the indicators report's."""
    rows = [row for row in report.rows if row.target_value is not None]
    return [row for row in rows if row.value is not None], [row for row in rows if row.value is None]


class MilestoneListView(LoginRequiredMixin, View):
    """The dashboard's milestone panels as complete lists: overdue at the period's end (with months
    overdue), or due within 30 days after it; by programme, lead department and kind, sortable."""

    which = "overdue"
    DAYS_DUE = 30

    def get(self, request):
        projects = restrict(Project.objects.all(), request.user, Action.VIEW)
        form, programme, scoped, period = _period_and_programme(request, projects)
        style_form(form)
        if self.which == "overdue":
            milestones = milestones_overdue(scoped, period)
        else:
            milestones = milestones_due(scoped, period, days=self.DAYS_DUE)
        milestones = milestones.select_related("project__lead_department", "project__programme")
        filterset = _usable(request, lambda data: MilestoneListFilterSet(data, queryset=milestones))
        style_form(filterset.form)
        page = _page(request, filterset.qs)
        return render(request, "projects/milestone_list.html", {
            "which": self.which, "form": form, "filter": filterset, "programme": programme, "period": period,
            "page": page, "days": self.DAYS_DUE,
            "rows": [(m, months_between(m.planned_date, period.end)) for m in page.object_list],
        })


class ProjectListView(LoginRequiredMixin, View):
    def get(self, request):
        listing = _listing(request)
        period, filterset = listing.period, listing.filterset
        style_form(filterset.form)
        page = _page(request, listing.projects.select_related(*PROGRESS_RELATED), keys_first=filterset.by_figures)
        # The export and the report take the parameters the list could use (the report has no pages).
        usable = listing.params
        report_query = usable.copy()
        for name in ("page", "page_size", "ordering"):
            report_query.pop(name, None)
        return render(request, "projects/project_list.html", {
            "export_query": usable.urlencode(),
            "report_query": report_query.urlencode(),
            "filter": filterset,
            "period_form": listing.period_form,
            "period": period,
            "source": listing.source,
            "page": page,
            "rows": progress_of(page.object_list, period),
        })


class ProjectExportView(LoginRequiredMixin, View):
    """The filtered list as an Excel workbook (same filters and permissions as the page): a list of more than
    PORTFOLIO_BACKGROUND_PROJECTS projects is written in the background, and the answer is the job's page,
    which offers the file when it is ready."""

    def get(self, request):
        listing = _listing(request)
        # The list's rows in the list's order; a parameter the list could not use was named there and
        # is ignored here too, so the download is what the page shows.
        count = listing.filterset.qs.count()
        if count > settings.PORTFOLIO_BACKGROUND_PROJECTS:
            try:
                job = report_jobs.request_file(request.user, report_jobs.PROJECT_LIST, listing.params, "xlsx", count)
            except RenderRefused as exc:  # the user's allowance of files rendered in the background is used up
                return refused(request, exc)
            return redirect("reports:job", job.pk)
        content, names = list_file(listing)
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = attachment(*names)
        return response


class ProjectDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        project = get_visible_or_404(
            Project.objects.select_related("programme", "sample_programme", "lead_department", "town")
            .prefetch_related("co_departments"),
            request.user, pk=pk,
        )
        period = resolve_period(PeriodForm(), Project.objects.filter(pk=pk))
        progress = project_progress(Project.objects.filter(pk=pk), period)[0]
        # The month to fill next: the latest one while it is still open, else the month after it.
        latest = project.monthly_reports.filter(year=period.year, month=period.month).first()
        next_period = period
        if latest is not None and not can(request.user, Action.CHANGE, latest) and period.month < 12:
            next_period = Period(period.year, period.month + 1)
        reports = list(project.monthly_reports.select_related("submitted_by", "reviewed_by").order_by("year", "month"))
        return render(request, "projects/project_detail.html", {
            "project": project,
            "progress": progress,
            "period": period,
            "milestones": list(project.milestones.order_by("planned_date", "actual_date", "pk")),
            "reports": reports,
            "chart": _project_chart(project, reports, period),
            "history": project_history(project),
            "missing": [str(Project._meta.get_field(f).verbose_name) for f in project.missing_fields],
            "sample_fields": [str(Project._meta.get_field(f).verbose_name) for f in project.sample_fields],
            "can_edit": can(request.user, Action.CHANGE, project),
            "can_fill": can(request.user, Action.ADD, MonthlyReport(project=project, year=next_period.year,
                                                                    month=next_period.month)),
            "next_period": next_period,
        })


def _project_chart(project, reports, period):
    """The latest reported year (else the page's period) of the project's cumulative chart, counting
    approved reports only, like the page's headline figures (the table below lists every report)."""
    year = reports[-1].year if reports else period.year
    completed = {r.month: r.completed_ytd for r in reports if r.year == year and r.status == COUNTED_STATE}
    return cumulative_chart(year=year, annual_plan=project.counted_plan, completed=completed)


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
                services.project_update(
                    project=Project.objects.get(pk=pk), data=data, co_departments=form.cleaned_data.get("co_departments"),
                    acting_user=request.user, expected_version=version,
                )
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


def _url_period(year: int, month: int) -> Period:
    """The month named in a URL; one the platform cannot have (month 13, year 1900) is not found."""
    if not 2000 <= year <= 2100:
        raise Http404(_("月份须在1至12之间。"))
    try:
        return Period(year, month)
    except ValueError:
        raise Http404(_("月份须在1至12之间。")) from None


class ReportEntryView(LoginRequiredMixin, View):
    """One project's monthly report: fill, save as draft, submit, withdraw; reviewers approve or return."""

    template = "projects/report_entry.html"

    def _setup(self, request, pk, year, month):
        project = get_visible_or_404(
            Project.objects.select_related("programme", "lead_department"), request.user, pk=pk
        )
        _url_period(year, month)
        report = MonthlyReport.objects.filter(project=project, year=year, month=month).first()
        if report is None:
            editable = can(request.user, Action.ADD, MonthlyReport(project=project, year=year, month=month))
        else:
            editable = can(request.user, Action.CHANGE, report)
        return project, report, editable

    def _milestones(self, project, data=None):
        return MilestoneActualFormSet(data, queryset=project.milestones.order_by("planned_date", "pk"), prefix="ms")

    def _context(self, request, project, report, year, month, form, milestones, editable):
        probe = report or MonthlyReport(project=project, year=year, month=month)
        previous = probe.previous_ytd()
        user = request.user
        closed = month_lock(year, month)
        return {
            "project": project, "report": report, "year": year, "month": month, "form": form,
            "milestones": milestones, "editable": editable, "previous_ytd": previous,
            "can_submit": editable and (report is None or can(user, Action.SUBMIT, report)),
            "can_withdraw": report is not None and can(user, Action.WITHDRAW, report),
            "can_review": report is not None and can(user, Action.APPROVE, report),
            "can_reopen": report is not None and can(user, Action.REOPEN, report),
            # Why the form is read-only, in words (closed month, submitted, another department …).
            "read_only_reason": None if editable else refusal(
                user, Action.CHANGE if report else Action.ADD, probe),
            "closed": closed,
            "due_date": Period(year, month).due_date,
            "implausible": services.implausible(report, project) if report is not None else [],
            "contributors": list(report.contributors.all()) if report is not None else [],
            "plausibility_share": settings.PORTFOLIO_PLAUSIBILITY["month_share_of_plan"],
            "return_form": ReturnForm(),
        }

    def get(self, request, pk, year, month):
        project, report, editable = self._setup(request, pk, year, month)
        if report is None and not editable and not can(request.user, Action.VIEW, project):
            raise Http404
        initial = {"version": report.version if report else 0}
        if report is None:
            # Last month's 形象进度 and problems are the starting text: most months they change a little.
            last = (MonthlyReport.objects.filter(project=project, year=year, month__lt=month)
                    .order_by("-month").values("progress_text", "problems").first())
            initial.update(last or {})
        form = MonthlyReportEntryForm(instance=report, initial=initial)
        return render(request, self.template, self._context(
            request, project, report, year, month, form, self._milestones(project), editable))

    def post(self, request, pk, year, month):
        project, report, editable = self._setup(request, pk, year, month)
        form = MonthlyReportEntryForm(request.POST, instance=report)
        milestones = self._milestones(project, request.POST)
        if not editable:
            form.full_clean()
            form.add_error(None, refusal(request.user, Action.CHANGE if report else Action.ADD,
                                         report or MonthlyReport(project=project, year=year, month=month)))
            return render(request, self.template, self._context(
                request, project, report, year, month, form, milestones, editable), status=403)
        if not milestones.management_form.is_valid():
            form.full_clean()
            form.add_error(None, _("节点表单不完整，请刷新页面后重新填写。"))
        elif not milestones.is_valid() and milestones.non_form_errors():
            form.full_clean()
            for error in milestones.non_form_errors():
                form.add_error(None, _("节点表单：%(message)s") % {"message": error})
        elif form.is_valid() and milestones.is_valid():
            submit = "submit" in request.POST
            try:
                services.monthly_report_entry_save(
                    project=project, year=year, month=month,
                    data={name: form.cleaned_data[name] for name in services.REPORT_INPUT_FIELDS},
                    acting_user=request.user, expected_version=form.cleaned_data["version"],
                    milestones=[
                        services.MilestoneInput(
                            milestone=Milestone.objects.get(pk=ms.instance.pk),
                            data={k: ms.cleaned_data[k] for k in ("actual_date", "note")},
                            expected_version=ms.cleaned_data.get("version"),
                        )
                        for ms in milestones.forms if ms.instance.pk and ms.has_changed()
                    ],
                    submit=submit,
                )
                messages.success(request, _("月报已提交，等待审核。") if submit else _("草稿已保存。"))
                return HttpResponseRedirect(reverse("projects:report_entry", args=[pk, year, month]))
            except services.ConflictError as exc:
                form.add_error(None, exc.message)
            except ValidationError as exc:
                _add_errors(form, exc)
            except (services.WorkflowError, PermissionDenied) as exc:
                form.add_error(None, getattr(exc, "message", None) or str(exc))
        return render(request, self.template, self._context(
            request, project, report, year, month, form, milestones, editable), status=400)


class ReviewQueueView(LoginRequiredMixin, View):
    """Coordinator: the submitted reports they may approve. Editor: their drafts and returned reports."""

    def get(self, request):
        reviewer = reviews_reports(request.user)
        if not (reviewer or fills_reports(request.user)):
            raise PermissionDenied
        reports = reports_waiting_for(request.user)
        page = _page(request, reports)
        return render(request, "projects/review_queue.html", {
            "page": page, "reviewer": reviewer, "return_form": ReturnForm()})


class ReviewActionView(LoginRequiredMixin, View):
    """Workflow buttons (approve, return, reopen, withdraw); each carries the version the page showed."""

    SERVICES = {
        "approve": services.monthly_report_approve,
        "return": services.monthly_report_return,
        "reopen": services.monthly_report_reopen,
        "withdraw": services.monthly_report_withdraw,
    }
    DONE = {
        "approve": gettext_lazy("已审核通过：%(report)s"), "return": gettext_lazy("已退回：%(report)s"),
        "reopen": gettext_lazy("已重新打开：%(report)s"), "withdraw": gettext_lazy("已撤回，月报回到草稿：%(report)s"),
    }
    LABELS = {
        "approve": gettext_lazy("审核通过"), "return": gettext_lazy("退回修改"),
        "reopen": gettext_lazy("重新打开（允许更正）"), "withdraw": gettext_lazy("撤回（回到草稿）"),
    }

    def post(self, request, pk, action):
        if action not in self.SERVICES:
            raise Http404
        report = get_visible_or_404(MonthlyReport.objects.select_related("project"), request.user, pk=pk)
        if not can(request.user, action, model=MonthlyReport):
            raise PermissionDenied(_("您没有权限执行此操作。"))
        back = safe_next(request, reverse("projects:review_queue"))
        form = ReviewActionForm(request.POST, comment_required=action == "return")
        if not form.is_valid():
            if action == "return" and list(form.errors) == ["comment"] and not form["comment"].value().strip():
                messages.error(request, _("退回时须填写审核意见。"))  # forgotten, not malformed: back to the page
                return HttpResponseRedirect(back)
            # A missing or malformed version, an over-long comment: the form again, what was typed kept.
            return render(request, "projects/review_action.html", {
                "report": report, "action": action, "label": self.LABELS[action], "form": form, "back": back,
            }, status=400)
        kwargs = {"report": report, "acting_user": request.user, "expected_version": form.cleaned_data["version"]}
        if action in ("approve", "return"):
            kwargs["comment"] = form.cleaned_data["comment"]
        try:
            self.SERVICES[action](**kwargs)
            messages.success(request, str(self.DONE[action]) % {"report": report})
        except (services.WorkflowError, services.ConflictError, PermissionDenied) as exc:
            messages.error(request, getattr(exc, "message", None) or str(exc))
        return HttpResponseRedirect(back)


def sheet_department(request) -> Department:
    """The department whose monthly sheet is asked for: the editor's own; a coordinator's choice
    (``department=``), else their own, else the first department that leads projects."""
    department = department_of(request.user)
    if fills_for_any_department(request.user):
        chosen = request.GET.get("department")
        department = (
            Department.objects.filter(pk=chosen).first() if chosen and chosen.isdigit() else None
        ) or department or Department.objects.filter(projects_led__isnull=False).order_by("code").first()
    if department is None:
        raise PermissionDenied(_("您不属于任何责任单位，无法批量填报。"))
    return department


def requested_sheet(request, *, with_milestones: bool = False, paged: bool = False):
    """The department's monthly sheet the request asks for (``year``, ``month``, ``department``): the
    bulk page's rows (``paged``: the page ``page`` of them), and the Excel sheet's (all of them)."""
    department = sheet_department(request)
    own = restrict(Project.objects.filter(lead_department=department), request.user, Action.CHANGE)
    if not own.exists() and not fills_for_any_department(request.user):
        raise PermissionDenied(_("您没有可填报的项目。"))
    period = resolve_period(PeriodForm(request.GET or None), own)
    return month_sheet(request.user, department, period, with_milestones=with_milestones,
                       page=(request.GET.get("page") or 1) if paged else None)


class BulkEntryView(LoginRequiredMixin, View):
    """A department's projects for one month on one sheet, a page of BULK_PAGE_SIZE projects at a time;
    all rows of the page saved (or submitted) or none."""

    template = "projects/bulk_entry.html"

    def _setup(self, request):
        sheet = requested_sheet(request, paged=True)
        self.page = sheet.page  # a view instance serves one request
        self.page.elided = list(self.page.paginator.get_elided_page_range(self.page.number, on_each_side=2, on_ends=1))
        return sheet.department, sheet.period, sheet.projects, sheet.existing, sheet.previous, sheet.editable

    def _initial(self, projects, existing):
        initial = []
        for project in projects:
            report = existing.get(project.pk)
            initial.append({
                "project": project.pk,
                "version": str(report.version) if report else "0",
                "completed_month": report.completed_month if report else None,
                "progress_text": report.progress_text if report else "",
                "problems": report.problems if report else "",
                "coordination_requests": report.coordination_requests if report else "",
                "plausibility_note": report.plausibility_note if report else "",
            })
        return initial

    @staticmethod
    def _disable(formset, projects, editable, keep=()):
        """Read-only rows are disabled before validation: their stored values stand, whatever is posted."""
        for index, (form, project) in enumerate(zip(formset.forms, projects, strict=True)):
            if not editable[project.pk] and index not in keep:
                for field in form.fields.values():
                    field.disabled = True

    def _render(self, request, department, period, formset, projects, existing, previous, editable, status=200):
        rows = [
            {"form": form, "project": project, "report": existing.get(project.pk),
             "editable": editable[project.pk] and not form.fields["project"].disabled,
             "previous": previous.get(project.pk)}
            for form, project in zip(formset.forms, projects, strict=True)
        ]
        return render(request, self.template, {
            "department": department, "period": period, "formset": formset, "rows": rows,
            "closed": month_lock(period.year, period.month), "due_date": period.due_date,
            "page": self.page,
            "can_submit": any(editable.values()) and can(request.user, Action.SUBMIT, model=MonthlyReport),
        }, status=status)

    def get(self, request):
        department, period, projects, existing, previous, editable = self._setup(request)
        formset = BulkFormSet(initial=self._initial(projects, existing), prefix="rows")
        self._disable(formset, projects, editable)
        return self._render(request, department, period, formset, projects, existing, previous, editable)

    def _stale_rows(self, request, projects, initial, editable) -> list[int]:
        """Rows typed while they were open and no longer open now (submitted, approved or closed since)."""
        stale = []
        for index, project in enumerate(projects):
            if editable[project.pk] or not any(key.startswith(f"rows-{index}-") for key in request.POST):
                continue
            probe = BulkRowForm(request.POST, prefix=f"rows-{index}", initial=initial[index])
            if probe.has_changed():
                stale.append(index)
        return stale

    @staticmethod
    def _with_typed(data, initial, projects, editable) -> list[dict]:
        """The sheet's rows with the values typed for each of its open projects, found by the project
        each posted row names (whatever its place or the form count)."""
        typed = {}
        for key in data:
            match = re.fullmatch(r"rows-(\d{1,4})-project", key)
            if match and data[key].isdigit():
                prefix = f"rows-{match.group(1)}-"
                typed[int(data[key])] = {name: data[prefix + name] for name in BulkRowForm.base_fields
                                         if name != "project" and prefix + name in data}
        return [{**row, **typed.get(project.pk, {})} if editable[project.pk] else row
                for row, project in zip(initial, projects, strict=True)]

    @staticmethod
    def _rows_match(formset, projects) -> bool:
        """Each row names the project the sheet has in its place; a row that names another (a forged or
        stale page) is refused, named, with what was typed kept."""
        match = True
        for form, project in zip(formset.forms, projects, strict=True):
            if form.cleaned_data.get("project") != project.pk:
                form.add_error(None, _("项目：本行的项目与本单位当月可填报的项目不一致（页面可能已过期），未保存。请刷新页面后重新填写。"))
                match = False
        return match

    def post(self, request):
        department, period, projects, existing, previous, editable = self._setup(request)
        initial = self._initial(projects, existing)
        formset = BulkFormSet(request.POST, initial=initial, prefix="rows")
        if not formset.management_form.is_valid() or (
                formset.total_form_count(), formset.initial_form_count()) != (len(projects), len(projects)):
            # A sheet from another month or department, an expired page or a forged form count: the sheet as it
            # is now, with what was typed in the rows of projects it still has.
            messages.error(request, _("表格与本单位当月可填报的项目不一致（页面可能已过期），未保存。请核对后重新保存。"))
            formset = BulkFormSet(initial=self._with_typed(request.POST, initial, projects, editable), prefix="rows")
            self._disable(formset, projects, editable)
            return self._render(request, department, period, formset, projects, existing, previous, editable, 400)
        stale = self._stale_rows(request, projects, initial, editable)
        self._disable(formset, projects, editable, keep=stale)
        by_pk = {p.pk: p for p in projects}
        submit = "submit" in request.POST
        if stale or (projects and not any(editable.values())):
            for index in stale:
                project = projects[index]
                probe = existing.get(project.pk) or MonthlyReport(project=project, year=period.year, month=period.month)
                formset.forms[index].add_error(None, _("本行在您打开页面后已被提交、审核或所在月份已关闭，未保存：%(reason)s") % {
                    "reason": refusal(request.user, Action.CHANGE if probe.pk else Action.ADD, probe)})
            closed = month_closed(period.year, period.month)
            messages.error(request, refusal(request.user, Action.ADD, MonthlyReport(
                project=projects[0], year=period.year, month=period.month)) if closed and not stale else
                _("有行已不能修改，所有行均未保存。您填写的内容仍在页面上，请复制后刷新页面。") if stale else
                _("本表所有月报均已提交或审核通过，没有可保存的行。"))
            return self._render(request, department, period, formset, projects, existing, previous, editable, 400)
        if formset.is_valid() and self._rows_match(formset, projects):
            rows = [
                services.BulkRow(
                    project=by_pk[form.cleaned_data["project"]],
                    data={k: form.cleaned_data[k] if form.cleaned_data[k] is not None else 0
                          for k in services.REPORT_INPUT_FIELDS},
                    expected_version=form.cleaned_data.get("version"),
                    has_input=form.has_input(),
                )
                for form in formset.forms if editable[form.cleaned_data["project"]]
            ]
            try:
                saved = services.monthly_report_bulk_save(
                    year=period.year, month=period.month, rows=rows, submit=submit, acting_user=request.user)
                messages.success(request, (_("已提交 %(n)s 个项目的月报，等待审核。") if submit
                                           else _("已保存 %(n)s 个项目的月报草稿。")) % {"n": saved})
                return HttpResponseRedirect(request.get_full_path())
            except services.BulkRefused as refused:
                for form in formset.forms:
                    for message in refused.errors.get(form.cleaned_data["project"], []):
                        form.add_error(None, message)
        messages.error(request, _("有数据未通过校验，所有行均未保存。请按提示修改后再保存。"))
        return self._render(request, department, period, formset, projects, existing, previous, editable, 400)


class MonthView(LoginRequiredMixin, View):
    """A month's reporting: completeness by department, what blocks the close, waivers, close and reopen."""

    template = "projects/month.html"

    def get(self, request, year, month, status=200, errors=None, typed=None):
        if not can(request.user, Action.LOCK, model=PeriodLock):
            raise PermissionDenied(_("只有发改局统筹人员可以管理月份的关账。"))
        period = _url_period(year, month)
        reporting = reporting_status(Project.objects.all(), period)
        returns = sheet_returns(year, month)
        return render(request, self.template, {
            "period": period,
            "reporting": reporting,
            "departments": [(d, returns.get(d.key)) for d in reporting.departments],
            "blockers": closing.close_blockers(year, month),
            "closed": month_lock(year, month),
            "snapshots": list(MonthSnapshot.objects.filter(year=year, month=month)
                              .select_related("closed_by", "reopened_by").order_by("-version")),
            "waivers": list(ReportWaiver.objects.filter(year=year, month=month)
                            .select_related("project", "waived_by").order_by("project__code")),
            "errors": errors or [],
            "typed": typed or {},  # a refused form's text, shown again
        }, status=status)

    def post(self, request, year, month):
        if not can(request.user, Action.LOCK, model=PeriodLock):
            raise PermissionDenied(_("只有发改局统筹人员可以管理月份的关账。"))
        _url_period(year, month)
        action, reason = request.POST.get("action"), (request.POST.get("reason") or "").strip()
        try:
            if action == "close":
                snapshot = closing.month_close(year=year, month=month, acting_user=request.user,
                                               waive_missing=reason if request.POST.get("waive_missing") else None)
                messages.success(request, _("%(y)s年%(m)s月已关闭，生成第%(v)s版关账数据。") % {
                    "y": year, "m": month, "v": snapshot.version})
            elif action == "reopen":
                closing.month_reopen(year=year, month=month, reason=reason, acting_user=request.user)
                messages.success(request, _("%(y)s年%(m)s月已重新打开。") % {"y": year, "m": month})
            elif action == "waive":
                raw = request.POST.get("project") or ""
                if not (raw.isascii() and raw.isdigit()):
                    return self.get(request, year, month, status=400, errors=[
                        _("项目：“%(value)s”不是项目编号，未免报。请刷新页面后重试。") % {"value": Truncator(raw).chars(20)}])
                try:
                    project = get_visible_or_404(Project.objects.all(), request.user, pk=int(raw))
                except Http404:
                    return self.get(request, year, month, status=400, errors=[_("项目：找不到该项目，未免报。请刷新页面后重试。")])
                closing.report_waive(project=project, year=year, month=month, reason=reason, acting_user=request.user)
                messages.success(request, _("已确认免报：%(p)s") % {"p": project.name})
            else:
                raise Http404
        except closing.CloseBlocked as exc:
            return self.get(request, year, month, status=400, errors=[exc.message], typed=request.POST)
        except ValidationError as exc:
            return self.get(request, year, month, status=400, errors=exc.messages, typed=request.POST)
        except services.WorkflowError as exc:
            return self.get(request, year, month, status=400, errors=[exc.message], typed=request.POST)
        return HttpResponseRedirect(reverse("projects:month", args=[year, month]))
