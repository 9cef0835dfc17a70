"""Formatting of amounts, rates and warnings in templates, through portfolio.money only."""

from decimal import Decimal

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from portfolio import periods, text
from portfolio.money import format_amount, format_yi, round_half_up, wan_to_yi, yi_words
from projects.progress import WarningColour
from projects.reports.checks import css_font_family

register = template.Library()

BADGE = {"red": "danger", "yellow": "warning", "green": "success"}


@register.filter
def yi(amount_wan):
    """万元 -> 亿元 with two decimals (e.g. 5900000 -> 590.00)."""
    if amount_wan in (None, ""):
        return "—"
    return format_yi(amount_wan)


@register.filter
def yi_card(amount_wan):
    """A headline amount: 亿元 with two decimals in Chinese (1,079.40), billions or millions of yuan in
    English (107.94 billion yuan), through portfolio.money."""
    if amount_wan in (None, ""):
        return "—"
    language = get_language() or ""
    if language.startswith("zh"):
        return format_yi(amount_wan)
    return yi_words(round_half_up(wan_to_yi(Decimal(amount_wan))), language)


@register.simple_tag
def yi_label(chinese_label, plain_label):
    """The card's label: with （亿元） in Chinese, without a unit in English (the figure carries it)."""
    return chinese_label if (get_language() or "").startswith("zh") else plain_label


@register.filter
def wan(amount_wan):
    """A stored amount in 万元 with separators, no trailing zeros beyond two places (1,200.50)."""
    if amount_wan in (None, ""):
        return "—"
    return format_amount(Decimal(amount_wan))


@register.filter
def pct(value):
    if value in (None, ""):
        return "—"
    return f"{round_half_up(value)}%"


@register.simple_tag
def warning_badge(warning):
    return format_html(
        '<span class="badge text-bg-{}" title="{}">{}</span>',
        BADGE.get(warning.colour, "secondary"),
        warning.reason_text,
        WarningColour(warning.colour).label,
    )


@register.simple_tag(takes_context=True)
def sort_link(context, field, label):
    """A column header that sorts by ``field``, and reverses when it already does."""
    request = context["request"]
    params = request.GET.copy()
    current = params.get("ordering", "")
    params["ordering"] = f"-{field}" if current == field else field
    params.pop("page", None)
    arrow = " ▲" if current == field else (" ▼" if current == f"-{field}" else "")
    return format_html('<a href="?{}">{}{}</a>', params.urlencode(), label, arrow)


@register.filter
def split(text):
    """"a b c"|split -> ["a", "b", "c"] (a list of names in a template loop)."""
    return str(text).split()


@register.filter
def field(form, name):
    """A bound field of a form by name (form|field:name)."""
    return form[name]


@register.simple_tag(takes_context=True)
def sort_header(context, field, label, css=""):
    """A column header (<th scope="col">) that sorts by ``field`` and says how it is sorted now, to
    screen readers too (aria-sort); the first click sorts ascending, the next one descending."""
    current = context["request"].GET.get("ordering", "")
    state = "ascending" if current == field else ("descending" if current == f"-{field}" else "")
    return format_html(
        '<th scope="col"{}{}>{}</th>',
        format_html(' class="{}"', css) if css else "",
        format_html(' aria-sort="{}"', state) if state else "",
        sort_link(context, field, label),
    )


# Punctuation between template pieces, from portfolio.text like every other output: Chinese pages
# use full-width marks (统计口径：…), English ones their own (Basis of the figures: …).
@register.simple_tag
def colon():
    return text.colon()


@register.simple_tag
def list_sep():
    return text.enumeration_mark()


@register.simple_tag
def full_stop():
    return text.full_stop()


@register.simple_tag
def bracketed(*parts):
    """（3） or （张三，2025-04-01）; in English " (3)" and " (Zhang, 2025-04-01)"."""
    return text.bracketed(*parts)


@register.simple_tag
def document_font(role):
    """The CSS font-family of a role of official documents (title, body, heading1, heading2), from
    PORTFOLIO_DOCUMENT_FONTS; for the reports' stylesheet."""
    return mark_safe(css_font_family(role).replace("<", "").replace(";", "").replace("}", ""))


@register.filter
def document_date(day):
    """2025年7月10日: the date under a document's issuing unit (portfolio.periods.document_date)."""
    return periods.document_date(day) if day else ""
