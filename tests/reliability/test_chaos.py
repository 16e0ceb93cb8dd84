"""Crashes and scale-out against the session broker, with real processes (see chaos.py):

- SIGKILL the detect worker and the notifier at random points, 3 times each, while a stream of
  invented articles flows: every expected alert reaches every subscribed chat exactly once;
- two workers on 4 partitions split the work (disjoint partitions, per-worker article counts that
  match the partitions they own), one is SIGKILLed, the other takes over all partitions, and the
  chats still get every alert exactly once.
The long version (10 kills, a table) is ``bench/chaos.py``.
"""

from __future__ import annotations

import time

import pytest

from dementi.settings import Settings
from rules.engine import Engine
from tests.reliability.chaos import CHATS, Stack, expected_deliveries, run_chaos
from tests.reliability.helpers import make_articles, value
from tests.streams.helpers import wait_for

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def engine():
    s = Settings()
    return Engine.from_dir(s.rules_dir, s.gazetteers_dir)


def _describe(result) -> str:
    return (f"kills={result.kills} restarts={result.restarts} expected={result.expected} delivered={result.delivered} "
            f"duplicates={result.duplicates} missing={result.missing} unexpected={result.unexpected}")


def test_sigkill_worker_and_notifier_three_times_every_alert_exactly_once(kafka_bootstrap, tmp_path, engine):
    articles = make_articles(200, seed=3, denial_share=0.1, tag="chaos")
    stack = Stack(kafka_bootstrap, tmp_path, workers=1)
    try:
        stack.start_worker(0)
        stack.start_bot()
        stack.subscribe()
        expected = expected_deliveries(engine, articles)  # while the worker warms up
        assert all(len(ids) >= 5 for ids in expected.values()), expected
        assert len(expected[811]) > len(expected[812]) > 0, "the chats' filters differ"
        stack.wait_worker_ready(0)
        result = run_chaos(stack, articles, expected, rounds=3, seed=5)
    finally:
        stack.close()
    assert [name for _, name in result.kills].count("worker0") == 3
    assert [name for _, name in result.kills].count("bot") == 3
    assert result.restarts == {"worker0": 3, "bot": 3}
    assert result.exactly_once, _describe(result)
    assert result.delivered == {chat: len(ids) for chat, ids in expected.items()}


def test_two_workers_share_four_partitions_then_one_takes_over(kafka_bootstrap, tmp_path, engine):
    first, second = (make_articles(60, seed=s, denial_share=0.2, tag=f"pair{s}") for s in (21, 22))
    stack = Stack(kafka_bootstrap, tmp_path, workers=2, partitions=4)
    try:
        stack.start_worker(0)
        stack.start_worker(1)
        stack.start_bot()
        stack.subscribe()
        expected = expected_deliveries(engine, first + second)
        assert all(ids for ids in expected.values())
        for i in (0, 1):
            stack.wait_worker_ready(i)

        def split():
            parts = [stack.worker_partitions(i) for i in (0, 1)]
            return parts if all(parts) and sorted(parts[0] + parts[1]) == [0, 1, 2, 3] else None

        parts = wait_for(split, 60, "the two workers to split the 4 partitions")
        assert not set(parts[0]) & set(parts[1]), parts  # disjoint
        placed = stack.publish(first)
        owned = [sum(1 for p in placed.values() if p in parts[i]) for i in (0, 1)]
        assert all(owned), f"both workers own published articles: {owned}"

        def counted():
            got = [value(stack.worker_metrics(i), "dementi_articles_consumed_total") for i in (0, 1)]
            return got if sum(got) >= len(first) else None

        per_worker = wait_for(counted, 90, "both workers to process the first batch")
        assert per_worker == owned, "each worker processed exactly the articles of its own partitions"

        stack.workers[0].kill()
        killed_at = time.monotonic()
        wait_for(lambda: stack.worker_partitions(1) == [0, 1, 2, 3], 60, "worker1 to take over every partition")
        takeover = time.monotonic() - killed_at
        stack.publish(second)
        wait_for(lambda: all(set(stack.delivered(c)) >= ids for c, ids in expected.items()), 180,
                 "every alert of both batches", stack.workers[1].popen, stack.workers[1].current_log)
        survivor = value(stack.worker_metrics(1), "dementi_articles_consumed_total")
        time.sleep(2.0)  # a duplicate would show up now
        delivered = {c: stack.delivered(c) for c in CHATS}
    finally:
        stack.close()
    assert survivor >= owned[1] + len(second), "the survivor processed the second batch on all partitions"
    for chat, ids in expected.items():
        assert set(delivered[chat]) == ids and max(delivered[chat].values()) == 1, (chat, delivered[chat])
    print(f"takeover after SIGKILL: {takeover:.1f}s; split {parts}, articles per worker {per_worker}")
