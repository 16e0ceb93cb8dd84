"""Consumes a topic of records (the notifier: story updates; tests and tools: alerts) and hands
batches to a handler, committing offsets only AFTER the handler returned (it writes the outbox).

The Kafka side (joining with backoff, fetches raced against stop, commits, rewinds) is the
adapter's ``GroupConsumer``; this module decides what a batch means for the notifier: undecodable
records are logged with their location and skipped, and a handler failure (disk full, a bug)
rewinds the batch and retries it after a pause instead of skipping it.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable

from pydantic import ValidationError

from dementi.kafka.consumer import Batch, GroupConsumer
from dementi.kafka.options import ClientOptions
from dementi.kafka.topics import ensure_topics
from dementi.records import Alert, Record
from dementi.settings import Settings
from dementi.waiting import sleep_or_stop

log = logging.getLogger(__name__)

BatchHandler = Callable[[list[Alert]], Awaitable[None] | None]


def notifier_group(settings: Settings, role: str = "notifier") -> str:
    return f"{settings.consumer_group_prefix}-{role}"


def parse_alert(value: bytes | None, where: str, model: type[Record] = Alert) -> Record | None:
    """Decode one record; a bad one is logged with its location and skipped (it stays in Kafka)."""
    if value is None:
        log.warning("skipping empty record at %s", where)
        return None
    try:
        return model.from_bytes(value)
    except (ValidationError, ValueError) as exc:
        first = str(exc).splitlines()[0:3]
        log.warning("skipping undecodable %s at %s: %s", model.__name__, where, " | ".join(first))
        return None


def _records(batch: Batch, model: type[Record]) -> list[Record]:
    alerts = []
    for tp, records in batch.items():
        for rec in records:
            alert = parse_alert(rec.value, f"{tp.topic}[{tp.partition}]@{rec.offset}", model)
            if alert is not None:
                alerts.append(alert)
    return alerts


class AlertConsumer:
    def __init__(self, settings: Settings, handler: BatchHandler, role: str = "notifier",
                 max_records: int = 500, topic: str = "alerts", model: type[Record] = Alert,
                 fetch_max_wait_ms: int = 100):
        self.settings = settings
        self.handler = handler
        self.topic = settings.topic(topic)  # ``topic`` is the short name ("stories", "alerts")
        self.model = model
        self.group = notifier_group(settings, role)
        self.consumed = 0
        self.ready = asyncio.Event()
        self.retry_pause = 2.0
        attempts = itertools.count()

        def create_topic() -> None:
            # Explicit creation: an auto-created topic would get the broker's default partitions.
            # Short at first (a quick first retry line), longer later (a slow cluster).
            ensure_topics(settings, names=(topic,), timeout=min(10.0, 2.0 * 2 ** next(attempts)))

        def say(exc: BaseException, delay: float) -> None:
            log.error("Kafka broker %s unreachable (%s); retrying in %.1fs", settings.kafka_bootstrap, exc, delay)

        # fetch_max_wait_ms: how long a record may wait in the broker before we see it
        self.kafka = GroupConsumer(ClientOptions.from_settings(settings), self.topic, self.group, "dementi-bot",
                                   max_records=max_records, fetch_max_wait_ms=fetch_max_wait_ms,
                                   prepare=create_topic, on_retry=say)

    def lag(self) -> int | None:
        """Records on the topic not yet consumed (None before the first fetch)."""
        return self.kafka.lag()

    def assignment(self) -> set:
        return self.kafka.assignment()

    async def run(self, stop: asyncio.Event) -> None:
        if not await self.kafka.start(stop):
            return
        log.info("consuming %s as group %s from %s", self.topic, self.group,
                 self.settings.kafka_bootstrap)
        self.ready.set()
        try:
            async for batch in self.kafka.batches(stop):
                alerts = _records(batch, self.model)
                if alerts and not await self._handle(alerts):
                    self.kafka.rewind(batch)  # no later commit may pass it
                    if await sleep_or_stop(stop, self.retry_pause):
                        break
                    continue
                # Only now: the outbox (or the console) has every alert of this batch. A refused
                # commit (rebalance) means a replay, absorbed by the outbox UNIQUE key.
                await self.kafka.commit()
                self.consumed += len(alerts)
        finally:
            await self.kafka.close()

    async def _handle(self, alerts: list[Alert]) -> bool:
        try:
            result = self.handler(alerts)
            if asyncio.iscoroutine(result):
                await result
        except Exception:  # noqa: BLE001 - e.g. disk full: retry the same batch, never skip it
            log.exception("routing a batch of %d alerts failed; retrying it in %.0fs", len(alerts), self.retry_pause)
            return False
        return True
