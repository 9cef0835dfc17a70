"""The indicators report for 2025-06 from the report fixtures: latest value, target text, share."""

import datetime as dt
from decimal import Decimal

import pytest

from indicators.models import Indicator, Observation, Target
from indicators.reports import build_indicator_report
from portfolio.periods import Period

pytestmark = pytest.mark.django_db
JUNE = Period(2025, 6)


def rows(period=JUNE):
    return {row.code: row for row in build_indicator_report(period).rows}


def test_the_published_figures_of_june(report_data):
    report = build_indicator_report(JUNE)
    assert len(report.rows) == 178
    # 42 targets are published, two of them for the second half only and two (安全生产事故起数、死亡人数
    # 同比双下降) without a figure: 38 full-year targets with a value to show.
    assert report.with_target == 38
    assert report.with_observation == Observation.objects.filter(period_end__year=2025,
                                                                  period_end__lte=dt.date(2025, 6, 30)) \
        .values("indicator").distinct().count()
    gdp = rows()["gdp"]
    assert (gdp.value, gdp.value_text, gdp.growth_text) == (Decimal("1532.8"), "1532.8亿元", "同比增长5.3%")
    assert gdp.rank_text == "增速排名全市第一"
    assert gdp.observed_text == "2025年1—6月"
    assert (gdp.target_text, gdp.share) == ("", None)  # no full-year target published for it


def test_targets_read_with_their_comparator(report_data):
    r = rows()
    assert r["new-landed-investment"].target_text == "1350亿元以上"  # gte
    assert r["minke-park-revenue"].target_text == "突破2500亿元"  # gt
    assert r["high-tech-enterprises-net-increase"].target_text == "50家"  # eq: the figure alone
    assert r["disabled-children-enrollment-rate"].target_text == "97%以上"
    # A target without an observation yet: nothing to compare, no share.
    assert (r["new-landed-investment"].value, r["new-landed-investment"].share) == (None, None)


def test_share_of_the_target_when_the_units_match(report_data):
    r = rows()
    # 170.5 of 400 亿元 = 42.625%: half-up to two places.
    assert r["urban-renewal-investment"].share == Decimal("42.63")
    assert r["minke-park-industrial-output"].share == Decimal("45.32")  # 353.5 / 780
    culture = r["cultural-activities"]
    assert (culture.value_text, culture.target_text, culture.share) == ("超550场次", "1500场次", Decimal("36.67"))


def test_no_share_when_the_target_is_in_another_unit(report_data):
    target = Target.objects.get(indicator__code="urban-renewal-investment", year=2025)
    target.unit, target.value = "万元", Decimal("4000000")
    target.save()
    row = rows()["urban-renewal-investment"]
    assert (row.unit, row.target_unit, row.share) == ("亿元", "万元", None)


def test_the_latest_observation_up_to_the_periods_end(report_data):
    gdp = Indicator.objects.get(code="gdp")
    Observation.objects.create(indicator=gdp, period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 9, 30),
                               value=Decimal("2300"), unit="亿元")
    Observation.objects.create(indicator=gdp, period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 3, 31),
                               value=Decimal("740"), unit="亿元")
    Observation.objects.create(indicator=gdp, period_start=dt.date(2024, 1, 1), period_end=dt.date(2024, 12, 31),
                               value=Decimal("3100"), unit="亿元")
    assert rows()["gdp"].value == Decimal("1532.8")  # not September's, not March's
    assert rows(Period(2025, 5))["gdp"].value == Decimal("740")  # March is the latest by May
    assert rows(Period(2025, 9))["gdp"].value == Decimal("2300")
    assert rows(Period(2025, 2))["gdp"].value is None  # last year's figure is not this year's
    Target.objects.create(indicator=gdp, year=2025, value=Decimal("3200"), comparator="about")
    assert (rows()["gdp"].target_text, rows()["gdp"].share) == ("约3200亿元", Decimal("47.90"))


def test_a_second_half_target_is_not_the_full_year_target(report_data):
    r = rows()
    assert r["city-quality-list-projects"].target_text == ""  # its target is for the second half only
    assert Target.objects.filter(indicator__code="city-quality-list-projects", period="h2").exists()
