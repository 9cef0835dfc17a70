"""What the entry points (manage.py, the WSGI application, the Celery worker) do before serving.

Importing the settings changes nothing on disk; the directory of the embedded SQLite database is made
here, by the program that is about to open it.
"""

from pathlib import Path

from django.conf import settings


def prepare_local_directories() -> None:
    """Create the SQLite database's directory (var/ by default) when the database is a local file."""
    database = settings.DATABASES["default"]
    name = str(database.get("NAME") or "")
    if database["ENGINE"].endswith("sqlite3") and name and name != ":memory:" and not name.startswith("file:"):
        Path(name).parent.mkdir(parents=True, exist_ok=True)


def on_start() -> None:
    """Before the first request of a server process: the local directories, and the deployment checks
    (demo accounts, static files, secrets) said in the log, so a server that should not be serving
    this way says so when it starts."""
    import logging

    from django.core import checks

    prepare_local_directories()
    logger = logging.getLogger("portfolio.start")
    try:
        # The checks of what a deployment gets wrong (not the slow ones, such as the API schema's, which
        # `manage.py check --deploy` runs): each web process starts in well under a second.
        messages = checks.run_checks(include_deployment_checks=not settings.DEBUG, databases=["default"],
                                     tags=[checks.Tags.security, checks.Tags.staticfiles, checks.Tags.database])
    except Exception:  # the database is not reachable yet: the health endpoint will say so
        logger.exception("Start-up checks could not run.")
        return
    for message in messages:
        if message.is_silenced():
            continue
        level = logging.ERROR if message.level >= checks.ERROR else (
            logging.WARNING if message.level >= checks.WARNING else logging.INFO)
        logger.log(level, "%s: %s %s", message.id, message.msg, message.hint or "", extra={"check": message.id})
