"""Money and rate arithmetic: the one place where amounts are converted and rounded.

Amounts are stored in 万元 (10,000 yuan) as Decimal; report-level figures are shown in 亿元
(100 million yuan). Rounding follows the report: ROUND_HALF_UP to two places for percentages
and 亿元.
"""

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

TWO_PLACES = Decimal("0.01")
WAN_PER_YI = Decimal("10000")
HUNDRED = Decimal("100")
YI_PER_BILLION = Decimal("10")

# Thousands separators (half- and full-width commas, spaces, apostrophes) typed or pasted with amounts.
SEPARATORS = re.compile(r"[,\s\u3000\uff0c\u00a0'\u2019_]")
# The unit people add after an amount in 万元: "3,210.5万元", "12万".
WAN_SUFFIX = re.compile(r"(万元|万)$")


def to_decimal(value) -> Decimal:
    """Convert int, str or Decimal to Decimal. Floats are refused: they carry binary error."""
    if isinstance(value, float):
        raise TypeError("floats are not accepted for money or rates; pass a str or Decimal")
    return value if isinstance(value, Decimal) else Decimal(value)


def round_half_up(value, places: Decimal = TWO_PLACES) -> Decimal:
    """The rounding rule of the report: half away from zero, two places by default."""
    # A Decimal as it is (a report of 100,000 projects rounds 860,000 of them): the rest through to_decimal.
    return (value if value.__class__ is Decimal else to_decimal(value)).quantize(places, rounding=ROUND_HALF_UP)


def wan_to_yi(amount_wan) -> Decimal:
    """万元 -> 亿元, unrounded (round for display with round_half_up)."""
    return to_decimal(amount_wan) / WAN_PER_YI


def yi_to_wan(amount_yi) -> Decimal:
    """亿元 -> 万元, exact."""
    return to_decimal(amount_yi) * WAN_PER_YI


def rate_percent(part, whole) -> Decimal | None:
    """part ÷ whole as a percentage rounded half-up to two places; None when whole is 0 or None."""
    if part is None or whole is None:
        return None
    whole = to_decimal(whole)
    if whole == 0:
        return None
    return round_half_up(to_decimal(part) * HUNDRED / whole)


def time_elapsed_percent(month: int, months_in_year: int = 12) -> Decimal:
    """序时进度 at the end of a month: months elapsed ÷ 12, as a rounded percentage."""
    if not 1 <= month <= months_in_year:
        raise ValueError("month must be within 1-12")
    return round_half_up(Decimal(month) * HUNDRED / Decimal(months_in_year))


# Separators are accepted only between groups of three digits before the decimal point: "1.200,5",
# "1,2" and "12,34,5" are refused rather than read as another amount.
GROUPED = re.compile(r"[+-]?\d{1,3}(?:[,\s\u3000\u00a0'\u2019_]\d{3})+(?:\.\d*)?")


def normalise_amount_text(text: str) -> str:
    """An amount in 万元 as typed -> plain digits: full-width forms, separators and a trailing 万元 removed.

    "３，２１０．５万元" -> "3210.5". Misplaced separators are left in, so Decimal() or the form field
    refuses the text instead of reading a different amount; the result is not otherwise validated.
    """
    text = WAN_SUFFIX.sub("", unicodedata.normalize("NFKC", str(text)).replace("。", ".").strip()).strip()
    if SEPARATORS.search(text) and not GROUPED.fullmatch(text):
        return text
    return SEPARATORS.sub("", text)


def parse_amount(text: str) -> Decimal:
    """An amount in 万元 as typed (see normalise_amount_text) as a Decimal; ValueError when it is not one."""
    try:
        value = Decimal(normalise_amount_text(text))
    except InvalidOperation:
        raise ValueError(f"not an amount: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"not an amount: {text!r}")
    return value


def format_amount(value, *, grouping: bool = True) -> str:
    """A stored amount as pages, the admin and forms show it: 1778000.0000 -> "1,778,000.00".

    At least two decimal places, more only when they are not zeros (1.2345 万元 stays 1.2345: the
    fourth place is one yuan), so nothing stored is hidden and nothing invented is shown.
    """
    value = to_decimal(value)
    exponent = value.normalize().as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    return format(value, f"{',' if grouping else ''}.{places}f")


def yi(amount_wan: Decimal | None) -> Decimal:
    """万元 -> 亿元 rounded half-up to two places, the way report tables show amounts."""
    return round_half_up(wan_to_yi(amount_wan or Decimal(0)))


def wan(amount_wan: Decimal | None) -> Decimal | None:
    """万元 rounded half-up to two places (project-level figures)."""
    return None if amount_wan is None else round_half_up(amount_wan)


def format_fixed(value, *, places: int = 2, grouping: bool = True, signed: bool = False) -> str:
    """A rate, points or amount with a fixed number of places, rounded half-up: 74.20, 1,079.40,
    +8.21 (``signed`` writes the plus of a positive difference). The one writer of fixed places."""
    rounded = round_half_up(value, Decimal(1).scaleb(-places))
    return format(rounded, f"{'+' if signed else ''}{',' if grouping else ''}.{places}f")


def format_yi(amount_wan) -> str:
    """万元 -> 亿元 rounded half-up to two places, with separators: 5900000 -> "590.00"."""
    return f"{round_half_up(wan_to_yi(amount_wan)):,}"


def yi_words(amount_yi, language: str) -> str:
    """An amount in 亿元 with its unit, in the language's own scale.

    Chinese keeps 亿元 ("590亿元"); English counts in billions or millions of yuan, since 1 亿 is
    100 million: 590 亿元 -> "59.0 billion yuan", 1.25 亿元 -> "125 million yuan". Figures keep the
    report's precision (two places in 亿元) and lose no digit in the change of scale.
    """
    amount_yi = to_decimal(amount_yi)
    if not (language or "").startswith("en"):
        return f"{_plain(amount_yi)}亿元"
    if abs(amount_yi) >= YI_PER_BILLION:
        billions = amount_yi / YI_PER_BILLION
        # At least one decimal place: 590 亿元 reads 59.0 billion, as financial English writes it.
        text = _plain(billions)
        if "." not in text:
            text += ".0"
        return f"{_group(text)} billion yuan"
    return f"{_group(_plain(amount_yi * HUNDRED))} million yuan"


def _plain(value: Decimal) -> str:
    """A Decimal without exponent or trailing zeros: 590.00 -> "590", 177.80 -> "177.8"."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _group(text: str) -> str:
    """Thousands separators on the whole part of a plain number string."""
    whole, dot, fraction = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    return f"{sign}{int(whole.lstrip('-') or 0):,}{dot}{fraction}"


def format_number(value: Decimal) -> str:
    """54.66 -> '54.66', 41.20 -> '41.2', 8.00 -> '8': the report's way of writing figures."""
    text = f"{round_half_up(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
