"""The report's narrative paragraphs, drafted from the figures in the report's own phrasing.

"上半年,336个区重点项目完成投资590亿元,完成年度投资计划54.66%,超序时进度。" Every sentence is
assembled from the report structure (builders) and the indicator observations, for any
programme, period and data; staff edit the draft in the Word download. Punctuation is full-width in
Chinese (，；：（）。、), from portfolio.text, as official documents write it.
"""

from decimal import Decimal

from django.utils.translation import get_language, gettext_lazy, pgettext
from django.utils.translation import gettext as _

from indicators.reports import IndicatorReport, IndicatorRow
from portfolio.money import format_fixed, round_half_up, yi_words
from portfolio.periods import Period
from portfolio.text import comma, enumerated, enumeration_mark, full_stop, semicolon, sentence_break
from projects.choices import MilestoneKind, ProjectStatus
from projects.figures import Breakdown, ProgrammeFigures, verdict_text
from projects.progress import RED, YELLOW

from .structure import ProgressReport

# The categories whose lead figure opens the economic paragraph, in the report's order.
HEADLINE_CATEGORIES = ["economy", "fiscal", "industry", "investment", "consumption"]
TOP = 3


def phase(period: Period) -> str:
    """一季度 / 上半年 / 前三季度 / 全年, otherwise 1—N月."""
    named = {3: _("一季度"), 6: _("上半年"), 9: _("前三季度"), 12: _("全年")}
    if period.month in named:
        return named[period.month]
    if period.month == 1:
        return _("1月")
    return _("1—%(month)s月") % {"month": period.month}


def yi(value_yi: Decimal) -> str:
    """An amount in 亿元 with its unit and two places, as in the tables: 590.00亿元; in English
    59.0 billion yuan, 125 million yuan. (The indicators' published values keep the report's text.)"""
    language = get_language() or ""
    if not language.startswith("en"):
        return _("%(amount)s亿元") % {"amount": format_fixed(value_yi, grouping=False)}
    return yi_words(round_half_up(value_yi), language)


def rate(value: Decimal) -> str:
    """Rates and points of 序时进度 keep two places, as the report writes rates (74.20%)."""
    return format_fixed(value, grouping=False)


def programme_sentence(programme: ProgrammeFigures) -> str:
    """336个区重点项目完成投资590亿元,完成年度投资计划54.66%,超序时进度.

    Published figures (ProgrammeSnapshot) when the period has them and the report covers the
    whole programme; the itemised figures otherwise.
    """
    if programme.uses_published:
        snapshot = programme.snapshot
        count, completed, ratio = snapshot.published_count, snapshot.published_completed_yi, snapshot.published_rate
        qualifier = snapshot.qualifier or verdict_text(ratio, programme.figures.time_elapsed)
        # The report's own figure, as the report writes it (590亿元): a quotation, not a computed amount.
        amount = yi_words(round_half_up(completed), get_language() or "")
    else:
        figures = programme.figures
        count, completed, ratio = figures.count, figures.completed_ytd_yi, figures.rate
        qualifier = figures.verdict_text
        amount = yi(completed)
    sentence = _("%(count)s个%(level)s完成投资%(amount)s") % {
        "count": count, "level": programme.level_label, "amount": amount,
    }
    if ratio is not None:
        sentence += _("，完成年度投资计划%(rate)s%%") % {"rate": rate(ratio)}
    if qualifier:
        sentence += comma() + published_words(qualifier)
    return sentence


# The published qualifiers of the report data, so that other languages can say them; a qualifier
# not listed here is quoted as published.
PUBLISHED_QUALIFIERS = {
    "超序时进度": gettext_lazy("超序时进度"),
    "超全市总体进度": gettext_lazy("超全市总体进度"),
}


def published_words(qualifier: str) -> str:
    return str(PUBLISHED_QUALIFIERS.get(qualifier, qualifier))


def programmes_paragraph(report: ProgressReport) -> str:
    if not report.programmes:
        return _("%(phase)s，本报告范围内暂无重点项目数据。") % {"phase": phase(report.period)}
    sentences = [programme_sentence(p) for p in report.programmes]
    return _("%(phase)s，%(sentences)s。") % {"phase": phase(report.period), "sentences": sentence_break().join(sentences)}


def totals_paragraph(report: ProgressReport) -> str:
    """The plan, the year to date and the month: of the report's projects, or of each programme apart
    when it has several (they overlap, and the report does not add them unless the bureau does)."""
    if report.programmes_apart:
        clauses = [figures_clause(_("%(programme)s%(count)s个项目") % {"programme": p.name, "count": p.figures.count},
                                  p.figures, report.period.month) for p in report.programmes]
        text = _("截至%(month)s月底，%(clauses)s。") % {"month": report.period.month, "clauses": semicolon().join(clauses)}
    else:
        subject = _("本报告所列%(count)s个项目") % {"count": report.totals.count}
        text = _("截至%(month)s月底，%(clauses)s。") % {
            "month": report.period.month, "clauses": figures_clause(subject, report.totals, report.period.month)}
        if report.in_several_programmes:
            text += _("其中%(names)s同时列入多个计划，在各计划中分别计算。") % {"names": enumerated(report.in_several_programmes)}
    if report.unapproved_reports:
        text += _("另有%(n)s个项目本月月报尚未审核通过或未填报，相关数据以审核后为准。") % {
            "n": report.unapproved_reports
        }
    return text


