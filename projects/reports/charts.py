"""Server-side SVG charts for the reports: no JavaScript, so they print and render in WeasyPrint."""

from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from portfolio.money import time_elapsed_percent
from projects.progress import format_number

from .builders import MonthPoint

FONT = "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', sans-serif"
WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 52, 24, 36, 40
ACTUAL, ELAPSED, GRID, TEXT = "#1f5fbf", "#c0392b", "#dddddd", "#333333"


def _ceiling(value: Decimal, step: int = 20) -> int:
    """The axis top: 100% or the next multiple of ``step`` above the highest rate."""
    return max(100, int(-(-value // step)) * step)


def completion_chart(points: list[MonthPoint], *, title: str = "") -> SafeString:
    """Cumulative completion rate month by month against the 序时进度 line (months ÷ 12)."""
    title = title or _("累计完成率与序时进度")
    # Labels are translated outside the f-strings below: makemessages does not read inside them.
    actual_label, elapsed_label = _("累计完成率"), _("序时进度")
    no_plan_label = _("无年度计划投资,无法计算完成率")
    rated = [p for p in points if p.rate is not None]
    top = _ceiling(max([Decimal(0)] + [p.rate for p in rated]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(month: int) -> float:
        return LEFT + plot_w * (month - 0.5) / 12

    def y(percent: Decimal) -> float:
        return TOP + plot_h * (1 - float(percent) / top)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" class="chart" font-family="{FONT}" font-size="12" fill="{TEXT}">',
        f"<title>{escape(title)}</title>",
    ]
    for percent in range(0, top + 1, 20):
        gy = y(Decimal(percent))
        parts.append(f'<line x1="{LEFT}" y1="{gy:.1f}" x2="{WIDTH - RIGHT}" y2="{gy:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{gy + 4:.1f}" text-anchor="end">{percent}%</text>')
    for month in range(1, 13):
        label = _("%(month)s月") % {"month": month}
        parts.append(
            f'<text x="{x(month):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle">{escape(label)}</text>'
        )
    # 序时进度: the share of the year elapsed at each month's end.
    elapsed = " ".join(f"{x(m):.1f},{y(time_elapsed_percent(m)):.1f}" for m in range(1, 13))
    parts.append(
        f'<polyline points="{elapsed}" fill="none" stroke="{ELAPSED}" stroke-width="2" stroke-dasharray="6 4"/>'
    )
    if rated:
        line = " ".join(f"{x(p.month):.1f},{y(p.rate):.1f}" for p in rated)
        parts.append(f'<polyline points="{line}" fill="none" stroke="{ACTUAL}" stroke-width="2.5"/>')
        for p in rated:
            # The label goes on the side away from the 序时进度 line, so the two never overlap.
            offset = -9 if p.rate >= p.time_elapsed or y(p.rate) + 17 > TOP + plot_h - 4 else 17
            parts.append(f'<circle cx="{x(p.month):.1f}" cy="{y(p.rate):.1f}" r="3.5" fill="{ACTUAL}"/>')
            parts.append(
                f'<text x="{x(p.month):.1f}" y="{y(p.rate) + offset:.1f}" text-anchor="middle" fill="{ACTUAL}">'
                f"{escape(format_number(p.rate))}%</text>"
            )
    else:
        parts.append(
            f'<text x="{WIDTH / 2:.0f}" y="{TOP + plot_h / 2:.0f}" text-anchor="middle">'
            f"{escape(no_plan_label)}</text>"
        )
    # Legend along the top.
    legend_y = TOP - 18
    parts += [
        f'<line x1="{LEFT}" y1="{legend_y}" x2="{LEFT + 28}" y2="{legend_y}" stroke="{ACTUAL}" stroke-width="2.5"/>',
        f'<text x="{LEFT + 34}" y="{legend_y + 4}">{escape(actual_label)}</text>',
        f'<line x1="{LEFT + 140}" y1="{legend_y}" x2="{LEFT + 168}" y2="{legend_y}" stroke="{ELAPSED}" '
        f'stroke-width="2" stroke-dasharray="6 4"/>',
        f'<text x="{LEFT + 174}" y="{legend_y + 4}">{escape(elapsed_label)}</text>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" stroke="{TEXT}"/>',
        "</svg>",
    ]
    return mark_safe("".join(parts))  # every text above is escaped
