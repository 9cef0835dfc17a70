"""The reporting period: January to a month of a year, and the words for small numbers in it.

Shared by every app; imports none of them.
"""

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, Value, When
from django.db.models.functions import ExtractMonth, ExtractYear, Greatest
from django.utils import dateformat, timezone
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from .money import time_elapsed_percent


@dataclass(frozen=True)
class Period:
    """A month-end reporting period: January to ``month`` of ``year``."""

    year: int
    month: int

    def __post_init__(self):
        if not 1 <= self.month <= 12:
            raise ValueError("month must be within 1-12")

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 1, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def time_elapsed(self) -> Decimal:
        """序时进度 in percent (June = 50.00)."""
        return time_elapsed_percent(self.month)

    @property
    def due_date(self) -> dt.date:
        """The month's reports are due on PORTFOLIO_REPORT_DUE_DAY of the following month (default the 5th)."""
        year, month = (self.year + 1, 1) if self.month == 12 else (self.year, self.month + 1)
        day = min(settings.PORTFOLIO_REPORT_DUE_DAY, calendar.monthrange(year, month)[1])
        return dt.date(year, month, day)

    @property
    def preceding(self) -> "Period":
        """The month before, across the turn of the year (the month before January 2026 is December 2025)."""
        return Period(self.year, self.month - 1) if self.month > 1 else Period(self.year - 1, 12)

    @classmethod
    def current(cls) -> "Period":
        """The month of today's date in the platform's time zone."""
        today = timezone.localdate()
        return cls(today.year, today.month)

    @classmethod
    def chosen(cls, year: int | None, month: int | None,
               default: "Period | None | Callable[[], Period | None]") -> "Period":
        """The period a reader asked for, the one rule of every page, report and API answer: a missing
        year is the default's (the latest with data, else this month); a missing month is the
        default's month in the default's year, and December in any other year (the whole year).
        ``default`` may be a function, asked only when the year or the month is missing (finding the
        latest month with data is a query over every report)."""
        if year and month:
            return cls(year, month)
        if callable(default):
            default = default()
        default = default or cls.current()
        year = year or default.year
        if not month:
            month = default.month if year == default.year else 12
        return cls(year, month)

    def previous(self) -> "Period | None":
        return Period(self.year, self.month - 1) if self.month > 1 else None

    def __str__(self):
        return f"{self.year}-{self.month:02d}"


def months_between(earlier: dt.date, later: dt.date) -> int:
    """Whole months from ``earlier`` to ``later`` (0 when less than a month, never negative)."""
    months = (later.year - earlier.year) * 12 + (later.month - earlier.month)
    if later.day < earlier.day:
        months -= 1
    return max(0, months)


def months_between_sql(earlier: str, later: dt.date):
    """``months_between`` as a database expression: whole months from the date field ``earlier`` to
    ``later``, a month whole once its day comes round, never negative."""
    return Greatest(
        (Value(later.year) - ExtractYear(earlier)) * Value(12) + (Value(later.month) - ExtractMonth(earlier))
        - Case(When(**{f"{earlier}__day__gt": later.day}, then=Value(1)), default=Value(0)),
        Value(0),
    )


CHINESE_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十 (ranks among districts, quarters)."""
    if n < 10:
        return CHINESE_DIGITS[n]
    if n < 100:
        tens, units = divmod(n, 10)
        text = ("" if tens == 1 else CHINESE_DIGITS[tens]) + "十"
        return text + (CHINESE_DIGITS[units] if units else "")
    return str(n)


def number_word(n: int) -> str:
    """A small number as the text around it is written: 一 in Chinese (第一, 二季度), 1 in English."""
    return chinese_number(n) if (get_language() or "zh-hans").startswith("zh") else str(n)




def document_date(day: dt.date) -> str:
    """The date of a document under its issuing unit: 2025年7月10日 (10 July 2025 in English)."""
    return dateformat.format(day, pgettext("date format: the date of a document, under its issuing unit", "Y年n月j日"))


def period_label(period: Period) -> str:
    """2025年1—6月 (2025年1月 for January)."""
    if period.month == 1:
        return _("%(year)s年1月") % {"year": period.year}
    return _("%(year)s年1—%(month)s月") % {"year": period.year, "month": period.month}
