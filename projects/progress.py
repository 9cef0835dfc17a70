"""Progress against 序时进度 and the early-warning rules (预警), for one project and a month-end period.

Pure functions over plain values: the selectors fetch the figures with a fixed number of queries
and call these; pages, reports and the API show the results. Rates use the report's rounding
(portfolio.money), and a warning is decided on the rounded figures a reader sees, so the colour
always agrees with the numbers printed beside it.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import TextChoices
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portfolio.money import format_fixed, rate_percent, round_half_up
from portfolio.text import semicolon


class WarningColour(TextChoices):
    """The early-warning colours, red first: the one place their names and labels are written."""

    RED = "red", gettext_lazy("红灯")
    YELLOW = "yellow", gettext_lazy("黄灯")
    GREEN = "green", gettext_lazy("绿灯")


RED, YELLOW, GREEN = WarningColour.RED, WarningColour.YELLOW, WarningColour.GREEN
COLOURS = tuple(WarningColour.values)


def rules() -> dict:
    """PORTFOLIO_WARNING_RULES; rules written before ``milestones_only_statuses`` judge every status on its rate."""
    return {"milestones_only_statuses": [], **settings.PORTFOLIO_WARNING_RULES}


@dataclass
class ProjectWarning:
    colour: str
    reasons: list[str] = field(default_factory=list)
    rule_version: str = ""

    @property
    def reason_text(self) -> str:
        return semicolon().join(self.reasons)


@dataclass(frozen=True)
class OverdueMilestone:
    kind_label: str
    planned_date: dt.date
    months: int


def reason_wording() -> tuple[str, str]:
    """The reasons' sentences in the active language: behind 序时进度, and a milestone overdue."""
    return _("完成率%(rate)s%%，落后序时进度%(behind)s个百分点"), _("%(kind)s节点逾期%(months)s个月")


def classify(
    *, rate: Decimal | None, time_elapsed: Decimal, overdue: list[OverdueMilestone] | None = None,
    status: str = "", applying: dict | None = None, wording: tuple[str, str] | None = None,
) -> ProjectWarning:
    """Red, yellow or green with the reasons in words.

    Yellow: the completion rate is between ``yellow_behind_points`` and ``red_behind_points``
    behind 序时进度 (both ends included). Red: more than ``red_behind_points`` behind, or a
    milestone overdue by more than ``red_overdue_months`` months. A project without an annual
    plan has no rate, and a project whose status is one of ``milestones_only_statuses`` (built or
    operating) has no investment left to lag: both are judged on their milestones alone. ``applying``
    and ``wording``: the rules (``rules()``) and ``reason_wording()``, read once by a caller classifying
    many projects.
    """
    r = applying or rules()
    behind_reason, overdue_reason = wording or reason_wording()
    colour, reasons = GREEN, []
    if rate is not None and status not in r["milestones_only_statuses"]:
        behind = round_half_up(time_elapsed - rate)
        if behind > Decimal(r["red_behind_points"]):
            colour = RED
        elif behind >= Decimal(r["yellow_behind_points"]):
            colour = YELLOW
        if colour != GREEN:
            reasons.append(behind_reason % {"rate": format_fixed(rate, grouping=False),
                                            "behind": format_fixed(behind, grouping=False)})
    for milestone in overdue or []:
        if milestone.months > r["red_overdue_months"]:
            colour = RED
            reasons.append(overdue_reason % {"kind": milestone.kind_label, "months": milestone.months})
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
