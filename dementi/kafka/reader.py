"""Reading a topic from the CLI or a bot command: ``dementi deadletter``, ``dementi tail``, the dry
run of an uploaded rule on recent articles.

Why from the beginning, by manual assignment of every partition: the embedded broker reports wrong
end offsets (stack.md quirk 3), so ``seek_to_end`` and ``auto_offset_reset=latest`` cannot be
trusted; reading from the beginning and filtering (by timestamp, by count) is correct on any
broker. Without a group nothing is committed, so reading never disturbs anyone. With a ``group``
the group's committed offsets say "what I have not seen yet" across runs, which is also cheap on a
large real cluster. Bounded: ``records`` ends after ``idle`` seconds without a record.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from dementi.kafka.options import ClientOptions

log = logging.getLogger(__name__)

Stop = Callable[[], bool]


def _never() -> bool:
    return False


class TopicReader:
    """One topic, every partition. ``open()`` first; use as a context manager to close it."""

    def __init__(self, options: ClientOptions, topic: str, client_id: str, *, group: str | None = None,
                 **overrides: Any):
        config: dict[str, Any] = dict(enable_auto_commit=False, auto_offset_reset="earliest", group_id=group)
        if group:
            config.update(options.group())
        config.update(overrides)
        self.topic, self.group = topic, group
        self.consumer = KafkaConsumer(**options.kafka_python(client_id, **config))

    def partitions(self) -> list[TopicPartition]:
        return [TopicPartition(self.topic, p) for p in sorted(self.consumer.partitions_for_topic(self.topic) or ())]

    def open(self, stop: Stop = _never, wait: bool = False) -> bool:
        """Subscribe (group) or assign every partition from the beginning. False when the topic does
        not exist (or, with ``wait``, ``stop()`` became true before it did)."""
        if self.group:
            self.consumer.subscribe([self.topic])
            return True
        warned = False
        while not (partitions := self.partitions()):
            if not wait or stop():
                return False
            if not warned:
                log.warning("topic %s does not exist yet; waiting for it", self.topic)
                warned = True
            time.sleep(0.5)
        self.consumer.assign(partitions)
        self.consumer.seek_to_beginning(*partitions)
        return True

    @property
    def joined(self) -> bool:
        """Partitions are assigned (a group join takes a few seconds)."""
        return bool(self.consumer.assignment())

    def poll(self, timeout_ms: int = 500, max_records: int | None = None) -> list[ConsumerRecord]:
        batches = self.consumer.poll(timeout_ms=timeout_ms, max_records=max_records)
        return [record for batch in batches.values() for record in batch]

    def records(self, idle: float | None, stop: Stop = _never) -> Iterator[ConsumerRecord]:
        """Every record until ``idle`` seconds pass without one (None: follow until ``stop()``)."""
        last = time.monotonic()
        while not stop() and (idle is None or time.monotonic() - last < idle):
            got = self.poll()
            if got:
                last = time.monotonic()
            yield from got

    def commit(self) -> None:
        self.consumer.commit()

    def close(self) -> None:
        self.consumer.close()

    def __enter__(self) -> "TopicReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
