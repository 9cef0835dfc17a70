"""The indicators' API: list, detail and filters read the FilterSets; writes keep the model's rules."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.models import Indicator, Observation, Target
from portfolio.policy import Role
from tests.helpers import make_user, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader():
    return token_client(make_user("reader", Role.VIEWER))


@pytest.fixture
def coordinator_api():
    return token_client(make_user("coord", Role.COORDINATOR))


def test_the_report_indicators_are_listed_and_filtered(report_data, reader):
    url = reverse("api:indicator-list")
    body = reader.get(url, {"page_size": 1000}).json()
    assert body["count"] == Indicator.objects.count() == 178
    economy = reader.get(url, {"category": "economy", "page_size": 1000}).json()
    assert economy["count"] == Indicator.objects.filter(category="economy").count() > 0
    assert {row["category"] for row in economy["results"]} == {"economy"}
    found = reader.get(url, {"q": "地区生产总值"}).json()["results"]
    assert [row["code"] for row in found] == ["gdp"]
    assert reader.get(url, {"category": "nonsense"}).status_code == 400


def test_detail_of_an_indicator_and_its_observation(report_data, reader):
    gdp = Indicator.objects.get(code="gdp")
    detail = reader.get(reverse("api:indicator-detail", args=[gdp.pk])).json()
    assert (detail["code"], detail["name"], detail["unit"], detail["category"]) == ("gdp", "地区生产总值", "亿元",
                                                                                   "economy")
    observations = reader.get(reverse("api:observation-list"), {"indicator": gdp.pk}).json()["results"]
    assert len(observations) == 1
    june = observations[0]
    assert (june["period_start"], june["period_end"], Decimal(june["value"]), Decimal(june["growth"]),
            june["rank"]) == ("2025-01-01", "2025-06-30", Decimal("1532.8"), Decimal("5.3"), 1)
    assert june["indicator_detail"]["code"] == "gdp"


def test_targets_filter_by_year_and_period(report_data, reader):
    url = reverse("api:target-list")
    h2 = reader.get(url, {"period": "h2", "page_size": 1000}).json()
    assert h2["count"] == Target.objects.filter(period="h2").count() == 2
    assert reader.get(url, {"year": 2024}).json()["count"] == 0
    assert reader.get(url, {"year": 2025, "page_size": 1000}).json()["count"] == 42


def test_an_observation_ending_before_it_starts_answers_400_and_writes_nothing(coordinator_api):
    gdp = Indicator.objects.create(code="gdp", name="地区生产总值", unit="亿元")
    url = reverse("api:observation-list")
    response = coordinator_api.post(url, {"indicator": gdp.pk, "period_start": "2025-07-01",
                                          "period_end": "2025-06-30", "value": "1"}, format="json")
    assert response.status_code == 400, response.content
    response = coordinator_api.post(url, {"indicator": gdp.pk, "period_start": "2025-01-01",
                                          "period_end": "2025-06-30"}, format="json")
    assert response.status_code == 400, response.content  # states nothing
    assert not Observation.objects.exists()
    response = coordinator_api.post(url, {"indicator": gdp.pk, "period_start": "2025-01-01",
                                          "period_end": "2025-06-30", "growth": "-2.1"}, format="json")
    assert response.status_code == 201, response.content
    assert Observation.objects.get().period_end == dt.date(2025, 6, 30)
