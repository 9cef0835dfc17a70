"""KeysFirstPaginator gives the pages Django's Paginator gives, in two queries a page."""

import pytest
from django.core.paginator import Paginator
from django.db.models import F

from portfolio.paging import KeysFirstPaginator
from projects.models import Department, Project
from tests.helpers import build_portfolio

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("size", [1, 7, 50])
def test_every_page_is_django_paginators_page(size, count_queries):
    build_portfolio(23)
    # An order with ties (the category) broken by the key, and an annotation the page must keep.
    projects = Project.objects.annotate(twice=F("pk") * 2).order_by("-category", "pk")
    expected = Paginator(projects, size)
    paginator = KeysFirstPaginator(projects, size)
    seen = []
    for number in expected.page_range:
        with count_queries() as queries:
            page = paginator.get_page(number)
            rows = list(page)
        queries.assert_count(2, f"page {number}")
        assert [p.pk for p in rows] == [p.pk for p in expected.page(number)]
        assert all(p.twice == p.pk * 2 for p in rows)
        assert (page.number, page.has_next(), page.start_index(), page.end_index()) == (
            number, expected.page(number).has_next(), expected.page(number).start_index(),
            expected.page(number).end_index())
        seen.extend(p.pk for p in rows)
    assert paginator.count == 23 and paginator.num_pages == expected.num_pages
    assert sorted(seen) == sorted(Project.objects.values_list("pk", flat=True))  # each project once


@pytest.mark.parametrize("number", ["99", "0", "-3", "x", None, "2.5"])
def test_a_page_out_of_range_or_not_a_number_is_what_get_page_gives(number):
    build_portfolio(12)
    projects = Project.objects.order_by("code", "pk")
    page = KeysFirstPaginator(projects, 5).get_page(number)
    expected = Paginator(projects, 5).get_page(number)
    assert page.number == expected.number
    assert [p.pk for p in page] == [p.pk for p in expected]


def test_an_empty_list_has_one_empty_page():
    page = KeysFirstPaginator(Project.objects.order_by("pk"), 10).get_page(3)
    assert page.number == 1 and list(page) == [] and page.paginator.count == 0


def test_a_page_number_no_database_could_offset_is_the_last_page(count_queries):
    build_portfolio(12)
    projects = Project.objects.order_by("code", "pk")
    page = KeysFirstPaginator(projects, 5).get_page("99999999999999999999")
    assert page.number == 3 and [p.pk for p in page] == [p.pk for p in Paginator(projects, 5).page(3)]


def test_a_distinct_list_is_counted_as_django_counts_it():
    """DISTINCT removes repeats after COUNT(*) OVER () has counted them: such a list is paged as Django pages it."""
    projects = build_portfolio(6)
    departments = [Department.objects.create(code=f"co-{i}", name=f"配合{i}", kind="bureau") for i in range(3)]
    for project in projects[:4]:
        project.co_departments.set(departments)
    repeated = Project.objects.filter(co_departments__in=departments).distinct().order_by("code", "pk")
    page = KeysFirstPaginator(repeated, 3).get_page(1)
    assert page.paginator.count == 4 and page.paginator.num_pages == 2
    assert [p.pk for p in page] == [p.pk for p in Paginator(repeated, 3).page(1)]
