"""Accounts: who a command acts as, and setting one's own password by an e-mailed link (for new,
imported accounts with no password yet too)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm


class SetPasswordRequestForm(PasswordResetForm):
    """Django's reset form, except that an active account without a password yet (an imported
    editor whose invitation expired) may ask for the link as well."""

    def get_users(self, email):
        users = get_user_model()._default_manager.filter(email__iexact=email, is_active=True)
        return (user for user in users if user.email and user.email.lower() == email.lower())


def acting_user(username: str | None):
    """Who a command acts as: the active user named, or the first superuser; None when there is none."""
    users = get_user_model()._default_manager.filter(is_active=True)
    if username:
        return users.filter(username=username).first()
    return users.filter(is_superuser=True).order_by("pk").first()
