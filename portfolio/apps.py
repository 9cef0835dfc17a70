from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortfolioConfig(AppConfig):
    name = "portfolio"
    verbose_name = _("Platform")

    def ready(self):
        # Users, groups, API tokens and the platform's data loads are the administrator's alone.
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from rest_framework.authtoken.models import Token, TokenProxy

        from . import checks, policy  # noqa: F401  (checks registers the deployment checks)
        from .models import DatasetLoad

        for model in (get_user_model(), Group, Token, TokenProxy, DatasetLoad):
            policy.register(model, policy.ADMINISTRATOR_ONLY)
