"""Adaptive polling on the REAL poller: local feed servers (127.0.0.1), the real broker.

Each feed's next interval follows its rhythm and its publisher's hints; 429/503 with Retry-After
hold back the whole host; misbehaving publishers (slow, huge, rate-limiting, failing) never keep
other sources from being polled; the global request budget caps polls and serves every feed.
Every story here is invented."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
import yaml

from dementi.feeds_file import FeedConfig
from dementi.streams.feeds.poller import FeedPoller
from dementi.streams.feeds.runner import run_forever
from tests.feeds.conftest import read_articles
from tests.feeds.server import FeedServer, Route, http_date, rss

pytestmark = pytest.mark.integration


def items(gap: float, n: int = 20, prefix: str = "story", newest_ago: float = 0.0) -> list[dict]:
    """``n`` invented entries published ``gap`` seconds apart, the newest ``newest_ago`` s ago."""
    now = datetime.now(timezone.utc)
    return [{"title": f"Invented {prefix} {i}", "link": f"https://adaptive.example/{prefix}/{i}",
             "guid": f"https://adaptive.example/{prefix}/{i}", "description": f"Text of {prefix} {i}.",
             "date": format_datetime(now - timedelta(seconds=newest_ago + i * gap), usegmt=True)}
            for i in range(n)]


def feed(server: FeedServer, path: str, **options) -> FeedConfig:
    return FeedConfig(url=server.url(path), name=path.strip("/").removesuffix(".xml"), **options)


async def test_interval_follows_the_rhythm_and_the_publisher_hints(feed_server, feed_settings, kafka_bootstrap):
    busy = items(60, prefix="busy")
    feed_server.routes.update({
        "/busy.xml": Route(rss(busy)),
        "/daily.xml": Route(rss(items(86400, prefix="daily", newest_ago=7200))),
        "/cached.xml": Route(rss(items(60, prefix="cached")), etag='"c1"', headers={"Cache-Control": "public, max-age=600"}),
        "/ttl.xml": Route(rss(items(60, prefix="ttl"), channel_extra="<ttl>20</ttl>"), etag='"t1"'),
        "/sy.xml": Route(rss(items(60, prefix="sy"),
                             channel_extra="<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>4</sy:updateFrequency>")),
        "/slowpaced.xml": Route(rss(items(60, prefix="fixed"))),
        "/undated.xml": Route(rss([{"title": "Undated", "link": "https://adaptive.example/u", "date": None}])),
    })
    feeds = [feed(feed_server, p) for p in ("/busy.xml", "/daily.xml", "/cached.xml", "/ttl.xml", "/sy.xml",
                                            "/undated.xml")]
    feeds.append(feed(feed_server, "/slowpaced.xml", interval=45))
    async with FeedPoller(feed_settings, kafka_bootstrap) as poller:
        started = time.time()
        summary = await poller.poll_round(feeds)
        assert summary.errors == 0 and summary.new == 20 * 6 + 1
        states = {s.name: s for s in poller.store.all_states()}
        interval = {name: s.interval for name, s in states.items()}
        assert 60 < interval["busy"] < 90  # sqrt(60 s x 90 s)
        assert interval["daily"] == feed_settings.feed_max_interval
        assert interval["cached"] == 600  # Cache-Control: max-age
        assert interval["ttl"] == 1200  # <ttl>20</ttl> minutes
        assert interval["sy"] == 900  # hourly / 4
        assert interval["undated"] == 300  # rhythm unknown yet
        assert interval["slowpaced"] == 45  # fixed in the feeds file
        for name, state in states.items():
            assert 0.85 * state.interval <= state.next_due - started <= 1.15 * state.interval + 5, name
        assert len(states["busy"].history) == 20

        # 304s keep the hints: max-age comes with the 304, <ttl> is remembered from the last body.
        again = (await poller.poll_round([feeds[2], feeds[3]])).by_name()
        assert again["cached"].not_modified and again["ttl"].not_modified
        states = {s.name: s for s in poller.store.all_states()}
        assert (states["cached"].interval, states["ttl"].interval) == (600, 1200)

        # A quiet daily feed that starts a burst is polled sooner right away.
        feed_server.routes["/daily.xml"] = Route(rss(items(120, n=3, prefix="burst") +
                                                     items(86400, prefix="daily", newest_ago=7200)))
        await poller.poll_round([feeds[1]])
        burst = poller.store.get_state("daily", feeds[1].url)
        assert burst.interval < 600 and len(burst.history) == 23
    assert len(read_articles(kafka_bootstrap, feed_settings)) == 20 * 6 + 1 + 3


async def test_retry_after_holds_back_the_whole_host_only(feed_server, second_server, feed_settings, kafka_bootstrap):
    feed_server.routes.update({
        "/limited.xml": Route(b"slow down", status=429, content_type="text/plain", headers={"Retry-After": "120"}),
        "/sibling.xml": Route(rss(items(60, prefix="sibling"))),
        "/maintenance.xml": Route(b"down", status=503, content_type="text/plain",
                                  headers={"Retry-After": http_date(datetime.now(timezone.utc) + timedelta(seconds=300))}),
    })
    second_server.routes.update({
        "/other.xml": Route(rss(items(60, prefix="other"))),
        "/broken.xml": Route(b"oops", status=500, content_type="text/plain"),
    })
    limited, sibling, maintenance = (feed(feed_server, p) for p in ("/limited.xml", "/sibling.xml", "/maintenance.xml"))
    other, broken = feed(second_server, "/other.xml"), feed(second_server, "/broken.xml")
    async with FeedPoller(feed_settings, kafka_bootstrap) as poller:
        await poller.poll_round([limited])
        now = time.time()
        assert poller.next_due(limited) >= now + 115
        # The sibling was never polled (due now by its own schedule) but its host asked us to wait.
        assert poller.next_due(sibling) >= now + 115
        results = (await poller.poll_round([other, broken, maintenance])).by_name()
        assert results["other"].new == 20 and results["broken"].status == 500
        assert results["maintenance"].status == 503
        now = time.time()
        assert poller.next_due(other) < now + 100  # another host: its own rhythm (~73 s)
        assert poller.next_due(limited) >= now + 280  # 503 Retry-After as an HTTP date, same host
        # A plain 500 is that feed's problem: its own backoff, not a block of its host.
        assert poller.hosts.blocked_until(broken.url) == 0
        assert poller.store.get_state("broken", broken.url).failures == 1


def _write_feeds(path, feeds: list[FeedConfig]) -> None:
    path.write_text(yaml.safe_dump({"feeds": [f.to_yaml_dict() for f in feeds]}), encoding="utf-8")


async def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await asyncio.to_thread(predicate)
        if value:
            return value
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


async def test_misbehaving_publishers_never_stall_other_sources(feed_server, second_server, feed_settings,
                                                                kafka_bootstrap, tmp_path):
    """Host A hangs (several feeds slower than the timeout), streams a huge page, rate-limits and
    fails; it may only use its own host slots. Host B's feed, which keeps publishing, is polled on
    its own rhythm meanwhile and its new entries reach Kafka."""
    settings = feed_settings.model_copy(update={
        "feed_min_interval": 0.5, "feed_max_interval": 2.0, "feed_adaptive_scale": 0.01,
        "feed_concurrency": 3, "feed_host_concurrency": 2, "feed_timeout": 2.0})
    for i in range(4):
        feed_server.routes[f"/hang{i}.xml"] = Route(rss(items(60, prefix=f"hang{i}")), delay=6.0)
    feed_server.routes.update({
        "/huge.xml": Route(stream_total=50 * 1024 * 1024, send_length=False),
        "/limited.xml": Route(b"no", status=429, content_type="text/plain", headers={"Retry-After": "3600"}),
        "/error.xml": Route(b"oops", status=502, content_type="text/plain"),
    })
    published: list[dict] = []
    second_server.routes["/live.xml"] = Route(render=lambda: rss(list(reversed(published))))
    bad = [feed(feed_server, f"/hang{i}.xml") for i in range(4)] + [
        feed(feed_server, p) for p in ("/huge.xml", "/limited.xml", "/error.xml")]
    feeds_file = tmp_path / "feeds.yaml"
    _write_feeds(feeds_file, [*bad, feed(second_server, "/live.xml")])

    stop = asyncio.Event()
    runner = asyncio.create_task(run_forever(settings, kafka_bootstrap, stop, feeds_file=feeds_file))
    try:
        await _wait_for(lambda: feed_server.requests_for("/hang0.xml") or feed_server.requests_for("/hang2.xml"),
                        20, "host A being polled")
        for n in range(3):
            published.append({"title": f"Invented live story {n}", "link": f"https://live.example/{n}",
                              "guid": f"https://live.example/{n}", "description": "Fresh news.",
                              "date": format_datetime(datetime.now(timezone.utc), usegmt=True)})
            await _wait_for(lambda n=n: any(a.url == f"https://live.example/{n}"
                                            for a in read_articles(kafka_bootstrap, settings)),
                            15, f"live story {n} on Kafka while host A misbehaves")
        live_polls = len(second_server.requests_for("/live.xml"))
    finally:
        stop.set()
        await asyncio.wait_for(runner, 30)
    assert live_polls >= 3
    # Host A never had more than its 2 slots: at most 2 of its hanging feeds were asked at once.
    hangs = sorted(r.at for i in range(4) for r in feed_server.requests_for(f"/hang{i}.xml"))
    assert all(later - earlier >= 1.5 for earlier, later in zip(hangs, hangs[2:])), hangs
    assert len(feed_server.requests_for("/limited.xml")) == 1  # Retry-After: 3600 obeyed
    assert feed_server.routes["/huge.xml"].bytes_sent < 20 * 1024 * 1024


async def test_request_budget_caps_polls_and_serves_every_feed(feed_server, feed_settings, kafka_bootstrap, tmp_path):
    settings = feed_settings.model_copy(update={
        "feed_min_interval": 0.2, "feed_max_interval": 0.5, "feed_requests_per_minute": 240,
        "feed_host_concurrency": 16, "feed_concurrency": 16})
    feeds = []
    for i in range(80):
        feed_server.routes[f"/b{i}.xml"] = Route(rss(items(60, n=2, prefix=f"b{i}")), etag=f'"{i}"')
        feeds.append(feed(feed_server, f"/b{i}.xml"))
    feeds_file = tmp_path / "feeds.yaml"
    _write_feeds(feeds_file, feeds)
    stop = asyncio.Event()
    runner = asyncio.create_task(run_forever(settings, kafka_bootstrap, stop, feeds_file=feeds_file))
    try:
        await _wait_for(lambda: len(feed_server.requests) >= 1, 20, "the first poll")
        first = feed_server.requests[0].at
        await _wait_for(lambda: {r.path for r in feed_server.requests} >= {f"/b{i}.xml" for i in range(80)},
                        30, "every feed polled once")
        await asyncio.sleep(3)
        elapsed = time.monotonic() - first
        count = len(feed_server.requests)
    finally:
        stop.set()
        await asyncio.wait_for(runner, 30)
    # 60 tokens at once (a quarter minute), then 4 per second: never more, although every feed
    # would be due every 0.2-0.5 s.
    assert count <= 60 + 4 * elapsed + 2, (count, elapsed)
    assert count >= 80
    # Oldest-due first: no feed was polled again and again while another still waited for its
    # first poll (arrivals may swap a little with launches, hence "at most 2").
    last_first = max(min(i for i, r in enumerate(feed_server.requests) if r.path == f"/b{n}.xml") for n in range(80))
    before = [r.path for r in feed_server.requests[:last_first]]
    assert max(before.count(path) for path in set(before)) <= 2
