"""Security review (issue 12), Low: a feed URL with credentials (https://user:pass@host/feed) never
shows them: not in the feed's generated name, not in /feeds, not in the poller's logs."""

from __future__ import annotations

import logging

from dementi.bot.handlers.feeds import feed_add_reply, feed_remove_reply, feeds_overview
from dementi.feeds_file import load_feeds, name_from_url
from dementi.streams.feeds.poller import FeedPoller

URL = "http://reader:s3cr3t-pw@127.0.0.1:9/private/rss"


def test_generated_feed_names_carry_no_credentials():
    assert name_from_url("https://bob:s3cr3t@news.example/world/rss.xml") == "news.example/world"
    assert name_from_url("https://bob@news.example:8443/") == "news.example:8443"


def test_feeds_overview_and_logs_hide_credentials(feed_settings, kafka_bootstrap, tmp_path, caplog):
    settings = feed_settings.model_copy(update={"feeds_file": tmp_path / "feeds.yaml"})
    added = feed_add_reply(settings, [URL])
    feed = load_feeds(settings.feeds_file)[0]
    assert feed.url == URL and "s3cr3t" not in feed.name  # the file keeps it, the name does not
    assert "s3cr3t" not in added and "127.0.0.1:9/private/rss" in added

    async def poll():
        async with FeedPoller(settings, kafka_bootstrap) as poller:
            return await poller.poll_feed(feed)

    import asyncio

    with caplog.at_level(logging.DEBUG):
        result = asyncio.run(poll())
    assert result.error  # nothing listens on port 9
    assert "s3cr3t" not in caplog.text and "s3cr3t" not in result.error
    assert "s3cr3t" not in feeds_overview(settings) and "s3cr3t" not in feed_remove_reply(settings, [feed.name])
