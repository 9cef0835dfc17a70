"""Report data through the API: the progress and indicators reports as JSON, and their files.

The same path as the report pages (projects.reports.requests): the user's restricted projects, the
same ProjectFilterSet, the same builders; the JSON is the builders' structure, the files come from
the same renderers as the pages' downloads. Amounts are in 万元 (4 places) with their 亿元 figures
(2 places) beside them, rates in percent (2 places, rounded half-up by portfolio.money).

GET /api/v1/reports/progress/             JSON
GET /api/v1/reports/progress/{pdf|xlsx|docx}/   the file
GET /api/v1/reports/indicators/…          the same for the indicators report
"""

from decimal import Decimal

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from indicators.models import Indicator
from indicators.reports import IndicatorReport
from portfolio.api_base import PolicyPermission
from portfolio.api_schema import PortfolioAutoSchema
from portfolio.limits import RenderRefused, count_user_render, render_slot
from portfolio.money import round_half_up
from portfolio.token_auth import TokenAuthentication
from projects.filters import ProjectFilterSet
from projects.models import Project
from projects.permissions import Action
from projects.progress import WarningColour
from projects.reports import fields
from projects.reports.builders import ProgressReport
from projects.reports.renderers import CONTENT_TYPES, render_indicators, render_progress
from projects.reports.requests import (
    indicators_report_for,
    parse_appendix,
    parse_list_page,
    progress_report_for,
)
from projects.reports.structure import whole_lists

from .exceptions import api_exception_handler

FILE_FORMATS = ("pdf", "xlsx", "docx")


class FigureField(serializers.DecimalField):
    """A report figure written with a fixed number of places, rounded (if at all) by portfolio.money:
    the builders have already rounded 亿元 and rates, and 万元 are stored with four places."""

    def __init__(self, places: int, **kwargs):
        kwargs["read_only"] = True
        super().__init__(max_digits=None, decimal_places=places, **kwargs)

    def quantize(self, value):
        return round_half_up(value, Decimal(1).scaleb(-self.decimal_places))


class ReportSerializer(serializers.Serializer):
    """Read-only serializers over the report dataclasses (projects.reports.builders)."""

    schema_description = None


FIELD_CLASSES = {
    fields.TEXT: serializers.CharField,
    fields.INT: serializers.IntegerField,
    fields.BOOL: serializers.BooleanField,
    fields.DATE: serializers.DateField,
    fields.DATETIME: serializers.DateTimeField,
}


def api_field(declared: fields.ReportField) -> serializers.Field:
    """The read-only serializer field of one declared report field."""
    options = {"read_only": True, "label": declared.label, "help_text": declared.help_text}
    if declared.nullable:
        options["allow_null"] = True
    if declared.kind == fields.NESTED:
        return report_serializer(declared.of)(many=declared.many, **options)
    if declared.kind in fields.FIGURE_PLACES:
        return FigureField(fields.FIGURE_PLACES[declared.kind], **options)
    if declared.kind == fields.TEXTS:
        return serializers.ListField(child=serializers.CharField(), **options)
    return FIELD_CLASSES[declared.kind](**options)


# The structures that are plain tuples and dicts, not dataclasses: how each becomes JSON.
def _scope(self, instance):
    label, value = instance
    return {"label": str(label), "value": str(value)}


def _warning_counts(self, instance):
    return {colour: int(instance.get(colour, 0)) for colour in WarningColour.values}


def _warning_rules(self, instance):
    """Every rule the structure declares, by its kind (the settings dict may hold others)."""
    as_kind = {fields.TEXT: lambda v: str(v or ""), fields.INT: lambda v: v,
               fields.TEXTS: lambda v: [str(item) for item in v or ()]}
    return {key: as_kind[declared.kind](instance.get(key))
            for key, declared in fields.STRUCTURES[fields.WARNING_RULES].fields.items()}


REPRESENTATIONS = {fields.SCOPE: _scope, fields.WARNING_COUNTS: _warning_counts, fields.WARNING_RULES: _warning_rules}
_serializers: dict[object, type[ReportSerializer]] = {}


def report_serializer(structure) -> type[ReportSerializer]:
    """The serializer of a report structure, generated from its declaration (projects.reports.fields).

    Named after the structure (FiguresSerializer, ...), which names its schema component.
    """
    if structure not in _serializers:
        declaration = fields.STRUCTURES[structure]
        attributes = {name: api_field(declared) for name, declared in declaration.fields.items() if declared.api}
        attributes["schema_description"] = declaration.description
        if structure in REPRESENTATIONS:
            attributes["to_representation"] = REPRESENTATIONS[structure]
        _serializers[structure] = type(f"{declaration.name}Serializer", (ReportSerializer,), attributes)
    return _serializers[structure]


ProgressReportSerializer = report_serializer(ProgressReport)
IndicatorReportSerializer = report_serializer(IndicatorReport)


# Views --------------------------------------------------------------------------------------------


class FileRenderer(BaseRenderer):
    """Lets a client ask for the file by its media type; the view writes the bytes itself."""

    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else b""


def file_renderer(fmt: str) -> type[FileRenderer]:
    return type(f"{fmt.title()}Renderer", (FileRenderer,), {"media_type": CONTENT_TYPES[fmt], "format": fmt})


class ReportSchema(PortfolioAutoSchema):
    """A report is one object, not a list, yet it takes the project list's filters."""

    def get_filter_backends(self):
        return getattr(self.view, "filter_backends", [])


