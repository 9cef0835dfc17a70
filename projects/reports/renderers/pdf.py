"""PDF rendering with WeasyPrint, from the same HTML as the printable page.

The page's print stylesheet does the work (A4, page numbers, landscape appendix, repeated table
headers); the text is set in a CJK font found through fontconfig. The system check in
projects.reports.checks warns at start-up when there is none; this module logs it again at the
moment a PDF would come out with boxes instead of Chinese.

In a background job (the Celery worker, projects.reports.jobs; the progress_report command), a long
report is rendered in parts (render_pdf_in_parts): WeasyPrint is single-threaded Python, so the
progress report's appendix is laid out in a second process while the job's process lays out the rest;
the parts are merged with pypdf and the page numbers (counted over the whole document) are stamped on
afterwards from a page-stamp document. For 434 projects this takes the PDF from 4.4 s to about 2.5 s
on two cores. Whenever the second process cannot be used the part is rendered here instead; the
document is the same. An appendix of more than PORTFOLIO_PDF_TYPST_ROWS projects is a TypstPart, laid
out by Typst (typst_appendix.py) about eight times faster, and by WeasyPrint if Typst fails. A web
request renders in its own process only, with the collector as it is: no process pool is started and
no process-wide setting is changed on the request path.
"""

import contextvars
import gc
import io
import logging
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from pypdf import PdfReader, PdfWriter
from weasyprint import HTML

from portfolio import pdfworker

from ..checks import FONT_HINT, cjk_fonts

logger = logging.getLogger(__name__)

# WeasyPrint builds several hundred thousand short-lived objects for a long report (a box per table
# cell and line); with CPython's default thresholds the cyclic collector runs thousands of times over
# everything Django has loaded, which costs about a quarter of the rendering time (measured: 434
# projects, 21 pages, 5.2-6.8 s with the defaults, 3.6-3.8 s with these). The objects are freed
# when the rendering ends; the collector's thresholds are restored when the last rendering ends.
RENDERING_THRESHOLDS = pdfworker.RENDERING_THRESHOLDS
_renderings = 0
_saved_thresholds: tuple[int, int, int] | None = None
_lock = threading.Lock()


@contextmanager
def fewer_collections():
    global _renderings, _saved_thresholds
    with _lock:
        if _renderings == 0:
            _saved_thresholds = gc.get_threshold()
            gc.set_threshold(*RENDERING_THRESHOLDS)
        _renderings += 1
    try:
        yield
    finally:
        with _lock:
            _renderings -= 1
            if _renderings == 0 and _saved_thresholds is not None:
                gc.set_threshold(*_saved_thresholds)


def _warn_without_cjk_font() -> None:
    if not cjk_fonts():
        logger.warning("No CJK font found: Chinese text in this PDF will not render. %s", FONT_HINT)


_in_background: contextvars.ContextVar[bool] = contextvars.ContextVar("pdf_in_background", default=False)


@contextmanager
def background_rendering():
    """Rendering in a background job: the collector's rendering thresholds, and long reports in parts."""
    token = _in_background.set(True)
    try:
        with fewer_collections():
            yield
    finally:
        _in_background.reset(token)


def in_background() -> bool:
    return _in_background.get()


def render_pdf(html: str, *, base_url: str | None = None) -> bytes:
    _warn_without_cjk_font()
    return HTML(string=html, base_url=base_url or str(settings.BASE_DIR)).write_pdf()


# The worker process, started on the first report rendered in parts and kept for the next ones.
_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def _worker_pool() -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=pdfworker.start
            )
        return _pool


def _discard_pool() -> None:
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


@dataclass(frozen=True)
class TypstPart:
    """A part laid out by Typst instead of WeasyPrint (typst_appendix.py): the source and its data."""

    source: bytes
    data: str
    fallback_html: Callable[[], str]  # the same part's HTML for WeasyPrint, made only when Typst fails


def _render_part(part: str | TypstPart) -> bytes:
    """A part laid out in this process."""
    if isinstance(part, TypstPart):
        try:
            return pdfworker.render_typst(part.source, part.data)
        except Exception:
            logger.warning("Typst failed; laying out the part with WeasyPrint.", exc_info=True)
            return render_pdf(part.fallback_html())
    return render_pdf(part)


def _submit(pool: ProcessPoolExecutor, part: str | TypstPart, base_url: str):
    if isinstance(part, TypstPart):
        return pool.submit(pdfworker.render_typst, part.source, part.data)
    return pool.submit(pdfworker.render, part, base_url)


def render_pdf_in_parts(main_html: str, other_parts: list[str | TypstPart],
                        stamp: Callable[[list[bool]], str]) -> bytes:
    """The parts' PDFs, in order, as one document with the page stamp merged onto every page.

    A part is HTML for WeasyPrint or a TypstPart. The parts carry no running heads or page numbers
    themselves; ``stamp`` gets the orientation of every page of the merged document (True: landscape)
    and returns the HTML of a document with just those, one page per page.
    """
    _warn_without_cjk_font()
    base_url = str(settings.BASE_DIR)
    futures = []
    if settings.PORTFOLIO_PDF_WORKER and in_background():
        try:
            pool = _worker_pool()
            futures = [_submit(pool, part, base_url) for part in other_parts]
        except Exception:  # no processes on this host, a broken pool: render here
            logger.warning("PDF worker unavailable; rendering every part in this process.", exc_info=True)
            _discard_pool()
            futures = []
    documents = [render_pdf(main_html)]
    for index, part in enumerate(other_parts):
        content = None
        if futures:
            try:
                content = futures[index].result()
            except Exception:
                logger.warning("PDF worker failed; rendering the part in this process.", exc_info=True)
                _discard_pool()
                futures = []
        documents.append(content if content is not None else _render_part(part))
    return stamp_and_merge(documents, stamp)


def stamp_and_merge(documents: list[bytes], stamp: Callable[[list[bool]], str]) -> bytes:
    readers = [PdfReader(io.BytesIO(document)) for document in documents]
    writer = PdfWriter()
    for reader in readers:
        writer.append(reader)
    orientations = [float(page.mediabox.width) > float(page.mediabox.height) for page in writer.pages]
    stamps = PdfReader(io.BytesIO(render_pdf(stamp(orientations)))).pages
    if len(stamps) != len(writer.pages):
        raise RuntimeError(f"page stamp has {len(stamps)} pages for {len(writer.pages)}")
    for page, stamp_page in zip(writer.pages, stamps, strict=True):
        page.merge_page(stamp_page)
        page.compress_content_streams()
    writer.add_metadata({"/Title": readers[0].metadata.get("/Title", "")})
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()
