"""Entry points around the poller: one round (``poll_once``) and the long-running loop.

The loop schedules each feed independently (its own adaptive interval, its own backoff), so one
slow or dead feed never delays the others, and it re-reads the feeds file when it changes, so the
``/feed_add`` and ``/feed_remove`` admin commands take effect without a restart. A feeds file
that became invalid is reported and the last good list is kept.

Polls take a token of the global request budget; due feeds are served oldest-due first, so a
short budget delays every feed alike. The adaptive intervals are stretched by one common factor
when their sum would exceed the budget (``schedule.stretch_factor``), instead of leaving the
bucket to sort it out by lateness.

Failures are reported in ONE line per polling round (``RoundReport``), not one per feed: on a
machine without internet every feed fails at once, and 22 warnings before anything useful is
noise. The per-feed errors are at DEBUG, in ``dementi feeds --once`` and in /feeds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from dementi import metrics
from dementi.kafka.topics import ensure_topics
from dementi.settings import Settings
from dementi.streams.feeds.budget import RequestBudget
from dementi.streams.feeds.clock import SYSTEM_CLOCK, Clock
from dementi.feeds_file import FeedConfig, FeedsConfigError, load_feeds
from dementi.streams.feeds.poller import FeedPoller, FeedResult, PollSummary

log = logging.getLogger(__name__)

from dementi.streams.feeds.schedule import stretch_factor
from dementi.streams.feeds.status import WRITE_EVERY, StatusBoard

RELOAD_CHECK_SECONDS = 5.0
STOP_GRACE_SECONDS = 5.0
STRETCH_EVERY = 30.0  # clock seconds between two computations of the budget stretch
LATE_WARNING = 60.0  # warn when the budget keeps a due feed waiting longer than this
SHOWN_NAMES = 8
SUMMARY_EVERY = 300.0  # seconds: at most one summary line per this while feeds keep failing or recovering


class RoundReport:
    """Collects the feeds' results and logs one summary line per round: when the first round is
    complete, then at most once per ``every`` seconds while feeds fail or recover (failing feeds
    are retried with backoff, each on its own schedule)."""

    def __init__(self, every: float = SUMMARY_EVERY):
        self.every = every
        self.failing: dict[str, str] = {}
        self.recovered: set[str] = set()
        self.changed = False
        self.first_round_done = False
        self.last = time.monotonic()

    def add(self, result: FeedResult) -> None:
        if result.error:
            self.failing[result.name] = result.error
            self.recovered.discard(result.name)
            self.changed = True
        elif result.name in self.failing:
            del self.failing[result.name]
            self.recovered.add(result.name)
            self.changed = True

    def maybe_log(self, enabled: int, first_round_running: bool) -> None:
        if first_round_running:
            return
        first = not self.first_round_done
        self.first_round_done = True
        if not (first or (self.changed and time.monotonic() - self.last >= self.every)):
            return
        self.last, self.changed = time.monotonic(), False
        if self.failing:
            names = sorted(self.failing)
            shown = ", ".join(names[:SHOWN_NAMES]) + (f" (+{len(names) - SHOWN_NAMES} more)" if len(names) > SHOWN_NAMES else "")
            kinds = Counter(error.split(";")[0][:60] for error in self.failing.values()).most_common(2)
            why = "; ".join(f"{kind} ×{n}" if n > 1 else kind for kind, n in kinds)
            log.warning("feeds: %d of %d unreachable or failing (%s): %s; retried with backoff. Details: "
                        "`dementi feeds --once` or /feeds", len(names), enabled, why, shown)
        if self.recovered:
            log.info("feeds: %d reachable again: %s", len(self.recovered), ", ".join(sorted(self.recovered)))
            self.recovered.clear()


async def apoll_once(settings: Settings, feeds: list[FeedConfig], bootstrap: str, *,
                     create_topics: bool = True,
                     on_result: Callable[[FeedResult], None] | None = None,
                     producer_options: dict | None = None) -> PollSummary:
    """One polling round over all enabled feeds (ignoring schedules); returns the per-feed summary."""
    if create_topics:
        await asyncio.to_thread(ensure_topics, settings, bootstrap)
    async with FeedPoller(settings, bootstrap, producer_options=producer_options) as poller:
        board = StatusBoard(settings, poller)
        summary = await poller.poll_round(feeds, on_result)
        await board.maybe_write(feeds, force=True)
        return summary


def poll_once(settings: Settings, feeds: list[FeedConfig], bootstrap: str, **options) -> PollSummary:
    """Synchronous wrapper of ``apoll_once`` (same keyword options) for scripts, cron and sync tests."""
    return asyncio.run(apoll_once(settings, feeds, bootstrap, **options))


class _FeedsFileWatcher:
    """Reloads the feeds file when its mtime changes; keeps the last good list on errors."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._mtime: float | None = None
        self.feeds: list[FeedConfig] = []

    def refresh(self) -> bool:
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            mtime = None
        if mtime == self._mtime:
            return False
        self._mtime = mtime
        try:
            feeds = load_feeds(self.path)
        except FeedsConfigError as exc:
            log.error("feeds file not (re)loaded, keeping %d feed(s): %s", len(self.feeds), exc)
            return False
        self.feeds = feeds
        log.info("feeds file %s: %d feed(s), %d enabled", self.path, len(feeds), sum(f.enabled for f in feeds))
        return True


