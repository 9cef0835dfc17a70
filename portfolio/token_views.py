"""The signed-in user's API tokens: the list (never a secret), revoking one, revoking all."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from . import api_tokens


class ApiTokenListView(LoginRequiredMixin, View):
    def get(self, request):
        tokens = api_tokens.api_token_list(user=request.user)
        return render(request, "registration/api_tokens.html", {
            "tokens": tokens, "token_days": settings.PORTFOLIO_API_TOKEN_DAYS,
            "token_limit": settings.PORTFOLIO_API_TOKEN_LIMIT,
        })


class ApiTokenRevokeView(LoginRequiredMixin, View):
    def post(self, request):
        token_id = request.POST.get("token", "")
        if api_tokens.api_token_revoke(user=request.user, token_id=token_id):
            messages.success(request, _("已撤销该 API 令牌。"))
        else:
            # Someone else's token answers as one that does not exist.
            messages.error(request, _("令牌：没有这个令牌，或它已被撤销或已过期。"))
        return HttpResponseRedirect(reverse("api_tokens"))


class ApiTokenRevokeAllView(LoginRequiredMixin, View):
    def post(self, request):
        count = api_tokens.api_tokens_revoke_all(user=request.user)
        messages.success(request, _("已撤销全部 API 令牌（%(n)s 个）。") % {"n": count})
        return HttpResponseRedirect(reverse("api_tokens"))
