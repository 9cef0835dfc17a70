"""PDF rendering with WeasyPrint, from the same HTML as the printable page.

The page's print stylesheet does the work (A4, page numbers, landscape appendix, repeated table
headers); the text is set in a CJK font found through fontconfig. The system check in
projects.reports.checks warns at start-up when there is none; this module logs it again at the
moment a PDF would come out with boxes instead of Chinese.
"""

import gc
import logging
import threading
from contextlib import contextmanager

from django.conf import settings
from weasyprint import HTML

from ..checks import FONT_HINT, cjk_fonts

logger = logging.getLogger(__name__)

# WeasyPrint builds several hundred thousand short-lived objects for a long report (a box per table
# cell and line); with CPython's default thresholds the cyclic collector runs thousands of times over
# everything Django has loaded, which costs about a quarter of the rendering time (measured: 434
# projects, 21 pages, 5.2-6.8 s with the defaults, 3.6-3.8 s with these). The objects are freed
# when the rendering ends; the collector's thresholds are restored when the last rendering ends.
RENDERING_THRESHOLDS = (50_000, 20, 100)
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


def render_pdf(html: str, *, base_url: str | None = None) -> bytes:
    if not cjk_fonts():
        logger.warning("No CJK font found: Chinese text in this PDF will not render. %s", FONT_HINT)
    with fewer_collections():
        return HTML(string=html, base_url=base_url or str(settings.BASE_DIR)).write_pdf()
