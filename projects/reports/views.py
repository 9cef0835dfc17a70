"""Report pages and downloads: thin views over projects.reports.requests and the renderers.

Every report starts from the user's restricted queryset (projects.permissions.restrict) and the
same ProjectFilterSet as the list pages, fed from the GET parameters. Bad parameters answer 400
with a message in words, never 500.
"""


from contextlib import nullcontext

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from portfolio.downloads import attachment
from portfolio.limits import RenderRefused, count_user_render, render_slot
from portfolio.models import ReportJob

from . import jobs
from .renderers import CONTENT_TYPES, render_indicators, render_progress
from .requests import (
    BadRequest,
    build_progress_request,
    error_lines,
    indicators_report_for,
    parse_appendix,
    parse_format,
    parse_list_page,
    progress_request_for,
)
from .structure import whole_lists

FORMAT_LABELS = {"pdf": "PDF", "xlsx": "Excel", "docx": "Word"}
# Rows of the report page's appendix a page (and of its warning, milestone and issue lists).
PAGE_SIZE, PAGE_SIZE_LARGEST = 100, 1000
FILE_FORMATS = tuple(FORMAT_LABELS)


def bad_request(request, exc: BadRequest) -> HttpResponse:
    errors = error_lines(exc.errors, exc.filterset)
    html = render_to_string("reports/error.html", {"errors": errors}, request=request)
    return HttpResponse(html, status=400)


def download_links(request) -> list[tuple[str, str]]:
    links = []
    for fmt, label in FORMAT_LABELS.items():
        params = request.GET.copy()
        params["format"] = fmt
        links.append((label, f"?{params.urlencode()}"))
    return links


def refused(request, exc: RenderRefused) -> HttpResponse:
    html = render_to_string("reports/error.html", {"errors": [exc.message]}, request=request)
    response = HttpResponse(html, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


@login_required
@require_safe
def progress_report(request):
    """/reports/progress/?year=2025&month=6&programme=<pk>&lead_department=…&format=html|pdf|xlsx|docx

    A file of more than PORTFOLIO_BACKGROUND_PROJECTS projects is rendered in the background: the answer
    is the job's page, which offers the file when it is ready."""
    try:
        fmt = parse_format(request.GET)
        progress = progress_request_for(request.user, request.GET)
        user_slot = None
        if fmt in FILE_FORMATS:
            count = progress.project_count()
            if count > settings.PORTFOLIO_BACKGROUND_PROJECTS:
                return redirect("reports:job", jobs.request_file(request.user, jobs.PROGRESS, request.GET, fmt, count).pk)
            user_slot = count_user_render(request.user)
        # The page lists one page of the appendix (and as many rows of the other lists); the files all of it.
        page = (parse_list_page(request.GET, default=PAGE_SIZE, largest=PAGE_SIZE_LARGEST) if fmt == "html"
                else whole_lists(fmt))
        context = {"filterset": progress.filterset, "downloads": download_links(request), "months": range(1, 13),
                   "show_appendix": parse_appendix(request.GET)}
        # A file holds one of the node's render slots from its report's figures to its last page: a busy node
        # refuses before anything is built.
        with render_slot(user_slot) if fmt in FILE_FORMATS else nullcontext():
            rendered = render_progress(build_progress_request(progress, page), fmt, request=request,
                                       html_context=context)
    except BadRequest as exc:
        return bad_request(request, exc)
    except RenderRefused as exc:
        return refused(request, exc)
    return rendered.response()


@login_required
@require_safe
def indicators_report(request):
    """/reports/indicators/?year=2025&month=6&format=html|pdf|xlsx|docx"""
    try:
        fmt = parse_format(request.GET)
        report = indicators_report_for(request.user, request.GET)
        user_slot = count_user_render(request.user) if fmt in FILE_FORMATS else None
        with render_slot(user_slot) if fmt in FILE_FORMATS else nullcontext():
            rendered = render_indicators(
                report, fmt, request=request, html_context={"downloads": download_links(request), "months": range(1, 13)}
            )
    except BadRequest as exc:
        return bad_request(request, exc)
    except RenderRefused as exc:
        return refused(request, exc)
    return rendered.response()


@login_required
@require_safe
def job_detail(request, pk):
    """/reports/jobs/<id>/: a background report file's progress, then its download (for who asked only)."""
    job = get_object_or_404(ReportJob, pk=pk, user=request.user)
    retry = jobs.query_dict(job.params)
    if job.kind == jobs.PROJECT_LIST:
        title, asked_at = _("导出项目清单"), reverse("projects:project_export")
    else:
        title, asked_at = _("生成报告文件"), reverse("reports:progress")
        retry["format"] = job.fmt
    return render(request, "reports/job.html", {
        "job": job, "title": title, "format_label": FORMAT_LABELS.get(job.fmt, job.fmt),
        "keep_days": settings.PORTFOLIO_REPORT_FILE_DAYS,
        "retry_url": f"{asked_at}?{retry.urlencode()}",
    })


@login_required
@require_safe
def job_file(request, pk):
    job = get_object_or_404(ReportJob, pk=pk, user=request.user, state=ReportJob.State.DONE)
    if not job.file:
        raise Http404
    response = FileResponse(job.file.open("rb"), content_type=CONTENT_TYPES[job.fmt])
    response["Content-Disposition"] = attachment(job.filename, job.fallback_filename)
    return response
