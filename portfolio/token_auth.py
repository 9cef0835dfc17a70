"""Token authentication of the API (django-rest-knox's tokens, portfolio.api_tokens).

A request sends ``Authorization: Token <token>``; the token is looked up by its first characters and
compared by its SHA-512 digest. DRF imports this module from its settings: it must not import DRF's
views (nor anything that does).
"""

import binascii
from hmac import compare_digest

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.settings import CONSTANTS
from rest_framework import exceptions
from rest_framework.authentication import get_authorization_header

from . import api_tokens

INVALID_TOKEN = _("令牌无效、已过期或已撤销，请重新取得令牌。")


class TokenAuthentication(KnoxTokenAuthentication):
    """knox's token authentication in one query (expired tokens are skipped, not swept on every request),
    with the platform's messages, and a 401 (never a 500) for a header that is not text."""

    def authenticate(self, request):
        auth = get_authorization_header(request).split()
        if not auth or auth[0].lower() != self.authenticate_header(request).lower().encode():
            return None
        if len(auth) != 2:
            raise exceptions.AuthenticationFailed(_("Authorization 请求头格式应为：Token <令牌>。"))
        return self.authenticate_credentials(auth[1])

    def authenticate_credentials(self, token: bytes):
        try:
            key = token.decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(INVALID_TOKEN) from None
        candidates = api_tokens.valid_tokens(
            api_tokens.token_model().objects.filter(token_key=key[:CONSTANTS.TOKEN_KEY_LENGTH]), timezone.now()
        ).select_related("user")
        try:
            digest = hash_token(key)
        except (TypeError, ValueError, binascii.Error):
            raise exceptions.AuthenticationFailed(INVALID_TOKEN) from None
        for auth_token in candidates:
            if compare_digest(digest, auth_token.digest):
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(INVALID_TOKEN)

    def validate_user(self, auth_token):
        if not auth_token.user.is_active:
            raise exceptions.AuthenticationFailed(_("该用户已停用。"))
        return auth_token.user, auth_token
