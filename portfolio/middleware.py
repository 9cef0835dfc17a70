"""Request middleware: Chinese by default (the language is the user's explicit choice, not the browser's
header), form posts whose bytes are not text refused before Django turns them into replacement
characters, the session's idle and absolute time limits, and the second factor."""

import codecs
import time
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from . import twofactor

# When the session signed in, and when it last made a request (seconds since the epoch).
SESSION_SIGNED_IN_AT = "portfolio_signed_in_at"
SESSION_LAST_SEEN = "portfolio_last_seen"
# The last request is written at most this often, so that not every request writes the session.
LAST_SEEN_RESOLUTION = 60


class ChineseByDefaultMiddleware:
    """Placed before LocaleMiddleware. Without a language cookie the page is zh-hans, whatever the
    browser's Accept-Language says (many office machines report English); the switch sets the cookie."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


def start_session_clock(sender, request, user, **kwargs):
    """``user_logged_in``: the session's clocks start at signing in."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_SIGNED_IN_AT] = request.session[SESSION_LAST_SEEN] = int(time.time())


def is_api(request) -> bool:
    return request.path_info.startswith("/api/")


class SessionTimeoutMiddleware:
    """Signs out a session idle for longer than PORTFOLIO_SESSION_IDLE_MINUTES, or older than
    SESSION_COOKIE_AGE seconds since signing in, whatever its activity (Django's own expiry moves on
    each write of the session, so it alone is no limit). The login page then says why."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A request without a signed-in session (the API's tokens, anonymous pages) is not timed.
        if SESSION_KEY in request.session:
            self.check(request)
        return self.get_response(request)

    def check(self, request):
        session, now = request.session, int(time.time())
        idle_minutes = settings.PORTFOLIO_SESSION_IDLE_MINUTES
        # A session signed in before these clocks existed starts them now.
        signed_in_at = session.setdefault(SESSION_SIGNED_IN_AT, now)
        last_seen = session.get(SESSION_LAST_SEEN, now)
        if idle_minutes and now - last_seen > idle_minutes * 60:
            reason = _("您已超过%(minutes)s分钟未操作，为保护数据已自动退出。请重新登录。") % {"minutes": idle_minutes}
        elif now - signed_in_at > settings.SESSION_COOKIE_AGE:
            reason = _("本次登录已超过%(hours)s小时，为保护数据已自动退出。请重新登录。") % {
                "hours": f"{settings.SESSION_COOKIE_AGE / 3600:g}"}
        else:
            if now - last_seen >= LAST_SEEN_RESOLUTION or SESSION_LAST_SEEN not in session:
                session[SESSION_LAST_SEEN] = now
            return
        logout(request)
        if not is_api(request):
            messages.warning(request, reason)


class TwoFactorMiddleware:
    """Holds a signed-in user who owes the second factor (portfolio.twofactor) at the code page, or at
    the enrolment page when they must use two factors and have no device yet: every page, the admin
    included, redirects there and the API answers 403, except the pages of signing in and out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        step = twofactor.pending_step(request) if request.user.is_authenticated else None
        if step is None or self.exempt(request.path_info):
            return self.get_response(request)
        if is_api(request):
            return JsonResponse({"detail": _("请先在网页上完成两步验证，再使用接口。")}, status=403)
        target = reverse("two_factor_verify" if step == twofactor.Step.VERIFY else "two_factor_enrol")
        return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")

    @staticmethod
    def exempt(path: str) -> bool:
        """The second factor's own pages, signing out, static files, the language switch, the health
        check, and the API's token endpoint (which asks for the code itself)."""
        allowed = (
            reverse("two_factor"), reverse("logout"), reverse("admin:logout"), reverse("set_language"),
            reverse("api:token"), "/" + settings.STATIC_URL.lstrip("/"), "/health/",
        )
        return path.startswith(allowed)


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
