"""The poller's sense of time, injectable: the wall clock in production, a faster one in benches.

Why: the acceptance bench simulates an hour of 200 feeds publishing at their own rhythms; with a
clock that runs N times faster (shared by the simulated feed server and the poller) the hour takes
minutes, and every interval, backoff and latency is computed by the same code as in production.
Only scheduling goes through the clock: HTTP timeouts stay in real seconds.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone

from dementi.waiting import sleep_or_stop


class Clock:
    """Wall-clock time (epoch seconds) and sleeping on it."""

    speed = 1.0

    def time(self) -> float:
        return time.time()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), tz=timezone.utc)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / self.speed)

    async def wait(self, event: asyncio.Event, seconds: float) -> bool:
        """Wait for ``event`` at most ``seconds`` of this clock; True when it was set."""
        return await sleep_or_stop(event, max(0.0, seconds) / self.speed) or event.is_set()


class ScaledClock(Clock):
    """A clock that starts at ``start`` (epoch seconds; default now) and runs ``speed`` times faster
    than the wall clock. Thread-safe (pure arithmetic on ``time.monotonic``)."""

    def __init__(self, speed: float, start: float | None = None):
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = float(speed)
        self._origin = time.monotonic()
        self._start = time.time() if start is None else float(start)

    def time(self) -> float:
        return self._start + (time.monotonic() - self._origin) * self.speed


SYSTEM_CLOCK = Clock()