PERIOD_PARAMETERS = [
    OpenApiParameter("year", int, description=_("报告年度；缺省为有数据的最近年度。")),
    OpenApiParameter("month", int, description=_("截至月份（1-12）；缺省为有数据的最近月份。")),
]
APPENDIX_PARAMETER = OpenApiParameter(
    "appendix", bool, description=_("PDF 是否包含项目明细附表；缺省包含。Excel 总包含附表。")
)
# The JSON lists one page of the appendix, and as many rows of the warning, milestone and issue lists; the
# totals, the narrative and every summary count all of them. The files carry the whole lists.
JSON_PAGE_SIZE, JSON_PAGE_SIZE_LARGEST = 100, 1000
LIST_PAGE_PARAMETERS = [
    OpenApiParameter("appendix_page", int, description=_("项目明细的页码，缺省为1。")),
    OpenApiParameter("appendix_page_size", int, description=_(
        "每页条数（1-%(largest)s，缺省%(default)s）：项目明细列出一页，预警、节点、问题清单列出前这么多条；"
        "总数见 listed，完整清单见 Excel 文件。") % {"largest": JSON_PAGE_SIZE_LARGEST, "default": JSON_PAGE_SIZE}),
]


class ReportView(APIView):
    """GET only; the user needs the policy's VIEW on the report's model (403), bad parameters 400
    (projects.reports.requests.BadRequest, mapped by the API's exception handler)."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [PolicyPermission]
    schema = ReportSchema()
    error_codes = ("400", "401", "403")
    http_method_names = ["get", "head", "options"]
    filter_backends: list = []

    def policy_action(self):
        return Action.VIEW

    def get_exception_handler(self):
        return api_exception_handler


class ProgressReportMixin:
    model = Project
    queryset = Project.objects.none()  # for the schema: the filters are the project list's
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProjectFilterSet
    file_summary = _("进度报告文件")
    file_parameters = [*PERIOD_PARAMETERS, APPENDIX_PARAMETER]

    def report(self, request, page=None):
        """The report of the request: ``page`` of its lists, or a file's whole lists (``whole_lists``)."""
        page = page or whole_lists(getattr(self, "fmt", ""))
        report, _filterset = progress_report_for(request.user, request.query_params, page)
        return report

    def render_file(self, report, fmt, request):
        return render_progress(report, fmt, request=request,
                               html_context={"show_appendix": parse_appendix(request.query_params)})


class IndicatorReportMixin:
    model = Indicator
    file_summary = _("指标报告文件")
    file_parameters = PERIOD_PARAMETERS

    def report(self, request):
        return indicators_report_for(request.user, request.query_params)

    def render_file(self, report, fmt, request):
        return render_indicators(report, fmt, request=request)


class ProgressReportView(ProgressReportMixin, ReportView):
    schema_description = _(
        "进度报告的数据（JSON）：总体进度、分类进度、预警、节点、问题、核对、月度进度、项目明细和综述草稿。"
        "筛选条件与项目列表相同；部门填报员只得到其可见的项目。"
    )
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]

    @extend_schema(parameters=[*PERIOD_PARAMETERS, *LIST_PAGE_PARAMETERS], responses=ProgressReportSerializer,
                   summary=_("进度报告数据"))
    def get(self, request):
        page = parse_list_page(request.query_params, default=JSON_PAGE_SIZE, largest=JSON_PAGE_SIZE_LARGEST)
        return Response(ProgressReportSerializer(self.report(request, page)).data)


class IndicatorReportView(IndicatorReportMixin, ReportView):
    schema_description = _("指标报告的数据（JSON）：各指标的最新值、增速、排名、全年目标和完成比例，按类别分组。")
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]

    @extend_schema(parameters=PERIOD_PARAMETERS, responses=IndicatorReportSerializer, summary=_("指标报告数据"))
    def get(self, request):
        return Response(IndicatorReportSerializer(self.report(request)).data)


class ReportFileView(ReportView):
    """The report as a file, the same as the page's download; the format is in the path (pdf, xlsx, docx)."""

    schema_description = _("报告文件：与报告页面的下载相同。")
    fmt: str

    def get_renderers(self):
        return [file_renderer(self.fmt)()]

    def perform_content_negotiation(self, request, force=False):
        # The path names the format: no Accept header or ?format= can turn the file into something else.
        renderer = self.get_renderers()[0]
        return renderer, renderer.media_type

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(response, Response) and response.status_code >= 400:
            # A refusal (400, 401, 403) is JSON, like every other error of the API.
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    def get(self, request):
        # Counted, then one of the node's render slots held from the report's figures to the file's last page:
        # a refused render builds nothing, and a failed one (a bad parameter) gives the user's slot back.
        try:
            with render_slot(count_user_render(request.user)):
                return self.render_file(self.report(request), self.fmt, request).response()
        except RenderRefused as exc:
            raise exceptions.Throttled(wait=exc.retry_after, detail=exc.message) from None


def file_view(mixin, fmt: str) -> type[ReportFileView]:
    """The file view of a report (its mixin) in one format, with its own schema operation."""
    @extend_schema(
        parameters=mixin.file_parameters if fmt == "pdf" else PERIOD_PARAMETERS,
        responses={200: OpenApiResponse(OpenApiTypes.BINARY, description=ReportFileView.schema_description)},
        summary=format_lazy("{}({})", mixin.file_summary, fmt.upper()),
    )
    def get(self, request):  # a function of its own: the schema is attached to it
        return ReportFileView.get(self, request)

    name = f"{mixin.__name__.removesuffix('Mixin')}{fmt.title()}View"
    return type(name, (mixin, ReportFileView), {"fmt": fmt, "get": get})


PROGRESS_FILE_VIEWS = {fmt: file_view(ProgressReportMixin, fmt) for fmt in FILE_FORMATS}
INDICATOR_FILE_VIEWS = {fmt: file_view(IndicatorReportMixin, fmt) for fmt in FILE_FORMATS}
