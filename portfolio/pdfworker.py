"""WeasyPrint and Typst in a worker process: one HTML document (or Typst source and data) in, PDF bytes out.

The worker is started with multiprocessing's "spawn" and imports this module without Django being
set up, so it imports nothing of the project's apps (projects.reports.renderers.pdf uses it).
"""

import gc

# The collector's thresholds while WeasyPrint renders (see projects.reports.renderers.pdf).
RENDERING_THRESHOLDS = (50_000, 20, 100)


def start() -> None:
    """Initializer: the worker only renders, so the collector keeps the rendering thresholds, and
    fontconfig is loaded once instead of on the first report."""
    gc.set_threshold(*RENDERING_THRESHOLDS)
    from weasyprint import HTML

    HTML(string="<p>中文</p>").write_pdf()


def render(html: str, base_url: str | None = None) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url).write_pdf()


def render_typst(source: bytes, data: str) -> bytes:
    """A Typst document whose data (JSON) it reads as ``sys.inputs.data``."""
    import typst

    return typst.compile(source, sys_inputs={"data": data})
