"""Two-factor sign-in: who must give a code after the password, checking it, enrolling and removing a device.

The second factor is a time-based code (TOTP, RFC 6238) from an authenticator app on the user's phone,
kept by django-otp; its ``OTPMiddleware`` marks a session verified once a code was accepted in it
(``request.user.is_verified()``). A session whose user owes the second factor is held at the code page
(or, for a user who must use two factors and has no device yet, the enrolment page) by
``portfolio.middleware.TwoFactorMiddleware``; the pages are in ``portfolio.twofactor_views``.

Who owes it: a user whose role is in ``PORTFOLIO_2FA_ROLES`` while ``PORTFOLIO_REQUIRE_2FA`` is on,
and anyone who has enrolled a device of their own accord.

Recovery from a lost phone: the ten single-use backup codes shown once at enrolment, accepted wherever
a code is; failing those, an administrator resets the user's two factors in the admin (the user then
enrols again at the next sign-in), and `manage.py addstatictoken <username>` gives a one-time code to an
administrator locked out with no other administrator to turn to.
"""

import re
import unicodedata
from base64 import b32encode
from enum import StrEnum

from django.conf import settings
from django.core.checks import Error
from django.db import transaction
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from .policy import Role, role_of

# What the session remembers between the steps of signing in and enrolling.
SESSION_PENDING = "portfolio_2fa_pending"  # the user had a device (or had to have one) when signing in
SESSION_ENROL_KEY = "portfolio_2fa_enrol_key"  # the secret being enrolled, until a code confirms it
SESSION_BACKUP_CODES = "portfolio_2fa_backup_codes"  # the new backup codes, shown once

BACKUP_CODE_COUNT = 10
DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup"
TOTP_CODE = re.compile(r"\d{6}")
BACKUP_CODE = re.compile(r"[a-z2-7]{8}")  # django-otp's StaticToken.random_token()
# The roles' names in PORTFOLIO_2FA_ROLES: the Role members' names in lower case.
ROLE_NAMES = {role.name.lower(): role for role in Role}


class Step(StrEnum):
    """What a signed-in session still owes before it is fully signed in."""

    VERIFY = "verify"  # a code from the user's device
    ENROL = "enrol"  # a device: the user must use two factors and has none yet


class CodeRefused(Exception):
    """A code was not accepted; ``message`` says why and what to do, in the user's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# Who ------------------------------------------------------------------------------------------------


def required_roles() -> frozenset[Role]:
    return frozenset(ROLE_NAMES[name.strip().lower()] for name in settings.PORTFOLIO_2FA_ROLES
                     if name.strip().lower() in ROLE_NAMES)


def is_required(user) -> bool:
    """Must this user sign in with two factors? (The setting, then the role: no query while it is off.)"""
    return bool(settings.PORTFOLIO_REQUIRE_2FA) and role_of(user) in required_roles()


def device_of(user) -> TOTPDevice | None:
    """The user's confirmed authenticator, None when they have none."""
    if not user.is_authenticated:
        return None
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").last()


def has_device(user) -> bool:
    return user.is_authenticated and TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def owes_second_factor(user) -> bool:
    """The user must give a code to be signed in (or to obtain an API token)."""
    return is_required(user) or has_device(user)


def pending_step(request) -> Step | None:
    """What the session's user still owes before they are fully signed in, None when nothing.

    Users who must use two factors are found by their role; the others by the mark ``on_login`` left
    when they signed in with a device, so a request of a user without one costs no query.
    """
    user = request.user
    if not user.is_authenticated or user.is_verified():
        return None
    required = is_required(user)
    if not required and not request.session.get(SESSION_PENDING):
        return None
    if has_device(user):
        return Step.VERIFY
    if required:
        return Step.ENROL
    # The device was removed since (an administrator's reset): nothing is left to ask.
    request.session.pop(SESSION_PENDING, None)
    return None


def on_login(sender, request, user, **kwargs):
    """``user_logged_in``: mark the session of a user who owes the second factor."""
    if request is not None and hasattr(request, "session") and owes_second_factor(user):
        request.session[SESSION_PENDING] = True


# Checking a code --------------------------------------------------------------------------------------


def normalise(code: str) -> str:
    """What the user typed, as the devices compare it: full-width digits (a Chinese input method's)
    made plain, spaces and hyphens dropped, letters in lower case."""
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", code or "")).lower()


def _throttled(device) -> str | None:
    allowed, info = device.verify_is_allowed()
    if allowed:
        return None
    locked_until = (info or {}).get("locked_until")
    seconds = max(1, int((locked_until - timezone.now()).total_seconds()) + 1) if locked_until else 60
    return _("错误次数过多，请%(seconds)s秒后再输入验证码。") % {"seconds": seconds}


def verify(user, code: str):
    """The device that accepts ``code`` (a 6-digit code, or a backup code, used up by this), or CodeRefused."""
    code = normalise(code)
    if not code:
        raise CodeRefused(_("请输入验证码：手机验证器显示的6位数字。"))
    if TOTP_CODE.fullmatch(code):
        devices = list(TOTPDevice.objects.devices_for_user(user, confirmed=True))
    elif BACKUP_CODE.fullmatch(code):
        devices = list(StaticDevice.objects.devices_for_user(user, confirmed=True))
    else:
        raise CodeRefused(_("验证码应为手机验证器显示的6位数字，或一个8位备用码。"))
    refusal = None
    for device in devices:
        refusal = _throttled(device)
        if refusal:
            continue
        # django-otp locks the device's row, so one code is never accepted twice.
        accepted = verify_token(user, device.persistent_id, code)
        if accepted is not None:
            return accepted
    if refusal:
        raise CodeRefused(refusal)
    if not devices and TOTP_CODE.fullmatch(code):
        raise CodeRefused(_("您尚未绑定手机验证器。"))
    if not devices:
        raise CodeRefused(_("您没有可用的备用码。"))
    if TOTP_CODE.fullmatch(code):
        raise CodeRefused(_("验证码不正确或已使用过，请输入验证器当前显示的6位数字（请确认手机时间准确）。"))
    raise CodeRefused(_("备用码不正确或已使用过。"))


