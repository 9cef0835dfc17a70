"""Signing in to the API: the token endpoint, the logouts and the tokens' place in the schema.

Tokens are django-rest-knox's (portfolio.api_tokens; portfolio.token_auth authenticates requests with
them). The endpoint that issues them is throttled per client address (in Django's cache, shared by
every process) and counts failed passwords towards django-axes' lockout like the login page. Imports
no feature app.
"""

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from . import api_tokens, twofactor
from .api_parsers import BoundedJSONParser
from .api_schema import PortfolioAutoSchema
from .api_serializers import StrictSerializer
from .client_address import client_address
from .token_auth import TokenAuthentication


class TokenScheme(OpenApiAuthenticationExtension):
    """The schema's security scheme for these tokens, under the name it has always had."""

    target_class = "portfolio.token_auth.TokenAuthentication"
    name = "tokenAuth"
    priority = 1

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey", "in": "header", "name": "Authorization",
            "description": str(_("API 令牌：请求头 Authorization: Token <令牌>。令牌由 POST /api/v1/auth/token/ "
                                 "取得，有有效期，可撤销。")),
        }


class TokenThrottle(SimpleRateThrottle):
    """Password guessing through the token endpoint: a few tries a minute per client address.

    The counts are kept in Django's default cache (SimpleRateThrottle's), so every process of the
    platform shares them where the cache is shared."""

    scope = "api_token"

    def get_rate(self):
        return settings.PORTFOLIO_TOKEN_RATE

    def get_ident(self, request):
        return client_address(request) or ""

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ObtainTokenSerializer(StrictSerializer):
    username = serializers.CharField(max_length=150, label=_("用户名"), help_text=_("登录用户名。"))
    password = serializers.CharField(
        max_length=128, write_only=True, trim_whitespace=False, label=_("密码"), help_text=_("登录密码。"),
        style={"input_type": "password"},
    )
    otp = serializers.CharField(
        max_length=32, required=False, allow_blank=True, write_only=True, label=_("两步验证码"),
        help_text=_("手机验证器显示的6位数字，或一个备用码。须使用两步验证的用户（及已启用两步验证的用户）必填。"),
    )

    def validate(self, attrs):
        request = self.context.get("request")
        user = authenticate(request=request, username=attrs["username"], password=attrs["password"])
        if user is None and getattr(request, "axes_locked_out", False):
            # django-axes: too many failures for this username, or from this address.
            raise exceptions.Throttled(detail=_("登录失败次数过多，请稍后再试。"))
        if user is None:
            raise serializers.ValidationError(_("用户名或密码不正确，或该用户已停用。"), code="authorization")
        refusal = twofactor.token_refusal(user, attrs.get("otp"))
        if refusal:
            raise serializers.ValidationError({"otp": [refusal]}, code="authorization")
        attrs["user"] = user
        return attrs


class TokenView(APIView):
    """POST username and password, get a new API token, shown once, with its expiry."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenThrottle]
    parser_classes = [BoundedJSONParser, FormParser]
    renderer_classes = [JSONRenderer]
    schema = PortfolioAutoSchema()
    error_codes = ("400", "403", "415", "429")
    schema_description = _("用用户名和密码取得一个新的 API 令牌，令牌只在此响应中出现一次，到期（expiry）后失效。"
                           "之后请求时放在请求头 Authorization: Token <令牌>。用完请用 logout 撤销；"
                           "有效令牌达到上限时答 403。")

    @extend_schema(
        request=ObtainTokenSerializer,
        responses=inline_serializer("TokenResponse", {
            "token": serializers.CharField(help_text=_("API 令牌：请求时放在请求头 Authorization: Token <令牌>。"
                                                       "只显示这一次，平台只保存其摘要。")),
            "expiry": serializers.DateTimeField(help_text=_("令牌的失效时间。")),
        }),
        summary=_("用用户名和密码取得本人的 API 令牌"),
        auth=[],
    )
    def post(self, request):
        serializer = ObtainTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        try:
            instance, token = api_tokens.api_token_create(user=serializer.validated_data["user"])
        except api_tokens.TokenLimitReached as exc:
            raise exceptions.PermissionDenied(exc.message, code="token_limit") from exc
        expiry = serializers.DateTimeField().to_representation(instance.expiry)
        return Response({"token": token, "expiry": expiry})


class TokenRevokeView(APIView):
    """A POST signed with a token that revokes tokens of its user (what the subclass's post says)."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]
    parser_classes = [BoundedJSONParser]
    renderer_classes = [JSONRenderer]
    schema = PortfolioAutoSchema()
    error_codes = ("401",)


class TokenLogoutView(TokenRevokeView):
    """Revoke the token this request is authenticated with."""

    schema_description = _("撤销本次请求所用的 API 令牌；之后该令牌不能再用。")

    @extend_schema(request=None, responses={204: OpenApiResponse(description=_("已撤销。"))},
                   summary=_("撤销本次请求所用的令牌"))
    def post(self, request):
        api_tokens.api_token_revoke(user=request.user, token_id=request.auth.digest)
        return Response(status=204)


class TokenLogoutAllView(TokenRevokeView):
    """Revoke every token of the user this request is authenticated as."""

    schema_description = _("撤销本人的全部 API 令牌（包括本次请求所用的令牌）。")

    @extend_schema(request=None, responses={204: OpenApiResponse(description=_("已全部撤销。"))},
                   summary=_("撤销本人的全部令牌"))
    def post(self, request):
        api_tokens.api_tokens_revoke_all(user=request.user)
        return Response(status=204)
