"""Security review (issue 12), Low: nothing a feed server or a feed entry sends can kill a feed task
(invalid URLs, IDNA errors, exception groups become per-feed errors), and the size cap applies to
the DECOMPRESSED body while it streams (a small gzip bomb must not inflate in memory first)."""

from __future__ import annotations

import gzip
import time
import tracemalloc

import httpx
import pytest

from dementi.feeds_file import FeedConfig
from dementi.streams.feeds.fetch import FetchError, fetch, make_client
from dementi.streams.feeds.poller import FeedPoller
from dementi.streams.feeds.runner import poll_once
from tests.feeds.conftest import read_articles
from tests.feeds.server import Route, rss


@pytest.mark.parametrize("url", ["http://[::1", "http://ex\x00ample.com/feed", "http://xn--/feed"])
async def test_invalid_urls_are_fetch_errors(feed_settings, url):
    async with make_client(feed_settings) as client:
        with pytest.raises(FetchError):
            await fetch(client, url, max_bytes=1000, timeout=2)


async def test_an_exception_group_from_the_transport_is_a_fetch_error():
    def explode(request):
        raise ExceptionGroup("connect attempts", [OSError("happy eyeballs 1"), OSError("happy eyeballs 2")])

    async with httpx.AsyncClient(transport=httpx.MockTransport(explode)) as client:
        with pytest.raises(FetchError, match="happy eyeballs"):
            await fetch(client, "https://news.example/feed.xml", max_bytes=1000, timeout=2)


async def test_a_feed_that_cannot_be_fetched_fails_alone_and_backs_off(feed_settings, kafka_bootstrap):
    feed = FeedConfig(url="http://xn--/feed.xml", name="broken-idna")
    async with FeedPoller(feed_settings, kafka_bootstrap) as poller:
        result = await poller.poll_feed(feed)  # raised IDNAError before: the feed task died, re-polled at once
        state = poller.store.get_state(feed.name, feed.url)
    assert result.error and result.new == 0
    assert state.failures == 1 and state.next_due > time.time()


def test_an_unfetchable_full_text_link_falls_back_to_the_summary(feed_server, feed_settings, kafka_bootstrap):
    item = {"title": "Osterlich denies the pipeline deal", "link": "http://xn--/article", "guid": "g-osterlich-00001",
            "description": "Osterlich said no deal was ever signed."}
    feed_server.routes["/t.xml"] = Route(rss([item]))
    result = poll_once(feed_settings, [FeedConfig(url=feed_server.url("/t.xml"), name="t", full_text=True)],
                       kafka_bootstrap).by_name()["t"]
    assert result.error is None and result.new == 1
    assert [a.body for a in read_articles(kafka_bootstrap, feed_settings)] == [item["description"]]


async def test_the_size_cap_applies_to_the_decompressed_body_while_streaming(feed_server, feed_settings):
    bomb = gzip.compress(b"\0" * 60_000_000, 9)  # ~60 KB on the wire, 60 MB once inflated
    feed_server.routes["/bomb.xml"] = Route(bomb, headers={"Content-Encoding": "gzip"})
    async with make_client(feed_settings) as client:
        tracemalloc.start()
        try:
            with pytest.raises(FetchError, match="cap"):
                await fetch(client, feed_server.url("/bomb.xml"), max_bytes=1_000_000, timeout=10)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 8_000_000, f"peak {peak / 1e6:.1f} MB while inflating a 60 KB body under a 1 MB cap"


async def test_gzip_and_deflate_bodies_still_decode(feed_server, feed_settings):
    import zlib

    doc = rss([{"title": "Plain story", "link": "https://news.example/p", "guid": "https://news.example/p"}])
    feed_server.routes["/gz.xml"] = Route(gzip.compress(doc), headers={"Content-Encoding": "gzip"})
    feed_server.routes["/df.xml"] = Route(zlib.compress(doc), headers={"Content-Encoding": "deflate"})
    async with make_client(feed_settings) as client:
        for path in ("/gz.xml", "/df.xml"):
            assert (await fetch(client, feed_server.url(path), max_bytes=100_000, timeout=5)).content == doc


async def test_an_unexpected_error_in_one_feed_is_that_feeds_error(feed_server, feed_settings, kafka_bootstrap,
                                                                   monkeypatch):
    import dementi.streams.feeds.poller as poller_module

    def broken_parser(*args, **kwargs):
        raise RuntimeError("parser bug on this document")

    monkeypatch.setattr(poller_module, "parse_feed", broken_parser)
    feed_server.routes["/x.xml"] = Route(rss([{"title": "t", "link": "https://news.example/x", "guid": "gx-0000000001"}]))
    feed = FeedConfig(url=feed_server.url("/x.xml"), name="x")
    async with FeedPoller(feed_settings, kafka_bootstrap) as poller:
        result = await poller.poll_feed(feed)
        assert poller.store.get_state(feed.name, feed.url).failures == 1
    assert "RuntimeError" in result.error and "parser bug" in result.error
