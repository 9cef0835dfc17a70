"""The narrative is drafted from the data in the report's phrasing; the indicators report."""

import re
from decimal import Decimal

import pytest

from indicators.reports import build_indicator_report, figure_text, target_text
from portfolio.periods import Period, chinese_number
from projects.models import MonthlyReport, ProgrammeSnapshot, Project
from projects.reports.builders import build_progress_report
from projects.reports.narrative import phase

pytestmark = pytest.mark.django_db
H1 = Period(2025, 6)


def test_narrative_for_2025_h1_reads_like_the_report(portfolio, settings):
    source = settings.REPORT_SOURCE_PATH.read_text(encoding="utf-8")
    report = build_progress_report(Project.objects.all(), H1)
    first, *rest = report.narrative
    text = "\n".join(report.narrative)
    assert first.startswith("上半年，336个区重点项目完成投资590亿元，完成年度投资计划54.66%，超序时进度。")
    assert "98个市重点项目完成投资177.8亿元，完成年度投资计划74.20%，超全市总体进度" in first
    # The sentences are the source's own, in the full-width punctuation of an official document (the
    # source's web text has ASCII commas).
    assert "336个区重点项目完成投资590亿元,完成年度投资计划54.66%,超序时进度" in source
    assert "98个市重点项目完成投资177.8亿元,完成年度投资计划74.20%" in source
    # The indicator paragraph, generated from the observations with their qualifiers and ranks.
    indicators = next(p for p in rest if "地区生产总值" in p)
    assert indicators.startswith("上半年，实现地区生产总值1532.8亿元、同比增长5.3%，增速排名全市第一；")
    assert "实现地区生产总值1532.8亿元、同比增长5.3%,增速排名全市第一" in source
    for clause in ("一般公共预算收入44.9亿元、同比增长5.5%", "规上工业总产值606.1亿元、同比增长2.9%",
                   "固定资产投资超640亿元、同比增长5.1%，总量排名全市第二",
                   "社会消费品零售总额585.41亿元、同比增长0.1%"):
        assert clause in indicators
    assert indicators.index("一般公共预算收入") < indicators.index("固定资产投资") < indicators.index("社会消费品")
    assert "外贸进出口总值528.72亿元、同比增长42.94%，增速排名全市第一" in indicators
    # The other paragraphs carry this data's figures.
    totals = report.totals
    # Computed amounts, rates and points have two places, like the tables; the published figures
    # above are quoted as the report writes them.
    # The programmes overlap, so the paragraph gives each apart and never adds them together.
    district, city = report.programmes
    assert f"截至6月底，2025年区重点项目336个项目年度计划投资{district.figures.annual_plan_yi:.2f}亿元" in text
    assert f"；2025年市重点项目（白云区牵头）98个项目年度计划投资{city.figures.annual_plan_yi:.2f}亿元" in text
    assert "本报告所列" not in text and "767.80" not in text and f"{totals.annual_plan_yi:.2f}" not in text
    assert "累计完成投资590.00亿元" in text and "序时进度50.00%" in text
    assert f"红灯项目{report.warning_counts['red']}个、黄灯项目{report.warning_counts['yellow']}个" in text
    assert f"共完成项目节点{len(report.milestones_reached)}个" in text
    best = report.breakdown("department").rows[0]
    assert f"分牵头单位看，{best.label}" in text


def test_narrative_uses_itemised_figures_without_a_published_snapshot(portfolio):
    ProgrammeSnapshot.objects.all().delete()
    report = build_progress_report(Project.objects.all(), H1)
    district = report.programmes[0]
    assert report.narrative[0].startswith(
        "上半年，336个区重点项目完成投资590.00亿元，完成年度投资计划54.66%，超序时进度4.66个百分点。"
    )
    assert district.figures.rate == Decimal("54.66")


def test_narrative_follows_other_data_and_periods(portfolio):
    # The city programme at the end of March: no published figures, so the itemised ones, phrased the same way.
    report = build_progress_report(Project.objects.filter(programme__level="city"), Period(2025, 3))
    city = report.programmes[0]
    assert not city.uses_published  # nothing was published for March
    first = report.narrative[0]
    assert first.startswith(f"一季度，98个市重点项目完成投资{city.figures.completed_ytd_yi.normalize():f}亿元")
    assert f"完成年度投资计划{city.figures.rate:.2f}%" in first
    assert city.figures.verdict_text in first
    MonthlyReport.objects.filter(year=2025, month=3, project__programme__level="city").update(
        completed_ytd=Decimal(0), completed_month=Decimal(0))
    behind = build_progress_report(Project.objects.filter(programme__level="city"), Period(2025, 3))
    assert behind.programmes[0].figures.verdict == "behind"
    assert "落后序时进度" in behind.narrative[0]


