"""The pages of two-factor sign-in: the code after the password, enrolling a phone, the backup codes,
and the user's own settings. Each only translates HTTP; portfolio.twofactor decides."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache

from . import twofactor
from .twofactor import CodeRefused, Step


class CodeForm(forms.Form):
    # Neither required nor bounded here: an empty or malformed code gets twofactor's message, which says
    # what to type.
    code = forms.CharField(label=gettext_lazy("验证码"), required=False)


def next_url(request) -> str:
    """Where to go once signed in: the page asked for, if it is on this site; else the overview."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return reverse("dashboard")


def step_url(step: Step, target: str) -> str:
    name = "two_factor_verify" if step == Step.VERIFY else "two_factor_enrol"
    return f"{reverse(name)}?{urlencode({'next': target})}"


class TwoFactorPage(LoginRequiredMixin, View):
    """Pages that show or take secrets: never kept by a browser's or a proxy's cache."""

    @method_decorator(never_cache)
    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)


class TwoFactorSettingsView(TwoFactorPage):
    """The user's own two-factor settings: on or off, required or not, backup codes left."""

    def get(self, request):
        step = twofactor.pending_step(request)
        if step is not None:
            return HttpResponseRedirect(step_url(step, request.get_full_path()))
        device = twofactor.device_of(request.user)
        return render(request, "registration/two_factor.html", {
            "device": device,
            "required": twofactor.is_required(request.user),
            "backup_codes_left": twofactor.backup_codes_left(request.user) if device else 0,
            "form": CodeForm(),
        })


class VerifyView(TwoFactorPage):
    """The second step of signing in: a code from the user's authenticator (or a backup code)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            step = twofactor.pending_step(request)
            if step == Step.ENROL:
                return HttpResponseRedirect(step_url(step, next_url(request)))
            if step is None:  # nothing owed (already verified, or no device)
                return HttpResponseRedirect(next_url(request))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self.page(request, CodeForm())

    def post(self, request):
        form = CodeForm(request.POST)
        form.is_valid()
        try:
            device = twofactor.verify(request.user, form.cleaned_data.get("code", ""))
        except CodeRefused as refused:
            form.add_error("code", refused.message)
            return self.page(request, form)
        twofactor.complete_sign_in(request, device)
        return HttpResponseRedirect(next_url(request))

    def page(self, request, form):
        return render(request, "registration/two_factor_verify.html", {
            "form": form, "next": next_url(request), "signing_in": True,
        })


class EnrolView(TwoFactorPage):
    """Binding an authenticator: the QR code and the secret as text, confirmed by a code it shows.
    Also replacing a phone; a user who has a device must have given its code in this session first."""

    def dispatch(self, request, *args, **kwargs):
        if (request.user.is_authenticated and not request.user.is_verified()
                and twofactor.has_device(request.user)):
            return HttpResponseRedirect(step_url(Step.VERIFY, next_url(request)))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self.page(request, CodeForm())

    def post(self, request):
        form = CodeForm(request.POST)
        form.is_valid()
        key = twofactor.enrolment_key(request.session)
        try:
            device, codes = twofactor.enrol(user=request.user, key=key, code=form.cleaned_data.get("code", ""))
        except CodeRefused as refused:
            form.add_error("code", refused.message)
            return self.page(request, form)
        twofactor.complete_sign_in(request, device)
        request.session.pop(twofactor.SESSION_ENROL_KEY, None)
        request.session[twofactor.SESSION_BACKUP_CODES] = codes
        messages.success(request, _("两步验证已启用。以后登录时，输入密码后还需输入手机验证器显示的6位数字。"))
        return HttpResponseRedirect(f"{reverse('two_factor_backup_codes')}?{urlencode({'next': next_url(request)})}")

    def page(self, request, form):
        user = request.user
        key = twofactor.enrolment_key(request.session)
        device = twofactor.enrolment_device(user, key)
        return render(request, "registration/two_factor_enrol.html", {
            "form": form, "next": next_url(request),
            "qr_code": twofactor.qr_svg(device.config_url, title=_("用手机验证器扫描此二维码")),
            "secret": twofactor.secret_text(key),
            "account": user.get_username(),
            "issuer": getattr(settings, "OTP_TOTP_ISSUER", ""),
            "required": twofactor.is_required(user),
            "replacing": twofactor.has_device(user),
            "signing_in": twofactor.pending_step(request) is not None,
        })


class BackupCodesView(TwoFactorPage):
    """The new backup codes, shown once (after enrolling, or renewed with a code)."""

    def get(self, request):
        codes = request.session.pop(twofactor.SESSION_BACKUP_CODES, None)
        if not codes:
            return HttpResponseRedirect(reverse("two_factor"))
        return render(request, "registration/two_factor_backup_codes.html", {
            "codes": codes, "next": next_url(request),
        })

    def post(self, request):
        form = CodeForm(request.POST)
        form.is_valid()
        try:
            codes = twofactor.backup_codes_renew(user=request.user, code=form.cleaned_data.get("code", ""))
        except CodeRefused as refused:
            messages.error(request, _("未生成新的备用码：%(reason)s") % {"reason": refused.message})
            return HttpResponseRedirect(reverse("two_factor"))
        request.session[twofactor.SESSION_BACKUP_CODES] = codes
        return HttpResponseRedirect(reverse("two_factor_backup_codes"))


class RemoveView(TwoFactorPage):
    """Turning two-factor sign-in off, with a code; refused to the roles that must use it."""

    http_method_names = ["post"]

    def post(self, request):
        form = CodeForm(request.POST)
        form.is_valid()
        try:
            twofactor.remove(user=request.user, code=form.cleaned_data.get("code", ""))
        except CodeRefused as refused:
            messages.error(request, _("两步验证未停用：%(reason)s") % {"reason": refused.message})
        else:
            messages.success(request, _("两步验证已停用，备用码已作废。以后登录只需密码。"))
        return HttpResponseRedirect(reverse("two_factor"))
