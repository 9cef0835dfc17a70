"""Setting one's own password by an e-mailed link: for new accounts (imported, with no password yet) too."""

from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm


class SetPasswordRequestForm(PasswordResetForm):
    """Django's reset form, except that an active account without a password yet (an imported
    editor whose invitation expired) may ask for the link as well."""

    def get_users(self, email):
        users = get_user_model()._default_manager.filter(email__iexact=email, is_active=True)
        return (user for user in users if user.email and user.email.lower() == email.lower())
