"""Indicators, observations and targets: what the database and the models refuse."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from indicators.models import Indicator, Observation, Target

pytestmark = pytest.mark.django_db


@pytest.fixture
def gdp():
    return Indicator.objects.create(code="gdp", name="地区生产总值", unit="亿元", category="economy")


def observation(indicator, **fields):
    values = {"period_start": dt.date(2025, 1, 1), "period_end": dt.date(2025, 6, 30), "value": Decimal("1532.8")}
    return Observation(indicator=indicator, **{**values, **fields})


def test_an_observation_ending_before_it_starts_is_refused_by_the_database(gdp):
    with pytest.raises(IntegrityError), transaction.atomic():
        observation(gdp, period_start=dt.date(2025, 7, 1), period_end=dt.date(2025, 6, 30)).save()
    # A single day is a period (a position at a date).
    observation(gdp, period_start=dt.date(2025, 6, 30)).save()
    assert Observation.objects.count() == 1


def test_an_observation_must_state_something(gdp):
    with pytest.raises(IntegrityError), transaction.atomic():
        observation(gdp, value=None).save()
    # Any one of value, growth, rank or a rank in words is enough.
    for fields in ({"growth": Decimal("-2.1")}, {"rank": 3}, {"rank_note": "排名全市前列"}):
        observation(gdp, value=None, **fields).save()
    assert Observation.objects.count() == 3


def test_model_validation_names_the_constraint_and_the_rank_starts_at_one(gdp):
    with pytest.raises(ValidationError) as error:
        observation(gdp, period_start=dt.date(2025, 7, 1)).full_clean()
    assert "observation_period_ordered" in str(error.value) or "__all__" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        observation(gdp, rank=0).full_clean()
    assert "rank" in error.value.message_dict
    observation(gdp, rank=1).full_clean()


def test_indicator_codes_are_unique_and_natural_keys(gdp):
    with pytest.raises(IntegrityError), transaction.atomic():
        Indicator.objects.create(code="gdp", name="另一个")
    assert Indicator.objects.get_by_natural_key("gdp") == gdp
    assert gdp.natural_key() == ("gdp",)


def test_an_indicator_with_figures_cannot_be_deleted(gdp):
    observation(gdp).save()
    Target.objects.create(indicator=gdp, year=2025, value=Decimal("3000"))
    with pytest.raises(ProtectedError):
        gdp.delete()
    assert Indicator.objects.filter(pk=gdp.pk).exists()


def test_changes_to_figures_keep_their_history(gdp):
    obs = observation(gdp)
    obs.save()
    obs.value = Decimal("1533")
    obs.save()
    values = list(obs.history.order_by("history_date").values_list("value", "history_type"))
    assert values == [(Decimal("1532.8"), "+"), (Decimal("1533"), "~")]
