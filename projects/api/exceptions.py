"""How the API answers a refusal: the services' exceptions mapped to HTTP statuses in one place.

PermissionDenied → 403, Http404 → 404 (DRF's own handler), a stale version → 412 (and a missing
or stale If-Match, raised by portfolio.api_base as 428/412; a stale version sent in the body, as the
use-case endpoints take it, → 409 through ``version_in_body``), an impossible
workflow transition or a record still referenced → 409, a model's field errors → 400 with the same
shape as a serializer's errors, a body larger than Django takes → 400 with a message. Anything not mapped here is a bug and stays a 500 (a refused bulk
sheet is its view's to answer: only the view knows which row of the body each refusal is).
"""

from contextlib import contextmanager

from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from portfolio.api_base import PreconditionFailed
from portfolio.api_parsers import body_too_large_message, too_many_fields_message
from projects.closing import CloseBlocked
from projects.reports.requests import BadRequest
from projects.services import AlreadyExists, ConflictError, MalformedVersion, WorkflowError


class Conflict(exceptions.APIException):
    """The request is well formed but the record's state does not allow it."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("该操作与记录的当前状态冲突。")
    default_code = "conflict"


def field_errors(exc: DjangoValidationError) -> dict:
    """A model's ValidationError in the serializer shape: {field: [messages]}, non-field errors renamed."""
    errors = as_serializer_error(exc)
    if NON_FIELD_ERRORS in errors:
        errors[api_settings.NON_FIELD_ERRORS_KEY] = errors.pop(NON_FIELD_ERRORS)
    return errors


@contextmanager
def version_in_body():
    """The version read came in the body, not in If-Match: a stale one is a conflict with the record's
    current state (409), like a second first save of the month, not a failed precondition (412)."""
    try:
        yield
    except (AlreadyExists, MalformedVersion):
        raise
    except ConflictError as exc:
        raise Conflict(exc.message, code="stale") from exc


def api_exception_handler(exc, context):
    if isinstance(exc, AlreadyExists):
        exc = Conflict(exc.message, code="exists")
    elif isinstance(exc, CloseBlocked):
        exc = Conflict({
            "detail": exc.message,
            "blockers": [{"project": b.code, "name": b.name, "department": b.department, "state": b.state}
                         for b in exc.blockers],
        }, code="close_blocked")
    elif isinstance(exc, MalformedVersion):
        exc = exceptions.ValidationError({"version": [exc.message]})
    elif isinstance(exc, ConflictError):
        exc = PreconditionFailed(exc.message)
    elif isinstance(exc, WorkflowError):
        exc = Conflict(exc.message, code="workflow")
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(field_errors(exc))
    elif isinstance(exc, BadRequest):  # report parameters, keyed by parameter like field errors
        exc = exceptions.ValidationError(exc.errors)
    elif isinstance(exc, ProtectedError | RestrictedError):
        exc = Conflict(_("该记录仍被其他记录引用，不能删除。"), code="protected")
    elif isinstance(exc, RequestDataTooBig | TooManyFieldsSent):
        # Django refuses the body before any parser reads it: the API says why, as JSON.
        exc = exceptions.ParseError(body_too_large_message() if isinstance(exc, RequestDataTooBig)
                                    else too_many_fields_message())
    elif isinstance(exc, IntegrityError):
        # The services validate first; this is the race where two requests create the same row.
        exc = Conflict(_("保存与已有数据冲突，请刷新后重试。"), code="integrity")
    if isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, list):
        # Every 400 body is an object (the schema's Error): a bare list becomes the non-field errors.
        exc = exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: exc.detail})
    return exception_handler(exc, context)
