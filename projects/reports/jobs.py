"""Files rendered in the background: asking for one, rendering it, handing it over.

A progress report file of a scope larger than PORTFOLIO_BACKGROUND_PROJECTS, and the project list's
Excel file of a list that long, are not rendered in the request: the request records a ReportJob (its
kind: ``PROGRESS`` or ``PROJECT_LIST``) and sends it to the Celery worker
(projects.tasks.render_report_job), and the page (/reports/jobs/<id>/) shows its progress and then
offers the file to the user who asked. An Excel file (the list's, a progress report's) is written to a
temporary file as its rows are read, its long lists a chunk at a time, in bounded memory.
The job's key is who asked, which report with which parameters, language and format, and the data
version (projects.remembered.data_version): asking again for the same report over the same data gives
the same job and the same file, rendered once. Without a broker (`make run`, the tests' default) the
task runs in the request when the job is committed, so the page finds it done.
"""

import datetime as dt
import hashlib
import json
import logging
import tempfile
from contextlib import ExitStack
from typing import BinaryIO

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portfolio.celery import app as celery_app
from portfolio.celery import runs_in_process as celery_runs_in_process
from portfolio.limits import count_user_render, give_back
from portfolio.models import ReportJob
from portfolio.policy import role_of

from ..permissions import department_of
from ..remembered import data_version
from .listing import project_listing, save_list_file
from .renderers import render_progress, save_progress_xlsx
from .requests import build_progress_request, parse_appendix, progress_request_for
from .structure import PER_PROJECT_LISTS, STREAMED, StreamedRows

logger = logging.getLogger(__name__)

PROGRESS = "progress"
PROJECT_LIST = "project_list"
# A streamed file's job tells its progress each this many rows written.
STEP_ROWS = 2000
# Parameters that do not change the file (the format is the job's own).
IGNORED_PARAMS = {"format"}


def job_params(params) -> dict[str, list[str]]:
    """The request's parameters as a plain, ordered mapping (a QueryDict keeps lists)."""
    return {name: sorted(params.getlist(name)) for name in sorted(params) if name not in IGNORED_PARAMS}


