from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortfolioConfig(AppConfig):
    name = "portfolio"
    verbose_name = _("Platform")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.contrib.auth.signals import user_logged_in
        from django.core import checks
        from rest_framework.authtoken.models import Token, TokenProxy

        from . import checks as deployment_checks  # noqa: F401  (registers the deployment checks)
        from . import middleware, policy, twofactor
        from .models import DatasetLoad

        # Users, groups, API tokens and the platform's data loads are the administrator's alone.
        for model in (get_user_model(), Group, Token, TokenProxy, DatasetLoad):
            policy.register(model, policy.ADMINISTRATOR_ONLY)

        # Signing in starts the session's clocks and marks a session that owes the second factor.
        user_logged_in.connect(middleware.start_session_clock, dispatch_uid="portfolio.session_clock")
        user_logged_in.connect(twofactor.on_login, dispatch_uid="portfolio.two_factor")
        checks.register(twofactor.check_settings)
