from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("重点项目")

    def ready(self):
        from . import (
            demo,  # noqa: F401 - registers the demo-accounts deployment check
            remembered,
            tasks,  # noqa: F401 - registers the background jobs with Celery (web and worker alike)
        )
        from .permissions import register_rules
        from .reports import checks  # noqa: F401 - registers the CJK font system check

        register_rules()
        remembered.connect()
