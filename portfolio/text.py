"""Text a user stored, made safe for every document format the platform writes.

XML 1.0 (Word, Excel, the PDF's HTML) cannot hold most C0 control characters, lone surrogates or the
non-characters U+FFFE and U+FFFF; a \\x0b pasted from Word into a problem text once broke every
download of the month. ``printable`` is the one place they are removed, for every renderer.
"""

import re

# What XML 1.0 refuses: C0 controls but tab, newline and carriage return; surrogates; U+FFFE, U+FFFF.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def printable(value) -> str:
    """``value`` as text, without what no document format can hold."""
    return NOT_XML.sub("", "" if value is None else str(value))
