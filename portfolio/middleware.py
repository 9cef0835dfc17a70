"""Chinese by default (the language is the user's explicit choice, not the browser's header), and form
posts whose bytes are not text refused before Django turns them into replacement characters."""

import codecs
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.shortcuts import render
from django.utils.text import Truncator
from django.utils.translation import gettext as _


class ChineseByDefaultMiddleware:
    """Placed before LocaleMiddleware. Without a language cookie the page is zh-hans, whatever the
    browser's Accept-Language says (many office machines report English); the switch sets the cookie."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


def undecodable_field(body: bytes, encoding: str) -> str | None:
    """The name of the first field of a URL-encoded body whose name or value is not text in ``encoding``."""
    for pair in body.split(b"&"):
        name, _equals, value = pair.partition(b"=")
        name, value = unquote_to_bytes(name.replace(b"+", b" ")), unquote_to_bytes(value.replace(b"+", b" "))
        try:
            name.decode(encoding)
            value.decode(encoding)
        except UnicodeDecodeError:
            return name.decode(encoding, "replace")
    return None


class MalformedFormDataMiddleware:
    """A page's form post (URL-encoded) whose bytes are not text in its charset answers 400 naming the
    field. Django would read them as U+FFFD replacement characters, and a form would save those as if
    typed. The API parses its own bodies and says why in JSON (portfolio.api_parsers)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (request.method == "POST" and request.content_type == "application/x-www-form-urlencoded"
                and not request.path.startswith("/api/")):
            encoding = request.encoding or settings.DEFAULT_CHARSET
            try:
                codecs.lookup(encoding)
            except LookupError:
                encoding = settings.DEFAULT_CHARSET
            field = undecodable_field(request.body, encoding)
            if field is not None:
                return render(request, "400.html", {"message": _(
                    "字段“%(field)s”的内容不是有效的 %(encoding)s 文本，未保存。请返回上一页，刷新后重新填写。"
                ) % {"field": Truncator(field).chars(40), "encoding": encoding.upper()}}, status=400)
        return self.get_response(request)
