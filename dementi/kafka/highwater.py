"""The real end of a partition: the high watermark a fetch response carries.

WHY: on the embedded broker ``end_offsets`` is the last batch's base offset + 1 (stack.md quirk 3),
so anything that reads "up to the end" from it (faust's table recovery, a count of the records
ever written) stops short of the last batch. We seek to that under-estimate (the tail of the last
batch, never past it, so the fetch carries at most one small batch), fetch once and read the
watermark the fetch brings back; on a real cluster the answer is the same as ``end_offsets``. A
fresh group-less consumer per call, so a watermark that is not None was read by THIS call, never a
stale one, and nothing is committed.

Users: the story stage's table recovery (``kafka.internals``) and the notifier's article count for
/status (``bot/notify/article_rate.py``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from contextlib import closing

from kafka import KafkaConsumer, TopicPartition

from dementi.kafka.options import ClientOptions


def _consumer(options: ClientOptions, client_id: str, timeout: float) -> KafkaConsumer:
    ms = int(timeout * 1000)
    # allow_auto_create_topics=False: an auto-created topic would get the wrong partitions
    return KafkaConsumer(**options.kafka_python(
        client_id, group_id=None, enable_auto_commit=False, allow_auto_create_topics=False,
        request_timeout_ms=max(ms, 1000), bootstrap_timeout_ms=ms, fetch_max_wait_ms=50,
        fetch_max_bytes=64 * 1024, max_partition_fetch_bytes=64 * 1024))


def _read(consumer: KafkaConsumer, tps: list[TopicPartition], timeout: float) -> dict[TopicPartition, int]:
    consumer.assign(tps)
    for tp, offset in consumer.end_offsets(tps, timeout_ms=int(timeout * 1000)).items():
        consumer.seek(tp, offset)  # under-estimate on Tansu: the tail of the last batch
    deadline = time.monotonic() + timeout
    while True:
        highs = {tp: consumer.highwater(tp) for tp in tps}
        if all(h is not None for h in highs.values()):
            return highs
        if time.monotonic() > deadline:
            missing = [f"{tp.topic}[{tp.partition}]" for tp, h in highs.items() if h is None]
            raise TimeoutError(f"no high watermark for {', '.join(missing)} within {timeout:.0f}s")
        consumer.poll(timeout_ms=100, max_records=1, update_offsets=False)


def fetch_highwaters(options: ClientOptions, partitions: Iterable[tuple[str, int]], timeout: float = 10.0,
                     client_id: str = "dementi-highwaters") -> dict[tuple[str, int], int]:
    """The fetch high watermark of each (topic, partition). Raises on an unreachable broker or when
    a partition's watermark did not arrive within ``timeout`` seconds."""
    tps = [TopicPartition(t, p) for t, p in partitions]
    if not tps:
        return {}
    with closing(_consumer(options, client_id, timeout)) as consumer:
        return {(tp.topic, tp.partition): high for tp, high in _read(consumer, tps, timeout).items()}


def topic_total(options: ClientOptions, topic: str, timeout: float = 5.0,
                client_id: str = "dementi-highwaters") -> int:
    """Records ever written to ``topic``: the sum of its partitions' fetch high watermarks (0 when
    the topic does not exist; it is not created). Raises like ``fetch_highwaters``."""
    with closing(_consumer(options, client_id, timeout)) as consumer:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            return 0
        return sum(_read(consumer, [TopicPartition(topic, p) for p in sorted(partitions)], timeout).values())
