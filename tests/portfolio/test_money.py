from decimal import Decimal

import pytest

from portfolio.money import rate_percent, round_half_up, time_elapsed_percent, wan_to_yi, yi_to_wan


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("54.655", "54.66"),  # half-up, where banker's rounding would give 54.66 too
        ("54.665", "54.67"),  # half-up; ROUND_HALF_EVEN would give 54.66
        ("0.005", "0.01"),
        ("0.0049", "0.00"),
        ("-1.005", "-1.01"),
    ],
)
def test_round_half_up_at_the_half(value, expected):
    assert round_half_up(Decimal(value)) == Decimal(expected)


def test_floats_are_refused():
    with pytest.raises(TypeError):
        round_half_up(0.1)


def test_unit_conversion_is_exact():
    assert wan_to_yi(Decimal("5900000")) == Decimal("590")
    assert yi_to_wan(Decimal("177.8")) == Decimal("1778000.0")


def test_rate_percent():
    assert rate_percent(Decimal("5900000"), Decimal("10794000")) == Decimal("54.66")
    assert rate_percent(Decimal("1"), Decimal("0")) is None
    assert rate_percent(None, Decimal("1")) is None


@pytest.mark.parametrize(("month", "expected"), [(1, "8.33"), (6, "50.00"), (7, "58.33"), (12, "100.00")])
def test_time_elapsed(month, expected):
    assert time_elapsed_percent(month) == Decimal(expected)


def test_time_elapsed_rejects_month_13():
    with pytest.raises(ValueError):
        time_elapsed_percent(13)


@pytest.mark.parametrize(("value", "kwargs", "text"), [
    (Decimal("74.2"), {"grouping": False}, "74.20"),
    (Decimal("1079.395"), {}, "1,079.40"),
    (Decimal("8.205"), {"signed": True}, "+8.21"),
    (Decimal("-8.805"), {"signed": True}, "-8.81"),
    (Decimal("0"), {"signed": True}, "+0.00"),
    (Decimal("2.5"), {"places": 0}, "3"),
])
def test_format_fixed_rounds_half_up_and_writes_its_places(value, kwargs, text):
    from portfolio.money import format_fixed

    assert format_fixed(value, **kwargs) == text
