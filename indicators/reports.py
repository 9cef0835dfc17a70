"""The indicators report as plain data: each indicator's latest value against its full-year target.

Three queries whatever the number of indicators: the indicators, their observations up to the
period's end in the period's year, and the year's full-year targets.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import get_language, pgettext, pgettext_lazy
from django.utils.translation import gettext as _

from indicators.choices import Comparator, IndicatorCategory, Qualifier, TargetPeriod
from indicators.models import Indicator, Observation, Target
from portfolio.money import format_number, rate_percent, round_half_up, yi_words
from portfolio.periods import Period, number_word, period_label

# Qualifiers written before the figure (超640亿元) and after it (1350亿元以上); their own context,
# since in English they are words inside a sentence ("over 64.0 billion yuan"), not labels.
OVER = pgettext_lazy("qualifier before a figure", "超")
ABOUT = pgettext_lazy("qualifier before a figure", "约")
NEARLY = pgettext_lazy("qualifier before a figure", "近")
REACHED = pgettext_lazy("qualifier before a figure", "达")
BREAKTHROUGH = pgettext_lazy("qualifier before a figure", "突破")
AT_LEAST = pgettext_lazy("qualifier after a figure", "以上")
AT_MOST = pgettext_lazy("qualifier after a figure", "以内")
QUALIFIER_PREFIX = {
    Qualifier.OVER: OVER, Qualifier.ABOUT: ABOUT, Qualifier.NEARLY: NEARLY, Qualifier.REACHED: REACHED,
    Qualifier.BREAKTHROUGH: BREAKTHROUGH,
}
QUALIFIER_SUFFIX = {Qualifier.AT_LEAST: AT_LEAST}
COMPARATOR_PREFIX = {Comparator.ABOUT: ABOUT, Comparator.BREAKTHROUGH: BREAKTHROUGH}
COMPARATOR_SUFFIX = {Comparator.AT_LEAST: AT_LEAST, Comparator.AT_MOST: AT_MOST}
YI_YUAN = "亿元"


def amount_with_unit(value: Decimal, unit: str) -> str:
    """1532.8亿元; in English amounts in 亿元 are counted in billions or millions (153.28 billion yuan).

    Other units are data, written as entered.
    """
    if unit == YI_YUAN:
        return yi_words(round_half_up(value), get_language() or "")
    if not unit or unit.startswith("%"):
        return f"{format_number(value)}{unit}"
    return pgettext("a figure and its unit, e.g. 51万人", "%(number)s%(unit)s") % {
        "number": format_number(value), "unit": unit,
    }


def qualified(figure: str, prefix: str = "", suffix: str = "") -> str:
    if prefix:
        figure = pgettext("a qualifier before a figure, e.g. 超640亿元", "%(qualifier)s%(figure)s") % {
            "qualifier": prefix, "figure": figure,
        }
    if suffix:
        figure = pgettext("a qualifier after a figure, e.g. 1350亿元以上", "%(figure)s%(qualifier)s") % {
            "qualifier": suffix, "figure": figure,
        }
    return figure


def figure_text(value: Decimal | None, unit: str, qualifier: str = "") -> str:
    """超640亿元, 约51亿元, 1532.8亿元, 1350亿元以上 (over 64.0 billion yuan, … in English)."""
    if value is None:
        return ""
    return qualified(
        amount_with_unit(value, unit), QUALIFIER_PREFIX.get(qualifier, ""), QUALIFIER_SUFFIX.get(qualifier, "")
    )


def target_text(value: Decimal | None, unit: str, comparator: str) -> str:
    if value is None:
        return ""
    return qualified(
        amount_with_unit(value, unit), COMPARATOR_PREFIX.get(comparator, ""), COMPARATOR_SUFFIX.get(comparator, "")
    )


def growth_text(growth: Decimal | None) -> str:
    """同比增长5.3% / 同比下降2.1%."""
    if growth is None:
        return ""
    if growth < 0:
        return _("同比下降%(value)s%%") % {"value": format_number(-growth)}
    return _("同比增长%(value)s%%") % {"value": format_number(growth)}


# The report's recurring words for what a rank measures and where, so that other languages can
# say them; words not listed here are quoted as entered.
RANK_WORDS = {
    "增速": pgettext_lazy("what a rank measures", "增速"),
    "总量": pgettext_lazy("what a rank measures", "总量"),
    "增量": pgettext_lazy("what a rank measures", "增量"),
    "数量": pgettext_lazy("what a rank measures", "数量"),
    "改善幅度": pgettext_lazy("what a rank measures", "改善幅度"),
    "达标率": pgettext_lazy("what a rank measures", "达标率"),
    "全市": pgettext_lazy("where a rank is taken", "全市"),
    "排名全市前列": pgettext_lazy("a rank in words", "排名全市前列"),
    "稳居全市首位": pgettext_lazy("a rank in words", "稳居全市首位"),
}


def rank_words(text: str) -> str:
    return str(RANK_WORDS.get(text, text))


def rank_text(rank: int | None, subject: str, scope: str, note: str) -> str:
    """增速排名全市第一; or the report's own words when it gives no number (排名全市前列)."""
    if rank:
        return _("%(subject)s排名%(scope)s第%(rank)s") % {
            "subject": rank_words(subject), "scope": rank_words(scope) if scope else _("全市"),
            "rank": number_word(rank),
        }
    return rank_words(note)


