"""Consumes the alerts topic with aiokafka and hands batches to a handler, committing offsets
only AFTER the handler returned (the handler writes the outbox).

Broker quirks from stack.md: short session timeout (6 s) / heartbeat (1 s) so a restarted notifier
rejoins in seconds; ``auto_offset_reset=earliest`` because end offsets are unreliable on Tansu.
An unreachable broker gets a clear log line and a bounded exponential backoff, not a crash.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaConnectionError, KafkaError
from pydantic import ValidationError

from dementi.records import Alert
from dementi.settings import Settings
from dementi.streams.topics import BrokerUnavailable, ensure_topics

log = logging.getLogger(__name__)

BatchHandler = Callable[[list[Alert]], Awaitable[None] | None]


def notifier_group(settings: Settings, role: str = "notifier") -> str:
    return f"{settings.consumer_group_prefix}-{role}"


def parse_alert(value: bytes | None, where: str) -> Alert | None:
    """Decode one record; a bad one is logged with its location and skipped (it stays in Kafka)."""
    if value is None:
        log.warning("skipping empty record at %s", where)
        return None
    try:
        return Alert.from_bytes(value)
    except (ValidationError, ValueError) as exc:
        first = str(exc).splitlines()[0:3]
        log.warning("skipping undecodable alert at %s: %s", where, " | ".join(first))
        return None


class AlertConsumer:
    def __init__(self, settings: Settings, handler: BatchHandler, role: str = "notifier",
                 max_records: int = 500):
        self.settings = settings
        self.handler = handler
        self.group = notifier_group(settings, role)
        self.max_records = max_records
        self.consumed = 0
        self.ready = asyncio.Event()
        self.client: AIOKafkaConsumer | None = None  # for introspection (assignment) by benches/status
        self.retry_pause = 2.0

    def lag(self) -> int | None:
        """Records on the alerts topic not yet consumed, from the fetch high watermark (end_offsets
        is wrong on Tansu, see stack.md); None before the first fetch."""
        client = self.client
        if client is None:
            return None
        total, known = 0, False
        for tp in client.assignment():
            high = client.highwater(tp)
            if high is None:
                continue
            try:  # what AIOKafkaConsumer.position() reads, without its wait-for-a-position loop
                state = client._subscription.subscription.assignment.state_value(tp)  # noqa: SLF001
                if not state.has_valid_position:
                    continue
                position = state.position
            except Exception:  # noqa: BLE001 - internals differ across versions: no number rather than a wrong one
                return None
            total += max(0, high - position)
            known = True
        return total if known else None

    def _consumer(self) -> AIOKafkaConsumer:
        s = self.settings
        return AIOKafkaConsumer(
            s.alerts_topic, bootstrap_servers=s.kafka_bootstrap, group_id=self.group, client_id="dementi-bot",
            enable_auto_commit=False, auto_offset_reset="earliest",
            session_timeout_ms=int(s.broker_session_timeout * 1000),
            heartbeat_interval_ms=int(s.broker_heartbeat_interval * 1000),
            rebalance_timeout_ms=int(s.broker_session_timeout * 1000), max_poll_records=self.max_records,
            fetch_max_wait_ms=100)  # an alert waits at most 100 ms in the broker before we see it

    async def _start(self, stop: asyncio.Event) -> AIOKafkaConsumer | None:
        delay = 0.5
        while not stop.is_set():
            consumer = self._consumer()
            try:
                # Explicit creation: an auto-created topic would get the broker's default partitions.
                await asyncio.to_thread(ensure_topics, self.settings, self.settings.kafka_bootstrap, ("alerts",),
                                        min(10.0, delay * 4))
                starting = asyncio.ensure_future(consumer.start())
                stopping = asyncio.ensure_future(stop.wait())
                await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
                stopping.cancel()
                if not starting.done():  # stop requested while joining the group (can take seconds)
                    starting.cancel()
                    await self._close(consumer)
                    return None
                starting.result()
                log.info("consuming %s as group %s from %s", self.settings.alerts_topic, self.group,
                         self.settings.kafka_bootstrap)
                return consumer
            except (KafkaConnectionError, KafkaError, OSError, BrokerUnavailable, Exception) as exc:  # noqa: B014
                await consumer.stop()
                log.error("Kafka broker %s unreachable (%s); retrying in %.1fs", self.settings.kafka_bootstrap,
                          exc, delay)
                try:
                    await asyncio.wait_for(stop.wait(), delay)
                except asyncio.TimeoutError:
                    pass
                delay = min(delay * 2, 15.0)
        return None

    async def run(self, stop: asyncio.Event) -> None:
        consumer = await self._start(stop)
        if consumer is None:
            return
        self.client = consumer
        self.ready.set()
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                # Race the fetch against stop: a fetch can block for seconds while the group
                # (re)joins, and shutdown must not wait for it. Only the fetch is ever cancelled,
                # never the handler or the commit.
                fetch = asyncio.ensure_future(consumer.getmany(timeout_ms=300, max_records=self.max_records))
                await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if not fetch.done():
                    fetch.cancel()
                    break
                batches = fetch.result()
                if not batches:
                    continue
                alerts: list[Alert] = []
                for tp, records in batches.items():
                    for rec in records:
                        alert = parse_alert(rec.value, f"{tp.topic}[{tp.partition}]@{rec.offset}")
                        if alert is not None:
                            alerts.append(alert)
                if alerts:
                    try:
                        result = self.handler(alerts)
                        if asyncio.iscoroutine(result):
                            await result
                    except Exception:  # noqa: BLE001 - e.g. disk full: retry the same batch, never skip it
                        log.exception("routing a batch of %d alerts failed; retrying it in %.0fs", len(alerts),
                                      self.retry_pause)
                        for tp, records in batches.items():
                            consumer.seek(tp, records[0].offset)  # rewind: no later commit may pass it
                        try:
                            await asyncio.wait_for(stop.wait(), self.retry_pause)
                        except asyncio.TimeoutError:
                            pass
                        continue
                # Only now: the outbox (or the console) has every alert of this batch.
                try:
                    await consumer.commit()
                except KafkaError as exc:  # rebalance: the replay is absorbed by the outbox UNIQUE key
                    log.warning("offset commit failed (%s); the batch will be replayed and deduplicated", exc)
                self.consumed += len(alerts)
        finally:
            stopping.cancel()
            await self._close(consumer)

    async def _close(self, consumer: AIOKafkaConsumer) -> None:
        try:
            # Leaving the group waits for an in-progress join/sync (seconds on Tansu); offsets are
            # already committed, so shutdown does not wait for the broker beyond a short grace.
            await asyncio.wait_for(consumer.stop(), self.settings.broker_session_timeout / 2)
        except asyncio.TimeoutError:
            log.info("consumer left the group without waiting for the broker's rebalance")
        except Exception:  # pragma: no cover - shutting down anyway
            log.debug("consumer stop failed", exc_info=True)
