from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = _("经济社会指标")

    def ready(self):
        from .permissions import register_rules

        register_rules()
