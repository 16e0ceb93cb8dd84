"""The ONLY module that touches private parts of faust and aiokafka. tests/kafka/test_internals.py
pins every name used here, so a faust or aiokafka upgrade fails there, loudly, not in production.

1. Batch dispatch (``BatchApp``/``BatchConsumer``): one call per fetched batch of records instead of
   one faust event per record. faust's stream path costs more CPU per record than the rules
   themselves (docs/benchmarks.md, "What the profiles showed", item 3): its fetch loop awaits
   ``wait_first(callback(message), suspend_flow.wait())`` for EVERY record, then wraps it in an
   Event, queues it to a stream, counts it and acks it.

   What faust still does here (the parts worth keeping): group membership with its assignor,
   rebalances and flow control (paused fetches while a rebalance runs), the fetch thread and its
   aiokafka consumer, seeking to committed offsets on assignment, the producer, timers, the
   Worker's signal handling and service supervision. What changes: ``_drain_messages`` (the fetch
   loop run by faust's Fetcher service) hands each fetched record map to ``app.batch_handler`` as
   ``RawRecord``s, then commits the offsets after ``batch_handler`` returned -- i.e. after the
   batch's alerts were delivered. A crash, stop or rebalance in the middle replays the batch from
   the last commit (at-least-once; alert ids are deterministic and the bot's outbox dedups).

   Faust does not commit for us (no record is ever acked through its event path), so its
   periodic commit finds nothing to do; commits go through the same thread-safe ``_commit`` it
   uses, which ignores partitions no longer assigned to us.

2. A short fetch wait for the worker's consumer (``short_fetch_wait``): faust hard-codes
   ``fetch_max_wait_ms=1500`` and has no setting for it, and the embedded broker holds a fetch for
   about half of that even when records arrive (docs/benchmarks.md, item 2). One value per
   process (every faust app of dementi runs in its own process): the detect worker's 100 ms, or
   shorter for the story stage, one more hop on the way to Telegram.

3. The fetch position of a partition without ``AIOKafkaConsumer.position()``'s wait-for-a-position
   loop (``fetch_position``), for the notifier's lag in /status.

4. Table recovery up to the real end of the changelog (``recover_tables_to_fetch_highwater``):
   faust reads a changelog "up to the end" from ``end_offsets``, which the embedded broker
   under-reports (``kafka.highwater``); a restarted story stage would lose its newest state. The
   consumer thread's ``_highwaters`` asks the fetch high watermark instead.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import faust
from aiokafka import AIOKafkaConsumer, TopicPartition
from faust.transport.drivers import aiokafka as driver

from dementi.kafka.highwater import fetch_highwaters
from dementi.kafka.options import ClientOptions
from dementi.kafka.raw import RawRecord

log = logging.getLogger(__name__)

BatchHandler = Callable[[list[RawRecord]], Awaitable[None]]
FETCH_TIMEOUT = 1.0  # seconds a getmany may wait when nothing arrives (then the loop re-checks stop flags)
FETCH_MAX_WAIT_MS = 100  # the worker consumer's fetch wait (faust's own: 1500 ms)


class BatchConsumer(driver.Consumer):
    """faust's aiokafka consumer with a fetch loop that dispatches whole batches to ``app.batch_handler``."""

    async def _drain_messages(self, fetcher) -> None:  # pragma: no cover - exercised by process tests
        handler = self.app.batch_handler
        if handler is None:
            raise RuntimeError("BatchConsumer started without app.batch_handler")
        consumer_stopped, fetcher_stopped = self._stopped.is_set, fetcher._stopped.is_set
        try:
            while not (consumer_stopped() or fetcher_stopped()):
                records, _ = await self._wait_next_records(FETCH_TIMEOUT)
                generation = self.app.consumer_generation_id
                await asyncio.sleep(0)  # a busy broker must not starve the loop (heartbeats, timers)
                if not records or self.should_stop:
                    continue
                # Every fetched record is processed, even across a rebalance: dropping some would
                # lose them when the partition stays ours (the fetch position is already past them).
                batch: list[RawRecord] = []
                offsets = {}
                for tp, recs in records.items():
                    if not recs:
                        continue
                    for r in recs:
                        batch.append(RawRecord(tp.topic, tp.partition, r.offset, r.key, r.value,
                                               r.timestamp / 1000.0 if r.timestamp is not None else None))
                    offsets[tp] = recs[-1].offset + 1
                if not batch:
                    continue
                await handler(batch)
                if generation == self.app.consumer_generation_id:
                    await self._commit(offsets)
                # else: a rebalance ran meanwhile (every partition was sought back to its committed
                # offset); committing this batch could move another owner's offset backwards. Not
                # committing is safe: the next batch's commit covers it, or its new owner re-reads it.
        except self.consumer_stopped_errors:
            if self.transport.app.should_stop:
                return
            raise
        except asyncio.CancelledError:
            if self.transport.app.should_stop:
                return
            raise


class BatchApp(faust.App):
    """A faust App whose consumer dispatches batches to ``batch_handler`` (see module docstring)."""

    batch_handler: BatchHandler | None = None

    def _new_consumer(self):
        return BatchConsumer(self.transport, callback=self.topics.on_message, loop=self.loop,
                             on_partitions_revoked=self._on_partitions_revoked,
                             on_partitions_assigned=self._on_partitions_assigned, beacon=self.beacon)


_FETCH_WAIT = {"ms": FETCH_MAX_WAIT_MS}


def short_fetch_wait(wait_ms: int = FETCH_MAX_WAIT_MS) -> None:
    """Make faust's worker consumers of this process use ``wait_ms`` as their fetch wait (no faust
    setting exists for it); the value is read when a consumer is created, at the app's start."""
    _FETCH_WAIT["ms"] = wait_ms
    original = driver.AIOKafkaConsumerThread._create_worker_consumer
    if getattr(original, "short_fetch_wait", False):  # already patched (several apps in one process)
        return

    def create(self, transport):
        consumer = original(self, transport)
        consumer._fetch_max_wait_ms = _FETCH_WAIT["ms"]  # read when its fetcher is built, at start()
        return consumer

    create.short_fetch_wait = True
    driver.AIOKafkaConsumerThread._create_worker_consumer = create


def fetch_position(client: AIOKafkaConsumer, tp: TopicPartition) -> int | None:
    """The next offset ``client`` will fetch from ``tp``, or None while it has none yet."""
    state = client._subscription.subscription.assignment.state_value(tp)
    if state is None or not state.has_valid_position:
        return None
    return state.position


_RECOVERY = {}  # "options": the ClientOptions the patched _highwaters reads with (one broker per process)


def recover_tables_to_fetch_highwater(options: ClientOptions) -> None:
    """Make faust's table recovery read each changelog up to its fetch high watermark
    (``kafka.highwater.fetch_highwaters``) instead of the under-reported ``end_offsets``."""
    _RECOVERY["options"] = options
    original = driver.AIOKafkaConsumerThread._highwaters
    if getattr(original, "fetch_highwater", False):
        return

    async def _highwaters(self, partitions):
        if self.consumer.in_transaction:  # faust's own answer: the last stable offsets
            consumer = self._ensure_consumer()
            return {tp: consumer.last_stable_offset(tp) for tp in partitions}
        found = await asyncio.to_thread(fetch_highwaters, _RECOVERY["options"],
                                        [(tp.topic, tp.partition) for tp in partitions])
        return {tp: found[(tp.topic, tp.partition)] for tp in partitions}

    _highwaters.fetch_highwater = True
    _highwaters.original = original  # for tests/kafka/test_internals.py
    driver.AIOKafkaConsumerThread._highwaters = _highwaters
