"""Money and rate arithmetic: the one place where amounts are converted and rounded.

Amounts are stored in 万元 (10,000 yuan) as Decimal; report-level figures are shown in 亿元
(100 million yuan). Rounding follows the report: ROUND_HALF_UP to two places for percentages
and 亿元.
"""

from decimal import ROUND_HALF_UP, Decimal

TWO_PLACES = Decimal("0.01")
WAN_PER_YI = Decimal("10000")
HUNDRED = Decimal("100")


def to_decimal(value) -> Decimal:
    """Convert int, str or Decimal to Decimal. Floats are refused: they carry binary error."""
    if isinstance(value, float):
        raise TypeError("floats are not accepted for money or rates; pass a str or Decimal")
    return value if isinstance(value, Decimal) else Decimal(value)


def round_half_up(value, places: Decimal = TWO_PLACES) -> Decimal:
    """The rounding rule of the report: half away from zero, two places by default."""
    return to_decimal(value).quantize(places, rounding=ROUND_HALF_UP)


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
