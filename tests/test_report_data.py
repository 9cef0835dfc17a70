"""The report fixtures: provenance of every record, coverage, loading once and all-or-nothing."""

import json
import re
from decimal import Decimal

import pytest
from django.conf import settings

from indicators.models import Indicator, Observation, Target
from portfolio.datasets import load_fixtures, load_report_data, report_fixture_paths
from portfolio.models import DatasetLoad
from portfolio.money import wan_to_yi
from projects.models import Department, Milestone, Programme, ProgrammeSnapshot, Project

pytestmark = pytest.mark.django_db

SOURCE = settings.REPORT_SOURCE_PATH.read_text(encoding="utf-8")

CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_RUN = re.compile(r"[零一二两三四五六七八九十百千]+")
ARABIC = re.compile(r"\d+(?:\.\d+)?")


def parse_chinese_numeral(text: str) -> int:
    """十 -> 10, 十二 -> 12, 二十 -> 20, 百 -> 100, 一百二十 -> 120 (enough for the report)."""
    total, digit = 0, None
    for char in text:
        if char in CN_DIGITS:
            digit = CN_DIGITS[char]
        else:
            total += (1 if digit is None else digit) * CN_UNITS[char]
            digit = None
    return total + (digit or 0)


def numbers_in(quote: str) -> set[Decimal]:
    """Every number a quote states: Arabic digits and Chinese numerals (百亿 -> 100 of 亿元)."""
    found = {Decimal(m) for m in ARABIC.findall(quote.replace(",", ""))} | {Decimal(m) for m in ARABIC.findall(quote)}
    if "首位" in quote:
        found.add(Decimal(1))
    for run in CN_RUN.findall(quote):
        found.add(Decimal(parse_chinese_numeral(run)))
        for i in range(len(run)):
            found.add(Decimal(parse_chinese_numeral(run[i:])))
    return found


def test_chinese_numerals_are_read():
    assert Decimal(100) in numbers_in("项目入统备案(注册)金额突破百亿")
    assert Decimal(1000) in numbers_in("迈上千亿台阶")
    assert Decimal(10) in numbers_in("其中十亿级项目8个")
    assert Decimal(2) in numbers_in("为全省仅有的两个入选单位之一")
    assert Decimal(1) in numbers_in("增速排名全市第一")
    assert Decimal(12) in numbers_in("第十二")
    assert Decimal(1) in numbers_in("各级龙头企业数量稳居全市首位")
    assert Decimal(74.2) not in numbers_in("完成年度投资计划74.20%")  # float never matches
    assert Decimal("74.2") in numbers_in("完成年度投资计划74.20%")


def sourced_records():
    """(label, record, quotes, numbers) for every record loaded from the report."""
    for d in Department.objects.filter(is_synthetic=False):
        yield f"department {d.code}", [d.source_quote], [], [d.name]
    for p in Programme.objects.filter(is_synthetic=False):
        yield f"programme {p}", [p.source_quote], [p.declared_project_count], []
    for s in ProgrammeSnapshot.objects.filter(is_synthetic=False):
        yield (
            f"snapshot {s}", [s.source_quote],
            [s.project_count, wan_to_yi(s.completed_investment), s.plan_ratio], [s.qualifier],
        )
    for p in Project.objects.filter(is_synthetic=False):
        quotes = [p.source_quote] + ([p.h2_plan_quote] if p.h2_plan_quote else [])
        numbers = [wan_to_yi(v) for v in (p.total_investment, p.annual_plan) if v is not None]
        yield f"project {p.code}", quotes, numbers, [p.name]
    for m in Milestone.objects.filter(is_synthetic=False):
        yield f"milestone {m.pk}", [m.source_quote], [], []
    for o in Observation.objects.filter(is_synthetic=False):
        numbers = [v for v in (o.value, abs(o.growth) if o.growth is not None else None, o.rank) if v is not None]
        yield f"observation {o.pk} {o.indicator.code}", [o.source_quote], numbers, []
    for t in Target.objects.filter(is_synthetic=False):
        yield f"target {t.pk} {t.indicator.code}", [t.source_quote], [t.value] if t.value is not None else [], []


def test_every_quote_is_in_the_source_and_every_number_in_its_quote(report_data):
    problems = []
    checked = 0
    for label, quotes, numbers, texts in sourced_records():
        checked += 1
        for quote in quotes:
            if not quote or quote not in SOURCE:
                problems.append(f"{label}: quote not in the report: {quote!r}")
        joined = "".join(quotes)
        stated = numbers_in(joined)
        for number in numbers:
            if Decimal(number) not in stated:
                problems.append(f"{label}: {number} not in its quote {joined!r}")
        for text in texts:
            if text and text not in joined:
                problems.append(f"{label}: {text!r} not in its quote {joined!r}")
    assert checked > 300
    assert not problems, "\n".join(problems)