def job_key(user, kind: str, fmt: str, params: dict, language: str, version: str) -> str:
    """Who asks, with the role and department that decide what they may see (a user moved to another role
    or department since gets a new file, not the one made for what they could see before), which file, and
    the data's version."""
    department = department_of(user)
    payload = json.dumps([user.pk, str(role_of(user) or ""), department.pk if department else None, kind, fmt,
                          params, language, version], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def query_dict(params: dict[str, list[str]]) -> QueryDict:
    query = QueryDict(mutable=True)
    for name, values in params.items():
        query.setlist(name, values)
    return query


def request_file(user, kind: str, params, fmt: str, project_count: int) -> ReportJob:
    """The job rendering this file (``kind``: which report or list) for ``user``: the live one with the same
    key, or a new one sent to the worker once this transaction commits. Counts against the user's render
    allowance only when a new file is to be rendered."""
    plain = job_params(params)
    language = translation.get_language() or settings.LANGUAGE_CODE
    key = job_key(user, kind, fmt, plain, language, data_version())
    existing = _live_job(key)
    if existing is not None:
        return existing
    user_slot = count_user_render(user)
    try:
        with transaction.atomic():
            job = ReportJob.objects.create(user=user, kind=kind, fmt=fmt, params=plain, language=language,
                                           key=key, projects=project_count, stage=_("等待生成"))
    except IntegrityError:  # the same report was asked for at the same moment: that one it is
        give_back(user_slot)
        existing = _live_job(key)
        if existing is None:
            raise
        return existing
    if celery_runs_in_process():
        _send(job.pk)  # no worker: render now, in this connection, which sees the job
        job.refresh_from_db()
    else:
        transaction.on_commit(lambda: _send(job.pk))  # the worker must find the job committed
    return job


def _live_job(key: str) -> ReportJob | None:
    return ReportJob.objects.filter(key=key).exclude(state=ReportJob.State.FAILED).first()


RENDER_TASK = "projects.render_report_job"  # projects.tasks.render_report_job


def _send(job_id) -> None:
    """To the worker; without a broker the task runs here, now."""
    celery_app.tasks[RENDER_TASK].delay(str(job_id))


def _step(job: ReportJob, progress: int, stage: str) -> None:
    job.progress, job.stage = progress, stage
    ReportJob.objects.filter(pk=job.pk).update(progress=progress, stage=stage)


def run_job(job_id) -> ReportJob | None:
    """Render the job's file (in the worker). A job already taken, finished or removed is left alone."""
    taken = ReportJob.objects.filter(pk=job_id, state=ReportJob.State.QUEUED).update(
        state=ReportJob.State.RUNNING, started_at=timezone.now(), progress=5)
    if not taken:
        return None
    job = ReportJob.objects.select_related("user").get(pk=job_id)
    try:
        with translation.override(job.language), ExitStack() as files:
            _step(job, 10, _("正在汇总数据"))
            params = query_dict(job.params)
            name = f"{job.pk}.{job.fmt}"
            if job.kind == PROJECT_LIST or job.fmt == "xlsx":
                # Written to a temporary file as its rows are made (streamed), then stored from there.
                out = files.enter_context(tempfile.TemporaryFile())
                write = _project_list_file if job.kind == PROJECT_LIST else _progress_workbook
                filename, fallback = write(job, params, out)
                out.seek(0)
                content = File(out, name=name)
            else:
                request = progress_request_for(job.user, params)
                report = build_progress_request(request)  # a PDF or Word document: its lists whole
                _step(job, 40, _("正在排版"))
                rendered = render_progress(report, job.fmt, html_context={"show_appendix": parse_appendix(params)})
                content, filename, fallback = ContentFile(rendered.content), rendered.filename, rendered.fallback
            _step(job, 90, _("正在保存文件"))
            job.file.save(name, content, save=False)
            job.filename, job.fallback_filename = filename, fallback
    except Exception:
        logger.exception("Report job %s failed", job.pk)
        job.state, job.error = ReportJob.State.FAILED, _("生成文件时出错，请重新生成；如仍失败，请联系系统管理员。")
        job.finished_at = timezone.now()
        job.save(update_fields=["state", "error", "finished_at"])
        return job
    job.state, job.progress, job.stage, job.finished_at = ReportJob.State.DONE, 100, "", timezone.now()
    job.save(update_fields=["state", "progress", "stage", "finished_at", "file", "filename", "fallback_filename"])
    return job


def _project_list_file(job: ReportJob, params, out: BinaryIO) -> tuple[str, str]:
    """The project list's Excel file as the asker's list page shows it (reports.listing), written to ``out``;
    its file names."""
    listing = project_listing(job.user, params)
    stage, total = _("正在写入表格"), max(job.projects, 1)

    def on_chunk(rows: int) -> None:  # 40% to 90% as the rows are read and written, a step a chunk of them
        _step(job, 40 + 50 * min(rows, total) // total, stage)

    return save_list_file(listing, out, on_chunk)


def _progress_workbook(job: ReportJob, params, out: BinaryIO) -> tuple[str, str]:
    """The progress report's Excel file, its per-project lists streamed to ``out``; its file names."""
    report = build_progress_request(progress_request_for(job.user, params), STREAMED)
    streamed = [name for name in PER_PROJECT_LISTS if isinstance(getattr(report, name), StreamedRows)]
    stage, total, done = _("正在写入表格"), max(sum(len(getattr(report, name)) for name in streamed), 1), 0

    def on_rows(rows: int) -> None:  # 40% to 90% as the lists are read and written, a step each STEP_ROWS
        nonlocal done
        done += rows
        _step(job, 40 + 50 * min(done, total) // total, stage)

    _step(job, 40, stage)
    for name in streamed:
        setattr(report, name, getattr(report, name).watched(on_rows, STEP_ROWS))
    return save_progress_xlsx(report, out)


def remove_old_files(now: dt.datetime | None = None) -> int:
    """Delete jobs (and their files) older than PORTFOLIO_REPORT_FILE_DAYS; the number removed."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.PORTFOLIO_REPORT_FILE_DAYS)
    removed = 0
    for job in ReportJob.objects.filter(created_at__lt=cutoff).only("pk", "file").iterator():
        if job.file:
            job.file.delete(save=False)
        job.delete()
        removed += 1
    return removed
