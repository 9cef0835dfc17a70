from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortfolioConfig(AppConfig):
    name = "portfolio"
    verbose_name = _("Platform")

    def ready(self):
        # Users, groups, API tokens and the platform's data loads are the administrator's alone.
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.db.models.signals import post_save

        from . import api_tokens, policy
        from .models import ApiToken, DatasetLoad

        for model in (get_user_model(), Group, api_tokens.token_model(), ApiToken, DatasetLoad):
            policy.register(model, policy.ADMINISTRATOR_ONLY)
        # A new password or a deactivated account ends the user's API tokens.
        post_save.connect(api_tokens.revoke_tokens_on_credentials_change, sender=get_user_model(),
                          dispatch_uid="portfolio.revoke_api_tokens")