def figures_clause(subject: str, figures, month: int) -> str:
    """X个项目年度计划投资…，累计完成投资…，完成年度投资计划…%，序时进度…%，超序时进度…，其中6月完成投资…"""
    text = _("%(subject)s年度计划投资%(plan)s，累计完成投资%(ytd)s") % {
        "subject": subject, "plan": yi(figures.annual_plan_yi), "ytd": yi(figures.completed_ytd_yi),
    }
    if figures.rate is not None:
        text += _("，完成年度投资计划%(rate)s%%，序时进度%(elapsed)s%%，%(verdict)s") % {
            "rate": rate(figures.rate), "elapsed": rate(figures.time_elapsed), "verdict": figures.verdict_text,
        }
    return text + _("，其中%(month)s月完成投资%(amount)s") % {"month": month, "amount": yi(figures.completed_month_yi)}


def _rated(breakdown: Breakdown):
    """Groups with a rate, leaving out the one of projects without a value (未明确): it names nobody."""
    return [row for row in breakdown.rows if row.figures.rate is not None and row.key]


def department_sentence(breakdown: Breakdown) -> str:
    rows = _rated(breakdown)
    if len(rows) < 2:
        return ""
    top = rows[:TOP]
    text = _("分牵头单位看，%(names)s完成率居前，分别为%(rates)s") % {
        "names": enumerated([r.label for r in top]),
        "rates": enumerated([f"{rate(r.figures.rate)}%" for r in top]),
    }
    behind = sorted((r for r in rows if r.figures.difference < 0), key=lambda r: r.figures.difference)
    if not behind:
        return text + _("；各单位均达到序时进度。")
    worst = behind[:TOP]
    if len(worst) == 1:
        text += _("；%(name)s落后序时进度%(points)s个百分点") % {
            "name": worst[0].label, "points": rate(-worst[0].figures.difference),
        }
    else:
        text += _("；%(n)s个单位落后序时进度，其中%(names)s分别落后%(points)s个百分点") % {
            "n": len(behind), "names": enumerated([r.label for r in worst]),
            "points": enumerated([rate(-r.figures.difference) for r in worst]),
        }
    return text + full_stop()


def extremes_sentence(breakdown: Breakdown, opening: str) -> str:
    rows = _rated(breakdown)
    if len(rows) < 2:
        return ""
    first, last = rows[0], rows[-1]
    return _("%(opening)s，%(top)s完成率最高，为%(top_rate)s%%；%(bottom)s最低，为%(bottom_rate)s%%。") % {
        "opening": opening, "top": first.label, "top_rate": rate(first.figures.rate),
        "bottom": last.label, "bottom_rate": rate(last.figures.rate),
    }


def breakdown_paragraph(report: ProgressReport) -> str:
    sentences = [
        department_sentence(report.breakdown("department")),
        extremes_sentence(report.breakdown("category"), _("分项目类别看")),
        extremes_sentence(report.breakdown("town"), _("分镇街看")),
    ]
    return "".join(s for s in sentences if s)


def warnings_paragraph(report: ProgressReport) -> str:
    r = report.rules
    counts = report.warning_counts
    statuses = enumerated([str(ProjectStatus(code).label) for code in r["milestones_only_statuses"]])
    text = _(
        "按预警规则（%(version)s版：落后序时进度%(yellow)s至%(red)s个百分点为黄灯，超过%(red)s个百分点或节点逾期超过"
        "%(months)s个月为红灯%(exemption)s），红灯项目%(n_red)s个、黄灯项目%(n_yellow)s个、绿灯项目%(n_green)s个。"
    ) % {
        "version": r["version"], "yellow": r["yellow_behind_points"], "red": r["red_behind_points"],
        "months": r["red_overdue_months"], "n_red": counts[RED], "n_yellow": counts[YELLOW],
        "n_green": counts["green"],
        "exemption": _("；%(statuses)s项目只看节点") % {"statuses": statuses} if statuses else "",
    }
    if counts[RED]:
        # Counted in the database over every red project, whether the report lists them all or a page.
        far_behind, overdue = report.listed.red_far_behind, report.listed.red_overdue
        parts = []
        if far_behind:
            parts.append(_("%(n)s个落后序时进度超过%(red)s个百分点") % {"n": far_behind, "red": r["red_behind_points"]})
        if overdue:
            parts.append(_("%(n)s个有节点逾期超过%(months)s个月") % {"n": overdue, "months": r["red_overdue_months"]})
        text += _("红灯项目中，%(parts)s，需重点督办。") % {"parts": comma().join(parts)}
    return text


