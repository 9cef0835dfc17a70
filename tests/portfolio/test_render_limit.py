"""The render allowance holds in every stretch of the window's length, not per window of the clock, and a
refused render takes nothing from it (portfolio.limits)."""

import time
from types import SimpleNamespace

import pytest
from django.core.cache import cache

from portfolio import limits
from portfolio.limits import RenderRefused, count_user_render

WINDOW = 600


class Clock:
    """The time the limiter and the cache's expiry both read (the test cache is in this process)."""

    def __init__(self, start: float):
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch, settings):
    # The slots expire by this process's clock: a cache in this process (whatever REDIS_URL says).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "render-limit-tests"}}
    cache.clear()
    # Just before a window of the clock starts: a count per fixed window would start again 2 s later.
    clock = Clock(time.time() // WINDOW * WINDOW + WINDOW - 1)
    monkeypatch.setattr(time, "time", clock)
    yield clock
    cache.clear()


def _allowed(user) -> bool | int:
    """True when the render may start, else the seconds the refusal asks to wait."""
    try:
        count_user_render(user)
    except RenderRefused as refused:
        return refused.retry_after
    return True


USER = SimpleNamespace(pk=101)
OTHER = SimpleNamespace(pk=102)


def test_the_allowance_holds_across_the_start_of_a_window_of_the_clock(clock, settings):
    settings.PORTFOLIO_RENDER_RATE = (2, WINDOW)
    assert [_allowed(USER), _allowed(USER)] == [True, True]
    clock.now += 2  # a new window of the clock: the two renders were 2 s ago
    assert _allowed(USER) == WINDOW - 2
    assert _allowed(OTHER) is True  # each user's own
    clock.now += WINDOW - 2 - 1
    assert _allowed(USER) == 1
    clock.now += 1  # a whole window after the two renders
    assert _allowed(USER) is True
    assert _allowed(USER) is True
    assert _allowed(USER) == WINDOW


def test_a_refused_render_takes_nothing_from_the_allowance(clock, settings):
    settings.PORTFOLIO_RENDER_RATE = (1, WINDOW)
    assert _allowed(USER) is True
    waits = []
    for _ in range(3):  # asking again and again while refused
        clock.now += 100
        waits.append(_allowed(USER))
    assert waits == [WINDOW - 100, WINDOW - 200, WINDOW - 300]
    clock.now += WINDOW - 300
    assert _allowed(USER) is True


def test_slots_taken_by_another_request_meanwhile_refuse_with_the_earliest_wait(clock, settings, monkeypatch):
    settings.PORTFOLIO_RENDER_RATE = (2, WINDOW)
    assert _allowed(USER) is True
    clock.now += 10
    assert _allowed(USER) is True
    clock.now += 10
    first_read = []

    class Meanwhile:
        """The cache, but its first read sees the slots free: another request takes them before the add."""

        def get_many(self, keys):
            if not first_read:
                first_read.append(keys)
                return {}
            return cache.get_many(keys)

        def add(self, *args, **kwargs):
            return cache.add(*args, **kwargs)

    monkeypatch.setattr(limits, "cache", Meanwhile())
    assert _allowed(USER) == WINDOW - 20
    assert first_read


def test_a_large_allowance_is_counted_whole_and_read_a_few_slots_at_a_time(clock, settings, monkeypatch):
    settings.PORTFOLIO_RENDER_RATE = (120, WINDOW)  # slots in three reads
    assert all(_allowed(USER) is True for _ in range(120))
    assert _allowed(USER) == WINDOW
    settings.PORTFOLIO_RENDER_RATE = (100_000, WINDOW)  # as good as no limit (the benchmark's)
    read = []

    class Counting:
        def get_many(self, keys):
            read.extend(keys)
            return cache.get_many(keys)

        def add(self, *args, **kwargs):
            return cache.add(*args, **kwargs)

    monkeypatch.setattr(limits, "cache", Counting())
    assert _allowed(OTHER) is True
    assert len(read) == limits.SLOTS_READ_AT_ONCE


def test_a_slot_given_back_is_freed_only_while_it_holds_its_own_render(clock, settings):
    settings.PORTFOLIO_RENDER_RATE = (1, WINDOW)
    first = count_user_render(USER)
    limits.give_back(first)  # this render gave no file: the slot is free again
    assert _allowed(USER) is True
    late = count_user_render(OTHER)
    clock.now += WINDOW  # the slot expired, and another render of the same user took it
    assert _allowed(OTHER) is True
    limits.give_back(late)  # too late: the slot is the other render's now
    assert _allowed(OTHER) == WINDOW
