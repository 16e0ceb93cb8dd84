"""BatchConsumer's fetch loop (dementi/kafka/internals.py): a batch's offsets are committed only after
its handler returned, never when the handler failed, and not when a rebalance ran while it was
being handled (the partitions were sought back to their committed offsets; committing could move
another owner's offset backwards), in which case the batch is handled again after the rebalance.

The loop runs as faust runs it, against a fake fetcher and consumer: what is under test is the
loop's order of handler / generation check / commit, which the process tests (chaos) only see
through their outcome."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from aiokafka.structs import TopicPartition

from dementi.kafka.internals import BatchConsumer

TP0, TP1 = TopicPartition("articles", 0), TopicPartition("articles", 1)


def rec(offset: int) -> SimpleNamespace:
    return SimpleNamespace(offset=offset, key=b"k", value=b"{}", timestamp=1_700_000_000_000)


@dataclass
class Broker:
    """What the fetch loop talks to: a queue of fetches, the group generation, the commits."""

    fetches: list[dict] = field(default_factory=list)
    generation: int = 1
    committed: dict = field(default_factory=dict)
    events: list[str] = field(default_factory=list)
    stopped: asyncio.Event = field(default_factory=asyncio.Event)


class FakeConsumer:
    """The attributes of faust's consumer that ``BatchConsumer._drain_messages`` uses."""

    consumer_stopped_errors = (RuntimeError,)
    should_stop = False

    def __init__(self, broker: Broker, handler):
        self.broker = broker
        self._stopped = broker.stopped
        self.app = SimpleNamespace(batch_handler=handler, consumer_generation_id=broker.generation)
        self.transport = SimpleNamespace(app=SimpleNamespace(should_stop=False))

    async def _wait_next_records(self, timeout):
        if not self.broker.fetches:
            self.broker.stopped.set()  # nothing left: end the loop like a stopping consumer
            return {}, None
        return self.broker.fetches.pop(0), None

    async def _commit(self, offsets):
        self.broker.events.append(f"commit {sorted((tp.partition, o) for tp, o in offsets.items())}")
        self.broker.committed.update(offsets)
        return True


async def drain(broker: Broker, handler) -> FakeConsumer:
    consumer = FakeConsumer(broker, handler)
    fetcher = SimpleNamespace(_stopped=asyncio.Event())
    await asyncio.wait_for(BatchConsumer._drain_messages(consumer, fetcher), 10)
    return consumer


async def test_offsets_are_committed_after_the_handler_returned():
    broker = Broker(fetches=[{TP0: [rec(0), rec(1)], TP1: [rec(7)]}, {TP0: [rec(2)]}])

    async def handler(batch):
        broker.events.append(f"handled {[(r.partition, r.offset) for r in batch]}")

    await drain(broker, handler)
    assert broker.events == ["handled [(0, 0), (0, 1), (1, 7)]", "commit [(0, 2), (1, 8)]",
                             "handled [(0, 2)]", "commit [(0, 3)]"]


async def test_a_failing_handler_commits_nothing_so_the_batch_is_replayed():
    broker = Broker(fetches=[{TP0: [rec(0), rec(1)]}])

    async def handler(batch):
        raise OSError("alerts topic unreachable (simulated)")

    with pytest.raises(OSError):
        await drain(broker, handler)
    assert broker.committed == {} and broker.events == []


async def test_a_rebalance_during_the_handler_skips_that_commit_and_the_batch_is_handled_again():
    # The batch at offsets 0-1 is being handled when the group rebalances (new generation): its
    # partition was sought back to the committed offset (none: 0), so the same records come again.
    broker = Broker(fetches=[{TP0: [rec(0), rec(1)]}, {TP0: [rec(0), rec(1)]}, {TP0: [rec(2)]}])
    handled: list[list[int]] = []
    consumer = None

    async def handler(batch):
        handled.append([r.offset for r in batch])
        if len(handled) == 1:
            consumer.app.consumer_generation_id += 1  # what faust's on_partitions_assigned does
        broker.events.append(f"handled {handled[-1]}")

    consumer = FakeConsumer(broker, handler)
    fetcher = SimpleNamespace(_stopped=asyncio.Event())
    await asyncio.wait_for(BatchConsumer._drain_messages(consumer, fetcher), 10)
    assert handled == [[0, 1], [0, 1], [2]], "the interrupted batch is handled again (at-least-once)"
    assert broker.events == ["handled [0, 1]", "handled [0, 1]", "commit [(0, 2)]", "handled [2]", "commit [(0, 3)]"]
