from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortfolioConfig(AppConfig):
    name = "portfolio"
    verbose_name = _("Platform")

    def ready(self):
        from django.apps import apps
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.contrib.auth.signals import user_logged_in
        from django.core import checks
        from django.db.models.signals import post_save

        from . import api_tokens, middleware, policy, twofactor
        from . import checks as deployment_checks  # noqa: F401  (registers the deployment checks)

        # Users, groups, API tokens, the platform's own records (data loads, report jobs) and the users' and
        # groups' history are the administrator's alone.
        for model in (get_user_model(), Group, api_tokens.token_model(), *apps.get_app_config("portfolio").get_models()):
            policy.register(model, policy.ADMINISTRATOR_ONLY)
        # A new password or a deactivated account ends the user's API tokens.
        post_save.connect(api_tokens.revoke_tokens_on_credentials_change, sender=get_user_model(),
                          dispatch_uid="portfolio.revoke_api_tokens")

        # Signing in starts the session's clocks and marks a session that owes the second factor.
        user_logged_in.connect(middleware.start_session_clock, dispatch_uid="portfolio.session_clock")
        user_logged_in.connect(twofactor.on_login, dispatch_uid="portfolio.two_factor")
        checks.register(twofactor.check_settings)
