"""An aiokafka group consumer for long-running services: it rides out broker outages.

- Start: the group is joined with retries and exponential backoff (an unreachable broker is said
  once per try by the caller's ``on_retry``, never a crash); a stop request while joining (which
  can take seconds) returns at once.
- Fetch: each fetch is raced against the stop event, so shutdown never waits for a fetch blocked
  by a group (re)join; only the fetch is ever cancelled, never the caller's handling of a batch.
- Commit: offsets are committed only when the caller says the batch is handled (at-least-once);
  ``rewind`` puts a batch back when handling failed, so no later commit can pass it.

Broker quirks (stack.md): ``auto_offset_reset=earliest`` because end offsets are unreliable on
Tansu; short session/heartbeat timings (``ClientOptions.group``) so a restarted service rejoins in
seconds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError

from dementi.kafka import internals
from dementi.kafka.options import ClientOptions
from dementi.kafka.topics import BrokerUnavailable
from dementi.waiting import Backoff, OnRetry, aretry

log = logging.getLogger(__name__)

Batch = dict[TopicPartition, list[ConsumerRecord]]
# What a failed start raises: the broker (or its address) is the problem, not our code. Anything
# else is a bug and propagates.
START_ERRORS = (KafkaError, OSError, asyncio.TimeoutError, BrokerUnavailable)


class GroupConsumer:
    """One topic, one consumer group, manual commits. ``prepare`` (e.g. create the topic) runs in a
    thread before each start attempt."""

    def __init__(self, options: ClientOptions, topic: str, group: str, client_id: str, *,
                 max_records: int = 500, fetch_max_wait_ms: int = 100, fetch_timeout_ms: int = 300,
                 prepare: Callable[[], object] | None = None, on_retry: OnRetry | None = None):
        self.options, self.topic, self.group, self.client_id = options, topic, group, client_id
        self.max_records, self.fetch_max_wait_ms, self.fetch_timeout_ms = max_records, fetch_max_wait_ms, fetch_timeout_ms
        self.prepare, self.on_retry = prepare, on_retry
        self.client: AIOKafkaConsumer | None = None

    def _new_client(self) -> AIOKafkaConsumer:
        session_ms = int(self.options.session_timeout * 1000)
        return AIOKafkaConsumer(self.topic, **self.options.aiokafka(
            self.client_id, group_id=self.group, enable_auto_commit=False, auto_offset_reset="earliest",
            rebalance_timeout_ms=session_ms, max_poll_records=self.max_records,
            fetch_max_wait_ms=self.fetch_max_wait_ms, **self.options.group()))

    async def _start_once(self, stop: asyncio.Event) -> AIOKafkaConsumer | None:
        client = self._new_client()
        try:
            if self.prepare is not None:
                await asyncio.to_thread(self.prepare)
            starting = asyncio.ensure_future(client.start())
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not starting.done():  # stop requested while joining the group (can take seconds)
                starting.cancel()
                await self._close(client)
                return None
            starting.result()
        except BaseException:
            await client.stop()
            raise
        return client

    async def start(self, stop: asyncio.Event) -> bool:
        """Join the group, retrying until it works or ``stop`` is set (False)."""
        client = await aretry(lambda: self._start_once(stop), errors=START_ERRORS, stop=stop,
                              backoff=Backoff(first=0.5, cap=15.0), on_retry=self.on_retry)
        self.client = client
        return client is not None

    async def batches(self, stop: asyncio.Event) -> AsyncIterator[Batch]:
        """Non-empty fetched batches until ``stop`` is set."""
        assert self.client is not None, "start() first"
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                fetch = asyncio.ensure_future(self.client.getmany(timeout_ms=self.fetch_timeout_ms,
                                                                  max_records=self.max_records))
                await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if not fetch.done():
                    fetch.cancel()
                    return
                batch = fetch.result()
                if batch:
                    yield batch
        finally:
            stopping.cancel()

    def rewind(self, batch: Batch) -> None:
        """Seek back to the first record of each partition of ``batch`` (it will be fetched again)."""
        assert self.client is not None
        for tp, records in batch.items():
            self.client.seek(tp, records[0].offset)

    async def commit(self) -> bool:
        """Commit what was fetched so far; False when a rebalance refused it (the batch is replayed)."""
        assert self.client is not None
        try:
            await self.client.commit()
        except KafkaError as exc:
            log.warning("offset commit failed (%s); the batch will be replayed and deduplicated", exc)
            return False
        return True

    def assignment(self) -> set[TopicPartition]:
        return set(self.client.assignment()) if self.client is not None else set()

    def lag(self) -> int | None:
        """Records on the topic not yet consumed, from the fetch high watermark (end_offsets is wrong
        on Tansu, see stack.md); None before the first fetch."""
        client = self.client
        if client is None:
            return None
        total, known = 0, False
        for tp in client.assignment():
            high = client.highwater(tp)
            position = internals.fetch_position(client, tp)
            if high is None or position is None:
                continue
            total += max(0, high - position)
            known = True
        return total if known else None

    async def close(self) -> None:
        if self.client is not None:
            client, self.client = self.client, None
            await self._close(client)

    async def _close(self, client: AIOKafkaConsumer) -> None:
        try:
            # Leaving the group waits for an in-progress join/sync (seconds on Tansu); offsets are
            # already committed, so shutdown does not wait for the broker beyond a short grace.
            await asyncio.wait_for(client.stop(), self.options.session_timeout / 2)
        except asyncio.TimeoutError:
            log.info("consumer left the group without waiting for the broker's rebalance")
        except Exception:  # pragma: no cover - shutting down anyway
            log.debug("consumer stop failed", exc_info=True)
