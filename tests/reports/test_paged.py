"""The report page and the API list the per-project lists a page at a time; the files list them whole.

The totals, the warning counts and the narrative are counted in the database either way, so a page of the
report says exactly what the whole report says; its lists are the first rows of the whole report's, and its
appendix pages cover every project exactly once, in the whole appendix's order.
"""

import re

import pytest
from django.urls import reverse

from portfolio.periods import Period
from portfolio.policy import Role
from projects import closing
from projects.models import Programme, Project
from projects.reports.builders import build_progress_report
from projects.reports.structure import ListPage
from projects.selectors import figure_source
from tests.helpers import make_user

pytestmark = pytest.mark.django_db

H1 = Period(2025, 6)


def whole_and_pages(size, *, every_page=True, **filters):
    projects = Project.objects.filter(**filters)
    whole = build_progress_report(projects, H1)
    pages = [build_progress_report(projects, H1, page=ListPage(1, size))]
    while every_page and pages[-1].page.number < pages[-1].appendix_pages:
        pages.append(build_progress_report(projects, H1, page=ListPage(pages[-1].page.number + 1, size)))
    return whole, pages


@pytest.mark.parametrize("size", [53, 100, 1000])
def test_appendix_pages_cover_every_project_once_in_the_whole_order(portfolio, size):
    whole, pages = whole_and_pages(size)
    assert whole.listed.projects == len(whole.projects) == whole.totals.count
    assert len(pages) == -(-len(whole.projects) // size)
    assert [row for page in pages for row in page.projects] == whole.projects
    for page in pages:
        assert page.listed == whole.listed and page.appendix_pages == len(pages)


@pytest.mark.parametrize("closed", [False, True], ids=["open", "closed"])
@pytest.mark.parametrize("filters", [{}, {"programme__level": "city"}, {"lead_department__isnull": True}])
def test_a_page_says_what_the_whole_report_says(portfolio, filters, closed):
    if closed:  # the figures read from the month's snapshot
        closing.month_close(year=H1.year, month=H1.month, acting_user=make_user("closer", role=Role.COORDINATOR),
                            waive_missing="未开工")
        assert figure_source(H1).frozen
    whole, (first,) = whole_and_pages(20, every_page=False, **filters)
    assert whole.warnings
    assert first.narrative == whole.narrative
    assert (first.totals, first.warning_counts, first.breakdowns, first.months, first.unapproved_reports,
            first.has_sample_data) == (whole.totals, whole.warning_counts, whole.breakdowns, whole.months,
                                       whole.unapproved_reports, whole.has_sample_data)
    # Each list of the page is the head of the whole report's, and the totals count the whole lists.
    for name, total in (("warnings", "warnings"), ("milestones_reached", "milestones_reached"),
                        ("milestones_overdue", "milestones_overdue"), ("issues", "issues")):
        assert getattr(first, name) == getattr(whole, name)[:20], name
        assert getattr(whole.listed, total) == len(getattr(whole, name)), name
    assert whole.warning_counts["red"] + whole.warning_counts["yellow"] == whole.listed.warnings
    assert whole.listed.red_far_behind == sum(
        1 for w in whole.red if w.behind is not None and w.behind > whole.rules["red_behind_points"])
    assert whole.listed.red_overdue == sum(1 for w in whole.red if w.max_overdue_months > whole.rules["red_overdue_months"])


def test_a_page_past_the_end_shows_the_last_page(portfolio):
    report = build_progress_report(Project.objects.all(), H1, page=ListPage(999, 100))
    assert report.page.number == report.appendix_pages == 5
    assert len(report.projects) == report.listed.projects - 400


def test_the_page_lists_one_page_and_links_the_next(client, viewer, portfolio):
    client.force_login(viewer)
    url = reverse("reports:progress")
    html = client.get(url, {"year": 2025, "month": 6, "appendix_page_size": 50}).content.decode()
    total = Project.objects.counted_in_year(2025).count()
    assert f"重点项目明细表（{total}）" in html
    assert "第1/9页，每页50个项目" in html and "appendix_page=2" in html
    appendix = html.split('<h2 class="attachment-title"', 1)[1]
    assert len(re.findall(r"<tr><td>[A-Z0-9]", appendix)) == 50
    second = client.get(url, {"year": 2025, "month": 6, "appendix_page_size": 50, "appendix_page": 2})
    assert "第2/9页" in second.content.decode()


@pytest.mark.parametrize(("params", "field"), [
    ({"appendix_page": "0"}, "appendix_page"), ({"appendix_page": "x"}, "appendix_page"),
    ({"appendix_page_size": "1001"}, "appendix_page_size"), ({"appendix_page_size": "-3"}, "appendix_page_size"),
])
def test_a_bad_page_is_refused_naming_the_parameter(client, viewer, portfolio, params, field):
    client.force_login(viewer)
    response = client.get("/api/v1/reports/progress/", {"year": 2025, "month": 6, **params})
    assert response.status_code == 400
    assert list(response.json()) == [field] and response.json()[field][0]
    page = client.get(reverse("reports:progress"), {"year": 2025, "month": 6, **params})
    assert page.status_code == 400


def test_the_api_lists_a_page_with_the_totals(client, viewer, portfolio):
    client.force_login(viewer)
    programme = Programme.objects.get(year=2025, level="district")
    data = client.get("/api/v1/reports/progress/", {"year": 2025, "month": 6, "programme": programme.pk,
                                                    "appendix_page": 2, "appendix_page_size": 30}).json()
    assert data["page"] == {"number": 2, "size": 30}
    assert data["listed"]["projects"] == data["totals"]["count"] == 336
    assert data["appendix_pages"] == 12 and len(data["projects"]) == 30
    assert len(data["warnings"]) == min(30, data["listed"]["warnings"])
    whole = build_progress_report(Project.objects.counted_in(programme), H1)
    assert [p["code"] for p in data["projects"]] == [p.code for p in whole.projects[30:60]]
