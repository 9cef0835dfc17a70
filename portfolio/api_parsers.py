"""The API's JSON parser: a body nested deeper than any resource needs is refused before it is decoded.

Python's JSON decoder recurses once per level of nesting, so a body of a few hundred thousand
brackets ends in a RecursionError (a 500) long before any serializer sees it. The nesting is
measured first, in one pass over the text without its strings, and a body deeper than
``MAX_DEPTH`` is a 400 with a message. The size of a body is bounded before it reaches a parser:
Django refuses a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE (the pages' limit too), which the
API's exception handler answers as a 400 with a message (``body_too_large``). Imports no feature app.
"""

import re
from itertools import accumulate

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils import json

# The deepest body a resource takes is three levels ({"rows": [{…}]}); a few more leave room for
# clients that wrap, and stay far below the decoder's recursion limit.
MAX_DEPTH = 32

# A JSON string, whole (escapes included), matched without backtracking however long it is.
_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]++")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def nesting_depth(text: str) -> int:
    """How deep the arrays and objects of a JSON text go (brackets inside strings do not count)."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def max_body_bytes() -> int | None:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def body_too_large_message() -> str:
    return _("请求体过大（上限为%(limit)s字节），请求未处理。请分批提交。") % {"limit": max_body_bytes()}


def too_many_fields_message() -> str:
    return _("请求的字段过多（上限为%(limit)s个），请求未处理。") % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser (strict: no NaN), refusing bodies nested deeper than MAX_DEPTH with a 400."""

    max_depth = MAX_DEPTH

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = get_encoding(parser_context or {})
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError:
            raise ParseError(_("请求体不是有效的 %(encoding)s 编码文本。") % {"encoding": encoding.upper()}) from None
        if nesting_depth(text) > self.max_depth:
            raise ParseError(_("JSON 嵌套超过%(limit)s层，请求未处理。") % {"limit": self.max_depth})
        parse_constant = json.strict_constant if self.strict else None
        try:
            return json.loads(text, parse_constant=parse_constant)
        except ValueError as exc:
            raise ParseError(_("JSON 格式错误：%(error)s") % {"error": exc}) from None
        except RecursionError:  # unreachable after the depth check; a 400 all the same
            raise ParseError(_("JSON 嵌套超过%(limit)s层，请求未处理。") % {"limit": self.max_depth}) from None