def milestones_paragraph(report: ProgressReport) -> str:
    kinds = report.listed.milestones_reached_by_kind
    labels = dict(MilestoneKind.choices)
    done = [
        _("%(kind)s%(n)s个") % {"kind": labels[kind], "n": kinds[kind]}
        for kind in MilestoneKind.values if kinds.get(kind)
    ]
    if done:
        text = _("%(phase)s，共完成项目节点%(n)s个，其中%(kinds)s") % {
            "phase": phase(report.period), "n": report.listed.milestones_reached, "kinds": enumerated(done),
        }
    else:
        text = _("%(phase)s，暂无完成的项目节点") % {"phase": phase(report.period)}
    if report.listed.milestones_overdue:
        text += _("；%(n)s个节点逾期未完成，其中逾期超过%(months)s个月的%(long)s个") % {
            "n": report.listed.milestones_overdue, "months": report.rules["red_overdue_months"],
            "long": report.listed.milestones_long_overdue,
        }
    else:
        text += _("；无逾期未完成的节点")
    return text + full_stop()


def issues_paragraph(report: ProgressReport) -> str:
    listed = report.listed
    if not listed.issues:
        return _("%(month)s月月报中，各单位未反映存在问题和需协调事项。") % {"month": report.period.month}
    text = _("%(month)s月月报中，%(p)s个项目反映存在问题、%(c)s个项目提出需协调事项") % {
        "month": report.period.month, "p": listed.issues_with_problems, "c": listed.issues_with_requests,
    }
    common = listed.common_problems
    if common:
        text += _("，问题主要为：%(items)s") % {
            "items": enumerated([_("%(text)s（%(n)s个）") % {"text": t, "n": n} for t, n in common])
        }
    return text + full_stop()


def indicator_clause(row: IndicatorRow) -> str:
    """地区生产总值1532.8亿元、同比增长5.3%,增速排名全市第一."""
    text = pgettext("narrative: an indicator and its value, e.g. 地区生产总值1532.8亿元", "%(name)s%(value)s") % {
        "name": row.name, "value": row.value_text,
    }
    if row.growth_text:
        text += enumeration_mark() + row.growth_text
    if row.rank_text:
        text += comma() + row.rank_text
    return text


def headline_indicators(indicators: IndicatorReport) -> list[IndicatorRow]:
    """The lead figure of each headline category, observed for exactly the report's period."""
    chosen = []
    for category in HEADLINE_CATEGORIES:
        for row in indicators.rows:
            if (
                row.category == category and row.observed_to == indicators.period.end
                and row.value is not None and row.growth is not None
            ):
                chosen.append(row)
                break
    return chosen


def indicators_paragraph(indicators: IndicatorReport | None) -> str:
    if indicators is None:
        return ""
    headline = headline_indicators(indicators)
    if not headline:
        return ""
    clauses = [indicator_clause(row) for row in headline]
    text = _("%(phase)s，实现%(clauses)s。") % {"phase": phase(indicators.period), "clauses": semicolon().join(clauses)}
    # Other figures the district ranks in the city's top three for.
    chosen = {row.code for row in headline}
    ranked = [
        row for row in indicators.rows
        if row.code not in chosen and row.rank and row.rank <= TOP and row.observed_to == indicators.period.end
        and row.value is not None
    ]
    if ranked:
        text += _("此外，%(clauses)s。") % {"clauses": semicolon().join(indicator_clause(row) for row in ranked)}
    return text


def scope_paragraph(scope: list[str] | None) -> str:
    """本报告范围:钟落潭镇(所列项目不是全区全部重点项目)。"""
    if not scope:
        return ""
    return _("本报告范围：%(scope)s（所列项目不是全部重点项目，全区经济指标不在本报告中）。") % {
        "scope": enumeration_mark().join(scope)}


def draft_narrative(report: ProgressReport, indicators: IndicatorReport | None = None, *,
                    scope: list[str] | None = None) -> list[str]:
    """The paragraphs, in the order a progress report tells them; empty ones are left out. ``scope``:
    the filters of a report that covers only part of its programmes, said first."""
    paragraphs = [
        scope_paragraph(scope),
        programmes_paragraph(report),
        totals_paragraph(report) if report.totals.count else "",
        breakdown_paragraph(report),
        warnings_paragraph(report) if report.totals.count else "",
        milestones_paragraph(report) if report.totals.count else "",
        issues_paragraph(report) if report.totals.count else "",
        indicators_paragraph(indicators),
    ]
    return [p for p in paragraphs if p]
