"""HTML rendering: the printable A4 page, also the input of the PDF."""

from django.template.loader import render_to_string

from indicators.reports import IndicatorReport

from ..charts import completion_chart, report_charts
from ..structure import ProgressReport
from .tables import reconciliation_status


def progress_context(report: ProgressReport, *, show_appendix: bool = True, **extra) -> dict:
    return {
        "report": report,
        "show_appendix": show_appendix,
        "charts": [(chart, completion_chart(chart.points, title=chart.title)) for chart in report_charts(report)],
        "reconciliation": [(row, reconciliation_status(row)) for row in report.reconciliation],
        **extra,
    }


def render_progress_html(report: ProgressReport, *, request=None, for_pdf: bool = False, **extra) -> str:
    context = progress_context(report, for_pdf=for_pdf, **extra)
    return render_to_string("reports/progress.html", context, request=request)


def render_indicators_html(report: IndicatorReport, *, request=None, for_pdf: bool = False, **extra) -> str:
    context = {"report": report, "for_pdf": for_pdf, **extra}
    return render_to_string("reports/indicators.html", context, request=request)
