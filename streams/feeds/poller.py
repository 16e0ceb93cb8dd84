"""The feed poller: fetch -> parse -> dedup -> (full text) -> Article -> Kafka, per feed.

Why the order of operations matters:
- A story is marked seen only AFTER Kafka acknowledged it (acks=all), and the feed's cache
  validators (ETag / Last-Modified) are saved only after that too. A crash or a broker outage
  in between therefore re-publishes (at-least-once; article ids are deterministic so duplicates
  collapse downstream) instead of losing the story behind a 304.
- The seen-check is repeated under one lock just before publishing, so the same story arriving
  through two feeds polled concurrently is published once.
- Every failure is confined to its feed: logged, counted, retried with exponential backoff and
  jitter (a server's Retry-After is honoured, for every feed of that host); the other feeds carry on.
- After each poll the feed's next interval follows its own publication rhythm (``schedule.py``);
  requests wait for a slot of their host (``budget.py``), never for another host's slow server.
"""

from __future__ import annotations

import asyncio
import logging
import random
from functools import partial
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
from kafka import KafkaProducer

from dementi.kafka.options import ClientOptions
from dementi.kafka.producer import make_producer, publish_records
from dementi.records import MAX_URL_CHARS, Article, normalise_url, stable_id
from dementi.settings import Settings
from dementi.streams.feeds.budget import HostGate
from dementi.streams.feeds.clock import SYSTEM_CLOCK, Clock
from dementi.feeds_file import FeedConfig, public_url
from dementi.streams.feeds.fetch import FEED_ACCEPT, PAGE_ACCEPT, FetchError, fetch, make_client
from dementi.streams.feeds.fulltext import charset_of, extract_main_text
from dementi.streams.feeds.parse import FeedEntry, FeedParseError, ParsedFeed, parse_feed
from dementi.streams.feeds.schedule import (Bounds, Hints, adaptive_interval, cache_max_age, next_interval,
                                            publication_rate, remember)
from dementi.streams.feeds.state import FeedState, FeedStore
from dementi.streams.feeds.telegram import parse_channel_page
from dementi.streams.feeds.text import detect_lang
from dementi.waiting import Backoff

log = logging.getLogger(__name__)

# A summary shorter than this is a teaser: worth fetching the page when full_text is on.
TEASER_CHARS = 600
# GUIDs this long (or URL-like) are globally unique in practice; short ones ("123") are not.
GLOBAL_GUID_MIN_CHARS = 16


@dataclass
class FeedResult:
    """Outcome of polling one feed once (one row of the ``dementi feeds --once`` table)."""

    name: str
    new: int = 0
    seen: int = 0
    old: int = 0  # older than the feed's max_age: remembered, not published
    not_modified: bool = False
    error: str | None = None
    warning: str | None = None
    status: int | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class PollSummary:
    results: list[FeedResult] = field(default_factory=list)

    @property
    def new(self) -> int:
        return sum(r.new for r in self.results)

    @property
    def seen(self) -> int:
        return sum(r.seen for r in self.results)

    @property
    def errors(self) -> int:
        return sum(1 for r in self.results if r.error)

    def by_name(self) -> dict[str, FeedResult]:
        return {r.name: r for r in self.results}


def dedup_keys(feed_name: str, entry: FeedEntry) -> list[str]:
    """Identity keys of an entry: its normalised link and its GUID (feed-scoped when short)."""
    keys = []
    if entry.link:
        keys.append("link:" + normalise_url(entry.link))
    if entry.guid:
        is_global = "://" in entry.guid or len(entry.guid) >= GLOBAL_GUID_MIN_CHARS
        keys.append("guid:" + entry.guid if is_global else f"guid:{feed_name}:{entry.guid}")
    return keys


def backoff_delay(failures: int, interval: float, cap: float, retry_after: float | None = None,
                  rng: random.Random | None = None) -> float:
    """Seconds until the next try of a failing feed: interval x 2^(failures-1), capped, with
    "equal jitter" (half fixed, half random) so failing feeds do not retry in lockstep."""
    rng = rng or random
    base = Backoff(first=interval, cap=max(cap, interval)).delay(max(failures, 1) - 1)
    delay = base / 2 + rng.uniform(0, base / 2)
    return max(delay, retry_after or 0.0)


def _truncate_utf8(text: str, max_bytes: int) -> str:
    data = text.encode("utf-8")
    return text if len(data) <= max_bytes else data[:max_bytes].decode("utf-8", errors="ignore")


