"""`dementi feeds` and `dementi tail` as users run them, against the REAL broker.

Alerts are published with kafka-python exactly as the detect worker would; their texts are invented."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from kafka import KafkaProducer

from dementi.records import Actor, Alert, Evidence
from dementi.settings import PROJECT_ROOT
from dementi.cli.feeds import feeds, tail
from tests.feeds.conftest import read_articles
from tests.feeds.server import Route, rss


pytestmark = pytest.mark.usefixtures("restore_logging")


def cli_env(settings, bootstrap: str | None) -> dict[str, str]:
    env = {"DEMENTI_DATA_DIR": str(settings.data_dir), "DEMENTI_TOPIC_PREFIX": settings.topic_prefix,
           "DEMENTI_CONSUMER_GROUP_PREFIX": settings.consumer_group_prefix, "DEMENTI_FEED_TIMEOUT": "1",
           "DEMENTI_LOG_LEVEL": "WARNING", "DEMENTI_FEED_INTERNAL_HOSTS": "127.0.0.1"}  # the local feed server
    if bootstrap:
        env["DEMENTI_KAFKA_BOOTSTRAP"] = bootstrap
    return env


def write_feeds(path, entries: list[tuple[str, str]]) -> None:
    path.write_text("feeds:\n" + "".join(f"  - name: {n}\n    url: {u}\n" for n, u in entries), encoding="utf-8")


def test_feeds_once_prints_per_feed_summary(tmp_path, feed_server, feed_settings, kafka_bootstrap):
    feed_server.routes["/ok.xml"] = Route(rss([{"title": "Envoy rejects summit invitation", "link": "https://n.example/1"}]),
                                          etag='"e1"')
    feeds_file = tmp_path / "feeds.yaml"
    write_feeds(feeds_file, [("ok", feed_server.url("/ok.xml")), ("broken", feed_server.url("/missing.xml"))])
    runner = CliRunner()
    env = cli_env(feed_settings, kafka_bootstrap)

    first = runner.invoke(feeds, ["--once", "--feeds", str(feeds_file), "--json"], env=env)
    assert first.exit_code == 0, first.output
    rows = {r["feed"]: r for r in map(json.loads, first.stdout.splitlines())}
    assert rows["ok"]["new"] == 1 and rows["ok"]["error"] is None
    assert rows["broken"]["error"].startswith("HTTP 404")

    table = runner.invoke(feeds, ["--once", "--feeds", str(feeds_file)], env={**env, "COLUMNS": "160"})
    assert table.exit_code == 0, table.output
    ok_row = next(line for line in table.stdout.splitlines() if "│ ok " in line)
    assert "yes" in ok_row  # not modified: the stored ETag was sent and answered with 304
    assert "HTTP 404" in table.stdout and "1 feed(s) failed" in table.stdout

    strict = runner.invoke(feeds, ["--once", "--feeds", str(feeds_file), "--strict"], env=env)
    assert strict.exit_code == 1
    assert [a.title for a in read_articles(kafka_bootstrap, feed_settings)] == ["Envoy rejects summit invitation"]


def test_feeds_needs_a_broker_and_a_valid_file(tmp_path, settings):
    runner = CliRunner()
    no_broker = runner.invoke(feeds, ["--once"], env=cli_env(settings, None))
    assert no_broker.exit_code == 1 and "DEMENTI_KAFKA_BOOTSTRAP is not set" in no_broker.output
    bad = tmp_path / "feeds.yaml"
    bad.write_text("feeds:\n  - url: https://a.example/x\n  - url: https://b.example/y\n    interval: later\n")
    result = runner.invoke(feeds, ["--once", "--feeds", str(bad)], env=cli_env(settings, "127.0.0.1:1"))
    assert result.exit_code == 1
    assert f"{bad} line 3: feeds[1]: field 'interval'" in result.output


def test_feeds_runs_until_sigterm_and_stops_cleanly(tmp_path, feed_server, feed_settings, kafka_bootstrap):
    feed_server.routes["/live.xml"] = Route(rss([{"title": "Ministry denies airspace incident", "link": "https://n.example/live"}]))
    feeds_file = tmp_path / "feeds.yaml"
    write_feeds(feeds_file, [("live", feed_server.url("/live.xml"))])
    env = {**os.environ, **cli_env(feed_settings, kafka_bootstrap), "DEMENTI_LOG_LEVEL": "INFO"}
    proc = subprocess.Popen([sys.executable, "-m", "dementi.cli", "feeds", "--feeds", str(feeds_file)],
                            cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 40
        while not feed_server.requests_for("/live.xml") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert feed_server.requests_for("/live.xml"), "the poller never fetched the feed"
        articles = []
        while not articles and time.monotonic() < deadline:
            articles = read_articles(kafka_bootstrap, feed_settings)
        # A feed added to the file (as /feed_add does) is picked up without a restart.
        feed_server.routes["/added.xml"] = Route(rss([{"title": "Envoy refuses the mediation offer",
                                                       "link": "https://n.example/added"}]))
        write_feeds(feeds_file, [("live", feed_server.url("/live.xml")), ("added", feed_server.url("/added.xml"))])
        while len(articles) < 2 and time.monotonic() < deadline:
            articles = read_articles(kafka_bootstrap, feed_settings)
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, output
    assert sorted(a.title for a in articles) == ["Envoy refuses the mediation offer", "Ministry denies airspace incident"]
    assert len(feed_server.requests_for("/live.xml")) == 1  # polled once: its 5 min interval is not over
    assert "Traceback" not in output


def make_alert(n: int, title: str) -> Alert:
    return Alert(rule_id=f"rule-{n}", rule_title="Official denial", severity="high",
                 article_id=f"art-{n}", article_url=f"https://n.example/{n}", article_title=title,
                 article_source="test-feed", evidence=Evidence(sentence=title),
                 denier=Actor(name="Ministry of Foreign Affairs of Bordurie", country="BRD", kind="ministry"))


def publish_alerts(bootstrap: str, topic: str, values: list[tuple[bytes, int | None]]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        for value, timestamp_ms in values:
            producer.send(topic, value=value, timestamp_ms=timestamp_ms).get(timeout=30)
    finally:
        producer.close()


def test_tail_json_from_beginning_skips_bad_records(feed_settings, kafka_bootstrap):
    first, second = make_alert(1, "Bordurie denies [sic] the report"), make_alert(2, "Bordurie refuses the mediation")
    publish_alerts(kafka_bootstrap, feed_settings.alerts_topic,
                   [(first.to_bytes(), None), (b"{not json", None), (second.to_bytes(), None)])
    env = cli_env(feed_settings, kafka_bootstrap)
    result = CliRunner().invoke(tail, ["--json", "--from-beginning", "--max", "2", "--idle-timeout", "20"], env=env)
    assert result.exit_code == 0, result.output
    got = [Alert.model_validate_json(line) for line in result.stdout.splitlines()]
    assert sorted(a.alert_id for a in got) == sorted([first.alert_id, second.alert_id])
    assert "skipped invalid record" in result.stderr

    pretty = CliRunner().invoke(tail, ["--from-beginning", "--max", "2", "--idle-timeout", "20"],
                                env={**env, "COLUMNS": "200"})
    assert pretty.exit_code == 0, pretty.output
    for text in ("Ministry of Foreign Affairs of Bordurie", "Official denial", "Bordurie denies [sic] the report",
                 "https://n.example/1", "Bordurie refuses the mediation"):
        assert text in pretty.stdout


def test_tail_shows_only_new_alerts_by_default(feed_settings, kafka_bootstrap):
    now = int(time.time() * 1000)
    old, new = make_alert(1, "An old denial from an hour ago"), make_alert(2, "A fresh denial")
    # Record timestamps decide what is "new": one from an hour ago, one stamped after tail starts.
    publish_alerts(kafka_bootstrap, feed_settings.alerts_topic,
                   [(old.to_bytes(), now - 3_600_000), (new.to_bytes(), now + 30_000)])
    env = cli_env(feed_settings, kafka_bootstrap)
    only_new = CliRunner().invoke(tail, ["--json", "--idle-timeout", "2"], env=env)
    assert only_new.exit_code == 0, only_new.output
    assert [Alert.model_validate_json(line).alert_id for line in only_new.stdout.splitlines()] == [new.alert_id]
    with_since = CliRunner().invoke(tail, ["--json", "--since", "2h", "--idle-timeout", "2"], env=env)
    assert len(with_since.stdout.splitlines()) == 2


def test_tail_group_resumes_from_committed_offsets(feed_settings, kafka_bootstrap):
    env = cli_env(feed_settings, kafka_bootstrap)
    publish_alerts(kafka_bootstrap, feed_settings.alerts_topic, [(make_alert(1, "First denial").to_bytes(), None)])
    run = lambda: CliRunner().invoke(tail, ["--json", "--group", "me", "--idle-timeout", "2"], env=env)  # noqa: E731
    first = run()
    assert first.exit_code == 0, first.output
    assert [json.loads(line)["article_title"] for line in first.stdout.splitlines()] == ["First denial"]
    publish_alerts(kafka_bootstrap, feed_settings.alerts_topic, [(make_alert(2, "Second denial").to_bytes(), None)])
    second = run()
    assert [json.loads(line)["article_title"] for line in second.stdout.splitlines()] == ["Second denial"]