def test_a_filtered_report_never_quotes_the_published_total(portfolio):
    some = Project.objects.filter(programme__level="district").order_by("code")[:10]
    report = build_progress_report(Project.objects.filter(pk__in=some.values("pk")), H1)
    assert report.narrative[0].startswith("上半年，10个区重点项目完成投资")
    assert "590亿元" not in report.narrative[0]


@pytest.mark.parametrize(("month", "word"), [(1, "1月"), (3, "一季度"), (5, "1—5月"), (6, "上半年"),
                                             (9, "前三季度"), (12, "全年")])
def test_period_words(month, word):
    assert phase(Period(2025, month)) == word


def test_figure_words():
    assert figure_text(Decimal("640.0000"), "亿元", "over") == "超640亿元"
    assert figure_text(Decimal("51"), "亿元", "about") == "约51亿元"
    assert target_text(Decimal("1350"), "亿元", "gte") == "1350亿元以上"
    assert target_text(Decimal("2500"), "亿元", "gt") == "突破2500亿元"
    assert [chinese_number(n) for n in (1, 2, 10, 11, 20, 23)] == ["一", "二", "十", "十一", "二十", "二十三"]


def test_indicators_report_latest_values_targets_and_shares(report_data):
    report = build_indicator_report(H1)
    rows = {r.code: r for r in report.rows}
    assert len(rows) == 178
    labels = [g.label for g in report.groups]
    assert labels[0] == "经济总量" and labels.index("投资与项目") < labels.index("城市建设")
    gdp = rows["gdp"]
    assert (gdp.value_text, gdp.growth_text, gdp.rank_text) == ("1532.8亿元", "同比增长5.3%", "增速排名全市第一")
    assert gdp.observed_text == "2025年1—6月"
    renewal = rows["urban-renewal-investment"]
    assert renewal.value == Decimal("170.5") and renewal.target_text == "400亿元以上"
    assert renewal.share == Decimal("42.63")  # 170.5 / 400 = 42.625% -> 42.63 (half-up)
    land = rows["land-approval-area"]
    assert land.target_text == "突破12000亩" and land.share is not None
    assert rows["tech-incubation-carriers"].value is None and rows["tech-incubation-carriers"].target_text
    water = rows["water-quality-index"]
    assert water.growth_text == "同比下降11.38%" and water.rank_text == "改善幅度排名全市第二"
    assert report.with_target == 38 and report.with_observation > 100
    # Before the observations' period there is nothing observed yet, but the targets stand.
    march = build_indicator_report(Period(2025, 3))
    assert {r.code: r for r in march.rows}["gdp"].value is None
    assert march.with_target == 38


def test_narrative_names_departments_not_the_unassigned_group(build):
    a, b = build.department("dept-a", "甲局"), build.department("dept-b", "乙局")
    build.project(plan=100, ytd=90, department=None)  # the best rate, but nobody's
    build.project(plan=100, ytd=60, department=a)
    build.project(plan=100, ytd=30, department=b)
    report = build_progress_report(Project.objects.all(), H1)
    rows = report.breakdown("department").rows
    assert [(r.label, r.rank) for r in rows] == [("甲局", 1), ("乙局", 2), ("未明确", None)]
    text = "".join(report.narrative)
    assert "分牵头单位看，甲局、乙局完成率居前，分别为60.00%、30.00%；乙局落后序时进度20.00个百分点。" in text
    assert "未明确完成率" not in text


def test_english_reports_write_ranks_and_quarters_in_digits(report_data):
    import datetime as dt

    from django.utils import translation

    from portfolio.periods import number_word
    from projects.choices import DatePrecision
    from projects.reports.builders import date_text

    with translation.override("en"):
        gdp = next(r for r in build_indicator_report(Period(2025, 6)).rows if r.code == "gdp")
        assert "No. 1 " in gdp.rank_text and "一" not in gdp.rank_text
        assert number_word(12) == "12"
        assert date_text(dt.date(2025, 4, 1), DatePrecision.QUARTER) == "Q2 2025"
    with translation.override("zh-hans"):
        gdp = next(r for r in build_indicator_report(Period(2025, 6)).rows if r.code == "gdp")
        assert gdp.rank_text == "增速排名全市第一"
        assert number_word(12) == "十二"
        assert date_text(dt.date(2025, 4, 1), DatePrecision.QUARTER) == "2025年二季度"


