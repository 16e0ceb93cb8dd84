"""Fixtures of the feeds tests: a local feed server, settings with short timeouts and a small
size cap (so the "huge response" case stays cheap), and a reader of what reached Kafka."""

from __future__ import annotations

import logging
import time

import pytest
from kafka import KafkaConsumer, TopicPartition

from dementi.records import Article
from dementi.kafka.topics import ensure_topics
from tests.feeds.server import FeedServer


@pytest.fixture
def restore_logging():
    """CLI commands install their own log handler (on CliRunner's stream): undo it after the test."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def running(server):
    """Yield a started local server (feed server, hub), stopped afterwards: the body of fixtures."""
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def feed_server():
    yield from running(FeedServer())


@pytest.fixture
def second_server():
    """Another feed server: another host:port, so another publisher for the host slots."""
    yield from running(FeedServer())


@pytest.fixture
def feed_settings(settings, kafka_bootstrap):
    """Per-test settings (own topics/data dir) with 2 s timeouts and a 1 MB download cap. The local
    feed server is on 127.0.0.1, which the SSRF guard refuses unless allow-listed (test_ssrf.py)."""
    tuned = settings.model_copy(update={"feed_timeout": 2.0, "feed_max_bytes": 1_000_000,
                                        "feed_internal_hosts": ["127.0.0.1"]})
    ensure_topics(tuned, kafka_bootstrap)
    return tuned


def read_topic(bootstrap: str, topic: str, idle: float = 1.5, deadline: float = 20.0) -> list[bytes]:
    """Every record value on ``topic``: manual assignment from the beginning, stop after ``idle``
    seconds without news (end offsets are unreliable on the embedded broker)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                             auto_offset_reset="earliest")
    try:
        partitions = None
        end = time.monotonic() + deadline
        while not partitions and time.monotonic() < end:
            partitions = consumer.partitions_for_topic(topic)
        assert partitions, f"topic {topic} not found"
        tps = [TopicPartition(topic, p) for p in partitions]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        values: list[bytes] = []
        last_news = time.monotonic()
        while time.monotonic() - last_news < idle and time.monotonic() < end:
            batches = consumer.poll(timeout_ms=300)
            for batch in batches.values():
                values.extend(r.value for r in batch)
                last_news = time.monotonic()
        return values
    finally:
        consumer.close()


def read_articles(bootstrap: str, settings) -> list[Article]:
    return [Article.from_bytes(v) for v in read_topic(bootstrap, settings.articles_topic)]
