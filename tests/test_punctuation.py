"""Chinese text uses full-width punctuation everywhere the reader sees it, English keeps its own.

The words carry their marks in the translation catalogue (the Chinese source strings and their English
translations); what the platform puts between pieces it assembles comes from portfolio.text. Both
are checked here: every string of the catalogue, and the report's narrative drafted over the sample
portfolio for any month, scope and language.
"""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from portfolio import text
from portfolio.periods import Period
from projects.models import Department, Project
from projects.reports.builders import build_progress_report

HAN = "\u3400-\u4dbf\u4e00-\u9fff"
FULL_WIDTH_MARKS = "，。：；（）、！？"
# A half-width mark touching a Chinese character (例如:… / 完成率(%)) or any round bracket in a Chinese
# string that is not a %(name)s placeholder.
HALF_WIDTH_IN_CHINESE = re.compile(rf"(?<=[{HAN}])[,:;?!()]|[,:;?!](?=[{HAN}])|(?<!%)\(|\)(?![sd])")
# Chinese quoted in English text keeps its own marks: a run of Chinese characters and marks, or “…”.
CHINESE_RUN = re.compile(rf"“[^”]*”|[{HAN}{FULL_WIDTH_MARKS}“”0-9.%]*[{HAN}][{HAN}{FULL_WIDTH_MARKS}“”0-9.%]*")


def catalogue():
    return polib.pofile(str(Path(settings.BASE_DIR) / "locale/en/LC_MESSAGES/django.po"))


def chinese_mistakes(value: str) -> list[str]:
    if not re.search(f"[{HAN}]", value):
        return []
    return [value[max(m.start() - 6, 0):m.end() + 6] for m in HALF_WIDTH_IN_CHINESE.finditer(value)]


def english_mistakes(value: str) -> list[str]:
    rest = CHINESE_RUN.sub(" ", value)
    return [value for mark in FULL_WIDTH_MARKS if mark in rest]


def test_the_rules_catch_what_they_should():
    assert chinese_mistakes("指标编码:小写字母") and chinese_mistakes("完成率(%)") and chinese_mistakes("分别为,甲")
    assert not chinese_mistakes("指标编码：小写字母，完成率（%），%(rate)s%%") and not chinese_mistakes("Token <令牌>")
    assert english_mistakes("Rate（%）") and english_mistakes("done，next")
    assert not english_mistakes("Several departments separated by “、”.") and not english_mistakes("e.g. 亿元（万元）")


def test_every_chinese_string_uses_full_width_marks():
    wrong = {entry.msgid: chinese_mistakes(entry.msgid) for entry in catalogue()
             if not entry.obsolete and chinese_mistakes(entry.msgid)}
    assert not wrong


def test_every_english_translation_uses_english_marks():
    entries = [entry for entry in catalogue() if not entry.obsolete]
    strings = [entry.msgstr for entry in entries] + [s for e in entries for s in e.msgstr_plural.values()]
    assert len(strings) > 1000
    assert not [s for s in strings if english_mistakes(s)]


@pytest.mark.parametrize(("language", "expected"), [
    ("zh-hans", ["：", "、", "，", "；", "。", "。", "（3，甲）"]),
    ("en", [": ", ", ", ", ", "; ", ". ", ".", " (3, 甲)"]),
])
def test_the_assembled_marks_follow_the_language(language, expected):
    with translation.override(language):
        assert [text.colon(), text.enumeration_mark(), text.comma(), text.semicolon(), text.sentence_break(),
                text.full_stop(), text.bracketed(3, None, "甲")] == expected
        assert text.bracketed(None, "") == ""


@pytest.mark.slow
@hypothesis_settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(month=st.integers(1, 12), scope=st.sampled_from(["all", "district", "department", "town"]),
       language=st.sampled_from(["zh-hans", "en"]))
def test_the_narrative_uses_the_marks_of_its_language(portfolio, month, scope, language):
    projects = Project.objects.all()
    if scope == "district":
        projects = projects.filter(programme__level="district")
    elif scope == "department":
        projects = projects.filter(lead_department=Department.objects.filter(kind="bureau").order_by("code").first())
    elif scope == "town":
        projects = projects.filter(town=Department.objects.filter(kind="town").order_by("code").first())
    with translation.override(language):
        report = build_progress_report(projects, Period(2025, month))
    paragraphs = list(report.narrative)
    assert paragraphs
    # Names of projects and departments are data, as the report or the department wrote them.
    names = set(Project.objects.values_list("name", flat=True)) | set(Department.objects.values_list("name", flat=True))
    for paragraph in paragraphs:
        for name in sorted(names, key=len, reverse=True):
            paragraph = paragraph.replace(name, "甲")
        if language == "en":
            assert not english_mistakes(paragraph), paragraph
        else:
            assert not chinese_mistakes(paragraph), paragraph
