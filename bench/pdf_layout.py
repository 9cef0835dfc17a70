"""The PDF appendix laid out by WeasyPrint and by Typst, side by side (docs/bench.md).

Not a test and not part of the product: a measurement, run by hand against a bench database
(``make bench`` builds them). It builds the progress report of the first N projects (by code) for
2025-12, renders its appendix part exactly as the background job does (``pdf_part="appendix"``) with
WeasyPrint, and lays out the same rows with Typst as a background job does for a long appendix
(projects/reports/renderers/typst_appendix.py), then checks that every project's code and completion
rate appear in both files.

    DATABASE_URL=postgres://…/bench_434 python -m bench.pdf_layout --projects 434
    DATABASE_URL=postgres://…/bench_100k python -m bench.pdf_layout --projects 10000 --runs 1
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time


def _setup(database_url: str) -> None:
    os.environ.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="portfolio.settings", DEBUG="1", DEMO="0")
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import django

    django.setup()


def _text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=434)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--keep", help="write both PDFs with this prefix")
    args = parser.parse_args(argv)
    _setup(args.database)

    from django.utils import translation

    from portfolio import pdfworker
    from portfolio.periods import Period
    from projects.models import Project
    from projects.reports.builders import build_progress_report
    from projects.reports.renderers import render_progress_html
    from projects.reports.renderers.pdf import fewer_collections, render_pdf
    from projects.reports.renderers.typst_appendix import appendix_document

    translation.activate("zh-hans")
    chosen = Project.objects.order_by("code").values("pk")[: args.projects]
    started = time.perf_counter()
    report = build_progress_report(Project.objects.filter(pk__in=chosen), Period(2025, 12), narrative=False)
    built = time.perf_counter() - started
    html = render_progress_html(report, for_pdf=True, show_appendix=True, pdf_part="appendix")
    source, data = appendix_document(report)
    fonts = json.loads(data)["fonts"]

    timings: dict[str, list[float]] = {"weasyprint": [], "typst": []}
    outputs = {}
    for _run in range(args.runs):
        started = time.perf_counter()
        with fewer_collections():
            outputs["weasyprint"] = render_pdf(html)
        timings["weasyprint"].append(time.perf_counter() - started)
        started = time.perf_counter()
        outputs["typst"] = pdfworker.render_typst(source, data)
        timings["typst"].append(time.perf_counter() - started)

    from pypdf import PdfReader

    texts = {name: _text(pdf) for name, pdf in outputs.items()}
    missing = dict.fromkeys(outputs, 0)
    for p in report.projects:
        for name, text in texts.items():
            flat = text.replace("\n", "")
            if p.code not in flat or (p.rate is not None and str(p.rate) not in flat):
                missing[name] += 1
    print(f"{len(report.projects)} projects, report built in {built:.2f} s; fonts {fonts}")
    for name, times in timings.items():
        pages = len(PdfReader(io.BytesIO(outputs[name])).pages)
        print(f"{name:>10}: median {statistics.median(times):.2f} s, min {min(times):.2f} s over {len(times)} runs; "
              f"{pages} pages, {len(outputs[name]) / 1e6:.2f} MB; rows not found by code and rate: {missing[name]}")
    if args.keep:
        for name, pdf in outputs.items():
            with open(f"{args.keep}-{name}.pdf", "wb") as f:
                f.write(pdf)
    return 0


if __name__ == "__main__":
    sys.exit(main())
