"""Downloads' file names: in the reader's words, safe on every system, sent per RFC 6266.

Every download of the platform (reports, the project list, the monthly sheets, the import templates)
is named here: ``file_name`` makes a name any operating system accepts from words that may hold
anything a user typed (a search text, a department), and ``attachment`` sends it as
``filename*`` (UTF-8, RFC 5987) with a plain ASCII ``filename`` for clients that read only that.
"""

import re
import unicodedata
from urllib.parse import quote

# Characters Windows, macOS or Linux refuse in a file name, and control characters.
FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f-\x9f]')
MAX_STEM = 120  # characters before the extension: well under every system's limit, even in UTF-8


def file_name(stem: str, extension: str) -> str:
    """``stem.extension`` with what a file system refuses replaced and a long stem shortened."""
    stem = FORBIDDEN.sub("_", unicodedata.normalize("NFC", stem)).strip(" .")
    if len(stem) > MAX_STEM:
        stem = stem[: MAX_STEM - 1].rstrip(" .") + "…"
    return f"{stem or 'download'}.{extension}"


def ascii_name(name: str) -> str:
    """The name with what is not printable ASCII dropped (the ``filename`` fallback)."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r'[^A-Za-z0-9._() -]+', "-", text).strip("-. ") or "download"


def attachment(name: str, fallback: str = "") -> str:
    """A Content-Disposition header value for a download named ``name`` (RFC 6266)."""
    plain = ascii_name(fallback or name)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"
