"""API v1 viewsets of the indicators app: declarations over the shared PortfolioViewSet."""

from django.utils.translation import gettext_lazy as _

from indicators.filters import IndicatorFilterSet, ObservationFilterSet, TargetFilterSet
from indicators.models import Indicator, Observation, Target
from portfolio.api_base import PortfolioViewSet

from .serializers import IndicatorSerializer, ObservationSerializer, TargetSerializer


class IndicatorViewSet(PortfolioViewSet):
    """Socio-economic indicators."""

    schema_description = _("经济社会发展指标。")

    model = Indicator
    queryset = Indicator.objects.all()
    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilterSet
    ordering_fields = ["code", "name", "category"]
    search_fields = ["code", "name"]


class ObservationViewSet(PortfolioViewSet):
    """Observed values of indicators for a period."""

    schema_description = _("指标观测值：某一统计期的数值、同比增长和全市排名。")

    model = Observation
    queryset = Observation.objects.select_related("indicator")
    serializer_class = ObservationSerializer
    filterset_class = ObservationFilterSet
    ordering_fields = ["period_end", "period_start", "indicator__code"]
    search_fields = ["indicator__code", "indicator__name"]


class TargetViewSet(PortfolioViewSet):
    """Targets of indicators (full year or second half)."""

    schema_description = _("指标目标：全年或下半年的目标值。")

    model = Target
    queryset = Target.objects.select_related("indicator")
    serializer_class = TargetSerializer
    filterset_class = TargetFilterSet
    ordering_fields = ["year", "indicator__code"]
    search_fields = ["indicator__code", "indicator__name"]
