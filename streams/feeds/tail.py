"""Reading alerts live from the alerts topic (``dementi tail``).

Why not ``auto_offset_reset=latest`` or ``seek_to_end``: the embedded broker reports wrong end
offsets (stack.md quirk 3). Without a group we assign every partition manually, read from the
beginning and skip records older than the start time (their Kafka timestamp), which is correct
on any broker. With a named group, the group's committed offsets give "what I have not seen yet"
across runs, which is also cheap on a large real cluster.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from kafka import KafkaConsumer, TopicPartition
from pydantic import ValidationError

from dementi.records import Alert
from dementi.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class BadAlert:
    """A record on the alerts topic that is not a valid Alert (shown, never fatal)."""

    partition: int
    offset: int
    reason: str


class _Joining:
    """Yielded instead of ``None`` while a consumer group is still being joined."""


_JOINING = _Joining()


def _consumer(settings: Settings, bootstrap: str, group: str | None) -> KafkaConsumer:
    config = dict(bootstrap_servers=bootstrap, client_id="dementi-tail", enable_auto_commit=False,
                  auto_offset_reset="earliest", consumer_timeout_ms=float("inf"))
    if group:
        config.update(group_id=f"{settings.consumer_group_prefix}.tail.{group}",
                      session_timeout_ms=int(settings.broker_session_timeout * 1000),
                      heartbeat_interval_ms=int(settings.broker_heartbeat_interval * 1000))
    else:
        config.update(group_id=None)
    return KafkaConsumer(**config)


def _wait_partitions(consumer: KafkaConsumer, topic: str, stop: Callable[[], bool]) -> list[TopicPartition]:
    warned = False
    while not stop():
        partitions = consumer.partitions_for_topic(topic)
        if partitions:
            return [TopicPartition(topic, p) for p in sorted(partitions)]
        if not warned:
            log.warning("topic %s does not exist yet; waiting for it", topic)
            warned = True
        time.sleep(0.5)
    return []


def iter_alerts(settings: Settings, bootstrap: str, *, since_ms: int | None = None, group: str | None = None,
                stop: Callable[[], bool] = lambda: False, poll_ms: int = 500) -> Iterator[Alert | BadAlert | _Joining | None]:
    """Yield alerts as they arrive (``None`` every ``poll_ms`` of silence, so callers can stop;
    a ``_Joining`` marker instead while the consumer group is not assigned yet).

    ``since_ms``: skip records whose timestamp is older (None = everything available).
    ``group``: use that consumer group's committed offsets instead of manual assignment.
    """
    consumer = _consumer(settings, bootstrap, group)
    topic = settings.alerts_topic
    try:
        if group:
            consumer.subscribe([topic])
        else:
            partitions = _wait_partitions(consumer, topic, stop)
            if not partitions:
                return
            consumer.assign(partitions)
            consumer.seek_to_beginning(*partitions)
        while not stop():
            batches = consumer.poll(timeout_ms=poll_ms)
            if not batches:
                # Silence only counts once we are reading (a group join takes a few seconds).
                yield None if consumer.assignment() else _JOINING
                continue
            records = sorted((r for batch in batches.values() for r in batch), key=lambda r: (r.timestamp, r.offset))
            for record in records:
                if since_ms is not None and record.timestamp < since_ms:
                    continue
                try:
                    yield Alert.from_bytes(record.value)
                except (ValidationError, ValueError) as exc:
                    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                    yield BadAlert(record.partition, record.offset, reason)
            if group:
                consumer.commit()
    finally:
        consumer.close()
