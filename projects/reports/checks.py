"""System checks: a CJK font must be installed, or the PDF reports print Chinese as empty boxes; and
which face each role of an official document (title, body, headings) is set in on this machine."""

import shutil
import subprocess
from functools import lru_cache

from django.conf import settings
from django.core.checks import Info, Warning, register

FONT_HINT = "Install Noto Sans CJK SC (Debian/Ubuntu: apt-get install fonts-noto-cjk), then run fc-cache."
DOCUMENT_FONT_HINT = ("`make run` installs the free faces (scripts/system-deps.sh: Fandol, Noto CJK); a bureau's "
                      "licensed faces are named in PORTFOLIO_FONT_TITLE, _BODY, _HEADING1 and _HEADING2.")
# The generic family each role falls back to when none of its faces is installed.
GENERIC = {"title": "serif", "body": "serif", "heading1": "sans-serif", "heading2": "serif"}


def _fontconfig(command: str, *arguments: str) -> list[str] | None:
    """The lines a fontconfig command prints; None when it cannot be run."""
    executable = shutil.which(command)
    if executable is None:
        return None
    try:
        result = subprocess.run([executable, *arguments], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return [line for line in result.stdout.splitlines() if line.strip()]


def _fc_list(*arguments: str) -> list[str] | None:
    return _fontconfig("fc-list", *arguments)


@lru_cache(maxsize=8)
def font_file(family: str) -> str | None:
    """The file fontconfig chooses for ``family`` with Chinese glyphs (Pillow draws with a file, not a
    family name); asked once per process."""
    lines = _fontconfig("fc-match", "-f", "%{file}", f"{family}:lang=zh")
    return lines[0].strip() if lines else None


@lru_cache(maxsize=1)
def cjk_fonts() -> tuple[str, ...] | None:
    """Font families fontconfig offers for Chinese (what WeasyPrint will find); None without fc-list."""
    lines = _fc_list(":lang=zh", "family")
    if lines is None:
        return None
    return tuple(sorted({line.split(",")[0].strip() for line in lines}))


@lru_cache(maxsize=1)
def installed_families() -> frozenset[str]:
    """Every name fontconfig knows a family by (仿宋 and FangSong are one family), for Chinese."""
    lines = _fc_list(":lang=zh", "family") or []
    return frozenset(name.strip() for line in lines for name in line.split(",") if name.strip())


def document_faces() -> dict[str, str | None]:
    """The face each role of an official document is set in here: the first of its list installed."""
    installed = installed_families()
    return {role: next((face for face in faces if face in installed), None)
            for role, faces in settings.PORTFOLIO_DOCUMENT_FONTS.items()}


def css_font_family(role: str) -> str:
    """The role's list as a CSS font-family value, ending in the generic family."""
    faces = ", ".join('"{}"'.format(face.replace('"', "")) for face in settings.PORTFOLIO_DOCUMENT_FONTS[role])
    return f"{faces}, {GENERIC.get(role, 'serif')}"


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


@register("reports")
def check_document_faces(app_configs=None, **kwargs):
    if cjk_fonts() is None:
        return []  # reports.W002 says it
    faces = document_faces()
    messages = [Warning(
        f"None of the faces for the {role} of official documents is installed "
        f"({', '.join(settings.PORTFOLIO_DOCUMENT_FONTS[role])}): PDFs use the system's {GENERIC.get(role, 'serif')} face.",
        hint=DOCUMENT_FONT_HINT, id="reports.W003",
    ) for role, face in faces.items() if face is None]
    if not settings.DEBUG:
        return messages  # a production server's checks print nothing when all is well
    messages.append(Info(
        "Official documents are set in: " + "; ".join(f"{role} {face or GENERIC.get(role, 'serif')}"
                                                       for role, face in faces.items()) + ".",
        id="reports.I001",
    ))
    return messages
