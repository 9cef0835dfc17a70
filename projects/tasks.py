"""The projects app's background jobs (portfolio.celery): report files, and the monthly cycle's
scheduled jobs, which Celery beat starts (CELERY_BEAT_SCHEDULE in the settings)."""

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone


# A database error before the job is claimed (the claim is the first write) changes nothing: the task is
# tried again a moment later. Seen on SQLite, whose shared in-memory test database answers "table is locked"
# while another connection reads the jobs table; on PostgreSQL, a connection lost during a restart.
@shared_task(name="projects.render_report_job", acks_late=True, autoretry_for=(OperationalError,),
             retry_backoff=1, retry_jitter=False, max_retries=5)
def render_report_job(job_id: str) -> str | None:
    from .reports.jobs import run_job
    from .reports.renderers.pdf import background_rendering

    with background_rendering():
        job = run_job(job_id)
    return job.state if job is not None else None


@shared_task(name="projects.send_reminders")
def send_reminders() -> dict:
    """Daily: the monthly reports' due-soon and overdue reminders (once a day whatever the retries)."""
    from .reminders import send_reminders as send

    run = send(today=timezone.localdate())
    return {"notifications": run.notifications, "emails": run.emails, "already_sent": run.already_sent}


@shared_task(name="projects.month_end")
def month_end() -> dict:
    """Daily after a month's due date: close the month when nothing blocks it and PORTFOLIO_AUTO_CLOSE is
    on; otherwise tell the coordinators what still blocks it (projects.month_end)."""
    from .month_end import month_end_run

    return month_end_run(today=timezone.localdate())


@shared_task(name="projects.remove_old_report_files")
def remove_old_report_files() -> int:
    from .reports.jobs import remove_old_files

    return remove_old_files()
