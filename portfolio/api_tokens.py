"""API tokens (django-rest-knox): issued with an expiry, kept only as a SHA-512 digest, listed and revoked
by their owner (the tokens page, the API's logout) or an administrator (the admin), and revoked with every
token of the user when the user's password is set or the account is deactivated.

The secret is returned once, by ``api_token_create``; nothing here or in the database can give it back.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.models import get_token_model


class TokenLimitReached(Exception):
    """The user already holds PORTFOLIO_API_TOKEN_LIMIT valid tokens."""

    def __init__(self, limit: int):
        self.limit = limit
        self.message = _("您的有效 API 令牌已达上限（%(limit)s 个）。请先在“API 令牌”页面撤销不再使用的令牌，"
                         "或用 POST /api/v1/auth/logout/ 撤销用完的令牌。") % {"limit": limit}
        super().__init__(str(self.message))


def token_model():
    return get_token_model()


def valid_tokens(tokens: QuerySet, now) -> QuerySet:
    """The tokens of the queryset that have not expired at ``now``."""
    return tokens.filter(Q(expiry__isnull=True) | Q(expiry__gt=now))


def api_token_list(*, user) -> QuerySet:
    """The user's valid tokens, newest first (their digests are the ids the page posts back)."""
    return valid_tokens(token_model().objects.filter(user=user), timezone.now()).order_by("-created", "digest")


@transaction.atomic
def api_token_create(*, user) -> tuple[object, str]:
    """A new token for the user, valid PORTFOLIO_API_TOKEN_DAYS days: (the stored token, the secret).

    The user's expired tokens are deleted on the way; more than PORTFOLIO_API_TOKEN_LIMIT valid ones
    are refused (TokenLimitReached), so that a script that never logs out is told, not left to pile up.
    """
    model = token_model()
    # One issue at a time per user: two parallel requests cannot both pass the limit.
    type(user)._default_manager.select_for_update().filter(pk=user.pk).exists()
    now = timezone.now()
    mine = model.objects.filter(user=user)
    mine.filter(expiry__lte=now).delete()
    limit = settings.PORTFOLIO_API_TOKEN_LIMIT
    if limit and valid_tokens(mine, now).count() >= limit:
        raise TokenLimitReached(limit)
    return model.objects.create(user=user, expiry=timedelta(days=settings.PORTFOLIO_API_TOKEN_DAYS))


def api_token_revoke(*, user, token_id: str) -> bool:
    """Revoke one of the user's tokens (by its digest); False when the user has no such token."""
    deleted, _by_model = token_model().objects.filter(user=user, digest=token_id).delete()
    return bool(deleted)


def api_tokens_revoke_all(*, user) -> int:
    deleted, _by_model = token_model().objects.filter(user=user).delete()
    return deleted


CREDENTIAL_FIELDS = {"password", "is_active"}


def revoke_tokens_on_credentials_change(sender, instance, created=False, raw=False, update_fields=None, **kwargs):
    """post_save of the user model: a password set (Django marks it in ``_password`` until the save is
    done; a hash upgrade at login is not marked) or an account deactivated ends every token of the user,
    as the password change ends the user's other sessions."""
    if raw or created or (update_fields is not None and not CREDENTIAL_FIELDS & set(update_fields)):
        return
    if getattr(instance, "_password", None) is not None or not instance.is_active \
            or not instance.has_usable_password():
        token_model().objects.filter(user=instance).delete()
