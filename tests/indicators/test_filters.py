"""The indicators' FilterSets: what each filter keeps, on data where a wrong filter would show."""

import datetime as dt
from decimal import Decimal

import pytest

from indicators.filters import IndicatorFilterSet, ObservationFilterSet, TargetFilterSet
from indicators.models import Indicator, Observation, Target

pytestmark = pytest.mark.django_db


@pytest.fixture
def indicators():
    made = {
        "gdp": Indicator.objects.create(code="gdp", name="地区生产总值", unit="亿元", category="economy"),
        "fai": Indicator.objects.create(code="fixed-asset-investment", name="固定资产投资", unit="%",
                                        category="investment"),
        "pm25": Indicator.objects.create(code="pm25", name="PM2.5平均浓度", unit="微克/立方米",
                                         category="ecology", higher_is_better=False),
    }
    for code, end in (("gdp", dt.date(2025, 3, 31)), ("gdp", dt.date(2025, 6, 30)), ("fai", dt.date(2025, 5, 31))):
        Observation.objects.create(indicator=made[code], period_start=dt.date(2025, 1, 1), period_end=end,
                                   growth=Decimal("5"))
    Target.objects.create(indicator=made["gdp"], year=2025, value=Decimal("3000"))
    Target.objects.create(indicator=made["pm25"], year=2025, period="h2", value=Decimal("25"), comparator="lte")
    Target.objects.create(indicator=made["gdp"], year=2024, value=Decimal("2900"))
    return made


def codes(filterset):
    assert filterset.is_valid(), filterset.errors
    return sorted(i.code for i in filterset.qs)


def test_indicator_search_by_name_or_code_category_and_direction(indicators):
    qs = Indicator.objects.all()
    assert codes(IndicatorFilterSet({"q": "投资"}, queryset=qs)) == ["fixed-asset-investment"]
    assert codes(IndicatorFilterSet({"q": "PM25"}, queryset=qs)) == ["pm25"]  # the code, case-insensitively
    assert codes(IndicatorFilterSet({"category": "economy"}, queryset=qs)) == ["gdp"]
    assert codes(IndicatorFilterSet({"higher_is_better": "false"}, queryset=qs)) == ["pm25"]
    assert codes(IndicatorFilterSet({}, queryset=qs)) == ["fixed-asset-investment", "gdp", "pm25"]
    assert not IndicatorFilterSet({"category": "nonsense"}, queryset=qs).is_valid()


def test_observations_by_indicator_category_and_period_end(indicators):
    qs = Observation.objects.all()

    def ends(params):
        f = ObservationFilterSet(params, queryset=qs)
        assert f.is_valid(), f.errors
        return sorted((o.indicator.code, o.period_end.isoformat()) for o in f.qs)

    assert ends({"indicator": indicators["gdp"].pk}) == [("gdp", "2025-03-31"), ("gdp", "2025-06-30")]
    assert ends({"category": "investment"}) == [("fixed-asset-investment", "2025-05-31")]
    # Both bounds include their day.
    assert ends({"period_end_after": "2025-05-31", "period_end_before": "2025-06-30"}) == [
        ("fixed-asset-investment", "2025-05-31"), ("gdp", "2025-06-30")]
    assert ends({"period_end_before": "2025-03-30"}) == []


def test_targets_by_year_period_and_category(indicators):
    qs = Target.objects.all()

    def rows(params):
        f = TargetFilterSet(params, queryset=qs)
        assert f.is_valid(), f.errors
        return sorted((t.indicator.code, t.year, t.period) for t in f.qs)

    assert rows({"year": 2025}) == [("gdp", 2025, "year"), ("pm25", 2025, "h2")]
    assert rows({"period": "h2"}) == [("pm25", 2025, "h2")]
    assert rows({"category": "economy", "year": 2024}) == [("gdp", 2024, "year")]