class FeedPoller:
    """Polls feeds into the articles topic. Use as an async context manager."""

    def __init__(self, settings: Settings, bootstrap: str, *, store: FeedStore | None = None,
                 producer: KafkaProducer | None = None, client: httpx.AsyncClient | None = None,
                 producer_options: dict | None = None, clock: Clock = SYSTEM_CLOCK):
        self.settings = settings
        self.bootstrap = bootstrap
        self.store = store or FeedStore.for_data_dir(settings.ensure_data_dir())
        self._own_store = store is None
        self._producer = producer
        self._own_producer = producer is None
        self._producer_options = producer_options or {}
        self._client = client
        self._own_client = client is None
        self._publish_lock = asyncio.Lock()
        self._fetch_slots = asyncio.Semaphore(settings.feed_concurrency)
        self.clock = clock
        self.bounds = Bounds.from_settings(settings)
        self.hosts = HostGate(settings.feed_host_concurrency, clock)
        self.stretch = 1.0  # >= 1 when the global request budget is short (set by the poll loop)
        self.pushed: set[str] = set()  # feeds a live WebSub subscription delivers (polling = safety net)
        self.base_intervals: dict[str, float] = {}  # adaptive feeds' own interval, before any stretch
        self._hints: dict[str, Hints] = {}  # last <ttl>/sy:updatePeriod per feed (a 304 carries none)
        self._due: dict[tuple[str, str], float] = {}  # (name, url) -> next due, mirrors the store
        self.states: dict[str, FeedState] = {}  # each feed's state as last saved by this poller
        # Called after Kafka acknowledged a feed's new articles: (feed, articles, acked_at, how), how =
        # "poll", "push", or "backlog" (found on the feed's first poll: no latency to speak of).
        self.on_published: list[Callable[[FeedConfig, list[Article], float, str], None]] = []
        self.on_polled: list[Callable[[FeedConfig, FeedResult], None]] = []  # after every poll
        # Called after a successful poll with the parsed document: (feed, parsed, headers, fetched_url).
        self.on_fetched: list[Callable[[FeedConfig, ParsedFeed, dict, str], None]] = []

    async def __aenter__(self) -> "FeedPoller":
        if self._client is None:
            self._client = make_client(self.settings)
        # Load the language model now (slow, holding the GIL) rather than in the middle of
        # the first round, where it would eat into every concurrent fetch's timeout.
        await asyncio.to_thread(detect_lang, "warm up the language identifier model")
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._client is not None and self._own_client:
            await self._client.aclose()
            self._client = None
        if self._producer is not None and self._own_producer:
            producer, self._producer = self._producer, None
            await asyncio.to_thread(producer.close, 10)
        if self._own_store:
            self.store.close()

    # --- one feed ---------------------------------------------------------------------------
    async def poll_feed(self, feed: FeedConfig) -> FeedResult:
        """Poll one feed once. Never raises for feed problems: they land in ``FeedResult.error``."""
        result = await self._poll(feed)
        for listener in self.on_polled:
            listener(feed, result)
        return result

    async def _poll(self, feed: FeedConfig) -> FeedResult:
        result = FeedResult(name=feed.name)
        state = self.store.get_state(feed.name, feed.url)
        first = state.last_ok is None and not state.history
        url = self.source_url(feed)
        try:
            async with self.hosts.slot(url), self._fetch_slots:
                response = await fetch(self._client, url, max_bytes=self.settings.feed_max_bytes,
                                       timeout=self.settings.feed_timeout, etag=state.etag,
                                       last_modified=state.last_modified,
                                       accept=PAGE_ACCEPT if feed.telegram else FEED_ACCEPT)
            result.status = response.status
            hints = self._hints.get(feed.name, Hints()).merged(Hints(max_age=cache_max_age(response.headers)))
            if response.not_modified:
                result.not_modified = True
                self._succeeded(feed, state, response.status, hints, [])
                return result
            parse = partial(parse_channel_page, channel=feed.telegram) if feed.telegram else parse_feed
            parsed = await asyncio.to_thread(parse, response.content, response.headers, response.url)
        except (FetchError, FeedParseError) as exc:
            result.status = getattr(exc, "status", None) or result.status
            result.error = self._failed(feed, state, str(exc), getattr(exc, "retry_after", None), result.status)
            return result
        except Exception as exc:  # a bug on one feed's document: that feed fails (and backs off), never the task
            log.debug("feed %s: unexpected error", feed.name, exc_info=True)
            result.error = self._failed(feed, state, f"unexpected {type(exc).__name__}: {exc}", None, result.status)
            return result
        if parsed.warning:
            result.warning = parsed.warning
            log.info("feed %s: %s", feed.name, parsed.warning)
        try:
            discovered = await self._publish_new(feed, parsed, result, first)
        except Exception as exc:  # Kafka down, or a bug on one entry: this feed only, retried later
            result.new = 0
            result.error = self._failed(feed, state, f"publish failed: {type(exc).__name__}: {exc}", None,
                                        result.status)
            return result
        state.etag = response.headers.get("etag")
        state.last_modified = response.headers.get("last-modified")
        self._hints[feed.name] = parsed.hints
        self._succeeded(feed, state, response.status, hints.merged(parsed.hints), discovered)
        for listener in self.on_fetched:
            listener(feed, parsed, response.headers, response.url)
        return result

    async def ingest_push(self, feed: FeedConfig, parsed: ParsedFeed, received_at: float | None = None) -> FeedResult:
        """Publish the new entries of a document a WebSub hub pushed: the same dedup, full text,
        language and Kafka path as a poll. The poll schedule is left alone (the safety net).
        Raises when publishing fails (the callback then asks the hub to retry)."""
        result = FeedResult(name=feed.name)
        state = self.store.get_state(feed.name, feed.url)
        discovered = await self._publish_new(feed, parsed, result, pushed=True)
        if discovered:
            state.history = remember(state.history, discovered, received_at or self.clock.time())
            self.store.save_state(state)
        return result

    @property
    def client(self) -> httpx.AsyncClient:
        """The poller's HTTP client (pooled, same limits and timeouts for every request it makes)."""
        if self._client is None:
            raise RuntimeError("FeedPoller used outside `async with`")
        return self._client

    async def _publish_new(self, feed: FeedConfig, parsed: ParsedFeed, result: FeedResult,
                           first: bool = False, pushed: bool = False) -> list[float]:
        """Publish the entries not seen before; returns their publication times (the discovery
        time for an undated one, except on a feed's first poll, where it says nothing)."""
        fresh: list[tuple[FeedEntry, list[str]]] = []
        too_old: list[tuple[list[str], str, str]] = []
        batch_keys: set[str] = set()
        now = self.clock.time()
        discovered: list[float] = []
        oldest = now - feed.max_age if feed.max_age else None
        unusable = 0
        for entry in parsed.entries:
            if entry.link and len(entry.link) > MAX_URL_CHARS:  # no record can hold it: skip, never fail the feed
                unusable += 1
                continue
            keys = dedup_keys(feed.name, entry)
            if not keys:  # no link, no guid: identity from the title, scoped to the feed
                keys = [f"title:{feed.name}:{stable_id(entry.title)}"]
            if batch_keys.intersection(keys) or self.store.seen_any(keys):
                result.seen += 1
                continue
            batch_keys.update(keys)
            if entry.published_at is not None:
                discovered.append(entry.published_at.timestamp())
            elif not first:
                discovered.append(now)
            if oldest is not None and entry.published_at and entry.published_at.timestamp() < oldest:
                too_old.append((keys, feed.name, ""))
                continue
            fresh.append((entry, keys))
        if unusable:
            note = (f"{unusable} entr{'y' if unusable == 1 else 'ies'} skipped: link longer than "
                    f"{MAX_URL_CHARS} characters")
            result.warning = f"{result.warning}; {note}" if result.warning else note
            log.info("feed %s: %s", feed.name, note)
        if too_old:  # remembered so they are not re-examined (or published if max_age changes)
            self.store.mark_seen(too_old)
            result.old = len(too_old)
        if not fresh:
            return discovered
        articles = await asyncio.gather(*(self._article(feed, parsed, entry) for entry, _ in fresh))
        async with self._publish_lock:
            to_send = []
            for (entry, keys), article in zip(fresh, articles):
                if self.store.seen_any(keys):  # published meanwhile by another feed
                    result.seen += 1
                else:
                    to_send.append((keys, article))
            if not to_send:
                return discovered
            producer = await self._get_producer()
            await asyncio.to_thread(publish_records, producer, self.settings.articles_topic,
                                    [article for _, article in to_send])
            self.store.mark_seen([(keys, feed.name, article.id) for keys, article in to_send])
            result.new += len(to_send)
        acked_at = self.clock.time()
        how = "backlog" if first else "push" if pushed else "poll"
        for listener in self.on_published:
            listener(feed, [article for _, article in to_send], acked_at, how)
        log.info("feed %s: published %d new article(s)", feed.name, result.new)
        return discovered

    async def _article(self, feed: FeedConfig, parsed: ParsedFeed, entry: FeedEntry) -> Article:
        body = entry.content if len(entry.content) > len(entry.summary) else entry.summary
        if feed.full_text and not feed.telegram and entry.link and len(entry.content) < TEASER_CHARS:
            page_text = await self._full_text(feed, entry.link)
            if len(page_text) > len(body):
                body = page_text
        body = _truncate_utf8(body or entry.title, self.settings.max_body_bytes)
        lang = feed.lang or entry.lang or parsed.lang
        if not lang:
            lang = await asyncio.to_thread(detect_lang, f"{entry.title}\n{body}")
        url = entry.link or ""
        article_id = "" if url else stable_id("guid", feed.name, entry.guid or entry.title)
        return Article(id=article_id, url=url, title=entry.title, body=body, lang=lang, source=feed.name,
                       published_at=entry.published_at, ingested_at=self.clock.now())

    async def _full_text(self, feed: FeedConfig, url: str) -> str:
        """The article page's main text, or "" (the summary is then used): never fails the feed."""
        try:
            async with self.hosts.slot(url), self._fetch_slots:
                page = await fetch(self._client, url, max_bytes=self.settings.feed_max_bytes,
                                   timeout=self.settings.feed_timeout, accept=PAGE_ACCEPT)
            return await asyncio.to_thread(extract_main_text, page.content, page.url,
                                           charset_of(page.headers.get("content-type")))
        except FetchError as exc:
            log.info("feed %s: full text of %s unavailable (%s); using the summary", feed.name, url, exc)
            return ""

    async def _get_producer(self) -> KafkaProducer:
        if self._producer is None:
            options = ClientOptions.from_settings(self.settings, self.bootstrap)
            self._producer = await asyncio.to_thread(
                lambda: make_producer(options, "dementi-feeds", **self._producer_options))
        return self._producer

    # --- state bookkeeping ------------------------------------------------------------------
    def _succeeded(self, feed: FeedConfig, state: FeedState, status: int | None, hints: Hints,
                   discovered: list[float]) -> None:
        if state.failures:  # reported in the round summary (runner.RoundReport)
            log.debug("feed %s: recovered after %d failure(s)", feed.name, state.failures)
        now = self.clock.time()
        state.failures, state.last_error, state.last_ok, state.last_status = 0, None, now, status
        state.history = remember(state.history, discovered, now)
        base = adaptive_interval(publication_rate(state.history, now), self.bounds)
        if feed.interval is None:
            self.base_intervals[feed.name] = base
        state.interval = next_interval(fixed=feed.interval, base=base, hints=hints, bounds=self.bounds,
                                       stretch=self.stretch, pushed=feed.name in self.pushed)
        self._save(state, now + state.interval * random.uniform(0.9, 1.1))

    def _failed(self, feed: FeedConfig, state: FeedState, error: str, retry_after: float | None,
                status: int | None) -> str:
        """Record a failure and schedule the retry; returns the error as stored and shown (without
        the credentials a feed URL may carry)."""
        userinfo = urlsplit(feed.url).netloc.rpartition("@")[0]
        if userinfo:
            error = error.replace(userinfo, "***")
        state.failures += 1
        state.last_error, state.last_status = error, status
        interval = feed.interval or state.interval or self.bounds.clamp(self.bounds.unknown)
        delay = backoff_delay(state.failures, interval, self.settings.feed_backoff_max, retry_after)
        if status == 429 or (status == 503 and retry_after):
            self.hosts.block(self.source_url(feed), delay)  # the host asked us to slow down: all its feeds wait
        self._save(state, self.clock.time() + delay)
        # DEBUG: the long-running loop summarises failures in one line per round (runner.RoundReport),
        # `dementi feeds --once` prints a table, /feeds shows each feed's last error.
        log.debug("feed %s (%s) failed (%d in a row): %s; next try in %.0fs",
                  feed.name, public_url(self.source_url(feed)), state.failures, error, delay)
        return error

    # --- several feeds ----------------------------------------------------------------------
    async def poll_round(self, feeds: list[FeedConfig],
                         on_result: Callable[[FeedResult], None] | None = None) -> PollSummary:
        """Poll every enabled feed once, concurrently (bounded by ``feed_concurrency``).

        ``on_result`` is called as each feed finishes (progress display)."""

        async def one(feed: FeedConfig) -> FeedResult:
            result = await self.poll_feed(feed)
            if on_result is not None:
                on_result(result)
            return result

        results = await asyncio.gather(*(one(f) for f in feeds if f.enabled))
        return PollSummary(list(results))

    def source_url(self, feed: FeedConfig) -> str:
        """What to fetch: the feed's URL, or the channel's web preview (``telegram_web_url``)."""
        return self.settings.telegram_web_url + feed.telegram if feed.telegram else feed.url

    def _save(self, state: FeedState, next_due: float) -> None:
        state.next_due = next_due
        self._due[(state.name, state.url)] = next_due
        self.states[state.name] = state
        self.store.save_state(state)

    def next_due(self, feed: FeedConfig) -> float:
        """When ``feed`` should be polled next (clock seconds): its schedule, or later when its host
        asked us to wait."""
        due = self._due.get((feed.name, feed.url))
        if due is None:
            due = self._due[(feed.name, feed.url)] = self.store.get_state(feed.name, feed.url).next_due
        return max(due, self.hosts.blocked_until(self.source_url(feed)))

    def due(self, feed: FeedConfig, now: float | None = None) -> float:
        """Seconds until ``feed`` is due (<= 0: due now)."""
        return self.next_due(feed) - (now if now is not None else self.clock.time())
