"""Report pages and downloads: thin views over the builders and renderers.

Every report starts from the user's restricted queryset (projects.permissions.restrict) and the
same ProjectFilterSet as the list pages, fed from the GET parameters. Bad parameters answer 400
with a message in words, never 500.
"""

import datetime as dt
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from indicators.models import Indicator, Observation
from projects.filters import ProjectFilterSet
from projects.models import Project
from projects.permissions import Action, can, editor_sees_all, restrict, role_of
from projects.progress import Period
from projects.roles import Role
from projects.selectors import latest_period

from .builders import build_progress_report, scope_from_filterset
from .indicators import build_indicator_report
from .renderers import FORMATS, Rendered, render_indicators, render_progress

FORMAT_LABELS = {"pdf": "PDF", "xlsx": "Excel", "docx": "Word"}


class BadRequest(Exception):
    """A report parameter that cannot be used; the message is shown to the user."""


def bad_request(request, errors: list[str]) -> HttpResponse:
    html = render_to_string("reports/error.html", {"errors": errors}, request=request)
    return HttpResponse(html, status=400)


def parse_format(params) -> str:
    fmt = params.get("format") or "html"
    if fmt not in FORMATS:
        raise BadRequest(
            _("不支持的报告格式“%(format)s”,可选:%(choices)s。") % {"format": fmt, "choices": "、".join(FORMATS)}
        )
    return fmt


def parse_period(params, default: Period | None) -> Period:
    """year and month from the parameters; a missing one is taken from ``default`` (the latest data)."""
    today = timezone.localdate()
    fallback = default or Period(today.year, today.month)
    try:
        year = int(params.get("year") or fallback.year)
    except ValueError:
        raise BadRequest(_("年度须为整数,例如 2025。")) from None
    if not 2000 <= year <= 2100:
        raise BadRequest(_("年度须在2000至2100之间。"))
    month_param = params.get("month")
    try:
        month = int(month_param) if month_param else (fallback.month if year == fallback.year else 12)
    except ValueError:
        raise BadRequest(_("月份须为1至12之间的整数。")) from None
    if not 1 <= month <= 12:
        raise BadRequest(_("月份须在1至12之间。"))
    return Period(year, month)


def parse_appendix(params) -> bool:
    """appendix=0 leaves the project appendix out of the page and the PDF (Excel always has it)."""
    return (params.get("appendix") or "1").lower() not in ("0", "false", "no", "off")


def filter_errors(filterset) -> list[str]:
    errors = []
    for name, messages in filterset.form.errors.items():
        label = filterset.form.fields[name].label if name in filterset.form.fields else name
        errors.extend(f"{label}:{message}" for message in messages)
    return errors


def download_links(request) -> list[tuple[str, str]]:
    links = []
    for fmt, label in FORMAT_LABELS.items():
        params = request.GET.copy()
        params["format"] = fmt
        links.append((label, f"?{params.urlencode()}"))
    return links


def respond(request, rendered: Rendered, fmt: str) -> HttpResponse:
    response = HttpResponse(rendered.content, content_type=rendered.content_type)
    if fmt != "html":
        response["Content-Disposition"] = (
            f'attachment; filename="{rendered.filename}"; filename*=UTF-8\'\'{quote(rendered.filename)}'
        )
    return response


def _require_reader(user, model) -> None:
    if not can(user, Action.VIEW, model=model):
        raise PermissionDenied(_("您没有权限查看报告。"))


@login_required
@require_safe
def progress_report(request):
    """/reports/progress/?year=2025&month=6&programme=<pk>&lead_department=…&format=html|pdf|xlsx|docx"""
    user = request.user
    _require_reader(user, Project)
    visible = restrict(Project.objects.all(), user, Action.VIEW)
    try:
        fmt = parse_format(request.GET)
        period = parse_period(request.GET, latest_period(visible))
    except BadRequest as exc:
        return bad_request(request, [str(exc)])
    filterset = ProjectFilterSet(request.GET, queryset=visible, period=period)
    if not filterset.is_valid():
        return bad_request(request, filter_errors(filterset))
    programme = filterset.form.cleaned_data.get("programme")
    if programme is not None and programme.year != period.year:
        return bad_request(request, [
            _("所选重点项目计划为%(programme_year)s年度,与报告年度%(year)s不一致。")
            % {"programme_year": programme.year, "year": period.year}
        ])
    scope = scope_from_filterset(filterset)
    if role_of(user) == Role.EDITOR and not editor_sees_all():
        scope.append((_("可见范围"), _("本单位牵头或配合的项目")))
    report = build_progress_report(
        filterset.qs, period, scope=scope, indicators=restrict(Indicator.objects.all(), user, Action.VIEW)
    )
    rendered = render_progress(
        report, fmt, request=request,
        html_context={"filterset": filterset, "downloads": download_links(request), "months": range(1, 13),
                      "show_appendix": parse_appendix(request.GET)},
    )
    return respond(request, rendered, fmt)


@login_required
@require_safe
def indicators_report(request):
    """/reports/indicators/?year=2025&month=6&format=html|pdf|xlsx|docx"""
    user = request.user
    _require_reader(user, Indicator)
    indicators = restrict(Indicator.objects.all(), user, Action.VIEW)
    try:
        fmt = parse_format(request.GET)
        period = parse_period(request.GET, _latest_indicator_period(indicators))
    except BadRequest as exc:
        return bad_request(request, [str(exc)])
    report = build_indicator_report(period, indicators)
    rendered = render_indicators(
        report, fmt, request=request, html_context={"downloads": download_links(request), "months": range(1, 13)}
    )
    return respond(request, rendered, fmt)


def _latest_indicator_period(indicators) -> Period | None:
    latest: dt.date | None = (
        Observation.objects.filter(indicator__in=indicators).order_by("-period_end")
        .values_list("period_end", flat=True).first()
    )
    return Period(latest.year, latest.month) if latest else None
