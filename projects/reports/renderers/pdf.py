"""PDF rendering with WeasyPrint, from the same HTML as the printable page.

The page's print stylesheet does the work (A4, page numbers, landscape appendix, repeated table
headers); the text is set in a CJK font found through fontconfig. The system check in
projects.reports.checks warns at start-up when there is none; this module logs it again at the
moment a PDF would come out with boxes instead of Chinese.
"""

import logging

from django.conf import settings
from weasyprint import HTML

from ..checks import FONT_HINT, cjk_fonts

logger = logging.getLogger(__name__)


def render_pdf(html: str, *, base_url: str | None = None) -> bytes:
    if not cjk_fonts():
        logger.warning("No CJK font found: Chinese text in this PDF will not render. %s", FONT_HINT)
    return HTML(string=html, base_url=base_url or str(settings.BASE_DIR)).write_pdf()
