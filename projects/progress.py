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


@dataclass(frozen=True)
class WarningRules:
    """PORTFOLIO_WARNING_RULES as ``classify`` applies them, with the reasons' wording in the active language:
    read and converted once by a caller judging many projects (a province's report judges 100,000)."""

    red_behind: Decimal
    yellow_behind: Decimal
    red_overdue_months: int
    milestones_only_statuses: frozenset
    version: str
    behind_reason: str
    overdue_reason: str

    @classmethod
    def current(cls, applying: dict | None = None, wording: tuple[str, str] | None = None) -> "WarningRules":
        """The rules in force (``rules()``) or ``applying``; the active language's ``reason_wording()`` or
        ``wording``."""
        r = applying or rules()
        behind_reason, overdue_reason = wording or reason_wording()
        return cls(red_behind=Decimal(r["red_behind_points"]), yellow_behind=Decimal(r["yellow_behind_points"]),
                   red_overdue_months=r["red_overdue_months"],
                   milestones_only_statuses=frozenset(r["milestones_only_statuses"]), version=r["version"],
                   behind_reason=behind_reason, overdue_reason=overdue_reason)

    def classify(self, *, rate: Decimal | None, time_elapsed: Decimal, overdue: list[OverdueMilestone] | None = None,
                 status: str = "") -> ProjectWarning:
        """Red, yellow or green with the reasons in words (the module's ``classify``)."""
        colour, reasons = GREEN, []
        if rate is not None and status not in self.milestones_only_statuses:
            behind = round_half_up(time_elapsed - rate)
            if behind > self.red_behind:
                colour = RED
            elif behind >= self.yellow_behind:
                colour = YELLOW
            if colour != GREEN:
                reasons.append(self.behind_reason % {"rate": format_fixed(rate, grouping=False),
                                                     "behind": format_fixed(behind, grouping=False)})
        for milestone in overdue or ():
            if milestone.months > self.red_overdue_months:
                colour = RED
                reasons.append(self.overdue_reason % {"kind": milestone.kind_label, "months": milestone.months})
        return ProjectWarning(colour=colour, reasons=reasons, rule_version=self.version)


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
    and ``wording``: the rules (``rules()``) and ``reason_wording()``, else those in force; a caller
    classifying many projects makes one ``WarningRules`` and calls its ``classify``.
    """
    return WarningRules.current(applying, wording).classify(rate=rate, time_elapsed=time_elapsed, overdue=overdue,
                                                            status=status)


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
