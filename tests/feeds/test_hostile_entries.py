"""Security review (issue 12): a hostile feed entry is capped at ingest, and one entry the record
cannot hold (a link longer than any real URL) is skipped with a warning, never failing its feed.
Every story here is invented."""

from __future__ import annotations

from dementi.records import MAX_TITLE_CHARS
from dementi.feeds_file import FeedConfig
from dementi.streams.feeds.runner import poll_once
from tests.feeds.conftest import read_articles
from tests.feeds.server import Route, rss

NORMAL = {"title": "Freedonian envoy denies the harbour report", "link": "https://news.example/h1",
          "guid": "https://news.example/h1", "description": "The envoy called the report baseless."}
HUGE_TITLE = {"title": "Gros titre " * 30_000, "link": "https://news.example/h2", "guid": "https://news.example/h2",
              "description": "Un court résumé."}
HUGE_LINK = {"title": "Lien démesuré", "link": "https://news.example/" + "x" * 5000, "guid": "g-huge-link-000001",
             "description": "Un autre résumé."}


def test_hostile_entries_are_capped_or_skipped_and_the_feed_carries_on(feed_server, feed_settings, kafka_bootstrap):
    feed_server.routes["/hostile.xml"] = Route(rss([NORMAL, HUGE_TITLE, HUGE_LINK]))
    result = poll_once(feed_settings, [FeedConfig(url=feed_server.url("/hostile.xml"), name="hostile")],
                       kafka_bootstrap).by_name()["hostile"]
    assert result.error is None and result.new == 2
    assert "1 entry" in (result.warning or "") and "link" in result.warning
    articles = {a.url: a for a in read_articles(kafka_bootstrap, feed_settings)}
    assert set(articles) == {NORMAL["link"], HUGE_TITLE["link"]}
    assert len(articles[HUGE_TITLE["link"]].title) <= MAX_TITLE_CHARS
