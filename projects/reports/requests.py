"""From a user and request parameters to a report structure: shared by the pages and the API.

Both start from ``restrict(Project.objects.all(), user, VIEW)`` and the same ProjectFilterSet as
the list pages. A parameter that cannot be used raises ``BadRequest`` with the messages keyed by
parameter, which the pages show as a list and the API returns as field errors (400).
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from indicators.models import Indicator, Observation
from indicators.reports import IndicatorReport, build_indicator_report
from portfolio.periods import Period
from portfolio.text import colon
from projects.filters import ProjectFilterSet
from projects.models import Project, SupervisionLetter
from projects.permissions import Action, can, can_see_unapproved, restrict, sees_own_department_only
from projects.selectors import Basis, FigureSource, figure_source, latest_period, period_projects

from .builders import build_progress_report, scope_from_filterset
from .renderers import FORMATS
from .structure import WHOLE, ListPage, ProgressReport


class BadRequest(Exception):
    """Report parameters that cannot be used: {parameter: [messages in words]}, with the FilterSet
    whose labels name the filters on a page when the errors are the filters'."""

    def __init__(self, errors: dict[str, list[str]], filterset=None):
        super().__init__("; ".join(m for messages in errors.values() for m in messages))
        self.errors = errors
        self.filterset = filterset


def parse_format(params, formats=FORMATS) -> str:
    fmt = params.get("format") or "html"
    if fmt not in formats:
        raise BadRequest({"format": [
            _("不支持的报告格式“%(format)s”，可选：%(choices)s。") % {"format": fmt, "choices": "、".join(formats)}
        ]})
    return fmt


def parse_period(params, default) -> Period:
    """year and month from the parameters; a missing one is taken from ``default`` (the latest data, or
    a function giving it, asked only then)."""
    try:
        year = int(params["year"]) if params.get("year") else None
    except ValueError:
        raise BadRequest({"year": [_("年度须为整数，例如 2025。")]}) from None
    if year is not None and not 2000 <= year <= 2100:
        raise BadRequest({"year": [_("年度须在2000至2100之间。")]})
    try:
        month = int(params["month"]) if params.get("month") else None
    except ValueError:
        raise BadRequest({"month": [_("月份须为1至12之间的整数。")]}) from None
    if month is not None and not 1 <= month <= 12:
        raise BadRequest({"month": [_("月份须在1至12之间。")]})
    return Period.chosen(year, month, default)


def parse_basis(params, user) -> str:
    """basis=approved (the default: approved reports only) or basis=all (coordinators only)."""
    basis = params.get("basis") or Basis.APPROVED
    if basis not in Basis.values:
        raise BadRequest({"basis": [
            _("统计口径“%(basis)s”无效，可选：%(choices)s。") % {"basis": basis, "choices": "、".join(Basis.values)}
        ]})
    if basis != Basis.APPROVED and not can_see_unapproved(user):
        raise BadRequest({"basis": [_("只有发改局统筹人员可以查看含未审核月报的数据。")]})
    return basis


def parse_version(params) -> int | None:
    """snapshot=N: which frozen version of a closed month (the latest by default)."""
    raw = params.get("snapshot")
    if not raw:
        return None
    try:
        version = int(raw)
    except ValueError:
        raise BadRequest({"snapshot": [_("关账数据版本须为正整数。")]}) from None
    if version < 1:
        raise BadRequest({"snapshot": [_("关账数据版本须为正整数。")]})
    return version


def source_for(params, user, period: Period) -> FigureSource:
    """The figures' source for a request: its basis, and for a closed month the frozen version asked for."""
    basis = parse_basis(params, user)
    version = parse_version(params)
    source = figure_source(period, basis, version)
    if version is not None and (source.snapshot is None or source.snapshot.version != version):
        raise BadRequest({"snapshot": [
            _("%(year)s年%(month)s月没有第%(version)s版关账数据。") % {
                "year": period.year, "month": period.month, "version": version}
        ]})
    return source


def parse_appendix(params) -> bool:
    """appendix=0 leaves the project appendix out of the page and the PDF (Excel always has it)."""
    return (params.get("appendix") or "1").lower() not in ("0", "false", "no", "off")


