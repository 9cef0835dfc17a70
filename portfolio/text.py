"""Text a user stored, made safe for every document format the platform writes.

XML 1.0 (Word, Excel, the PDF's HTML) cannot hold most C0 control characters, lone surrogates or the
non-characters U+FFFE and U+FFFF; a \\x0b pasted from Word into a problem text once broke every
download of the month. ``printable`` is the one place they are removed, for every renderer.
"""

import re

from django.utils.translation import pgettext

# What XML 1.0 refuses: C0 controls but tab, newline and carriage return; surrogates; U+FFFE, U+FFFF.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def printable(value) -> str:
    """``value`` as text, without what no document format can hold."""
    return NOT_XML.sub("", "" if value is None else str(value))


# Punctuation the platform puts between pieces of text it assembles (a label and its value, the
# items of a list, the clauses of the report's narrative): full-width in Chinese (统计口径：…，…；…。),
# the English marks and spacing in English. Every page, report, message and export asks here; the
# words themselves carry their own marks in the translation catalogue (tests/test_punctuation.py
# checks both).
def colon() -> str:
    return pgettext("punctuation: between a label and its value", "：")


def enumeration_mark() -> str:
    return pgettext("punctuation: between items of a list", "、")


def comma() -> str:
    return pgettext("punctuation: between clauses", "，")


def semicolon() -> str:
    return pgettext("punctuation: between long clauses", "；")


def sentence_break() -> str:
    return pgettext("punctuation: between sentences", "。")


def full_stop() -> str:
    return pgettext("punctuation: end of a sentence", "。")


def enumerated(items) -> str:
    """甲、乙、丙 in Chinese; "A, B, C" in English."""
    return enumeration_mark().join(str(item) for item in items)


def bracketed(*parts) -> str:
    """（3） or （张三，2025-04-01）; in English " (3)" and " (Zhang, 2025-04-01)"; empty without parts."""
    inner = pgettext("punctuation: between items in brackets", "，").join(
        str(p) for p in parts if p not in (None, ""))
    if not inner:
        return ""
    return pgettext("punctuation: a note in brackets after a text", "（%(note)s）") % {"note": inner}
