"""The global request budget (polls per minute, all feeds together) and per-host politeness.

Why both: the budget keeps a thousand feeds from turning dementi into a crawler (a token bucket
refilled at ``feed_requests_per_minute``; the poll loop takes one token per poll and serves due
feeds oldest-due first, so when tokens run short every feed is late by the same amount instead of
busy feeds starving quiet ones). Host slots keep many feeds of one publisher from arriving at
once (``feed_host_concurrency`` requests in flight per host:port), and a 429/503 with Retry-After
from a host holds back every feed of that host, not only the one that was told.
"""

from __future__ import annotations

import asyncio
from functools import lru_cache
from urllib.parse import urlsplit

from dementi.streams.feeds.clock import SYSTEM_CLOCK, Clock


class RequestBudget:
    """Token bucket on the poller's clock: ``per_minute`` tokens per minute, ``burst`` at most."""

    def __init__(self, per_minute: float, clock: Clock = SYSTEM_CLOCK, burst: float | None = None):
        self.rate = per_minute / 60.0
        self.capacity = burst if burst is not None else max(1.0, per_minute / 4)
        self.clock = clock
        self._tokens = self.capacity
        self._stamp = clock.time()

    def _refill(self, now: float) -> None:
        if now > self._stamp:
            self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now

    def try_take(self, now: float | None = None) -> bool:
        now = self.clock.time() if now is None else now
        self._refill(now)
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False

    def wait_time(self, now: float | None = None) -> float:
        """Seconds (of the clock) until one token is available."""
        now = self.clock.time() if now is None else now
        self._refill(now)
        return 0.0 if self._tokens >= 1.0 else (1.0 - self._tokens) / self.rate


@lru_cache(maxsize=4096)
def host_of(url: str) -> str:
    """The politeness key of a URL: host and port, lower case."""
    return urlsplit(url).netloc.lower()


class HostGate:
    """Per-host concurrency slots and "come back later" times."""

    def __init__(self, concurrency: int, clock: Clock = SYSTEM_CLOCK):
        self.concurrency = concurrency
        self.clock = clock
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._blocked_until: dict[str, float] = {}

    def slot(self, url: str) -> asyncio.Semaphore:
        host = host_of(url)
        if host not in self._slots:
            self._slots[host] = asyncio.Semaphore(self.concurrency)
        return self._slots[host]

    def block(self, url: str, seconds: float) -> None:
        """The host asked us to wait (429/503 Retry-After): no request to it before then."""
        host = host_of(url)
        until = self.clock.time() + seconds
        self._blocked_until[host] = max(until, self._blocked_until.get(host, 0.0))

    def blocked_until(self, url: str) -> float:
        return self._blocked_until.get(host_of(url), 0.0)
