"""WSGI entry point (gunicorn serves ``portfolio.wsgi:application``; see deploy/)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portfolio.settings")
application = get_wsgi_application()

from portfolio.runtime import on_start  # noqa: E402  (needs the settings configured above)

on_start()
