"""What the platform tells its operators: a request id and one log line per request.

Every request gets an id: the one nginx sends in X-Request-ID when it is a plain token (so the proxy's
log and ours can be joined), otherwise a new one. It is sent back in the response's X-Request-ID and
added to every log record written while the request is handled (RequestContextFilter), with the user's
id. The access line (logger ``portfolio.requests``) carries method, path, status and duration; the
query string is left out (it can hold the words someone searched for), and so is anything a user typed.
"""

import contextvars
import logging
import re
import time
import uuid

from django.utils.functional import empty

logger = logging.getLogger("portfolio.requests")

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_user_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("user_id", default=None)

# What is taken from the proxy's header: letters, digits and dashes, up to 64 (a UUID, nginx's $request_id).
REQUEST_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")


def current_request_id() -> str:
    return _request_id.get()


class RequestContextFilter(logging.Filter):
    """Adds request_id and user_id to every record (``-`` and None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        record.user_id = _user_id.get()
        return True


def signed_in_user_id(request) -> int | None:
    """The user's id if the request was signed in, without loading the session just for the log."""
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if user.is_authenticated else None


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        request.request_id = request_id
        id_token = _request_id.set(request_id)
        user_token = _user_id.set(None)
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response["X-Request-ID"] = request_id
            return response
        finally:
            user_id = signed_in_user_id(request)
            if user_id is not None:
                _user_id.set(user_id)
            logger.info(
                "%s %s %s", request.method, request.path, status,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            _user_id.reset(user_token)
            _request_id.reset(id_token)


def server_error(request):
    """The 500 page (handler500): the platform's own, never a traceback, with the request id a user can
    quote to the administrator (the same id is on the error's log line). Rendered without the site's
    base template or context processors, which may be what failed."""
    from django.http import HttpResponseServerError
    from django.template import loader

    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"request_id": current_request_id()}))
