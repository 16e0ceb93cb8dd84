"""Publishing records to Kafka with kafka-python (acks=all): used by `dementi publish`, the feed
watcher and the demo. Articles are keyed by id so one article always lands on one partition."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from kafka import KafkaProducer

from dementi.kafka.options import ClientOptions
from dementi.records import Article, Record

log = logging.getLogger(__name__)

SEND_TIMEOUT = 30.0  # seconds to wait for each acknowledgement after the flush


def make_producer(options: ClientOptions, client_id: str = "dementi-producer", **overrides) -> KafkaProducer:
    config = dict(acks="all", linger_ms=5, retries=5, max_request_size=8 * 1024 * 1024)
    config.update(overrides)
    return KafkaProducer(**options.kafka_python(client_id, **config))


def publish_records(producer: KafkaProducer, topic: str, records: Iterable[Record], key_attr: str = "id") -> int:
    """Send records and wait for every acknowledgement; returns how many were sent."""
    futures = []
    for record in records:
        key = str(getattr(record, key_attr, "") or "").encode("utf-8") or None
        futures.append(producer.send(topic, key=key, value=record.to_bytes()))
    producer.flush()
    for fut in futures:
        fut.get(timeout=SEND_TIMEOUT)  # raises on a failed send instead of losing it silently
    return len(futures)


def publish_articles(options: ClientOptions, topic: str, articles: Iterable[Article]) -> int:
    producer = make_producer(options)
    try:
        return publish_records(producer, topic, articles)
    finally:
        producer.close()
