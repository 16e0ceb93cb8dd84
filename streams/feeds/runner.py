"""Entry points around the poller: one round (``poll_once``) and the long-running loop.

The loop schedules each feed independently (its own interval, its own backoff), so one slow or
dead feed never delays the others, and it re-reads the feeds file when it changes, so the
``/feed_add`` and ``/feed_remove`` admin commands take effect without a restart. A feeds file
that became invalid is reported and the last good list is kept.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path

from dementi.settings import Settings
from dementi.streams.feeds.config import FeedConfig, FeedsConfigError, load_feeds
from dementi.streams.feeds.poller import FeedPoller, FeedResult, PollSummary
from dementi.streams.topics import ensure_topics

log = logging.getLogger(__name__)

RELOAD_CHECK_SECONDS = 5.0
STOP_GRACE_SECONDS = 5.0


async def apoll_once(settings: Settings, feeds: list[FeedConfig], bootstrap: str, *,
                     create_topics: bool = True,
                     on_result: Callable[[FeedResult], None] | None = None,
                     producer_options: dict | None = None) -> PollSummary:
    """One polling round over all enabled feeds (ignoring schedules); returns the per-feed summary."""
    if create_topics:
        await asyncio.to_thread(ensure_topics, settings, bootstrap)
    async with FeedPoller(settings, bootstrap, producer_options=producer_options) as poller:
        return await poller.poll_round(feeds, on_result)


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


async def run_forever(settings: Settings, bootstrap: str, stop: asyncio.Event,
                      feeds_file: Path | None = None) -> None:
    """Poll every enabled feed when due until ``stop`` is set, then finish in-flight polls."""
    watcher = _FeedsFileWatcher(feeds_file or settings.feeds_file)
    watcher.refresh()
    await asyncio.to_thread(ensure_topics, settings, bootstrap)
    in_flight: dict[str, asyncio.Task] = {}
    async with FeedPoller(settings, bootstrap) as poller:
        pruned = poller.store.prune_seen()
        if pruned:
            log.info("forgot %d dedup key(s) older than the retention window", pruned)
        last_reload = time.monotonic()
        while not stop.is_set():
            if time.monotonic() - last_reload >= RELOAD_CHECK_SECONDS:
                watcher.refresh()
                last_reload = time.monotonic()
            now = time.time()
            wait = RELOAD_CHECK_SECONDS
            for feed in watcher.feeds:
                if not feed.enabled or feed.name in in_flight:
                    continue
                remaining = poller.due(feed, now)
                if remaining <= 0:
                    task = asyncio.create_task(poller.poll_feed(feed), name=f"feed:{feed.name}")
                    in_flight[feed.name] = task
                    task.add_done_callback(lambda t, name=feed.name: in_flight.pop(name, None))
                else:
                    wait = min(wait, remaining)
            try:
                await asyncio.wait_for(stop.wait(), timeout=max(0.2, wait))
            except TimeoutError:
                pass
        if in_flight:
            # A short grace: a poll cut off now is simply redone next start (nothing is marked
            # seen before Kafka acknowledged it), and supervisors SIGKILL slow stoppers.
            log.info("stopping: waiting up to %.0fs for %d in-flight poll(s)", STOP_GRACE_SECONDS, len(in_flight))
            done, pending = await asyncio.wait(list(in_flight.values()), timeout=STOP_GRACE_SECONDS)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
