"""Invitations for imported accounts: a link to set one's own password, never a password in an e-mail.

An imported editor has no usable password. The e-mail holds a one-time link (Django's password
reset token: it stops working once a password is set, and after PASSWORD_RESET_TIMEOUT); the same
page serves anyone who later forgets theirs (the login page links to it).
"""

import logging
import smtplib

from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from notifications.services import absolute_url

logger = logging.getLogger(__name__)


def set_password_link(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return absolute_url(reverse("password_reset_confirm", args=[uid, default_token_generator.make_token(user)]))


def send_invitations(users) -> int:
    """E-mail each new account its link; returns how many were sent (a failing mail server is logged)."""
    sent = 0
    for user in users:
        body = _(
            "%(name)s，您好：\n\n已为您开通白云区重点项目管理平台的填报账号，登录名为 %(login)s。"
            "请打开下面的链接设置您自己的密码（链接只能使用一次，请在 3 天内使用；过期后可在登录页点“设置或找回密码”重新获取）：\n\n%(link)s\n"
        ) % {"name": user.get_full_name() or user.username, "login": user.username, "link": set_password_link(user)}
        try:
            sent += send_mail(_("白云区重点项目管理平台：请设置您的密码"), body, None, [user.email])
        except (smtplib.SMTPException, OSError):
            logger.exception("The invitation to user %s was not sent", user.pk)
    return sent
