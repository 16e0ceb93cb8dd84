"""At-least-once across a graceful stop: a worker stopped (SIGTERM) in the middle of a stream, then
a new worker in the same group, together leave no record unprocessed.

Bad records are used as the workload because their output (one dead letter each, naming the
record's partition and offset) is cheap and needs no language model; the commit path is the same
as for alerts.
"""

from __future__ import annotations

import json

import pytest

from tests.streams.helpers import TopicReader, child_env, producer, start_dementi, stop_process, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]

N = 6000


def test_stop_mid_stream_then_restart_loses_nothing(kafka_bootstrap, settings, tmp_path):
    rules = tmp_path / "no-rules"
    rules.mkdir()
    env = child_env(settings, kafka_bootstrap, DEMENTI_RULES_DIR=str(rules), DEMENTI_LOG_LEVEL="ERROR")
    from dementi.kafka.topics import ensure_topics

    ensure_topics(settings, kafka_bootstrap)
    prod = producer(kafka_bootstrap)
    futures = [prod.send(settings.articles_topic, value=f"garbage {i}".encode()) for i in range(N)]
    prod.flush()
    published = {(m.partition, m.offset) for m in (f.get(timeout=30) for f in futures)}
    prod.close()
    assert len(published) == N

    dlq = TopicReader(kafka_bootstrap, settings.deadletter_topic, settings.topic_partitions)
    seen: set[tuple[int, int]] = set()

    def covered(minimum):
        for record in dlq.poll()[len(seen_records):]:
            env_ = json.loads(record.value)
            seen.add((env_["partition"], env_["offset"]))
            seen_records.append(record)
        return len(seen) >= minimum

    seen_records: list = []
    try:
        first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
        first = start_dementi(["worker", "--stop-grace", "5"], env, first_log)
        try:
            wait_for(lambda: covered(200), 90, "the first dead letters", first, first_log, interval=0.02)
        finally:
            stop_process(first, grace=15)  # SIGTERM mid-stream (then SIGKILL if it hangs)
        assert len(seen) < N, "the first worker finished everything: the stop was not mid-stream"

        second = start_dementi(["worker", "--stop-grace", "5"], env, second_log)
        try:
            wait_for(lambda: covered(N), 120, "every record dead-lettered", second, second_log)
        finally:
            stop_process(second, grace=15)
    finally:
        dlq.close()
    assert seen == published  # every record processed at least once (replays are allowed)
