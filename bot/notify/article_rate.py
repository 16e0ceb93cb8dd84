"""How many articles reached the articles topic in the last hour, for ``/status`` — WITHOUT
consuming that topic (the detect worker does; the bot reads the stories).

Why this shape: the only cheap, exact counter Kafka offers is the partitions' high watermark (the
next offset to be written): its sum over partitions is "articles ever published". Sampling that
total every ``interval`` seconds into a bounded in-memory deque gives "articles in the last hour"
as ``total_now - total(sample closest to 1 h ago)``; before an hour has passed the window is "since
start". Memory stays O(hour / interval) samples; each sample is one short-lived, group-less
kafka-python consumer (metadata + list offsets + one small fetch per partition) in a thread.

The Tansu quirk (stack.md): ``end_offsets`` is too small, so the total is read from the fetch
high watermarks (``dementi.kafka.highwater.topic_total``, also used by the story stage's table
recovery). A fresh consumer per sample means a watermark read by THIS sample, never a stale one.

Failure tolerant: a broker that is down, slow or missing the topic makes a sample fail (logged
once per failure streak); ``/status`` then says "unknown" and the bot carries on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from dementi.kafka.highwater import topic_total
from dementi.kafka.options import ClientOptions
from dementi.waiting import sleep_or_stop

log = logging.getLogger(__name__)

HOUR = 3600.0
MAX_SAMPLES = 5000  # hard bound whatever the interval (60 s -> ~62 samples are ever kept)


@dataclass(frozen=True)
class Sample:
    at: float     # wall-clock seconds (same clock as the alert log's received_at)
    total: int    # sum of the partitions' high watermarks = articles ever published


@dataclass(frozen=True)
class Window:
    """Articles counted over [start, end]; ``full_hour`` False = the bot has not run an hour yet."""

    count: int
    start: float
    end: float
    full_hour: bool
    since_start: bool  # the base sample is the first one of this process (not a post-reset one)

    @property
    def minutes(self) -> int:
        return int((self.end - self.start) // 60)

    def label(self) -> str:
        if self.full_hour:
            return "in the last hour"
        return f"since start ({self.minutes} min)" if self.since_start else f"in the last {self.minutes} min"


def read_article_total(options: ClientOptions, topic: str, timeout: float = 5.0) -> int:
    """Sum of the fetch high watermarks of ``topic`` (0 if the topic does not exist yet).
    Raises on an unreachable broker or when a partition's watermark did not arrive in ``timeout``."""
    return topic_total(options, topic, timeout, client_id="dementi-bot-article-rate")


class ArticleRate:
    """Samples the articles topic's total every ``interval`` s (``run``) and answers ``window()``."""

    def __init__(self, options: ClientOptions | None, topic: str, interval: float = 60.0, timeout: float = 5.0,
                 clock: Callable[[], float] = time.time,
                 reader: Callable[[ClientOptions, str, float], int] = read_article_total):
        self.options, self.topic = options, topic
        self.interval, self.timeout = interval, timeout
        self.clock, self.reader = clock, reader
        self.samples: deque[Sample] = deque(maxlen=MAX_SAMPLES)
        self.first_at: float | None = None      # first sample of this process (for "since start")
        self.last_error: str | None = None      # set while the latest attempt failed
        self._lock = asyncio.Lock()

    def add(self, total: int, at: float | None = None) -> None:
        """Record one total. A total that went DOWN means the topic was recreated or the (in-memory)
        broker restarted: older samples are meaningless, start a new window."""
        at = self.clock() if at is None else at
        if self.samples and total < self.samples[-1].total:
            log.warning("articles topic %s total went down (%d -> %d): restarting the article count",
                        self.topic, self.samples[-1].total, total)
            self.samples.clear()
        if self.first_at is None:
            self.first_at = at
        self.samples.append(Sample(at, total))
        # keep exactly one sample older than an hour (the base of a full-hour window), drop the rest
        while len(self.samples) >= 2 and self.samples[1].at <= at - HOUR:
            self.samples.popleft()

    def window(self, now: float | None = None) -> Window | None:
        """Articles over the last hour (base = the sample closest to 1 h ago), or since the oldest
        sample when the bot has not run that long; None before the first successful sample."""
        if not self.samples:
            return None
        now = self.clock() if now is None else now
        latest = self.samples[-1]
        target = now - HOUR
        full = self.samples[0].at <= target
        base = min(self.samples, key=lambda s: abs(s.at - target)) if full else self.samples[0]
        return Window(count=latest.total - base.total, start=base.at, end=latest.at, full_hour=full,
                      since_start=base.at == self.first_at)

    async def sample_now(self) -> int | None:
        """Take one sample (in a thread: kafka-python blocks); None, logged, when it failed."""
        if self.options is None:
            self.last_error = "no Kafka bootstrap configured"
            return None
        async with self._lock:
            try:
                total = await asyncio.to_thread(self.reader, self.options, self.topic, self.timeout)
            except Exception as exc:  # noqa: BLE001 - /status says "unknown"; the bot must not fall over
                if self.last_error is None:
                    log.warning("cannot read the article count of %s from %s (%s); /status shows it as unknown",
                                self.topic, self.options.bootstrap, exc)
                self.last_error = f"{type(exc).__name__}: {exc}"[:200]
                return None
            if self.last_error is not None:
                log.info("article count of %s readable again", self.topic)
            self.last_error = None
            self.add(total)
            return total

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.sample_now()
            await sleep_or_stop(stop, self.interval)
