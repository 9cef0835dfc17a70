"""Serializers of API v1 for the indicators app (same strict base as the projects app)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from indicators.models import Indicator, Observation, Target
from portfolio.api_serializers import StrictModelSerializer, SummaryField, summary


class IndicatorSummarySerializer(StrictModelSerializer):
    class Meta:
        model = Indicator
        fields = ["id", "code", "name", "unit"]
        read_only_fields = fields


@extend_schema_field(IndicatorSummarySerializer)
class IndicatorSummaryField(SummaryField):
    attributes = ("id", "code", "name", "unit")


class IndicatorSerializer(StrictModelSerializer):
    descriptions = {
        "code": _("指标编码：小写字母、数字和连字符，唯一。"),
        "name": _("指标名称。"),
        "category": _("指标类别。"),
        "higher_is_better": _("数值越高越好时为真，用于判断进度好坏。"),
        "description": _("指标的口径说明。"),
    }

    class Meta:
        model = Indicator
        fields = ["id", "code", "name", "category", "unit", "higher_is_better", "description", "created_at",
                  "updated_at"]


class ObservationSerializer(StrictModelSerializer):
    indicator_detail = summary(IndicatorSummaryField, "indicator", _("指标摘要（只读）。"))
    descriptions = {
        "indicator": _("指标的编号。"),
        "period_start": _("统计期开始日期。"),
        "period_end": _("统计期结束日期，不能早于开始日期。"),
        "value": _("数值；报告只给出增速或排名时为空（数值、增速、排名至少有一项）。"),
        "unit": _("计量单位；为空时沿用指标的单位。"),
        "qualifier": _("报告对数值的限定词：超、约、近、达、突破、以上。"),
        "rank": _("在全市各区中的排名（从1起）。"),
        "rank_scope": _("排名范围，例如：全市11个区。"),
    }

    class Meta:
        model = Observation
        fields = [
            "id", "indicator", "indicator_detail", "period_start", "period_end", "value", "unit", "qualifier",
            "growth", "rank", "rank_subject", "rank_scope", "rank_note", "note", "source_quote", "is_synthetic",
            "created_at", "updated_at",
        ]
        read_only_fields = ["source_quote", "is_synthetic"]


class TargetSerializer(StrictModelSerializer):
    indicator_detail = summary(IndicatorSummaryField, "indicator", _("指标摘要（只读）。"))
    descriptions = {
        "indicator": _("指标的编号。"),
        "year": _("目标年度。"),
        "period": _("目标期：全年或下半年。"),
        "value": _("目标值。"),
        "unit": _("计量单位；为空时沿用指标的单位。"),
        "comparator": _("目标的比较方式：不低于、不高于、等于、约、突破。"),
    }

    class Meta:
        model = Target
        fields = [
            "id", "indicator", "indicator_detail", "year", "period", "value", "unit", "comparator", "note",
            "source_quote", "is_synthetic", "created_at", "updated_at",
        ]
        read_only_fields = ["source_quote", "is_synthetic"]
