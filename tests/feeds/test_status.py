"""Latency you can see: per-source delays measured by the REAL poller (local feed server, real
broker), the status snapshot it writes, `dementi feeds status` reading it, and the Prometheus
histograms (the poller's publication -> Kafka, the notifier's publication -> Telegram)."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from click.testing import CliRunner
from prometheus_client import REGISTRY

from dementi import metrics
from dementi.cli.feeds import feeds as feeds_cli
from dementi.feedstatus import SourcesSnapshot, SourceStatus, read_snapshot, short_duration, snapshot_path, write_snapshot
from dementi.records import Alert, Article, Evidence
from dementi.feeds_file import FeedConfig, save_feeds
from dementi.streams.feeds.runner import poll_once
from dementi.streams.feeds.status import article_delay
from tests.feeds.server import Route, rss
from tests.feeds.tme import Post, channel_page

NOW = datetime.now(timezone.utc)


def dated(n: int, ago: float, prefix: str = "s") -> dict:
    return {"title": f"Invented status story {prefix}{n}", "link": f"https://status.example/{prefix}{n}",
            "date": format_datetime(datetime.now(timezone.utc) - timedelta(seconds=ago), usegmt=True)}


def sample(name: str, labels: dict) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_what_counts_as_a_delay():
    acked = NOW.timestamp()
    article = lambda published, ingested: Article(body="x", published_at=published, ingested_at=ingested)  # noqa: E731
    assert article_delay(article(NOW - timedelta(seconds=42), NOW), acked) == pytest.approx(42)
    # Undated, or dated in the future (clock skew): since it was found.
    assert article_delay(article(None, NOW - timedelta(seconds=3)), acked) == pytest.approx(3)
    assert article_delay(article(NOW + timedelta(hours=2), NOW - timedelta(seconds=1)), acked) == pytest.approx(1)
    # An archive entry surfacing days later says nothing about our speed.
    assert article_delay(article(NOW - timedelta(days=3), NOW), acked) is None
    assert short_duration(0.84) == "0.8s" and short_duration(2) == "2s" and short_duration(35) == "35s"
    assert (short_duration(240), short_duration(7200), short_duration(6 * 86400)) == ("4m", "2h", "6d")


def test_poller_measures_each_source_and_writes_the_snapshot(feed_server, feed_settings, kafka_bootstrap):
    settings = feed_settings.model_copy(update={"telegram_web_url": feed_server.url("/s/")})
    feed_server.routes["/busy.xml"] = Route(rss([dated(1, 3600), dated(2, 1800)]))
    feed_server.routes["/down.xml"] = Route(b"oops", status=503, content_type="text/plain")
    feed_server.routes["/s/freedonia_mfa"] = Route(channel_page("freedonia_mfa", "MFA", [
        Post(1, "A first invented post.", NOW - timedelta(hours=2))]), content_type="text/html")
    feeds = [FeedConfig(url=feed_server.url("/busy.xml"), name="busy", lang="en"),
             FeedConfig(url=feed_server.url("/down.xml"), name="down"),
             FeedConfig(telegram="freedonia_mfa", lang="en"),
             FeedConfig(url=feed_server.url("/never.xml"), name="paused", enabled=False)]
    count = lambda name: sample("dementi_source_article_latency_seconds_count", {"source": name, "mode": "poll"})  # noqa: E731
    before = count("busy")

    poll_once(settings, feeds, kafka_bootstrap)
    first = read_snapshot(settings.data_dir).by_name()
    assert first["busy"].health == "ok" and first["busy"].articles == 2
    assert first["busy"].latencies == []  # the first poll is the feed's backlog: no delay to speak of
    assert first["busy"].last_item_title == "Invented status story s2"
    assert first["down"].health == "failing" and first["down"].last_error.startswith("HTTP 503")
    assert first["t.me/freedonia_mfa"].kind == "telegram" and first["t.me/freedonia_mfa"].health == "ok"
    assert first["paused"].health == "disabled"
    assert first["busy"].interval and first["busy"].next_poll_at > datetime.now(timezone.utc)
    assert first["busy"].mode == "poll"

    # New entries, published 5 and 20 seconds before this poll.
    feed_server.routes["/busy.xml"] = Route(rss([dated(4, 5), dated(3, 20), dated(1, 3600), dated(2, 1800)]))
    poll_once(settings, feeds, kafka_bootstrap)
    busy = read_snapshot(settings.data_dir).by_name()["busy"]
    assert len(busy.latencies) == 2 and 5 <= min(busy.latencies) < 15 and 20 <= max(busy.latencies) < 30
    assert 5 <= busy.latency_p50 < 30 and busy.last_item_title == "Invented status story s4"
    assert count("busy") == before + 2

    # `dementi feeds status` reads it, as a table and as JSON.
    feeds_file = settings.data_dir / "feeds.yaml"
    save_feeds(feeds_file, feeds)
    env = {"DEMENTI_DATA_DIR": str(settings.data_dir), "DEMENTI_LOG_LEVEL": "WARNING", "COLUMNS": "220"}
    table = CliRunner().invoke(feeds_cli, ["status", "--feeds", str(feeds_file)], env=env)
    assert table.exit_code == 0, table.output
    busy_row = next(line for line in table.stdout.splitlines() if "│ busy " in line)
    assert "ok" in busy_row and "poll" in busy_row and short_duration(busy.latency_p50) in busy_row
    assert "HTTP 503" in table.stdout and "disabled" in table.stdout and "telegram" in table.stdout
    rows = {r["name"]: r for r in map(json.loads, CliRunner().invoke(
        feeds_cli, ["status", "--feeds", str(feeds_file), "--json"], env=env).stdout.splitlines())}
    assert rows["busy"]["latency_p50"] == pytest.approx(busy.latency_p50) and rows["busy"]["latency_samples"] == 2
    assert rows["down"]["health"] == "failing" and rows["paused"]["health"] == "disabled"


def test_snapshot_file_is_replaced_whole_and_a_broken_one_is_ignored(tmp_path, caplog):
    write_snapshot(tmp_path, SourcesSnapshot(sources=[SourceStatus(name="a", latencies=[1, 2, 9])]))
    assert read_snapshot(tmp_path).by_name()["a"].latency_p50 == 2
    snapshot_path(tmp_path).write_text("{not json")
    with caplog.at_level(logging.WARNING):
        assert read_snapshot(tmp_path) is None
    assert "unreadable" in caplog.text
    assert read_snapshot(tmp_path / "nowhere") is None
    assert not list(tmp_path.glob(".sources.json.*"))  # no temp file left behind


def test_notifier_observes_publication_to_telegram_per_source():
    alert = Alert(rule_id="r", rule_title="t", article_id="a", article_source="src-lat", evidence=Evidence(sentence="s"),
                  published_at=NOW - timedelta(seconds=4))
    before = sample("dementi_source_alert_latency_seconds_count", {"source": "src-lat"})
    metrics.observe_source_sent(alert, NOW.timestamp())
    assert sample("dementi_source_alert_latency_seconds_count", {"source": "src-lat"}) == before + 1
    assert sample("dementi_source_alert_latency_seconds_bucket", {"source": "src-lat", "le": "5.0"}) >= 1
    metrics.observe_source_sent(alert.model_copy(update={"published_at": None, "ingested_at": None}), NOW.timestamp())
    assert sample("dementi_source_alert_latency_seconds_count", {"source": "src-lat"}) == before + 1
