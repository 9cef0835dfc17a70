"""Every write to notifications: send once per key (in the app, and by e-mail when the user has an address)."""

import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation

from .models import Notification

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """What one ``notification_send`` did: the notification (new or already there) and the e-mail."""

    notification: Notification
    created: bool
    emailed: bool


def in_every_language(texts: Callable[[], tuple[str, str]]) -> tuple[str, str, dict]:
    """A notification's (title, body) in the platform's default language, and ``translations`` for
    notification_send: the same texts in each other language ({"en": {"title", "body"}})."""
    with translation.override(settings.LANGUAGE_CODE):
        title, body = texts()
    others = {}
    for code, _name in settings.LANGUAGES:
        if code != settings.LANGUAGE_CODE:
            with translation.override(code):
                other_title, other_body = texts()
            others[code.split("-")[0]] = {"title": other_title, "body": other_body}
    return title, body, others


def absolute_url(url: str) -> str:
    """The link as an e-mail needs it: joined to PORTFOLIO_SITE_URL when that is set."""
    base = getattr(settings, "PORTFOLIO_SITE_URL", "")
    return urljoin(base.rstrip("/") + "/", url.lstrip("/")) if base and url else url


def notification_send(
    *, user, kind: str, title: str, body: str = "", url: str = "", key: str, email: bool = True,
    translations: dict | None = None,
) -> Delivery:
    """Create the user's notification for ``key`` unless it exists, and e-mail it the first time.

    ``translations`` holds the title and body in other languages ({"en": {"title", "body"}}), shown to a
    reader whose page is in that language. The unique (user, key) constraint makes a second run, or two runs at once, create nothing and
    send nothing more. The e-mail goes after the row is written, so a failing mail server loses
    the e-mail (logged) but never the notification.
    """
    with transaction.atomic():
        notification, created = Notification.objects.get_or_create(
            user=user, key=key,
            defaults={"kind": kind, "title": title, "body": body, "url": url, "translations": translations or {}},
        )
    emailed = False
    if created and email and user.email:
        message = f"{body}\n\n{absolute_url(url)}" if url else body
        try:
            emailed = bool(send_mail(title, message, None, [user.email]))
        except (smtplib.SMTPException, OSError):
            logger.exception("Notification %s: the e-mail to user %s was not sent", notification.pk, user.pk)
    return Delivery(notification=notification, created=created, emailed=emailed)


def notification_mark_read(*, notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)


def notifications_mark_all_read(*, user) -> int:
    """Mark every unread notification of the user read; returns how many changed."""
    return Notification.objects.for_user(user).unread().update(read_at=timezone.now())
