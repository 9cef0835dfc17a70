"""The progress report's appendix laid out by Typst, for long appendices in a background job.

WeasyPrint lays out about 200 table rows a second here: a 10,000-project appendix took 55 s, and the
100,000-project one about ten minutes. Typst (the ``typst`` package: the Typst compiler built for
Python) lays out the same rows about seven times faster (bench/pdf_layout.py; docs/bench.md). The
PDF of a report is already rendered in parts when it is rendered in the background (pdf.py), so an
appendix of more than PORTFOLIO_PDF_TYPST_ROWS projects is that part laid out by Typst from
appendix.typ beside this module, and merged and stamped with running heads and page numbers like the
others. The texts are those of the HTML appendix (templates/reports/progress.html), made here with the
same filters and marks: the two layouts hold the same characters (tests/reports/test_typst_appendix.py).
"""

import json
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.template.defaultfilters import floatformat
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from portfolio.text import bracketed

from ..structure import ProgressReport, ProjectRow

TEMPLATE = Path(__file__).with_name("appendix.typ")
# The columns of the HTML appendix, in its order.
HEADERS = (gettext_lazy("项目编号"), gettext_lazy("项目名称"), gettext_lazy("牵头单位"), gettext_lazy("年度计划投资"),
           gettext_lazy("累计完成投资"), gettext_lazy("完成率（%）"), gettext_lazy("预警"), gettext_lazy("形象进度"))


def wanted(report: ProgressReport) -> bool:
    """Whether this report's appendix is laid out by Typst."""
    return len(report.projects) > settings.PORTFOLIO_PDF_TYPST_ROWS


@lru_cache(maxsize=1)
def _installed_families() -> tuple[str, ...]:
    """The families Typst finds among the system's fonts (read once a process)."""
    import typst

    return tuple(sorted({font.family for font in typst.Fonts(include_embedded_fonts=False).fonts()}))


def typst_families(names: list[str], installed: tuple[str, ...] | None = None) -> list[str]:
    """A document role's faces (PORTFOLIO_DOCUMENT_FONTS) as Typst names them: Typst calls FandolFang
    "FandolFang R", so a name matches an installed family of that name or of that name and a style
    word. The faces not installed are left out; with none installed, the names as they are (Typst then
    uses its own fallback, as WeasyPrint does)."""
    installed = _installed_families() if installed is None else installed
    chosen = []
    for name in names:
        wanted_name = name.casefold()
        for family in installed:
            folded = family.casefold()
            if (folded == wanted_name or folded.startswith(wanted_name + " ")) and family not in chosen:
                chosen.append(family)
    return chosen or list(names)


def _marked(text: str, mark: bool) -> str:
    return f"{text}*" if mark else text


def _row(p: ProjectRow) -> list[str]:
    """One line, as the HTML appendix writes it: a sample project's code marked, and of a report
    project each value the sample generator made."""
    partial, s = not p.is_synthetic, p.sample_fields
    return [
        _marked(p.code, p.is_synthetic),
        p.name,
        _marked(p.department, partial and "department" in s),
        _marked(floatformat(p.annual_plan, "2g") or "—", partial and "annual_plan" in s),
        _marked(floatformat(p.completed_ytd, "2g"), partial and "completed_ytd" in s),
        _marked("—" if p.rate is None else str(p.rate), partial and "rate" in s),
        p.colour,
        _marked(p.colour_label, partial and "colour_label" in s),
        _marked(p.progress, partial and "progress" in s and bool(p.progress)),
    ]


def appendix_data(report: ProgressReport) -> dict:
    """Everything the Typst template prints, in the active language."""
    note = _("金额单位：万元。项目类别、状态、所在镇街和本月完成投资见 Excel 版项目明细。")
    if report.has_sample_data:
        note += _("标“*”的为样例数据：编号后的“*”表示整行为样例项目；报告中点名的项目，报告未说明、由样例补充的年度"
                  "计划和由样例月报得出的数字与形象进度，在各自的数值后标“*”，其所在计划分组也是样例的安排；报告未说明"
                  "牵头单位的，写“未明确”。")
    language = get_language() or settings.LANGUAGE_CODE
    chinese = language.startswith("zh")
    return {
        "lang": "zh" if chinese else language.split("-")[0],
        "region": "cn" if chinese else None,
        "fonts": {role: typst_families(names) for role, names in settings.PORTFOLIO_DOCUMENT_FONTS.items()},
        "label": _("附件"),
        "title": _("重点项目明细表") + bracketed(report.listed.projects),
        "note": note,
        "empty": _("无项目"),
        "headers": [str(header) for header in HEADERS],
        "groups": [{"title": f"{programme}{bracketed(total)}", "rows": [_row(p) for p in rows]}
                   for programme, total, rows in report.appendix_groups()],
    }


def appendix_document(report: ProgressReport) -> tuple[bytes, str]:
    """The Typst source and its data (JSON), for pdf.TypstPart."""
    return _source(), json.dumps(appendix_data(report), ensure_ascii=False)


@lru_cache(maxsize=1)
def _source() -> bytes:
    return TEMPLATE.read_bytes()
