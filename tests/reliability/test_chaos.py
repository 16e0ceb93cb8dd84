"""Crashes and scale-out against the session broker, with real processes (see chaos.py).

Two detect workers share the 4 partitions of the articles topic, one story stage files their
alerts into stories and one notifier delivers to two chats with different subscriptions. First the split is verified: disjoint partitions, and each
worker's /metrics count equals the number of articles published to ITS partitions. Then, while the
rest of the stream flows, a random worker and the notifier are SIGKILLed at random points, 3 times
each; after the first worker kill the other worker takes every partition over (timed) before the
killed one restarts (later rounds restart at once, to keep the suite fast). At the end every alert the
engine computes offline is in exactly one story, and every chat got exactly one message per story it
subscribes to, showing the story's final version (one message per event, later reports as edits). The long version (10 rounds, a table) is ``bench/chaos.py``.
"""

from __future__ import annotations

import pytest

from dementi.rules.engine import Engine
from tests.reliability.chaos import Stack, expected_deliveries, run_chaos
from tests.reliability.helpers import make_articles, value
from tests.streams.helpers import wait_for

pytestmark = pytest.mark.integration


@pytest.mark.timeout(600)  # ~2 min alone; more when the whole suite shares the 2 cores
def test_two_workers_split_partitions_and_sigkills_still_deliver_exactly_once(kafka_bootstrap, tmp_path):
    first = make_articles(40, seed=2, denial_share=0.1, tag="split")
    stream = make_articles(200, seed=3, denial_share=0.06, tag="chaos")
    stack = Stack(kafka_bootstrap, tmp_path, workers=2, partitions=4)
    try:
        stack.start_worker(0)
        stack.start_worker(1)
        stack.start_stories()
        stack.start_bot()
        stack.subscribe()
        engine = Engine.from_dir(stack.rules_dir, stack.gazetteers_dir)  # the snapshot the processes use
        expected = expected_deliveries(engine, first + stream)
        assert len(expected) >= 10 and {"fr", "en"} <= set(expected.values()), expected
        for i in (0, 1):
            stack.wait_worker_ready(i)
        wait_for(stack.partitions_covered, 60, "the two workers to split the 4 partitions")
        parts = [stack.worker_partitions(i) for i in (0, 1)]
        assert parts[0] and parts[1] and not set(parts[0]) & set(parts[1]), parts

        # --- the split: each worker processes exactly the articles of its own partitions ---------------
        placed = stack.publish(first)
        owned = [sum(1 for p in placed.values() if p in parts[i]) for i in (0, 1)]
        assert all(owned), owned

        def counted():
            got = [value(stack.worker_metrics(i), "dementi_articles_consumed_total") for i in (0, 1)]
            return got if sum(got) >= len(first) else None

        assert wait_for(counted, 90, "both workers to process the first batch") == owned

        # --- chaos: 3 rounds, each SIGKILLs one worker and the notifier (round 1 waits for the takeover) --------
        result = run_chaos(stack, stream, expected, rounds=3, seed=5, takeover_rounds=1)
    finally:
        stack.close()
    print(f"\nchaos: {result.seconds}s, drain {result.drain_seconds}s, kills {result.kills}, "
          f"takeovers {result.takeovers}s, {result.alerts} alerts in {result.stories} stories, delivered "
          f"{result.delivered}, split {parts} -> {owned}")
    names = [name for _, name in result.kills]
    assert names.count("bot") == 3 and names.count("stories") == 3
    assert names.count("worker0") + names.count("worker1") == 3
    assert len(result.takeovers) == 1
    assert sum(result.restarts.values()) == 9
    assert result.exactly_once, (f"kills={result.kills} duplicates={result.duplicates} missing={result.missing} "
                                 f"unexpected={result.unexpected} stale={result.stale} lost={result.lost_alerts} "
                                 f"double={result.double_counted}")
    assert result.delivered == result.expected and result.expected[811] > result.expected[812] > 0
