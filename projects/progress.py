"""Progress against 序时进度 and the early-warning rules (预警), for one project and a month-end period.

Pure functions over plain values: the selectors fetch the figures with a fixed number of queries
and call these; pages, reports and the API show the results. Rates use the report's rounding
(portfolio.money), and a warning is decided on the rounded figures a reader sees, so the colour
always agrees with the numbers printed beside it.
"""

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from portfolio.money import rate_percent, round_half_up, time_elapsed_percent

GREEN, YELLOW, RED = "green", "yellow", "red"
COLOURS = (RED, YELLOW, GREEN)


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

    def previous(self) -> "Period | None":
        return Period(self.year, self.month - 1) if self.month > 1 else None

    def __str__(self):
        return f"{self.year}-{self.month:02d}"


def rules() -> dict:
    return settings.PORTFOLIO_WARNING_RULES


def months_between(earlier: dt.date, later: dt.date) -> int:
    """Whole months from ``earlier`` to ``later`` (0 when less than a month, never negative)."""
    months = (later.year - earlier.year) * 12 + (later.month - earlier.month)
    if later.day < earlier.day:
        months -= 1
    return max(0, months)


def format_number(value: Decimal) -> str:
    """54.66 -> '54.66', 41.20 -> '41.2', 8.00 -> '8': the report's way of writing figures."""
    text = f"{round_half_up(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


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


@dataclass
class ProjectWarning:
    colour: str
    reasons: list[str] = field(default_factory=list)
    rule_version: str = ""

    @property
    def reason_text(self) -> str:
        return ";".join(self.reasons)


@dataclass(frozen=True)
class OverdueMilestone:
    kind_label: str
    planned_date: dt.date
    months: int


def classify(
    *, rate: Decimal | None, time_elapsed: Decimal, overdue: list[OverdueMilestone] | None = None
) -> ProjectWarning:
    """Red, yellow or green with the reasons in words.

    Yellow: the completion rate is between ``yellow_behind_points`` and ``red_behind_points``
    behind 序时进度 (both ends included). Red: more than ``red_behind_points`` behind, or a
    milestone overdue by more than ``red_overdue_months`` months. A project without an annual
    plan has no rate and is judged on its milestones alone.
    """
    r = rules()
    colour, reasons = GREEN, []
    if rate is not None:
        behind = round_half_up(time_elapsed - rate)
        if behind > Decimal(r["red_behind_points"]):
            colour = RED
        elif behind >= Decimal(r["yellow_behind_points"]):
            colour = YELLOW
        if colour != GREEN:
            reasons.append(
                _("完成率%(rate)s%%,落后序时进度%(behind)s个百分点")
                % {"rate": format_number(rate), "behind": format_number(behind)}
            )
    for milestone in overdue or []:
        if milestone.months > r["red_overdue_months"]:
            colour = RED
            reasons.append(
                _("%(kind)s节点逾期%(months)s个月") % {"kind": milestone.kind_label, "months": milestone.months}
            )
    return ProjectWarning(colour=colour, reasons=reasons, rule_version=r["version"])


def completion_rate(completed_ytd: Decimal | None, annual_plan: Decimal | None) -> Decimal | None:
    if not annual_plan:
        return None
    return rate_percent(completed_ytd or Decimal(0), annual_plan)


def verdict(rate: Decimal | None, time_elapsed: Decimal) -> tuple[str, Decimal | None]:
    """("ahead"|"behind"|"on"|"", points) — 超/落后序时进度 N 个百分点."""
    if rate is None:
        return "", None
    diff = round_half_up(rate - time_elapsed)
    if diff > 0:
        return "ahead", diff
    if diff < 0:
        return "behind", -diff
    return "on", Decimal(0)