class _LateWarning:
    """One warning per minute at most while the budget keeps due feeds waiting."""

    def __init__(self) -> None:
        self._last = float("-inf")

    def __call__(self, waiting: int, late: float, settings: Settings) -> None:
        if late < LATE_WARNING or time.monotonic() - self._last < 60:
            return
        self._last = time.monotonic()
        log.warning("request budget exhausted: %d due feed(s) waiting, the oldest %.0fs late; raise "
                    "DEMENTI_FEED_REQUESTS_PER_MINUTE (%g) or DEMENTI_FEED_MAX_INTERVAL (%g s)", waiting, late,
                    settings.feed_requests_per_minute, settings.feed_max_interval)


def _stretch(poller: FeedPoller, feeds: list[FeedConfig], budget: RequestBudget) -> float:
    """The budget stretch of the adaptive intervals, given what fixed and pushed feeds take."""
    adaptive, reserved = [], 0.0
    for feed in feeds:
        if not feed.enabled:
            continue
        if feed.name in poller.pushed:
            reserved += 1.0 / poller.bounds.max
        elif feed.interval is not None:
            reserved += 1.0 / feed.interval
        else:
            adaptive.append(poller.base_intervals.get(feed.name, poller.bounds.clamp(poller.bounds.unknown)))
    return stretch_factor(adaptive, poller.bounds.max, budget.rate, reserved=reserved)


def _launch_due(poller: FeedPoller, feeds: list[FeedConfig], in_flight: dict[str, asyncio.Task],
                budget: RequestBudget, now: float, warn: _LateWarning) -> float:
    """Start the polls that are due, oldest-due first, while the budget has tokens; returns the
    clock seconds until something else becomes due."""
    queue = sorted((poller.next_due(f), f.name, f) for f in feeds if f.enabled and f.name not in in_flight)
    for index, (due, _, feed) in enumerate(queue):
        if due > now:
            return due - now
        if not budget.try_take(now):
            scheduled = [d for d, _, _ in queue[index:] if 0 < d <= now]  # never polled: first round
            if scheduled:
                warn(len(queue) - index, now - min(scheduled), poller.settings)
            return budget.wait_time(now)
        task = asyncio.create_task(poller.poll_feed(feed), name=f"feed:{feed.name}")
        in_flight[feed.name] = task
        task.add_done_callback(lambda t, name=feed.name: in_flight.pop(name, None))
    return RELOAD_CHECK_SECONDS


async def run_forever(settings: Settings, bootstrap: str, stop: asyncio.Event,
                      feeds_file: Path | None = None, *, clock: Clock = SYSTEM_CLOCK,
                      poller: FeedPoller | None = None) -> None:
    """Poll every enabled feed when due until ``stop`` is set, then finish in-flight polls.

    ``clock``: a faster clock for benches; ``poller``: a ready poller (benches read its state)."""
    watcher = _FeedsFileWatcher(feeds_file or settings.feeds_file)
    watcher.refresh()
    await asyncio.to_thread(ensure_topics, settings, bootstrap)
    in_flight: dict[str, asyncio.Task] = {}
    budget = RequestBudget(settings.feed_requests_per_minute, clock)
    warn = _LateWarning()
    report = RoundReport()
    first_round: set[str] | None = None  # names still being polled in the first round
    async with poller or FeedPoller(settings, bootstrap, clock=clock) as poller:

        def polled(feed: FeedConfig, result: FeedResult) -> None:
            report.add(result)
            if first_round is not None:
                first_round.discard(feed.name)

        poller.on_polled.append(polled)
        pruned = poller.store.prune_seen()
        if pruned:
            log.info("forgot %d dedup key(s) older than the retention window", pruned)
        subscriber = await _start_websub(settings, poller, clock)
        if subscriber is not None:
            subscriber.set_feeds(watcher.feeds)
        board = StatusBoard(settings, poller, subscriber.store if subscriber is not None else None)
        last_reload, last_stretch = time.monotonic(), float("-inf")
        while not stop.is_set():
            if time.monotonic() - last_reload >= RELOAD_CHECK_SECONDS:
                if watcher.refresh() and subscriber is not None:
                    subscriber.set_feeds(watcher.feeds)
                last_reload = time.monotonic()
            now = clock.time()
            if now - last_stretch >= STRETCH_EVERY:
                poller.stretch = _stretch(poller, watcher.feeds, budget)
                last_stretch = now
            wait = _launch_due(poller, watcher.feeds, in_flight, budget, now, warn)
            if first_round is None:
                first_round = set(in_flight)
            report.maybe_log(sum(f.enabled for f in watcher.feeds), bool(first_round))
            await board.maybe_write(watcher.feeds)
            metrics.beat()
            await clock.wait(stop, max(0.05 * clock.speed, min(wait, WRITE_EVERY * clock.speed)))
        if in_flight:
            # A short grace: a poll cut off now is simply redone next start (nothing is marked
            # seen before Kafka acknowledged it), and supervisors SIGKILL slow stoppers.
            log.info("stopping: waiting up to %.0fs for %d in-flight poll(s)", STOP_GRACE_SECONDS, len(in_flight))
            done, pending = await asyncio.wait(list(in_flight.values()), timeout=STOP_GRACE_SECONDS)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await board.maybe_write(watcher.feeds, force=True)
        if subscriber is not None:
            await subscriber.stop()


async def _start_websub(settings: Settings, poller: FeedPoller, clock: Clock):
    """The WebSub subscriber when DEMENTI_PUBLIC_URL is set (None otherwise, or when its port is taken)."""
    if not settings.public_url:
        return None
    from dementi.streams.feeds.subscriber import WebSubSubscriber

    subscriber = WebSubSubscriber(settings, poller, clock=clock)
    if not await subscriber.start():
        await subscriber.stop()
        return None
    poller.on_fetched.append(subscriber.consider)
    return subscriber
