"""Report files of large scopes render in the background: once per report and data version, for the
user who asked, with progress, within the render limits; eager without a broker, and on a real worker."""

import io
from unittest import mock

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from portfolio import limits
from portfolio.celery import app as celery_app
from portfolio.models import ReportJob
from portfolio.policy import Role
from projects.models import Project
from projects.reports import jobs
from projects.reports.renderers import render_progress
from projects.reports.requests import progress_report_for
from tests.helpers import make_user

URL = "/reports/progress/?year=2025&month=6&format=xlsx"
FROZEN = "2025-07-10 09:00"


@pytest.fixture
def coordinator_client(portfolio, settings):
    settings.PORTFOLIO_BACKGROUND_PROJECTS = 10
    client = Client()
    client.force_login(make_user("coord-jobs", role=Role.COORDINATOR))
    return client


def _sheet_values(content: bytes) -> list[list]:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    values = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            # The generation time is the one thing that differs between two renders of the same report.
            values.append([cell if not (isinstance(cell, str) and "生成时间" in cell) else "<meta>" for cell in row])
    return values


def test_a_large_scope_file_is_a_job_whose_file_equals_the_synchronous_one(coordinator_client):
    response = coordinator_client.get(URL)
    job = ReportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reports:job", args=[job.pk])
    report, _filterset = progress_report_for(job.user, {"year": "2025", "month": "6"})
    assert job.state == ReportJob.State.DONE and job.progress == 100
    assert job.projects == len(report.projects) == 434  # the report's own count (no places)
    page = coordinator_client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("reports:job_file", args=[job.pk]) in html and 'http-equiv="refresh"' not in html
    download = coordinator_client.get(reverse("reports:job_file", args=[job.pk]))
    assert download.status_code == 200
    assert "filename*=UTF-8''" in download["Content-Disposition"]
    background = b"".join(download.streaming_content)
    synchronous = render_progress(report, "xlsx").content
    assert _sheet_values(background) == _sheet_values(synchronous)
    assert job.filename == render_progress(report, "xlsx").filename


def test_asking_again_for_the_same_report_and_data_renders_nothing_more(coordinator_client):
    with mock.patch.object(jobs, "run_job", wraps=jobs.run_job) as runs:
        first = coordinator_client.get(URL)["Location"]
        second = coordinator_client.get(URL)["Location"]
        assert first == second and runs.call_count == 1
        project = Project.objects.order_by("pk").first()
        project.name += "（更名）"
        project.save()
        third = coordinator_client.get(URL)["Location"]
    assert third != first and runs.call_count == 2  # the data changed: a new file
    assert ReportJob.objects.count() == 2


def test_the_job_and_its_file_are_the_askers_alone(coordinator_client):
    location = coordinator_client.get(URL)["Location"]
    job = ReportJob.objects.get()
    other = Client()
    other.force_login(make_user("coord-other", role=Role.COORDINATOR))
    assert other.get(location).status_code == 404
    assert other.get(reverse("reports:job_file", args=[job.pk])).status_code == 404
    assert Client().get(location).status_code == 302  # to the login page


def test_a_running_job_shows_its_progress_and_refreshes(coordinator_client, monkeypatch):
    monkeypatch.setattr(jobs, "_send", lambda job_id: None)  # the worker has not taken it yet
    location = coordinator_client.get(URL)["Location"]
    html = coordinator_client.get(location).content.decode()
    assert 'http-equiv="refresh"' in html and "<progress" in html and "排队中" in html
    job = ReportJob.objects.get()
    assert job.state == ReportJob.State.QUEUED
    assert jobs.run_job(job.pk).state == ReportJob.State.DONE
    assert jobs.run_job(job.pk) is None  # a job already done is not rendered again


@pytest.mark.parametrize(("fmt", "writer"), [("xlsx", "save_progress_xlsx"), ("docx", "render_progress")])
def test_a_failed_job_says_so_and_can_be_asked_again(coordinator_client, monkeypatch, fmt, writer):
    def broken(*args, **kwargs):
        raise RuntimeError("layout failed")
    monkeypatch.setattr(jobs, writer, broken)  # the Excel file is written through one, the documents the other
    url = URL.replace("format=xlsx", f"format={fmt}")
    location = coordinator_client.get(url)["Location"]
    job = ReportJob.objects.get()
    assert job.state == ReportJob.State.FAILED and not job.file
    html = coordinator_client.get(location).content.decode()
    assert "生成文件时出错" in html and "layout failed" not in html
    assert coordinator_client.get(reverse("reports:job_file", args=[job.pk])).status_code == 404
    monkeypatch.undo()
    again = coordinator_client.get(url)["Location"]
    assert again != location and ReportJob.objects.get(pk=again.split("/")[-2]).state == ReportJob.State.DONE


