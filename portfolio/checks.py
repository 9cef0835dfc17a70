"""System checks of a production configuration (``manage.py check --deploy``; logged when a server starts)."""

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core import checks


@checks.register(checks.Tags.staticfiles, deploy=True)
def check_collected_static(app_configs=None, **kwargs):
    """With hashed static files, a page names files from the manifest collectstatic writes: without it
    every page fails, so the server must not start serving before it exists."""
    manifest = getattr(staticfiles_storage, "manifest_name", None)  # only hashed storages keep one
    if manifest is None:
        return []
    if not staticfiles_storage.exists(manifest):
        return [checks.Error(
            f"Static files have not been collected into {settings.STATIC_ROOT}.",
            hint="Run `manage.py collectstatic --no-input` after every upgrade (make serve and deploy/ do).",
            id="portfolio.E010",
        )]
    return []