def parse_list_page(params, *, default: int, largest: int) -> ListPage:
    """appendix_page=N (from 1) and appendix_page_size=1…``largest`` (``default``): the page of the
    report's appendix the page or the API lists, and how many rows of its other lists."""
    values = {}
    for name, fallback, upper in (("appendix_page", 1, None), ("appendix_page_size", default, largest)):
        raw = params.get(name) or str(fallback)
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if value < 1 or (upper is not None and value > upper):
            message = (_("明细页码须为正整数。") if upper is None else
                       _("每页条数须为1至%(n)s之间的整数。") % {"n": upper})
            raise BadRequest({name: [message]})
        values[name] = value
    return ListPage(values["appendix_page"], values["appendix_page_size"])


def filter_errors(filterset) -> dict[str, list[str]]:
    return {name: [str(message) for message in messages] for name, messages in filterset.form.errors.items()}


def error_lines(errors: dict[str, list[str]], filterset=None) -> list[str]:
    """The errors as lines for a page: each filter's message led by the filter's label."""
    fields = filterset.form.fields if filterset is not None else {}
    lines = []
    for name, messages in errors.items():
        label = fields[name].label if name in fields else None
        lines.extend(f"{label}{colon()}{message}" if label else message for message in messages)
    return lines


def require_reader(user, model) -> None:
    if not can(user, Action.VIEW, model=model):
        raise PermissionDenied(_("您没有权限查看报告。"))


@dataclass(frozen=True)
class ProgressRequest:
    """A progress report asked for, checked but not built: its period, figures' source and filters."""

    user: object
    period: Period
    source: FigureSource
    filterset: ProjectFilterSet

    def project_count(self) -> int:
        """How many projects the report counts (one COUNT, the builder's own selection): decides whether its
        file renders in the background, and is the number its job page shows."""
        return period_projects(self.filterset.qs, self.period, self.source).count()


def progress_request_for(user, params) -> ProgressRequest:
    """The parameters of a progress report this user may see, checked (BadRequest otherwise)."""
    require_reader(user, Project)
    visible = restrict(Project.objects.all(), user, Action.VIEW)
    period = parse_period(params, lambda: latest_period(visible))
    source = source_for(params, user, period)
    filterset = ProjectFilterSet(params, queryset=visible, period=period, source=source, as_closed=True)
    if not filterset.is_valid():
        raise BadRequest(filter_errors(filterset), filterset)
    programme = filterset.form.cleaned_data.get("programme")
    if programme is not None and programme.year != period.year:
        raise BadRequest({"programme": [
            _("所选重点项目计划为%(programme_year)s年度，与报告年度%(year)s不一致。")
            % {"programme_year": programme.year, "year": period.year}
        ]})
    return ProgressRequest(user, period, source, filterset)


def build_progress_request(request: ProgressRequest, page: ListPage = WHOLE) -> ProgressReport:
    user, filterset = request.user, request.filterset
    scope = scope_from_filterset(filterset)
    if sees_own_department_only(user):
        scope.append((_("可见范围"), _("本单位牵头或配合的项目")))
    return build_progress_report(
        filterset.qs, request.period, scope=scope, indicators=restrict(Indicator.objects.all(), user, Action.VIEW),
        source=request.source, letters=restrict(SupervisionLetter.objects.all(), user, Action.VIEW), page=page,
    )


def progress_report_for(user, params, page: ListPage = WHOLE) -> tuple[ProgressReport, ProjectFilterSet]:
    """The progress report this user may see, for the period and filters in ``params``."""
    request = progress_request_for(user, params)
    return build_progress_request(request, page), request.filterset


def indicators_report_for(user, params) -> IndicatorReport:
    require_reader(user, Indicator)
    indicators = restrict(Indicator.objects.all(), user, Action.VIEW)
    period = parse_period(params, latest_indicator_period(indicators))
    return build_indicator_report(period, indicators)


def latest_indicator_period(indicators) -> Period | None:
    latest: dt.date | None = (
        Observation.objects.filter(indicator__in=indicators).order_by("-period_end")
        .values_list("period_end", flat=True).first()
    )
    return Period(latest.year, latest.month) if latest else None