def test_the_job_page_speaks_english_too(coordinator_client):
    coordinator_client.cookies["django_language"] = "en"
    location = coordinator_client.get(URL)["Location"]
    html = coordinator_client.get(location).content.decode()
    assert "Download" in html and "下载" not in html
    assert ReportJob.objects.get().language == "en"


def test_a_small_scope_file_is_rendered_in_the_request(portfolio, settings):
    settings.PORTFOLIO_BACKGROUND_PROJECTS = 100_000
    client = Client()
    client.force_login(make_user("coord-small", role=Role.COORDINATOR))
    response = client.get(URL)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    assert not ReportJob.objects.exists()


# Limits ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [URL, "/reports/indicators/?year=2025&month=6&format=docx",
                                 "/api/v1/reports/progress/xlsx/?year=2025&month=6"])
def test_renders_per_user_are_limited_and_a_refusal_renders_nothing(portfolio, settings, url):
    settings.PORTFOLIO_BACKGROUND_PROJECTS = 100_000
    settings.PORTFOLIO_RENDER_RATE = (2, 600)
    client = Client()
    client.force_login(make_user("coord-rate", role=Role.COORDINATOR))
    assert [client.get(url).status_code for _ in range(2)] == [200, 200]
    with mock.patch("projects.reports.renderers.render_xlsx") as xlsx, \
            mock.patch("projects.reports.renderers.render_docx") as docx:
        refused = client.get(url)
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 600
    assert "请" in refused.content.decode() and not xlsx.called and not docx.called
    other = Client()
    other.force_login(make_user("coord-rate-2", role=Role.COORDINATOR))
    assert other.get(url).status_code == 200  # the allowance is each user's own


def test_a_node_renders_at_most_its_number_of_files_at_once(portfolio, settings):
    settings.PORTFOLIO_BACKGROUND_PROJECTS = 100_000
    settings.PORTFOLIO_RENDERS_PER_NODE = 1
    client = Client()
    client.force_login(make_user("coord-node", role=Role.COORDINATOR))
    with limits.render_slot():  # another request is rendering
        busy = client.get(URL)
        assert busy.status_code == 429 and "服务器正在生成其他报告文件" in busy.content.decode()
        assert client.get("/reports/progress/?year=2025&month=6").status_code == 200  # the page is not a file
    assert client.get(URL).status_code == 200  # the slot is free again


@pytest.mark.parametrize("url", [URL, "/reports/indicators/?year=2025&month=6&format=docx",
                                 "/api/v1/reports/progress/xlsx/?year=2025&month=6"])
def test_a_render_refused_because_the_node_is_busy_takes_nothing_from_the_allowance(portfolio, settings, url):
    settings.PORTFOLIO_BACKGROUND_PROJECTS = 100_000
    settings.PORTFOLIO_RENDERS_PER_NODE = 1
    settings.PORTFOLIO_RENDER_RATE = (1, 600)
    client = Client()
    client.force_login(make_user("coord-busy", role=Role.COORDINATOR))
    with limits.render_slot():  # another request is rendering
        assert [client.get(url).status_code for _ in range(3)] == [429] * 3
    assert client.get(url).status_code == 200  # the one render allowed, not used by the refusals
    assert client.get(url).status_code == 429


@pytest.mark.parametrize("url, builder", [(URL, "projects.reports.views.build_progress_request"),
                                          ("/api/v1/reports/progress/xlsx/?year=2025&month=6",
                                           "projects.api.reports.progress_report_for")])
def test_a_busy_node_refuses_a_file_before_building_its_report(portfolio, settings, url, builder):
    settings.PORTFOLIO_BACKGROUND_PROJECTS = 100_000
    settings.PORTFOLIO_RENDERS_PER_NODE = 1
    client = Client()
    client.force_login(make_user("coord-busy-build", role=Role.COORDINATOR))
    with limits.render_slot(), mock.patch(builder) as build:  # another request is rendering
        assert client.get(url).status_code == 429
    assert not build.called


def test_a_file_asked_with_a_bad_parameter_takes_nothing_from_the_allowance(portfolio, settings):
    settings.PORTFOLIO_BACKGROUND_PROJECTS = 100_000
    settings.PORTFOLIO_RENDER_RATE = (1, 600)
    client = Client()
    client.force_login(make_user("coord-bad-file", role=Role.COORDINATOR))
    url = "/api/v1/reports/progress/xlsx/?year=2025&month=6"
    assert [client.get(url + "&lead_department=nope").status_code for _ in range(3)] == [400] * 3
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 429


