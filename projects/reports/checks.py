"""System check: a CJK font must be installed, or the PDF reports print Chinese as empty boxes."""

import shutil
import subprocess
from functools import lru_cache

from django.core.checks import Warning, register

FONT_HINT = "Install Noto Sans CJK SC (Debian/Ubuntu: apt-get install fonts-noto-cjk), then run fc-cache."


@lru_cache(maxsize=1)
def cjk_fonts() -> tuple[str, ...] | None:
    """Font families fontconfig offers for Chinese (what WeasyPrint will find); None without fc-list."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        result = subprocess.run(
            [fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    families = {line.split(",")[0].strip() for line in result.stdout.splitlines() if line.strip()}
    return tuple(sorted(families))


@register("reports")
def check_cjk_font(app_configs=None, **kwargs):
    fonts = cjk_fonts()
    if fonts is None:
        return [Warning(
            "fc-list (fontconfig) was not found, so no Chinese font can be confirmed for the PDF reports.",
            hint=FONT_HINT, id="reports.W002",
        )]
    if not fonts:
        return [Warning(
            "No font with Chinese glyphs is installed: PDF reports would show boxes instead of Chinese text.",
            hint=FONT_HINT, id="reports.W001",
        )]
    return []
