"""The project list's Excel file of a long list is written in the background (projects.reports.jobs): the
job's file holds what the list shows the user who asked, in the list's order, as the file written in the
request does; a short list is written in the request."""

import io
import re

import openpyxl
import pytest
from django.http import QueryDict
from django.test import Client
from django.urls import reverse

from portfolio.models import ReportJob
from portfolio.policy import Role
from projects.models import Project
from tests.helpers import make_user

EXPORT = "/projects/export.xlsx"
LISTS = [
    {"year": "2025", "month": "6"},
    {"year": "2025", "month": "6", "warning": "red", "ordering": "-rate"},
    {"year": "2025", "month": "6", "category": "industry", "ordering": "name"},
]


def rows(content: bytes) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return [row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]


def signed_in(role, department=None) -> Client:
    client = Client()
    client.force_login(make_user(f"export-{role}", role=role, department=department))
    return client


def exported(client, params, settings, *, threshold: int) -> tuple[bytes, str]:
    """The file as the user gets it with lists of more than ``threshold`` projects written in the background."""
    settings.PORTFOLIO_BACKGROUND_PROJECTS = threshold
    response = client.get(EXPORT, params)
    if response.status_code == 200:
        return response.content, response["Content-Disposition"]
    assert response.status_code == 302, response.status_code
    job = ReportJob.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])
    assert job.kind == "project_list" and job.state == ReportJob.State.DONE, (job.state, job.error)
    page = client.get(response["Location"]).content.decode()
    assert "导出项目清单" in page and reverse("reports:job_file", args=[job.pk]) in page
    download = client.get(reverse("reports:job_file", args=[job.pk]))
    assert download.status_code == 200
    return b"".join(download.streaming_content), download["Content-Disposition"]


@pytest.mark.parametrize("params", LISTS, ids=["all", "red-by-rate", "industry-by-name"])
@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.EDITOR])
def test_a_long_lists_file_is_a_job_that_writes_what_the_request_writes(portfolio, settings, params, role):
    department = Project.objects.filter(lead_department__isnull=False).order_by("code").first().lead_department
    client = signed_in(role, department if role == Role.EDITOR else None)
    in_request, named = exported(client, params, settings, threshold=100_000)
    assert ReportJob.objects.count() == 0
    in_background, named_again = exported(client, params, settings, threshold=0)
    assert rows(in_background) == rows(in_request) and named_again == named
    assert len(rows(in_request)) > 2


def test_a_short_list_is_written_in_the_request(portfolio, settings):
    settings.PORTFOLIO_BACKGROUND_PROJECTS = 1000
    response = signed_in(Role.VIEWER).get(EXPORT, {"year": "2025", "month": "6", "warning": "red"})
    assert response.status_code == 200 and ReportJob.objects.count() == 0


def test_a_bad_parameter_is_named_and_left_out_of_the_job(portfolio, settings):
    settings.PORTFOLIO_BACKGROUND_PROJECTS = 0
    client = signed_in(Role.VIEWER)
    response = client.get(EXPORT, {"year": "2025", "month": "6", "category": "nonsense"}, follow=True)
    job = ReportJob.objects.get()
    assert job.params == {"month": ["6"], "year": ["2025"]}
    page = response.content.decode()
    assert re.search(r"参数 category（项目类别）的值“nonsense”无法使用", page)
    settings.PORTFOLIO_BACKGROUND_PROJECTS = 100_000
    assert rows(b"".join(client.get(reverse("reports:job_file", args=[job.pk])).streaming_content)) == rows(
        client.get(EXPORT, {"year": "2025", "month": "6"}).content)


def test_the_job_is_the_askers_alone_and_offers_the_list_again(portfolio, settings):
    settings.PORTFOLIO_BACKGROUND_PROJECTS = 0
    asker = signed_in(Role.VIEWER)
    response = asker.get(EXPORT, {"year": "2025", "month": "6", "warning": "red"})
    job = ReportJob.objects.get()
    other = signed_in(Role.COORDINATOR)
    assert other.get(response["Location"]).status_code == 404
    assert other.get(reverse("reports:job_file", args=[job.pk])).status_code == 404
    ReportJob.objects.filter(pk=job.pk).update(state=ReportJob.State.FAILED, error="x")
    page = asker.get(response["Location"]).content.decode()
    again = re.search(r'<a href="([^"]+)">重新生成</a>', page).group(1).replace("&amp;", "&")
    path, query = again.split("?")
    assert path == EXPORT and QueryDict(query) == QueryDict("year=2025&month=6&warning=red")


def test_the_job_page_speaks_english_too(portfolio, settings):
    settings.PORTFOLIO_BACKGROUND_PROJECTS = 0
    client = signed_in(Role.VIEWER)
    client.cookies["django_language"] = "en"
    response = client.get(EXPORT, {"year": "2025", "month": "6"}, follow=True)
    page = response.content.decode()
    assert "Export the project list" in page and "The file is ready." in page
    job = ReportJob.objects.get()
    text = re.sub(r"<[^>]+>", "", page.split("<main", 1)[1].split("</main>")[0]).replace(job.filename, "")
    assert not re.search(r"[\u4e00-\u9fff]", text), text  # the file's name names the district as set


def test_a_long_list_counts_against_the_users_allowance_of_background_files(portfolio, settings):
    settings.PORTFOLIO_BACKGROUND_PROJECTS = 0
    settings.PORTFOLIO_RENDER_RATE = (1, 600)
    client = signed_in(Role.VIEWER)
    assert client.get(EXPORT, {"year": "2025", "month": "6"}).status_code == 302
    refused = client.get(EXPORT, {"year": "2025", "month": "6", "ordering": "name"})
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 600
    assert "请" in refused.content.decode() and ReportJob.objects.count() == 1
    # Asking again for the file already made renders nothing more, and takes nothing.
    assert client.get(EXPORT, {"year": "2025", "month": "6"}).status_code == 302


def test_a_user_whose_role_changed_gets_a_new_file_not_the_one_made_before(portfolio, settings):
    """A coordinator's list counting unapproved reports is not handed to them again once they are a viewer,
    who may not count those: the job is asked anew, for what they may see now."""
    from django.contrib.auth.models import Group

    settings.PORTFOLIO_BACKGROUND_PROJECTS = 0
    client = signed_in(Role.COORDINATOR)
    params = {"year": "2025", "month": "6", "basis": "all"}
    first = client.get(EXPORT, params)
    assert first.status_code == 302
    user = ReportJob.objects.get().user
    user.groups.set([Group.objects.get(name=str(Role.VIEWER))])
    again = client.get(EXPORT, params, follow=True)
    assert again.redirect_chain[0][0] != first["Location"] and ReportJob.objects.count() == 2
    page = again.content.decode()
    assert "导出项目清单" in page
