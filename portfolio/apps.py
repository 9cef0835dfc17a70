from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortfolioConfig(AppConfig):
    name = "portfolio"
    verbose_name = _("Platform")

    def ready(self):
        # Users, groups, API tokens, the platform's data loads and the users' and groups' history are the
        # administrator's alone.
        from django.apps import apps
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from rest_framework.authtoken.models import Token, TokenProxy

        from . import policy

        for model in (get_user_model(), Group, Token, TokenProxy, *apps.get_app_config("portfolio").get_models()):
            policy.register(model, policy.ADMINISTRATOR_ONLY)
