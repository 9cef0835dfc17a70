"""System checks of a production configuration (``manage.py check --deploy``; logged when a server starts)."""

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core import checks
from django.utils.module_loading import import_string


@checks.register(checks.Tags.staticfiles, deploy=True)
def check_collected_static(app_configs=None, **kwargs):
    """With hashed static files, a page names files from the manifest collectstatic writes: without it
    every page fails, so the server must not start serving before it exists."""
    backend = settings.STORAGES["staticfiles"]["BACKEND"]
    if "Manifest" not in backend:
        return []
    storage_class = import_string(backend)
    manifest = getattr(storage_class, "manifest_name", "staticfiles.json")
    if not staticfiles_storage.exists(manifest):
        return [checks.Error(
            f"Static files have not been collected into {settings.STATIC_ROOT}.",
            hint="Run `manage.py collectstatic --no-input` after every upgrade (make serve and deploy/ do).",
            id="portfolio.E010",
        )]
    return []
