"""Amounts as people type them and as pages show them: parsing and formatting round-trip."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from portfolio.money import format_amount, parse_amount, yi_words
from projects.forms import AmountField

# Every amount a 万元 column may hold: four places (one yuan), up to MAX_AMOUNT.
amounts = st.decimals(min_value=Decimal("0"), max_value=Decimal("99999999.9999"), places=4,
                      allow_nan=False, allow_infinity=False)
FULL_WIDTH = str.maketrans("0123456789.,", "０１２３４５６７８９．，")


def written(value: Decimal, style: str) -> str:
    text = format_amount(value)
    if style == "plain":
        return format_amount(value, grouping=False)
    if style == "spaces":
        return text.replace(",", " ")
    if style == "full-width":
        return text.translate(FULL_WIDTH)
    if style == "wan-yuan":
        return text + "万元"
    if style == "wan":
        return format_amount(value, grouping=False) + "万"
    if style == "full-width-wan-yuan":
        return text.translate(FULL_WIDTH) + "万元"
    return text


STYLES = ["separators", "plain", "spaces", "full-width", "wan-yuan", "wan", "full-width-wan-yuan"]


@given(amounts, st.sampled_from(STYLES))
def test_every_written_amount_parses_back_to_itself(value, style):
    assert parse_amount(written(value, style)) == value


@given(amounts, st.sampled_from(STYLES))
def test_the_form_field_accepts_what_pages_print(value, style):
    assert AmountField().clean(written(value, style)) == value


@given(amounts)
def test_formatting_keeps_two_places_and_every_significant_digit(value):
    text = format_amount(value)
    whole, _dot, fraction = text.partition(".")
    assert 2 <= len(fraction) <= 4
    assert len(fraction) == 2 or not fraction.endswith("0")
    assert Decimal(text.replace(",", "")) == value


@pytest.mark.parametrize(("stored", "shown"), [
    ("1778000.0000", "1,778,000.00"), ("3210.5000", "3,210.50"), ("1.2345", "1.2345"), ("0", "0.00"),
    ("12.3400", "12.34"), ("5.1230", "5.123"),
])
def test_stored_amounts_are_shown_without_trailing_zeros_beyond_two_places(stored, shown):
    assert format_amount(Decimal(stored)) == shown


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "万元", "12亿元", "NaN", "Infinity"])
def test_what_is_not_an_amount_is_refused(text):
    with pytest.raises(ValueError):
        parse_amount(text)


@pytest.mark.parametrize("text", ["1.200,5", "1,2", "12,34,5", "1,2345", "1,000.5,0", ",100", "1 2"])
def test_misplaced_separators_are_refused_not_read_as_another_amount(text):
    """A separator is a thousands separator or nothing: "1.200,5" is not 1.2005, "1,2" is not 12."""
    with pytest.raises(ValueError):
        parse_amount(text)
    field = AmountField()
    with pytest.raises(ValidationError):
        field.clean(text)


@pytest.mark.parametrize(("yi", "english", "chinese"), [
    ("590", "59.0 billion yuan", "590亿元"),
    ("590.00", "59.0 billion yuan", "590亿元"),
    ("1.25", "125 million yuan", "1.25亿元"),
    ("177.8", "17.78 billion yuan", "177.8亿元"),
    ("640", "64.0 billion yuan", "640亿元"),
    ("10", "1.0 billion yuan", "10亿元"),
    ("0.03", "3 million yuan", "0.03亿元"),
    ("12345.6", "1,234.56 billion yuan", "12345.6亿元"),
])
def test_yi_in_english_is_billions_or_millions(yi, english, chinese):
    assert yi_words(Decimal(yi), "en") == english
    assert yi_words(Decimal(yi), "zh-hans") == chinese


@given(st.decimals(min_value=Decimal("0"), max_value=Decimal("999999.99"), places=2))
def test_english_scaling_loses_nothing(value):
    words = yi_words(value, "en")
    number, unit = words.rsplit(" ", 2)[0], words.split(" ")[1]
    scale = {"billion": Decimal(10), "million": Decimal("0.01")}[unit]
    assert Decimal(number.replace(",", "")) * scale == value
