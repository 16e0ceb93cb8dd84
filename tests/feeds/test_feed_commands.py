"""Source commands: the reply logic on a real feeds file and status snapshot, then the real
python-telegram-bot handlers against the Bot API test server (/feeds for everyone; edits: admin
allowed, others refused; no double answer)."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone

import pytest
from pydantic import SecretStr

from dementi.bot.app import build_application, make_services
from dementi.bot.handlers.feeds import feed_add_reply, feed_remove_reply, feeds_overview
from dementi.feedstatus import SourcesSnapshot, SourceStatus, write_snapshot
from dementi.feeds_file import add_feed, load_feeds
from tests.botapi.server import DEFAULT_TOKEN, BotApiServer

ADMIN, STRANGER = 7001, 7002


@pytest.fixture
def admin_settings(settings, tmp_path):
    feeds_file = tmp_path / "feeds.yaml"
    feeds_file.write_text("feeds:\n  - name: gazette\n    url: https://gazette.example/rss?a=1&b=2\n    lang: fr\n"
                          "  - name: broken\n    url: https://broken.example/feed\n"
                          "  - name: paused\n    url: https://paused.example/feed\n    enabled: false\n")
    return settings.model_copy(update={"feeds_file": feeds_file, "admin_user_ids": [ADMIN]})


def test_overview_shows_each_source_from_the_status_snapshot(admin_settings):
    assert "the feed poller has not reported yet" in feeds_overview(admin_settings)
    assert "<b>gazette</b> — ⏳ not polled yet" in feeds_overview(admin_settings)
    now = time.time()
    at = lambda seconds_ago: datetime.fromtimestamp(now - seconds_ago, timezone.utc)  # noqa: E731
    write_snapshot(admin_settings.data_dir, SourcesSnapshot(generated_at=at(10), sources=[
        SourceStatus(name="gazette", health="ok", mode="poll", interval=240, last_ok_at=at(30),
                     last_item_at=at(720), latencies=[40, 12, 35]),
        SourceStatus(name="broken", health="failing", failures=3, last_error="HTTP 500 <Internal Server Error>",
                     interval=300),
        SourceStatus(name="t.me/freedonia_mfa", kind="telegram", health="ok", mode="push", push_until=at(-86400 * 6),
                     last_item_at=at(7200), latencies=[0.8]),
    ]))
    text = feeds_overview(admin_settings, now=now)
    assert text.startswith("<b>3 source(s)</b>, 2 enabled, 1 pushed (status of 10s ago):")
    assert "• <b>gazette</b> — ✅ ok · poll every 4m · last item 12m ago · p50 35s" in text
    assert "• <b>broken</b> — ⚠️ 3 failure(s): HTTP 500 &lt;Internal Server Error&gt; · poll every 5m" in text
    assert "• <b>paused</b> — ⏸ disabled" in text
    assert "gazette.example" not in text  # no URLs: /feeds answers in any chat

    add_feed(admin_settings.feeds_file, "https://t.me/s/freedonia_mfa")
    text = feeds_overview(admin_settings, now=now)
    assert "<b>t.me/freedonia_mfa</b> (Telegram) — ✅ ok · push (lease 6d) · last item 2h ago · p50 0.8s" in text


def test_add_and_remove_replies_edit_the_file(admin_settings):
    ok = feed_add_reply(admin_settings, ["https://www.ministry.example/press/rss.xml", "en"])
    assert ok.startswith("✅ Added <b>ministry.example/press</b>")
    added = load_feeds(admin_settings.feeds_file)[-1]
    assert (added.name, added.lang, added.max_age) == ("ministry.example/press", "en", 2 * 86400)
    assert "already exists" in feed_add_reply(admin_settings, ["https://www.ministry.example/press/rss.xml"])
    assert "Not added" in feed_add_reply(admin_settings, ["ftp://nope.example/x"])
    assert "Not added" in feed_add_reply(admin_settings, ["https://ok.example/rss", "klingon!"])
    assert feed_add_reply(admin_settings, []).startswith("Usage")

    assert "Removed <b>gazette</b>" in feed_remove_reply(admin_settings, ["gazette"])
    assert "No feed named" in feed_remove_reply(admin_settings, ["gazette"])
    assert feed_remove_reply(admin_settings, []).startswith("Usage")
    assert [f.name for f in load_feeds(admin_settings.feeds_file)] == ["broken", "paused", "ministry.example/press"]


def test_overview_reports_a_broken_file(admin_settings):
    admin_settings.feeds_file.write_text("feeds:\n  - url: nope\n")
    assert "cannot be read" in feeds_overview(admin_settings) and "line 2" in feeds_overview(admin_settings)


async def test_handlers_on_real_ptb_against_the_bot_api_server(admin_settings):
    with BotApiServer() as server:
        settings = admin_settings.model_copy(update={"telegram_token": SecretStr(DEFAULT_TOKEN),
                                                     "telegram_api_url": server.url})
        # the bot's own Application (its command table, gate and "unknown command" reply), polled
        # without the notifier: these commands need no Kafka
        services = make_services(settings)
        app = build_application(settings, services)
        await app.initialize()
        await app.start()
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            async def ask(chat: int, user: int, *words: str) -> str:
                before = len(server.messages(chat))
                server.send_command(chat, words[0], *words[1:], user_id=user)
                return (await server.await_reply(chat, before, timeout=10)).text

            assert "Only bot admins" in await ask(STRANGER, STRANGER, "feed_add", "https://evil.example/rss")
            assert "3 source(s), 2 enabled" in await ask(STRANGER, STRANGER, "feeds")  # read only, for everyone
            assert "evil.example" not in admin_settings.feeds_file.read_text()
            added = await ask(ADMIN, ADMIN, "feed_add", "https://news.example/world/rss.xml", "fr")
            assert "Added" in added and "news.example/world" in added
            listing = await ask(ADMIN, ADMIN, "feeds")
            assert "4 source(s)" in listing and "news.example/world" in listing
            assert "Removed" in await ask(ADMIN, ADMIN, "feed_remove", "news.example/world")
            assert "news.example/world" not in admin_settings.feeds_file.read_text()
            # A chat's updates are handled in order: once the "unknown command" answer to a command
            # that does fall through has come, an extra answer to any earlier one would be there too.
            assert "Unknown command" in await ask(ADMIN, ADMIN, "sentinel")
            assert len(server.messages(ADMIN)) == 4 and len(server.messages(STRANGER)) == 2
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
            services.store.close()


async def test_wired_into_the_real_bot(admin_settings, kafka_bootstrap, tmp_path):
    """bot/app.py registers the feed commands: the full bot answers /feeds with the feed list."""
    from tests.bot.conftest import RULES_YAML, start_bot

    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    (rules_dir / "rules.yaml").write_text(RULES_YAML, encoding="utf-8")
    with BotApiServer() as server:
        settings = admin_settings.model_copy(update={
            "kafka_bootstrap": kafka_bootstrap, "telegram_token": SecretStr(DEFAULT_TOKEN),
            "telegram_api_url": server.url, "rules_dir": rules_dir})
        bot = await start_bot(settings, server)
        try:
            assert "3 source(s), 2 enabled" in await bot.command(STRANGER, "/feeds", user_id=STRANGER)
            assert "Only bot admins" in await bot.command(STRANGER, "/feed_remove gazette", user_id=STRANGER)
            # a chat's updates are answered in order: an "unknown command" answer to /feed_remove
            # would come before the answer to the next command
            assert "no subscriptions" in await bot.command(STRANGER, "/subs", user_id=STRANGER)
            assert len(server.messages(STRANGER)) == 3  # no extra "unknown command" answer
        finally:
            bot.stop.set()
            await asyncio.wait_for(bot.task, 30)
