"""Pages of lists whose filter or order is computed per row: the page's keys first, then its rows.

A list of 100,000 projects filtered by their warning, or sorted by their completion rate, computes that
figure for every project twice with Django's Paginator: once to count, once for the page, whose joins
(programme, departments) PostgreSQL then makes for every matching row before keeping fifty. This
paginator asks once for the page's keys with the whole count beside them (``COUNT(*) OVER ()``), then
reads only those rows with everything the page shows (a "deferred join"): two queries, as before, and
one scan. A page past the end is the last page, as ``Paginator.get_page`` gives it. Imports no feature app.
"""

from operator import attrgetter

from django.core.paginator import Paginator
from django.db.models import Count, Window

TOTAL = "_page_total"


def in_key_order(rows, keys, key=attrgetter("pk")) -> list:
    """``rows`` (read by key in any order; ``key`` gives a row's, its ``pk`` by default) in the order of
    ``keys``; a key whose row is gone meanwhile is skipped."""
    by_key = {key(row): row for row in rows}
    return [by_key[k] for k in keys if k in by_key]


class KeysFirstPaginator(Paginator):
    """``get_page`` reads the page's keys and the count in one query, then the page's rows by key."""

    def __init__(self, object_list, per_page, *, remember=None, **kwargs):
        """``remember(name, query, compute, *extra)``: a cache of ``compute()`` for the state of the data
        (the feature app's), through which the page's keys and the count are read; none: always read."""
        super().__init__(object_list, per_page, **kwargs)
        if self.orphans:
            raise ValueError("KeysFirstPaginator pages have no orphans")
        self.remember = remember or (lambda _name, _query, compute, *_extra: compute())

    def get_page(self, number):
        if self.object_list.query.distinct:
            # COUNT(*) OVER () counts the rows before DISTINCT removes the repeats: Django's two queries.
            return super().get_page(number)
        try:
            number = int(number)
        except (TypeError, ValueError):
            number = 1
        # A number whose offset no database takes (bigint) is past the end, as for Paginator.get_page.
        page = self._read(number) if 1 <= number <= 2**62 // self.per_page else None
        if page is None:  # past either end: the last page (the count is then asked on its own)
            page = self._read(self.num_pages) or self._get_page([], 1, self)
        return page

    def _read(self, number):
        bottom = (number - 1) * self.per_page
        keyed = self.object_list.annotate(**{TOTAL: Window(Count("*"))}).values_list("pk", TOTAL)
        window = keyed[bottom:bottom + self.per_page]
        keys = self.remember("page_keys", keyed, lambda: list(window), bottom, self.per_page)
        if not keys:
            if number == 1:
                self.__dict__["count"] = 0
                return self._get_page([], 1, self)
            return None
        self.__dict__["count"] = keys[0][1]
        pks = [key for key, _total in keys]
        return self._get_page(in_key_order(self.object_list.filter(pk__in=pks).order_by(), pks), number, self)
