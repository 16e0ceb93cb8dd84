"""Per-source health and latency, from the poller's hooks to Prometheus and the status snapshot.

Why measured here: the promise "within a second" must hold from the source, not from Kafka, so
the poller times each article from the entry's publication to Kafka's acknowledgement and keeps
the last delays per source. Prometheus gets histograms per source and mode (poll/push); ``/feeds``
and ``dementi feeds status`` read the floor snapshot (``dementi.feedstatus``) written from here.

What counts as a delay: publication -> Kafka ack when the entry is dated; discovery -> ack when it
is not (or is dated in the future); nothing for a feed's first poll (its backlog) or for an entry
dated more than a day before it was found (an archive resurfacing says nothing about our speed).
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timezone

from dementi import metrics
from dementi.feedstatus import KEPT_LATENCIES, SourcesSnapshot, SourceStatus, read_snapshot, write_snapshot
from dementi.records import Article
from dementi.feeds_file import FeedConfig

log = logging.getLogger(__name__)

WRITE_EVERY = 5.0  # seconds between two snapshot writes at most
OLDEST_SAMPLE = 86400.0


def _at(epoch: float | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, tz=timezone.utc) if epoch else None


def article_delay(article: Article, acked_at: float) -> float | None:
    """Seconds from the entry's publication (or discovery) to its Kafka ack; None = not a sample."""
    found = article.ingested_at.timestamp() if article.ingested_at else acked_at
    if article.published_at is not None:
        published = article.published_at.timestamp()
        if published <= acked_at:
            return acked_at - published if found - published <= OLDEST_SAMPLE else None
    return max(0.0, acked_at - found)


class StatusBoard:
    """Listens to one poller; ``snapshot()`` / ``maybe_write()`` publish what it learned."""

    def __init__(self, settings, poller, subscriptions=None):
        self.settings = settings
        self.poller = poller
        self.subscriptions = subscriptions  # a SubscriptionStore when WebSub runs
        previous = read_snapshot(settings.data_dir)
        self._sources: dict[str, SourceStatus] = previous.by_name() if previous else {}
        for source in self._sources.values():
            source.articles = 0  # "since the poller started"
        self._last_write = float("-inf")
        self._stored: dict = {}
        self.dirty = True
        poller.on_published.append(self.published)
        poller.on_polled.append(self.polled)

    def _source(self, feed: FeedConfig) -> SourceStatus:
        source = self._sources.get(feed.name)
        if source is None:
            source = self._sources[feed.name] = SourceStatus(name=feed.name, kind=feed.kind)
        return source

    # --- hooks -------------------------------------------------------------------------------
    def published(self, feed: FeedConfig, articles: list[Article], acked_at: float, how: str) -> None:
        source = self._source(feed)
        mode = "push" if how == "push" else "poll"
        for article in articles:
            metrics.SOURCE_ARTICLES.labels(source=feed.name, mode=mode).inc()
            source.articles += 1
            when = article.published_at or article.ingested_at
            if when is not None and (source.last_item_at is None or when >= source.last_item_at):
                source.last_item_at, source.last_item_title = when, article.title[:200] or None
            if how == "backlog":
                continue
            delay = article_delay(article, acked_at)
            if delay is not None:
                metrics.SOURCE_ARTICLE_LATENCY.labels(source=feed.name, mode=mode).observe(delay)
                source.latencies = (source.latencies + [round(delay, 3)])[-KEPT_LATENCIES:]
        self.dirty = True

    def polled(self, feed: FeedConfig, result) -> None:
        if result.error:
            outcome = "error"
        elif result.not_modified:
            outcome = "not_modified"
        else:
            outcome = "new" if result.new else "nothing_new"
        metrics.FEED_POLLS.labels(result=outcome).inc()
        self.dirty = True

    # --- the snapshot ------------------------------------------------------------------------
    def snapshot(self, feeds: list[FeedConfig]) -> SourcesSnapshot:
        now = self.poller.clock.time()
        if not self._stored:  # what earlier runs left, once; then what this poller saved
            self._stored = {s.name: s for s in self.poller.store.all_states()}
        states = {**self._stored, **self.poller.states}
        subs = {s.feed: s for s in self.subscriptions.all()} if self.subscriptions is not None else {}
        sources = []
        for feed in feeds:
            state = states.get(feed.name)
            if state is not None and state.url != feed.url:
                state = None  # the feed moved: its old state says nothing
            sub = subs.get(feed.name)
            pushed = feed.name in self.poller.pushed and sub is not None and sub.live(now)
            if not feed.enabled:
                health = "disabled"
            elif state is not None and state.failures:
                health = "failing"
            else:
                health = "ok" if state is not None and state.last_ok else "pending"
            update = {"kind": feed.kind, "enabled": feed.enabled, "adaptive": feed.interval is None, "health": health,
                      "mode": "push" if pushed else "poll", "push_until": _at(sub.expires_at) if pushed else None}
            if state is not None:
                update.update(interval=state.interval, failures=state.failures, last_error=state.last_error,
                              last_ok_at=_at(state.last_ok),
                              next_poll_at=_at(self.poller.next_due(feed)) if feed.enabled else None)
            sources.append(self._source(feed).model_copy(update=update))
        return SourcesSnapshot(generated_at=_at(now), sources=sources)

    async def maybe_write(self, feeds: list[FeedConfig], force: bool = False) -> bool:
        """Write the snapshot when something changed (at most every WRITE_EVERY s unless forced).
        Built here, serialised and written in a thread: the poll loop does not wait on the disk."""
        if not force and (not self.dirty or time.monotonic() - self._last_write < WRITE_EVERY):
            return False
        snapshot = self.snapshot(feeds)
        self._last_write, self.dirty = time.monotonic(), False
        try:
            await asyncio.to_thread(write_snapshot, self.settings.data_dir, snapshot)
        except OSError as exc:  # a full disk must not stop the poller
            log.warning("source status not written: %s", exc)
            return False
        return True
