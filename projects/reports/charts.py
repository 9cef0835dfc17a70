"""Server-side SVG charts for the reports and the project page: no JavaScript, so they print and render in WeasyPrint."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from portfolio.money import format_fixed, round_half_up, time_elapsed_percent
from projects.figures import MonthPoint

from .checks import font_file
from .structure import ProgressReport

FONT = "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', sans-serif"
WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 52, 24, 36, 40
ACTUAL, ELAPSED, GRID, TEXT = "#1f5fbf", "#c0392b", "#dddddd", "#333333"
PLAN = "#595959"  # 7:1 on white: the dashed plan line stays readable without relying on colour

# Short month names for an axis: twelve labels must fit one row at phone width.
MONTHS = (
    pgettext_lazy("month abbreviation", "1月"), pgettext_lazy("month abbreviation", "2月"),
    pgettext_lazy("month abbreviation", "3月"), pgettext_lazy("month abbreviation", "4月"),
    pgettext_lazy("month abbreviation", "5月"), pgettext_lazy("month abbreviation", "6月"),
    pgettext_lazy("month abbreviation", "7月"), pgettext_lazy("month abbreviation", "8月"),
    pgettext_lazy("month abbreviation", "9月"), pgettext_lazy("month abbreviation", "10月"),
    pgettext_lazy("month abbreviation", "11月"), pgettext_lazy("month abbreviation", "12月"),
)


def text_width(text: str, font_size: float) -> float:
    """An estimate of a label's width in SVG units: a CJK or full-width character is about one em,
    a Latin one about 0.6 em. Enough to keep legend items apart in either language."""
    return sum(font_size * (1.0 if ord(c) >= 0x2E80 else 0.6) for c in str(text))


def legend_step(label: str, font_size: float, minimum: float) -> float:
    """How far the next legend item starts after one with ``label``: its swatch (34), its text and a
    gap, never less than ``minimum`` so the Chinese layout keeps its spacing."""
    return max(minimum, 34 + text_width(label, font_size) + 24)


def month_name(month: int) -> str:
    return str(MONTHS[month - 1])


def _ceiling(value: Decimal, step: int = 20) -> int:
    """The axis top: 100% or the next multiple of ``step`` above the highest rate."""
    return max(100, int(-(-value // step)) * step)


def completion_chart(points: list[MonthPoint], *, title: str = "") -> SafeString:
    """Cumulative completion rate month by month against the 序时进度 line (months ÷ 12)."""
    title = title or _("累计完成率与序时进度")
    # Labels are translated outside the f-strings below: makemessages does not read inside them.
    actual_label, elapsed_label = _("累计完成率"), _("序时进度")
    no_plan_label = _("无年度计划投资，无法计算完成率")
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
        parts.append(
            f'<text x="{x(month):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle">'
            f"{escape(month_name(month))}</text>"
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
                f"{escape(format_fixed(p.rate, grouping=False))}%</text>"
            )
    else:
        parts.append(
            f'<text x="{WIDTH / 2:.0f}" y="{TOP + plot_h / 2:.0f}" text-anchor="middle">'
            f"{escape(no_plan_label)}</text>"
        )
    # Legend along the top.
    legend_y = TOP - 18
    second = LEFT + legend_step(actual_label, 12, 140)
    parts += [
        f'<line x1="{LEFT}" y1="{legend_y}" x2="{LEFT + 28}" y2="{legend_y}" stroke="{ACTUAL}" stroke-width="2.5"/>',
        f'<text x="{LEFT + 34}" y="{legend_y + 4}">{escape(actual_label)}</text>',
        f'<line x1="{second:g}" y1="{legend_y}" x2="{second + 28:g}" y2="{legend_y}" stroke="{ELAPSED}" '
        f'stroke-width="2" stroke-dasharray="6 4"/>',
        f'<text x="{second + 34:g}" y="{legend_y + 4}">{escape(elapsed_label)}</text>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" stroke="{TEXT}"/>',
        "</svg>",
    ]
    return mark_safe("".join(parts))  # every text above is escaped


# The project page's chart -----------------------------------------------------------------------

@dataclass(frozen=True)
class CumulativeMonth:
    month: int
    label: str
    plan: Decimal | None  # 万元: the annual plan spread evenly, to the month's end
    completed: Decimal | None  # 万元: year to date as reported; None before a month is reported


@dataclass(frozen=True)
class CumulativeChart:
    """The SVG and the same figures as rows, for the table that stands beside it."""

    year: int
    annual_plan: Decimal | None
    months: list[CumulativeMonth]
    svg: SafeString

    @property
    def has_data(self) -> bool:
        return self.annual_plan is not None or any(m.completed is not None for m in self.months)

    @property
    def reported(self) -> list[CumulativeMonth]:
        return [m for m in self.months if m.completed is not None]


# A page chart is narrower than a printed one, with larger type: at 390 px it is drawn at about 2/3 size.
# The page never draws it wider than PAGE_WIDTH (svg.chart in static/portfolio/site.css says so).
PAGE_WIDTH, PAGE_HEIGHT, PAGE_LEFT, PAGE_FONT = 600, 320, 84, 15  # left room for "1,250,000"


def amount_label(value: Decimal) -> str:
    """1200.50 -> '1,200.5': an axis or a sentence needs no trailing zeros."""
    return f"{round_half_up(value).normalize():,f}"


def _axis_step(top: Decimal, ticks: int = 5) -> Decimal:
    """A round step (1, 2, 2.5 or 5 × 10ⁿ) that covers ``top`` in at most ``ticks`` intervals."""
    raw = top / ticks
    magnitude = Decimal(1).scaleb(raw.adjusted())
    for factor in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def _cumulative_desc(year: int, annual_plan: Decimal | None, months: list[CumulativeMonth]) -> str:
    """The figures in a sentence, for screen readers and anyone who cannot see the lines."""
    reported = [m for m in months if m.completed is not None]
    parts = []
    if annual_plan is not None:
        parts.append(_("年度计划投资%(plan)s万元，计划线按月均匀分摊。") % {"plan": amount_label(annual_plan)})
    else:
        parts.append(_("无年度计划投资，不显示计划线。"))
    if reported:
        figures = _("，").join(f"{m.label} {amount_label(m.completed)}" for m in reported)
        parts.append(_("%(year)s年累计完成投资（万元）：%(figures)s。") % {"year": year, "figures": figures})
    else:
        parts.append(_("%(year)s年尚无月报。") % {"year": year})
    return "".join(parts)


def cumulative_chart(
    *, year: int, annual_plan: Decimal | None, completed: dict[int, Decimal], chart_id: str = "cumulative-chart"
) -> CumulativeChart:
    """One project's year-to-date completion against its plan line, in 万元, month by month.

    ``completed`` maps a month to the year-to-date amount reported for it. Without an annual plan
    there is no plan line; without reports there is no completed line; with neither the axes stay
    and the chart says why it is empty, so the page never loses its place.
    """
    plan = annual_plan if annual_plan else None  # a plan of 0 draws nothing useful
    months = [
        CumulativeMonth(
            month=m,
            label=month_name(m),
            plan=round_half_up(plan * m / 12) if plan is not None else None,
            completed=completed.get(m),
        )
        for m in range(1, 13)
    ]
    reported = [m for m in months if m.completed is not None]
    highest = max([Decimal(0), plan or Decimal(0), *[m.completed for m in reported]])
    step = _axis_step(highest) if highest > 0 else Decimal(20)
    top = step * (int(highest // step) + 1)  # headroom above the highest point for its label
    plot_w, plot_h = PAGE_WIDTH - PAGE_LEFT - RIGHT, PAGE_HEIGHT - TOP - BOTTOM
    title = _("%(year)s年累计完成投资与计划线（万元）") % {"year": year}
    desc = _cumulative_desc(year, plan, months)

    def x(month: int) -> float:
        return PAGE_LEFT + plot_w * (month - 0.5) / 12

    def y(amount: Decimal) -> float:
        return TOP + plot_h * (1 - float(amount / top))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {PAGE_WIDTH} {PAGE_HEIGHT}" width="100%" role="img" '
        f'class="chart" id="{escape(chart_id)}" aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'font-family="{FONT}" font-size="{PAGE_FONT}" fill="{TEXT}">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>',
        f'<text x="{PAGE_LEFT - 6}" y="{TOP - 22}" text-anchor="end" class="axis-unit">{escape(_("万元"))}</text>',
    ]
    tick = Decimal(0)
    while tick <= top:
        gy = y(tick)
        parts.append(f'<line x1="{PAGE_LEFT}" y1="{gy:.1f}" x2="{PAGE_WIDTH - RIGHT}" y2="{gy:.1f}" stroke="{GRID}"/>')
        parts.append(
            f'<text x="{PAGE_LEFT - 6}" y="{gy + 4:.1f}" text-anchor="end" class="tick">{escape(amount_label(tick))}</text>'
        )
        tick += step
    parts.append(f'<line x1="{PAGE_LEFT}" y1="{TOP}" x2="{PAGE_LEFT}" y2="{TOP + plot_h}" stroke="{TEXT}"/>')
    parts.append(f'<line x1="{PAGE_LEFT}" y1="{TOP + plot_h}" x2="{PAGE_WIDTH - RIGHT}" y2="{TOP + plot_h}" stroke="{TEXT}"/>')
    for m in months:
        parts.append(
            f'<text x="{x(m.month):.1f}" y="{PAGE_HEIGHT - BOTTOM + 18}" text-anchor="middle" class="month">'
            f"{escape(m.label)}</text>"
        )
    legend_y = TOP - 18
    legend_x = PAGE_LEFT + 30
    if plan is not None:
        line = " ".join(f"{x(m.month):.1f},{y(m.plan):.1f}" for m in months)
        parts.append(
            f'<polyline class="plan" points="{line}" fill="none" stroke="{PLAN}" stroke-width="2" '
            f'stroke-dasharray="6 4"/>'
        )
    if reported:
        line = " ".join(f"{x(m.month):.1f},{y(m.completed):.1f}" for m in reported)
        parts.append(f'<polyline class="completed" points="{line}" fill="none" stroke="{ACTUAL}" stroke-width="2.5"/>')
        for m in reported:
            parts.append(f'<circle cx="{x(m.month):.1f}" cy="{y(m.completed):.1f}" r="3.5" fill="{ACTUAL}"/>')
        last = reported[-1]
        parts.append(
            f'<text x="{x(last.month):.1f}" y="{y(last.completed) - 9:.1f}" text-anchor="middle" fill="{ACTUAL}">'
            f"{escape(amount_label(last.completed))}</text>"
        )
    # The legend names only the lines that are drawn, solid vs dashed so colour is not the only cue.
    if reported:
        completed_label = _("累计完成投资")
        parts += [
            f'<line x1="{legend_x}" y1="{legend_y}" x2="{legend_x + 28}" y2="{legend_y}" stroke="{ACTUAL}" '
            f'stroke-width="2.5"/>',
            f'<text x="{legend_x + 34}" y="{legend_y + 4}" class="legend">{escape(completed_label)}</text>',
        ]
        legend_x += legend_step(completed_label, PAGE_FONT, 190)
    if plan is not None:
        parts += [
            f'<line x1="{legend_x:g}" y1="{legend_y}" x2="{legend_x + 28:g}" y2="{legend_y}" stroke="{PLAN}" '
            f'stroke-width="2" stroke-dasharray="6 4"/>',
            f'<text x="{legend_x + 34:g}" y="{legend_y + 4}" class="legend">{escape(_("计划线"))}</text>',
        ]
    if not reported or plan is None:
        note = (
            _("尚无月报，也无年度计划投资。") if not reported and plan is None
            else _("尚无月报。") if not reported
            else _("无年度计划投资，不显示计划线。")
        )
        parts.append(
            f'<text x="{PAGE_LEFT + plot_w / 2:.0f}" y="{TOP + plot_h / 2:.0f}" text-anchor="middle" class="note">'
            f"{escape(note)}</text>"
        )
    parts.append("</svg>")
    svg = mark_safe("".join(parts))  # every text above is escaped
    return CumulativeChart(year=year, annual_plan=plan, months=months, svg=svg)


def completion_chart_png(points: list[MonthPoint], *, title: str = "") -> bytes:
    """The same chart as completion_chart, as a PNG picture for the Word document (Word shows no SVG
    that older versions can edit): cumulative completion rate against the 序时进度 line."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    scale = 3
    width, height = WIDTH * scale, HEIGHT * scale
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    path = font_file("Noto Sans CJK SC")
    font = ImageFont.truetype(path, 12 * scale) if path else ImageFont.load_default()
    rated = [p for p in points if p.rate is not None]
    top = _ceiling(max([Decimal(0)] + [p.rate for p in rated]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(month) -> float:
        return scale * (LEFT + plot_w * (month - 0.5) / 12)

    def y(percent) -> float:
        return scale * (TOP + plot_h * (1 - float(percent) / top))

    for percent in range(0, top + 1, 20):
        draw.line([(scale * LEFT, y(percent)), (scale * (WIDTH - RIGHT), y(percent))], fill=GRID, width=scale)
        draw.text((scale * (LEFT - 6), y(percent)), f"{percent}%", fill=TEXT, font=font, anchor="rm")
    for month in range(1, 13):
        draw.text((x(month), scale * (HEIGHT - BOTTOM + 12)), month_name(month), fill=TEXT, font=font, anchor="mt")
    elapsed = [(x(m), y(time_elapsed_percent(m))) for m in range(1, 13)]
    for start, end in zip(elapsed, elapsed[1:], strict=False):  # dashed: every other segment's halves
        middle = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
        draw.line([start, middle], fill=ELAPSED, width=2 * scale)
    if rated:
        line = [(x(p.month), y(p.rate)) for p in rated]
        if len(line) > 1:
            draw.line(line, fill=ACTUAL, width=int(2.5 * scale), joint="curve")
        for p in rated:
            cx, cy = x(p.month), y(p.rate)
            draw.ellipse([cx - 3 * scale, cy - 3 * scale, cx + 3 * scale, cy + 3 * scale], fill=ACTUAL)
            draw.text((cx, cy - 8 * scale), f"{format_fixed(p.rate, grouping=False)}%", fill=ACTUAL, font=font,
                      anchor="mb")
    legend = [(ACTUAL, _("累计完成率")), (ELAPSED, _("序时进度"))]
    left = scale * LEFT
    for colour, label in legend:
        draw.line([(left, scale * 16), (left + 24 * scale, scale * 16)], fill=colour, width=2 * scale)
        draw.text((left + 30 * scale, scale * 16), str(label), fill=TEXT, font=font, anchor="lm")
        left += scale * legend_step(str(label), 12, 110)
    if title:
        draw.text((width - scale * RIGHT, scale * 16), str(title), fill=TEXT, font=font, anchor="rm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


@dataclass(frozen=True)
class ReportChart:
    caption: str  # under the chart: 图1：2025年区重点项目累计完成率与序时进度（月度）
    title: str  # the chart's own title (its SVG <title>)
    points: list[MonthPoint]


def report_charts(report: ProgressReport) -> list[ReportChart]:
    """The progress report's charts, for every format: one per programme when they are shown apart
    (they overlap and are not added together), else one over the report's projects."""
    if report.programmes_apart:
        return [
            ReportChart(
                caption=_("图%(n)s：%(name)s累计完成率与序时进度（月度）") % {"n": n, "name": programme.name},
                title=_("%(programme)s：累计完成率与序时进度") % {"programme": programme.name},
                points=points,
            )
            for n, (programme, points) in enumerate(report.programmes_apart, start=1)
        ]
    return [ReportChart(caption=_("图：累计完成率与序时进度（月度）"), title="", points=report.months)]