# The counts the fixtures hold: every named project and place, dated node, half-year figure and
# full-year target of the report (checked against the source, line by line); a fixture edit that
# loses records fails here.
MINIMUMS = {
    "departments": 15,
    "towns_and_streets": 7,
    "projects": 165,
    "milestones": 76,
    "indicators": 80,
    "observations": 144,
    "growth_only_observations": 10,
    "targets": 42,
}


def test_coverage_counts(report_data):
    counts = {
        "departments": Department.objects.count(),
        "towns_and_streets": Department.objects.towns_and_streets().count(),
        "projects": Project.objects.count(),
        "milestones": Milestone.objects.count(),
        "indicators": Indicator.objects.count(),
        "observations": Observation.objects.count(),
        "growth_only_observations": Observation.objects.filter(value__isnull=True, growth__isnull=False).count(),
        "targets": Target.objects.count(),
    }
    short = {k: (counts[k], v) for k, v in MINIMUMS.items() if counts[k] < v}
    assert not short, f"counts below the minimum (found, minimum): {short}"


def test_programme_aggregates_as_published(report_data):
    district = ProgrammeSnapshot.objects.get(programme__level="district", programme__year=2025)
    city = ProgrammeSnapshot.objects.get(programme__level="city", programme__year=2025)
    assert (district.project_count, wan_to_yi(district.completed_investment), district.plan_ratio) == (
        336, Decimal("590"), Decimal("54.66"))
    assert district.qualifier == "超序时进度"
    assert (city.project_count, wan_to_yi(city.completed_investment), city.plan_ratio) == (
        98, Decimal("177.8"), Decimal("74.20"))
    assert city.qualifier == "超全市总体进度"


def test_known_figures(report_data):
    gdp = Observation.objects.get(source_quote__contains="地区生产总值1532.8亿元")
    assert (gdp.value, gdp.unit, gdp.growth, gdp.rank) == (Decimal("1532.8"), "亿元", Decimal("5.3"), 1)
    fai = Observation.objects.get(source_quote__contains="固定资产投资超640亿元", value=Decimal("640"))
    assert fai.qualifier == "over"
    target = Target.objects.get(source_quote__contains="新落地招商项目投资额1350亿元以上")
    assert (target.value, target.unit, target.comparator) == (Decimal("1350"), "亿元", "gte")
    buyers = Observation.objects.get(indicator__code="canton-fair-buyers")
    assert (buyers.value, buyers.unit, buyers.qualifier) == (Decimal("1000"), "名", "over")  # 超千名采购商
    # 事故起数、死亡人数同比双下降: a full-year target the report states without a figure.
    safety = Target.objects.filter(source_quote__contains="同比实现双下降").order_by("indicator__code")
    assert [(t.indicator.code, t.value, t.comparator) for t in safety] == [
        ("production-safety-accidents", None, "lte"), ("production-safety-deaths", None, "lte")]


def test_report_projects_leave_unstated_facts_empty(report_data):
    # The report names no responsible department and no figures for any project.
    assert not Project.objects.filter(lead_department__isnull=False).exists()
    assert not Project.objects.filter(annual_plan__isnull=False).exists()
    assert not Project.objects.filter(is_synthetic=True).exists()


def test_loading_twice_changes_nothing(report_data):
    def state():
        return [
            list(model.objects.order_by("pk").values())
            for model in (Department, Programme, ProgrammeSnapshot, Project, Milestone, Indicator, Observation, Target)
        ]

    before = state()
    assert load_report_data().loaded is False
    assert state() == before
    # Even a forced reload finds the same records (natural keys and fixed pks), adding none.
    assert load_report_data(force=True).loaded is True
    after = state()
    assert [len(rows) for rows in after] == [len(rows) for rows in before]


def test_a_failing_load_leaves_the_database_as_it_was(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps([
        {"model": "projects.department", "fields": {"code": "ok", "name": "好单位", "kind": "bureau"}}
    ]), encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([
        {"model": "projects.programme", "fields": {"year": 2025, "level": "district", "name": "x",
                                                    "lead_department": ["no-such-department"]}}
    ]), encoding="utf-8")
    with pytest.raises(Exception):  # noqa: B017 - loaddata wraps the cause in several types
        load_fixtures(name="broken", paths=[good, bad])
    assert not Department.objects.filter(code="ok").exists()
    assert not DatasetLoad.objects.filter(name="broken").exists()


def test_fixture_files_are_all_present():
    names = {p.name for p in report_fixture_paths()}
    assert names == {"departments.json", "programmes.json", "report_projects.json", "report_indicators.json"}
