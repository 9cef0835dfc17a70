"""The project list as an Excel workbook, written by the reports' Excel writer (real numbers, safe text)."""

from collections.abc import Iterable
from typing import BinaryIO

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portfolio.downloads import file_name
from portfolio.models import translated_labels
from portfolio.money import round_half_up
from portfolio.text import enumerated

from ..choices import ProjectCategory, ProjectStatus
from ..progress import WarningColour
from .fields import RATE, TEXT, WAN
from .renderers.tables import Column, Table
from .renderers.xlsx import save_workbook

LIST_COLUMNS = [  # header, kind, width (at most)
    (gettext_lazy("项目编号"), TEXT, 14),
    (gettext_lazy("项目名称"), TEXT, 40),
    (gettext_lazy("重点项目计划"), TEXT, 22),
    (gettext_lazy("牵头单位"), TEXT, 22),
    (gettext_lazy("所在镇街"), TEXT, 12),
    (gettext_lazy("项目类别"), TEXT, 14),
    (gettext_lazy("项目状态"), TEXT, 10),
    (gettext_lazy("年度计划投资（万元）"), WAN, 16),
    (gettext_lazy("累计完成投资（万元）"), WAN, 16),
    (gettext_lazy("完成率（%）"), RATE, 10),
    (gettext_lazy("预警"), TEXT, 8),
    (gettext_lazy("预警原因"), TEXT, 40),
    (gettext_lazy("样例数据"), TEXT, 24),
]


def _text(value) -> str:
    return "" if value is None else str(value)


class _Words:
    """The words every row may repeat, translated once a workbook (a 100,000-row list translated each
    on every row: a seventh of its time)."""

    def __init__(self):
        self.colour = translated_labels(WarningColour.choices)
        self.category = translated_labels(ProjectCategory.choices)
        self.status = translated_labels(ProjectStatus.choices)
        self.yes, self.no = _("是"), _("否")
        self.partly = _("部分：%(columns)s")
        self.sample_columns: dict[tuple, str] = {}

    def sample(self, row) -> str:
        """是 for a sample project; for a report project the columns holding generated values; else 否."""
        if row.project.is_synthetic:
            return self.yes
        fields = tuple(row.sample_fields)
        if fields not in self.sample_columns:
            columns = [str(LIST_COLUMNS[index][0]) for name, index in SAMPLE_COLUMNS.items() if name in fields]
            self.sample_columns[fields] = self.partly % {"columns": enumerated(columns)} if columns else self.no
        return self.sample_columns[fields]


def _row(row, words: _Words) -> list:
    p = row.project
    place = p.is_place  # no project: no figures and no warning, as on the page
    return [
        p.code, p.name, _text(p.period_programme_name), _text(p.lead_department), _text(p.town),
        words.category.get(p.category, p.category), words.status.get(p.status, p.status),
        float(round_half_up(p.period_plan)) if p.period_plan is not None else None,
        None if place else float(round_half_up(row.completed_ytd)),
        float(row.rate) if row.rate is not None and not place else None,
        "" if place else words.colour[row.warning.colour], "" if place else row.warning.reason_text,
        words.sample(row),
    ]


# What a row reads of a project and of the rows selectors.project_progress joins to it: at 100,000 projects
# the workbook builds 380,000 model instances, which need no timestamps, quotes or descriptions.
EXPORT_COLUMNS = (
    "code", "name", "category", "status", "record_kind", "is_synthetic", "annual_plan", "sample_annual_plan",
    "programme__name", "sample_programme__name", "lead_department__name", "town__name",
)


# The list's columns that may hold a report project's generated values, by the name sample_values uses.
SAMPLE_COLUMNS = {"programme": 2, "department": 3, "annual_plan": 7, "completed_ytd": 8, "rate": 9, "colour_label": 10}


def project_list_file_names(period) -> tuple[str, str]:
    """白云区重点项目清单（截至2025年6月）.xlsx, and projects-2025-06.xlsx as the ASCII fallback."""
    name = _("%(district)s重点项目清单（截至%(year)s年%(month)s月）") % {
        "district": settings.PORTFOLIO_DISTRICT, "year": period.year, "month": period.month}
    return file_name(name, "xlsx"), f"projects-{period}.xlsx"


def save_project_list(rows: Iterable, period, out: BinaryIO, *, basis: str = "") -> None:
    """The list's rows (selectors.ProjectProgress, any iterable: read once, row by row) with a sheet saying
    the period and the basis, written to ``out``."""
    words = _Words()
    projects = Table(
        "projects", _("项目清单"), _("项目清单"),
        [Column(str(header), kind, width) for header, kind, width in LIST_COLUMNS],
        (_row(row, words) for row in rows),
        freeze="C2", auto_filter=True,
    )
    notes = Table(
        "notes", _("说明"), _("说明"), [Column("", TEXT, 12), Column("", TEXT, 80)],
        [[_("统计期"), str(period)], [_("统计口径"), basis]],
        with_header=False,
    )
    save_workbook([projects, notes], out, title=_("重点项目清单 %(period)s") % {"period": period})
