"""Report pages and downloads: thin views over projects.reports.requests and the renderers.

Every report starts from the user's restricted queryset (projects.permissions.restrict) and the
same ProjectFilterSet as the list pages, fed from the GET parameters. Bad parameters answer 400
with a message in words, never 500.
"""


from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_safe

from .renderers import render_indicators, render_progress
from .requests import (
    BadRequest,
    error_lines,
    indicators_report_for,
    parse_appendix,
    parse_format,
    progress_report_for,
)

FORMAT_LABELS = {"pdf": "PDF", "xlsx": "Excel", "docx": "Word"}


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


@login_required
@require_safe
def progress_report(request):
    """/reports/progress/?year=2025&month=6&programme=<pk>&lead_department=…&format=html|pdf|xlsx|docx"""
    try:
        fmt = parse_format(request.GET)
        report, filterset = progress_report_for(request.user, request.GET)
    except BadRequest as exc:
        return bad_request(request, exc)
    rendered = render_progress(
        report, fmt, request=request,
        html_context={"filterset": filterset, "downloads": download_links(request), "months": range(1, 13),
                      "show_appendix": parse_appendix(request.GET)},
    )
    return rendered.response()


@login_required
@require_safe
def indicators_report(request):
    """/reports/indicators/?year=2025&month=6&format=html|pdf|xlsx|docx"""
    try:
        fmt = parse_format(request.GET)
        report = indicators_report_for(request.user, request.GET)
    except BadRequest as exc:
        return bad_request(request, exc)
    rendered = render_indicators(
        report, fmt, request=request, html_context={"downloads": download_links(request), "months": range(1, 13)}
    )
    return rendered.response()
