"""Security review (issue 12), SSRF: feed URLs, every redirect and full-text article links may not
reach loopback, link-local, private, reserved or multicast addresses, checked when connecting (on
the resolved address, so a name pointing inside is caught too) unless the host is listed in
DEMENTI_FEED_INTERNAL_HOSTS. The test feed server runs on 127.0.0.1: the other feed tests reach
it through that allow-list (tests/feeds/conftest.py)."""

from __future__ import annotations

import logging

import pytest

from dementi.feeds_file import FeedConfig
from dementi.streams.feeds.fetch import FetchError, fetch, make_client
from dementi.streams.feeds.runner import poll_once
from tests.feeds.conftest import read_articles
from tests.feeds.server import Route, rss

ITEM = {"title": "Valmorian envoy denies border incident", "link": "https://news.example/v1",
        "guid": "https://news.example/v1", "description": "The envoy said nothing happened at the border."}


@pytest.fixture
def open_settings(feed_settings):
    """Feed settings WITHOUT the test allow-list: what a default install does."""
    return feed_settings.model_copy(update={"feed_internal_hosts": []})


async def _fetch(settings, url: str) -> str:
    async with make_client(settings) as client:
        with pytest.raises(FetchError) as exc:
            await fetch(client, url, max_bytes=1000, timeout=5)
    return str(exc.value)


@pytest.mark.parametrize("url, kind", [
    ("http://127.0.0.1:{port}/feed.xml", "loopback"),
    ("http://localhost:{port}/feed.xml", "loopback"),          # a name that resolves inside
    ("http://2130706433:{port}/feed.xml", "loopback"),          # 127.0.0.1 spelled as a number
    ("http://[::1]:{port}/feed.xml", "loopback"),
    ("http://[::ffff:127.0.0.1]:{port}/feed.xml", "loopback"),  # IPv4-mapped IPv6
    ("http://169.254.169.254/latest/meta-data/", "link-local"),  # cloud metadata
    ("http://10.1.2.3/feed.xml", "private"),
    ("http://192.168.0.10/feed.xml", "private"),
    ("http://0.0.0.0:{port}/feed.xml", "unspecified"),
    ("http://224.0.0.1/feed.xml", "multicast"),
])
async def test_internal_addresses_are_refused_before_any_byte_is_sent(open_settings, feed_server, url, kind):
    feed_server.routes["/feed.xml"] = Route(rss([ITEM]))
    port = feed_server.base.rsplit(":", 1)[1]
    message = await _fetch(open_settings, url.format(port=port))
    assert "refused" in message and kind in message and "DEMENTI_FEED_INTERNAL_HOSTS" in message
    assert feed_server.requests_for("/feed.xml") == []


def test_a_refused_feed_is_a_feed_error_not_a_crash(open_settings, feed_server, kafka_bootstrap):
    feed_server.routes["/feed.xml"] = Route(rss([ITEM]))
    result = poll_once(open_settings, [FeedConfig(url=feed_server.url("/feed.xml"), name="inside")],
                       kafka_bootstrap).by_name()["inside"]
    assert result.error and "DEMENTI_FEED_INTERNAL_HOSTS" in result.error and result.new == 0
    assert feed_server.requests == []


def test_every_redirect_is_checked(feed_settings, feed_server, kafka_bootstrap):
    # the allow-listed server redirects to another loopback address that is NOT allow-listed
    port = feed_server.base.rsplit(":", 1)[1]
    feed_server.routes["/hop.xml"] = Route(status=302, location=f"http://127.0.0.2:{port}/feed.xml")
    feed_server.routes["/feed.xml"] = Route(rss([ITEM]))
    result = poll_once(feed_settings, [FeedConfig(url=feed_server.url("/hop.xml"), name="hop")],
                       kafka_bootstrap).by_name()["hop"]
    assert result.error and "DEMENTI_FEED_INTERNAL_HOSTS" in result.error and "127.0.0.2" in result.error
    assert [r.path for r in feed_server.requests] == ["/hop.xml"]


def test_full_text_links_are_checked(feed_settings, feed_server, kafka_bootstrap, caplog):
    port = feed_server.base.rsplit(":", 1)[1]
    item = {**ITEM, "link": f"http://127.0.0.2:{port}/article.html", "guid": "guid-inside-article-001"}
    feed_server.routes["/teaser.xml"] = Route(rss([item]))
    feed_server.routes["/article.html"] = Route(b"<html><body><p>secret</p></body></html>", content_type="text/html")
    with caplog.at_level(logging.INFO, logger="dementi.streams.feeds.poller"):
        result = poll_once(feed_settings, [FeedConfig(url=feed_server.url("/teaser.xml"), name="teaser",
                                                      full_text=True)], kafka_bootstrap).by_name()["teaser"]
    assert result.error is None and result.new == 1
    assert feed_server.requests_for("/article.html") == []
    assert [a.body for a in read_articles(kafka_bootstrap, feed_settings)] == [ITEM["description"]]
    assert any("DEMENTI_FEED_INTERNAL_HOSTS" in r.getMessage() for r in caplog.records)


async def test_allow_list_by_host_name(open_settings, feed_server):
    feed_server.routes["/feed.xml"] = Route(rss([ITEM]))
    port = feed_server.base.rsplit(":", 1)[1]
    named = open_settings.model_copy(update={"feed_internal_hosts": ["localhost"]})
    async with make_client(named) as client:
        response = await fetch(client, f"http://localhost:{port}/feed.xml", max_bytes=100_000, timeout=5)
    assert response.status == 200 and b"Valmorian" in response.content
    assert "DEMENTI_FEED_INTERNAL_HOSTS" in await _fetch(named, f"http://127.0.0.1:{port}/feed.xml")  # the name only


def test_internal_hosts_setting_parses_names_addresses_and_networks(settings, monkeypatch):
    from dementi.settings import Settings

    monkeypatch.setenv("DEMENTI_FEED_INTERNAL_HOSTS", "intranet.example, 10.0.0.0/8,127.0.0.1,[::1]")
    assert Settings().feed_internal_hosts == ["intranet.example", "10.0.0.0/8", "127.0.0.1", "::1"]
    monkeypatch.setenv("DEMENTI_FEED_INTERNAL_HOSTS", "http://x.example/feed")
    with pytest.raises(Exception, match="feed_internal_hosts"):
        Settings()
