"""`dementi publish` (bad lines reported, good ones published) and the worker's broker errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from dementi.cli import cli
from dementi.records import Article
from dementi.streams.broker import EmbeddedBroker, free_port
from tests.streams.helpers import TopicReader, child_env, start_dementi, stop_process, wait_for

pytestmark = pytest.mark.integration


def _env(settings, bootstrap):
    return child_env(settings, bootstrap)


def _read_articles(bootstrap, settings, count, timeout=20.0) -> list[Article]:
    reader = TopicReader(bootstrap, settings.articles_topic, settings.topic_partitions)
    try:
        # The publisher has exited: every record it wrote is in the topic. Read up to the high
        # watermarks: what is there is all there is (no "wait and see if more arrives").
        wait_for(lambda: len(reader.poll()) >= count and reader.caught_up(), timeout,
                 f"{count} article(s) and the end of every partition")
        return [Article.from_bytes(r.value) for r in reader.poll()]
    finally:
        reader.close()


def test_publish_reports_bad_lines_and_still_publishes_good_ones(kafka_bootstrap, settings, tmp_path):
    path = tmp_path / "articles.jsonl"
    lines = [
        json.dumps({"url": "https://pub.example/1", "title": "Un", "body": "Premier article."}),
        "{ this is not json",
        json.dumps({"url": "https://pub.example/2", "title": "sans corps"}),
        "",
        json.dumps({"url": "https://pub.example/3", "body": "Troisième.", "lang": "fr"}),
        json.dumps({"body": 42}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["publish", str(path)], env=_env(settings, kafka_bootstrap))
    assert result.exit_code == 1, result.output
    assert f"{path}:2: not_json:" in result.stderr
    assert f"{path}:3: schema: body: Field required" in result.stderr
    assert f"{path}:6: schema: body:" in result.stderr
    assert ":4:" not in result.stderr and ":1:" not in result.stderr and ":5:" not in result.stderr
    assert "published 2 article(s)" in result.stderr and "3 bad line(s)" in result.stderr

    published = _read_articles(kafka_bootstrap, settings, 2)
    assert sorted(a.url for a in published) == ["https://pub.example/1", "https://pub.example/3"]
    assert all(a.id for a in published)


def test_publish_from_stdin_all_good_exits_zero(kafka_bootstrap, settings):
    data = json.dumps({"url": "https://pub.example/stdin", "body": "Par l'entrée standard."}) + "\n"
    result = CliRunner().invoke(cli, ["publish", "-"], input=data.encode(), env=_env(settings, kafka_bootstrap))
    assert result.exit_code == 0, result.output
    assert [a.url for a in _read_articles(kafka_bootstrap, settings, 1)] == ["https://pub.example/stdin"]


def test_publish_and_worker_without_bootstrap_say_what_to_do(settings):
    env = _env(settings, None)
    for args in (["worker"], ["publish", "-"]):
        result = CliRunner().invoke(cli, args, input=b"", env=env)
        assert result.exit_code != 0
        assert "DEMENTI_KAFKA_BOOTSTRAP" in result.output and "dementi run" in result.output


def test_worker_gives_up_on_unreachable_broker_with_clear_message(settings, tmp_path):
    log = tmp_path / "worker.log"
    bootstrap = f"127.0.0.1:{free_port()}"
    proc = start_dementi(["worker", "--connect-timeout", "2"], _env(settings, bootstrap), log)
    try:
        code = proc.wait(60)
    finally:
        stop_process(proc)
    text = log.read_text()
    assert code == 2, text
    assert "retrying" in text  # it did retry with backoff first
    assert "unreachable" in text and bootstrap in text


def test_worker_exits_nonzero_when_broker_is_lost(settings, tmp_path):
    broker = EmbeddedBroker(log_path=tmp_path / "broker.log").start()
    log, ready = tmp_path / "worker.log", tmp_path / "ready"
    rules = tmp_path / "no-rules"  # detection is not under test: skip loading language models
    rules.mkdir()
    env = child_env(settings, broker.bootstrap, DEMENTI_RULES_DIR=str(rules))
    proc = start_dementi(["worker", "--ready-file", str(ready), "--broker-lost-timeout", "2", "--stop-grace", "3"],
                         env, log)
    try:
        wait_for(ready.exists, 60, "worker ready", proc, log)
        broker.stop()
        code = proc.wait(60)
    finally:
        stop_process(proc)
        broker.stop()
    text = log.read_text()
    assert code == 3, text
    assert "lost the Kafka broker" in text
    assert not ready.exists()