def complete_sign_in(request, device) -> None:
    """The session has passed the second factor: verified from now on, under a new session key."""
    otp_login(request, device)
    request.session.pop(SESSION_PENDING, None)
    request.session.cycle_key()


def token_refusal(user, code: str | None) -> str | None:
    """Why an API token is refused to a user who gave the right password, None when it may be issued."""
    if not owes_second_factor(user):
        return None
    if not has_device(user):
        return _("您的账号必须使用两步验证：请先在网页上登录并绑定手机验证器，再申请令牌。")
    if not normalise(code or ""):
        return _("请填写两步验证码（手机验证器显示的6位数字，或一个备用码）。")
    try:
        verify(user, code)
    except CodeRefused as refused:
        return refused.message
    return None


# Enrolling --------------------------------------------------------------------------------------------


def enrolment_key(session) -> str:
    """The secret being enrolled in this session (made on first use, kept until a code confirms it)."""
    key = session.get(SESSION_ENROL_KEY)
    if not key:
        key = session[SESSION_ENROL_KEY] = random_hex(20)
    return key


def enrolment_device(user, key: str) -> TOTPDevice:
    """The device the key will become (unsaved): its provisioning URL is what the QR code carries."""
    return TOTPDevice(user=user, key=key, name=DEVICE_NAME, confirmed=False)


def secret_text(key: str) -> str:
    """The secret for typing into an app by hand: base32, in groups of four."""
    text = b32encode(bytes.fromhex(key)).decode("ascii").rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def qr_svg(data: str, *, title: str, size: int = 240):
    """The QR code of ``data`` as inline SVG: drawn here, so no image leaves the server and no
    script or style attribute is needed (a strict Content-Security-Policy allows it)."""
    import qrcode

    qr = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(data)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    modules = len(matrix)
    path = "".join(f"M{x},{y}h1v1h-1z" for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark)
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}" width="{size}" height="{size}" '
        'role="img" aria-labelledby="qr-title" shape-rendering="crispEdges" class="d-block">'
        '<title id="qr-title">{title}</title><rect width="{n}" height="{n}" fill="#fff"/>'
        '<path d="{path}" fill="#000"/></svg>',
        n=modules, size=size, title=title, path=path,
    )


def _code_matches(device: TOTPDevice, code: str) -> bool:
    """Does a 6-digit code match the device's secret now (one step either side)? Remembers its step,
    so the code that confirmed enrolment cannot sign in again."""
    code = normalise(code)
    if not TOTP_CODE.fullmatch(code):
        return False
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if not totp.verify(int(code), device.tolerance):
        return False
    device.last_t = totp.t()
    device.drift = totp.drift
    return True


def _new_backup_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _i in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def enrol(*, user, key: str, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator holding ``key`` with a code it shows: it replaces the user's former
    device (a new phone), and a new set of backup codes replaces the old. Returns the device and the codes."""
    device = enrolment_device(user, key)
    if not normalise(code):
        raise CodeRefused(_("请输入验证器显示的6位数字，以确认绑定成功。"))
    if not _code_matches(device, code):
        raise CodeRefused(_("验证码不正确：请确认已扫描本页的二维码（或输入了密钥），输入验证器当前显示的6位数字；"
                            "并请确认手机时间准确。"))
    TOTPDevice.objects.filter(user=user).delete()
    device.confirmed = True
    device.set_last_used_timestamp(commit=False)
    device.save()
    return device, _new_backup_codes(user)


@transaction.atomic
def backup_codes_renew(*, user, code: str) -> list[str]:
    """New backup codes for a user who proves they hold the authenticator (the old codes stop working)."""
    if not TOTP_CODE.fullmatch(normalise(code)):
        raise CodeRefused(_("请输入手机验证器显示的6位数字（备用码不能用于生成新的备用码）。"))
    verify(user, code)
    return _new_backup_codes(user)


@transaction.atomic
def remove(*, user, code: str) -> None:
    """Turn two-factor sign-in off, for a user who gives a code and is not required to use it."""
    if is_required(user):
        raise CodeRefused(_("您的角色必须使用两步验证，不能停用。更换手机请使用“重新绑定”。"))
    verify(user, code)
    _delete_devices(user)


@transaction.atomic
def reset(*, user) -> bool:
    """An administrator's reset for a user who lost their phone and backup codes: every device removed,
    so the user enrols again at the next sign-in. True when the user had any."""
    return _delete_devices(user) > 0


def _delete_devices(user) -> int:
    deleted = TOTPDevice.objects.filter(user=user).delete()[0]
    deleted += StaticDevice.objects.filter(user=user).delete()[0]
    return deleted


# Configuration ----------------------------------------------------------------------------------------


def check_settings(app_configs=None, **kwargs) -> list[Error]:
    """``manage.py check``: every role PORTFOLIO_2FA_ROLES names exists."""
    unknown = [name for name in settings.PORTFOLIO_2FA_ROLES if name.strip().lower() not in ROLE_NAMES]
    if not unknown:
        return []
    return [Error(f"PORTFOLIO_2FA_ROLES names unknown roles: {', '.join(unknown)}",
                  hint=f"Use {', '.join(ROLE_NAMES)}.", id="portfolio.E2FA")]