def test_english_narrative_counts_yuan_in_billions_and_reads_as_english(portfolio):
    """590 亿元 is 59.0 billion yuan; no half-translated "Over640亿元" or "hundred million yuan"."""
    import re

    from django.utils import translation

    from indicators.models import Observation
    from indicators.reports import build_indicator_report
    from projects.models import Department, Programme
    from projects.reports.narrative import draft_narrative

    with translation.override("en"):
        report = build_progress_report(Project.objects.all(), H1)
        text = "\n".join(draft_narrative(report, build_indicator_report(H1)))
        assert "completed investment of 59.0 billion yuan" in text
        assert "completed investment of 17.78 billion yuan" in text
        assert "hundred million" not in text and "亿元" not in text
        assert "153.28 billion yuan" in text
        # Only names from the data (departments, programmes, indicators, towns...) stay in Chinese.
        names = {*Department.objects.values_list("name", flat=True), *Programme.objects.values_list("name", flat=True)}
        names |= {r.name for r in build_indicator_report(H1).rows} | {r.unit for r in build_indicator_report(H1).rows}
        for b in ("department", "category", "town"):
            names |= {row.label for row in report.breakdown(b).rows}
        names |= {i.problems for i in report.issues} | {i.coordination_requests for i in report.issues}
        stripped = text
        names |= set(Observation.objects.values_list("rank_subject", flat=True))
        for name in sorted((n for n in names if n and not n.isascii()), key=len, reverse=True):
            stripped = stripped.replace(name, "")
        assert not re.findall(r".{0,20}[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef].{0,20}", stripped)


def test_figures_in_yi_yuan_read_in_billions_in_english():
    from django.utils import translation

    with translation.override("en"):
        assert figure_text(Decimal("640"), "亿元", "over") == "over 64.0 billion yuan"
        assert target_text(Decimal("1350"), "亿元", "gte") == "135.0 billion yuan or more"
        assert figure_text(Decimal("1.25"), "亿元") == "125 million yuan"
        assert figure_text(Decimal("5.3"), "%") == "5.3%"
    with translation.override("zh-hans"):
        assert figure_text(Decimal("640"), "亿元", "over") == "超640亿元"
        assert target_text(Decimal("1350"), "亿元", "gte") == "1350亿元以上"


def test_the_warning_paragraph_states_which_statuses_are_judged_on_milestones_alone(portfolio, settings):
    text = "\n".join(build_progress_report(Project.objects.all(), H1).narrative)
    assert "超过30个百分点或节点逾期超过3个月为红灯；建成、投产运营项目只看节点）" in text
    settings.PORTFOLIO_WARNING_RULES = {**settings.PORTFOLIO_WARNING_RULES, "milestones_only_statuses": []}
    text = "\n".join(build_progress_report(Project.objects.all(), H1).narrative)
    assert "节点逾期超过3个月为红灯），红灯项目" in text and "只看节点" not in text


def test_computed_figures_follow_one_rule_per_kind(portfolio):
    """Rates, points of 序时进度 and amounts the platform computes have two places, as in the tables;
    only the published figures (the programmes' sentence, the indicators) are quoted as published."""
    report = build_progress_report(Project.objects.all(), H1)
    computed = "\n".join(report.narrative[1:-1])  # between the published programmes and the indicators
    thresholds = {str(value) for value in report.rules.values()}  # the rules' own numbers, as set
    points = [n for n in re.findall(r"([\d.]+)个百分点", computed) if n not in thresholds]
    rates = re.findall(r"([\d.]+)%", computed)
    amounts = re.findall(r"([\d.]+)亿元", computed)
    assert points and rates and amounts
    assert all(re.fullmatch(r"\d+\.\d\d", number) for number in points + rates + amounts), (points, rates, amounts)
    for warning in report.warnings:
        for reason in warning.reasons:
            assert all(re.fullmatch(r"\d+\.\d\d", n) for n in re.findall(r"([\d.]+)(?:%|个百分点)", reason)), reason
