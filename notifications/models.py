"""In-app notifications: shared machinery any app may use to tell a user something, once."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user) if user is not None and user.is_authenticated else self.none()

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message to one user. ``key`` makes a sender's repeated run create nothing new."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=40)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    translations = models.JSONField(
        _("其他语言"), default=dict, blank=True,
        help_text=_("按语言代码保存的标题和内容，例如 {\"en\": {\"title\": …, \"body\": …}}；阅读时按界面语言显示。"),
    )
    key = models.CharField(
        _("去重键"), max_length=200, help_text=_("同一用户的同一键只发送一次（例如：类型、月份和日期）。")
    )
    created_at = models.DateTimeField(_("发送时间"), default=timezone.now)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = pgettext_lazy("plural", "通知")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="notification_unique_user_key"),
        ]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_user_read_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    def _text(self, part: str) -> str:
        """The title or body in the reader's language when the sender wrote one, else as stored."""
        language = (get_language() or "").split("-")[0]
        return (self.translations.get(language) or {}).get(part) or getattr(self, part)

    @property
    def display_title(self) -> str:
        return self._text("title")

    @property
    def display_body(self) -> str:
        return self._text("body")