@dataclass(frozen=True)
class IndicatorRow:
    code: str
    name: str
    category: str
    unit: str
    value: Decimal | None
    qualifier: str
    value_text: str  # 超640亿元
    observed_from: dt.date | None
    observed_to: dt.date | None
    growth: Decimal | None
    growth_text: str
    rank: int | None
    rank_text: str
    target_value: Decimal | None
    target_unit: str
    target_comparator: str
    target_text: str  # 1350亿元以上
    share: Decimal | None  # latest value ÷ target, percent, when both are in the same unit

    @property
    def has_observation(self) -> bool:
        return self.observed_to is not None

    @property
    def observed_text(self) -> str:
        """2025年1—6月 for a period from the year's start, 2025-06-30 for a position at a date."""
        start, end = self.observed_from, self.observed_to
        if end is None:
            return ""
        if start == end:
            return end.isoformat()
        if start == dt.date(end.year, 1, 1) and (end + dt.timedelta(days=1)).day == 1:
            return period_label(Period(end.year, end.month))
        return f"{start.isoformat()}—{end.isoformat()}"

    @property
    def growth_number(self) -> str:
        return "" if self.growth is None else format_number(self.growth)


@dataclass(frozen=True)
class IndicatorGroup:
    key: str
    label: str
    rows: list[IndicatorRow]


@dataclass
class IndicatorReport:
    title: str
    period: Period
    period_label: str
    generated_at: dt.datetime
    groups: list[IndicatorGroup]

    @property
    def rows(self) -> list[IndicatorRow]:
        return [row for group in self.groups for row in group.rows]

    @property
    def with_target(self) -> int:
        return sum(row.target_text != "" for row in self.rows)

    @property
    def with_observation(self) -> int:
        return sum(row.has_observation for row in self.rows)


def build_indicator_report(period: Period, indicators: QuerySet | None = None, *,
                           targeted_only: bool = False) -> IndicatorReport:
    """Every indicator with its latest observation up to the period's end and its full-year target;
    with ``targeted_only``, only the indicators with a full-year target for the year (the dashboard's)."""
    indicators = Indicator.objects.all() if indicators is None else indicators
    full_year_targets = Target.objects.filter(year=period.year, period=TargetPeriod.FULL_YEAR)
    if targeted_only:
        indicators = indicators.filter(Exists(full_year_targets.filter(indicator=OuterRef("pk"))))
    latest: dict[int, Observation] = {}
    observations = Observation.objects.filter(
        indicator__in=indicators, period_end__year=period.year, period_end__lte=period.end
    ).order_by("period_end", "pk")
    for observation in observations:
        latest[observation.indicator_id] = observation  # the last one wins: the latest period
    targets: dict[int, Target] = {}
    for target in full_year_targets.filter(indicator__in=indicators).order_by("pk"):
        targets[target.indicator_id] = target
    order = {value: position for position, value in enumerate(IndicatorCategory.values)}
    groups: dict[str, list[IndicatorRow]] = {}
    for indicator in indicators.order_by("pk"):
        obs, target = latest.get(indicator.pk), targets.get(indicator.pk)
        unit = (obs.unit if obs and obs.unit else "") or indicator.unit
        target_unit = (target.unit if target and target.unit else "") or indicator.unit
        value = obs.value if obs else None
        share = None
        if value is not None and target is not None and target.value and unit == target_unit:
            share = rate_percent(value, target.value)
        groups.setdefault(indicator.category, []).append(
            IndicatorRow(
                code=indicator.code,
                name=indicator.name,
                category=indicator.category,
                unit=unit,
                value=value,
                qualifier=obs.qualifier if obs else "",
                value_text=figure_text(value, unit, obs.qualifier) if obs else "",
                observed_from=obs.period_start if obs else None,
                observed_to=obs.period_end if obs else None,
                growth=obs.growth if obs else None,
                growth_text=growth_text(obs.growth) if obs else "",
                rank=obs.rank if obs else None,
                rank_text=rank_text(obs.rank, obs.rank_subject, obs.rank_scope, obs.rank_note) if obs else "",
                target_value=target.value if target else None,
                target_unit=target_unit if target else "",
                target_comparator=target.comparator if target else "",
                target_text=target_text(target.value, target_unit, target.comparator) if target else "",
                share=share,
            )
        )
    labels = dict(IndicatorCategory.choices)
    ordered = sorted(groups, key=lambda key: order.get(key, len(order)))
    return IndicatorReport(
        title=_("%(year)s年主要指标完成情况") % {"year": period.year},
        period=period,
        period_label=period_label(period),
        generated_at=timezone.localtime(),
        groups=[IndicatorGroup(key, str(labels.get(key, key)), groups[key]) for key in ordered],
    )
