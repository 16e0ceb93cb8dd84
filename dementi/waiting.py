"""Waiting without hanging: one interruptible sleep, one retry-with-backoff loop (sync and async), and
one exponential delay for retries whose attempt count is persisted (``Backoff.delay``).

WHY one module: every long-running part of dementi waits for something that may never come (a
broker, the Bot API, the next poll) and must still stop at once on SIGTERM. Written out at each
place, ``wait_for(stop.wait(), d)`` and hand-rolled ``delay = min(delay * 2, cap)`` loops drifted
apart (different caps, some forgetting to re-check the stop flag); here they are written once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep up to ``seconds``; return True as soon as ``stop`` is set, False when the time ran out."""
    try:
        await asyncio.wait_for(stop.wait(), max(0.0, seconds))
    except asyncio.TimeoutError:
        return False
    return True


@dataclass
class Backoff:
    """Exponential delays ``first, first*factor, ...`` capped at ``cap``; ``reset()`` after a success."""

    first: float = 0.5
    cap: float = 5.0
    factor: float = 2.0
    _next: float = field(default=0.0, init=False, repr=False)

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._next = self.first

    def next(self) -> float:
        delay = self._next
        self._next = min(delay * self.factor, self.cap)
        return delay

    def delay(self, attempt: int) -> float:
        """The delay before retry number ``attempt`` (0 = the first), without state: for retries
        whose count is stored elsewhere (an outbox row, a feed's failures, a hub subscription)."""
        return min(self.cap, self.first * self.factor ** min(attempt, 64))


OnRetry = Callable[[BaseException, float], None]


def retry(attempt: Callable[[], T], *, errors: tuple[type[BaseException], ...], timeout: float,
          backoff: Backoff | None = None, on_retry: OnRetry | None = None) -> T:
    """``attempt()`` until it returns. On one of ``errors``: ``on_retry(error, delay)`` (say so), sleep,
    try again; once ``timeout`` seconds have passed, the last error is raised."""
    backoff = backoff or Backoff()
    deadline = time.monotonic() + timeout
    while True:
        try:
            return attempt()
        except errors as exc:
            left = deadline - time.monotonic()
            if left <= 0:
                raise
            delay = min(backoff.next(), left)
            if on_retry is not None:
                on_retry(exc, delay)
            time.sleep(delay)


async def aretry(attempt: Callable[[], Awaitable[T]], *, errors: tuple[type[BaseException], ...],
                 stop: asyncio.Event, backoff: Backoff | None = None,
                 on_retry: OnRetry | None = None) -> T | None:
    """``await attempt()`` until it returns, retrying on ``errors`` like :func:`retry`, for as long as
    ``stop`` is not set (then None): a service that must ride out an outage, not give up."""
    backoff = backoff or Backoff()
    while not stop.is_set():
        try:
            return await attempt()
        except errors as exc:
            delay = backoff.next()
            if on_retry is not None:
                on_retry(exc, delay)
            if await sleep_or_stop(stop, delay):
                return None
    return None
