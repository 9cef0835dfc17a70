"""Limits on rendering report files: how often one user may ask, and how many renders one node runs.

Both are counted in the cache (Redis in production), so every web process of a node, and every node,
counts the same requests. A PDF of a district report takes seconds of a core: without these, one
person asking for eight at once kept everyone else waiting.

- per user: at most ``PORTFOLIO_RENDER_RATE`` (renders, seconds) renders in any stretch of that many
  seconds, on the pages and the API alike, in the request or in the background (a sliding window: a
  count per fixed window of the clock let a user render twice the allowance across a window's start);
- per node: at most ``PORTFOLIO_RENDERS_PER_NODE`` renders at the same time in the web processes of this
  machine (the background workers have their own concurrency).

A render the user may start but that gives no file (the node is busy, the request fails, another request
made the same background job a moment before) gives the user's slot back: only what renders counts.
"""

import math
import socket
import time
from contextlib import contextmanager, suppress
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

# A node's count of running renders expires after this, so a process killed mid-render frees its slot.
SLOT_TTL = 15 * 60
SLOTS_READ_AT_ONCE = 50


class Slot(NamedTuple):
    """A user's render slot taken by ``count_user_render``: its key and when it frees itself (its value)."""

    key: str
    frees_at: float


class RenderRefused(Exception):
    """A render that may not start now: the message for the user and the seconds to wait."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def _count(key: str, *, timeout: int) -> int:
    """Add one to the shared count ``key`` (created with ``timeout``) and return it; atomic in Redis."""
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


def count_user_render(user) -> Slot:
    """Count one render for ``user`` and return the slot it took (for ``give_back``); refuse it, and count
    nothing, when the user has rendered the allowance in the last window's length of seconds.

    The allowance is ``limit`` slots in the cache, each taken by one render for ``window`` seconds (an
    atomic add, so two requests at once never take the same slot): a render is allowed when a slot is
    free, and a slot frees itself exactly ``window`` seconds after the render that took it."""
    limit, window = settings.PORTFOLIO_RENDER_RATE
    keys = [f"render:user:{user.pk}:slot:{slot}" for slot in range(limit)]
    now = time.time()
    # Read a few slots at a time (slot key -> when it frees itself): a user far from a large allowance
    # finds a free one in the first read.
    for first in range(0, limit, SLOTS_READ_AT_ONCE):
        some = keys[first:first + SLOTS_READ_AT_ONCE]
        taken = cache.get_many(some)
        for key in some:
            if key not in taken and cache.add(key, now + window, timeout=window):
                return Slot(key, now + window)
    taken = cache.get_many(keys)  # every slot taken (some, maybe, by another request meanwhile)
    retry = max(1, math.ceil(min(taken.values(), default=now + 1) - now))
    raise RenderRefused(
        _("您短时间内生成报告文件过多（每%(window)s秒最多%(limit)s份），请%(seconds)s秒后再试。")
        % {"window": window, "limit": limit, "seconds": retry},
        retry,
    )


def give_back(slot: Slot | None) -> None:
    """Free a user's slot taken by ``count_user_render`` for a render that gave no file: only while it holds
    the value this render set (a slot expired meanwhile and taken by another render is that one's)."""
    if slot is not None and cache.get(slot.key) == slot.frees_at:
        cache.delete(slot.key)


def node_key() -> str:
    return f"render:node:{socket.gethostname()}"


@contextmanager
def render_slot(user_slot: Slot | None = None):
    """Hold one of this node's render slots while building and rendering a file; refuse when all are taken.
    ``user_slot``, the user's slot counted for this file, is given back when the node refuses and when the
    block fails: the user got no file."""
    key = node_key()
    running = _count(key, timeout=SLOT_TTL)
    if running > settings.PORTFOLIO_RENDERS_PER_NODE:
        _release(key)
        give_back(user_slot)
        raise RenderRefused(_("服务器正在生成其他报告文件，请稍后再试。"), 10)
    try:
        yield
    except BaseException:
        give_back(user_slot)
        raise
    finally:
        _release(key)


def _release(key: str) -> None:
    with suppress(ValueError):  # the count expired meanwhile
        cache.decr(key)