def test_a_request_that_finds_its_job_made_meanwhile_takes_nothing_from_the_allowance(coordinator_client, settings):
    settings.PORTFOLIO_RENDER_RATE = (2, 600)
    first = coordinator_client.get(URL)
    live_job = jobs._live_job
    looked = []

    def made_meanwhile(key):  # the first look misses the job another request is creating at that moment
        looked.append(key)
        return None if len(looked) == 1 else live_job(key)

    with mock.patch.object(jobs, "_live_job", made_meanwhile):
        assert coordinator_client.get(URL)["Location"] == first["Location"]
    assert len(looked) == 2  # the job's creation clashed with the one made meanwhile, and found it
    assert coordinator_client.get(URL.replace("xlsx", "docx")).status_code == 302  # the second render allowed
    assert coordinator_client.get(URL.replace("xlsx", "pdf")).status_code == 429


def test_a_job_counts_against_the_allowance_only_when_it_renders(coordinator_client, settings):
    settings.PORTFOLIO_RENDER_RATE = (1, 600)
    first = coordinator_client.get(URL)
    assert coordinator_client.get(URL)["Location"] == first["Location"]  # the same job: no new render
    assert coordinator_client.get(URL.replace("xlsx", "docx")).status_code == 429


# The scheduled jobs and old files ---------------------------------------------------------------------------------


def test_old_report_files_are_removed_with_their_jobs(coordinator_client, settings):
    import datetime as dt

    from django.core.files.storage import default_storage
    from django.utils import timezone

    coordinator_client.get(URL)
    job = ReportJob.objects.get()
    name = job.file.name
    assert default_storage.exists(name)
    assert jobs.remove_old_files(now=timezone.now() + dt.timedelta(days=settings.PORTFOLIO_REPORT_FILE_DAYS - 1)) == 0
    assert jobs.remove_old_files(now=timezone.now() + dt.timedelta(days=settings.PORTFOLIO_REPORT_FILE_DAYS + 1)) == 1
    assert not ReportJob.objects.exists() and not default_storage.exists(name)


def test_the_beat_schedule_names_registered_tasks():
    from django.conf import settings

    registered = set(celery_app.tasks.keys())
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in registered


# A real worker on the machine's Redis -----------------------------------------------------------------------------


@pytest.fixture
def real_worker(settings):
    """A Celery worker thread consuming from Redis (the broker production uses), in a Redis database of
    the tests' own, emptied first."""
    import redis
    from celery.contrib.testing.worker import start_worker

    url = "redis://127.0.0.1:6379/14"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()
    except redis.exceptions.ConnectionError:
        pytest.fail("Redis is not running on 127.0.0.1:6379 (make test needs it for the worker test)")
    saved = {k: celery_app.conf[k] for k in ("task_always_eager", "broker_url", "result_backend")}
    celery_app.conf.update(task_always_eager=False, broker_url=url, result_backend=url)
    _forget_connections()
    try:
        with start_worker(celery_app, perform_ping_check=False, shutdown_timeout=30):
            yield
    finally:
        celery_app.conf.update(saved)
        _forget_connections()


def _forget_connections():
    """Connections and producers made with the settings before are not reused (kombu keeps them globally)."""
    from kombu import pools

    pools.reset()
    celery_app.close()
    celery_app.amqp._producer_pool = None


def test_a_real_worker_renders_the_job(transactional_db, report_data_snapshot, portfolio_snapshot, real_worker,
                                       settings):
    import time

    report_data_snapshot.restore()  # committed: the worker's own connection sees it
    portfolio_snapshot.restore()
    settings.PORTFOLIO_BACKGROUND_PROJECTS = 10
    client = Client()
    client.force_login(make_user("coord-worker", role=Role.COORDINATOR))
    asked = client.get(URL)
    assert asked.status_code == 302, asked.status_code  # 434 projects: more than the 10 set above
    location = asked["Location"]
    job = ReportJob.objects.get()
    deadline = time.monotonic() + 120
    while job.state in (ReportJob.State.QUEUED, ReportJob.State.RUNNING) and time.monotonic() < deadline:
        time.sleep(0.2)
        job.refresh_from_db()
    assert job.state == ReportJob.State.DONE, job.error
    assert client.get(location).status_code == 200
    content = b"".join(client.get(reverse("reports:job_file", args=[job.pk])).streaming_content)
    assert content.startswith(b"PK")  # an .xlsx (a zip)
