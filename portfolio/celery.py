"""Background jobs on Celery (report files for large scopes, the monthly cycle's scheduled jobs).

The broker and the result store are Redis (REDIS_URL, or CELERY_BROKER_URL for another broker such as
RabbitMQ). Without a broker, as under `make run`, tasks run in the calling process when they are sent
(CELERY_TASK_ALWAYS_EAGER): the same code, no worker to start.

    celery -A portfolio worker -l INFO        # the worker (deploy/portfolio-worker.service)
    celery -A portfolio beat -l INFO          # the scheduler (deploy/portfolio-beat.service)
"""

import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portfolio.settings")

app = Celery("portfolio")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def runs_in_process() -> bool:
    """True when no broker is configured and tasks run where they are sent."""
    return bool(app.conf.task_always_eager)


@worker_process_init.connect
def _prepare_worker(**kwargs):
    from portfolio.runtime import prepare_local_directories

    prepare_local_directories()
