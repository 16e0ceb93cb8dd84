"""The detect step, free of faust: a batch of raw records in, alerts and dead letters out.

Keeping this pure (no Kafka, no asyncio) makes the hot path cheap and testable. The faust agent
(``streams.app``) only moves bytes in and out. Per record: decode (fast path = one pydantic-core
call), run the engine, serialise each alert once. A rule that raises does not stop the batch: the
article is dead-lettered with stage ``rules`` and the next one is processed.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from streams.deadletter import STAGE_DECODE, STAGE_RULES, encode_envelope, make_envelope
from streams.decode import Rejected, decode_article
from streams.rulesource import RuleSource

log = logging.getLogger(__name__)

RULE_ERROR = "rule_error"


class RawRecord(NamedTuple):
    topic: str
    partition: int | None
    offset: int | None
    key: bytes | None
    value: bytes | None


@dataclass
class BatchResult:
    alerts: list[tuple[bytes, bytes]] = field(default_factory=list)       # (alert_id, alert JSON)
    dead_letters: list[tuple[bytes | None, bytes]] = field(default_factory=list)  # (orig key, envelope)
    articles: int = 0
    alerts_by_rule: Counter = field(default_factory=Counter)
    dead_by_reason: Counter = field(default_factory=Counter)


class Detector:
    def __init__(self, source: RuleSource, max_body_bytes: int):
        self.source = source
        self.max_body_bytes = max_body_bytes

    def process(self, records: list[RawRecord]) -> BatchResult:
        result = BatchResult()
        engine = self.source.engine  # one engine per batch, even if a reload swaps it meanwhile
        for rec in records:
            try:
                article = decode_article(rec.value, self.max_body_bytes)
            except Rejected as exc:
                self._dead(result, rec, STAGE_DECODE, exc.reason, exc.error)
                continue
            result.articles += 1
            try:
                alerts = engine.alerts(article)
            except Exception as exc:  # a buggy rule must not kill the worker
                log.error("rule evaluation failed on article %s (%s[%s]@%s): %r",
                          article.id, rec.topic, rec.partition, rec.offset, exc)
                self._dead(result, rec, STAGE_RULES, RULE_ERROR, f"{type(exc).__name__}: {exc}")
                continue
            seen: set[str] = set()
            for alert in alerts:
                if alert.alert_id in seen:  # one alert per (article, rule)
                    continue
                seen.add(alert.alert_id)
                result.alerts.append((alert.alert_id.encode("ascii"), alert.to_bytes()))
                result.alerts_by_rule[alert.rule_id] += 1
        return result

    @staticmethod
    def _dead(result: BatchResult, rec: RawRecord, stage: str, reason: str, error: str) -> None:
        log.warning("dead-letter %s[%s]@%s: %s: %s", rec.topic, rec.partition, rec.offset, reason, error)
        envelope = make_envelope(stage=stage, reason=reason, error=error, topic=rec.topic,
                                 partition=rec.partition, offset=rec.offset, key=rec.key, value=rec.value)
        result.dead_letters.append((rec.key, encode_envelope(envelope)))
        result.dead_by_reason[reason] += 1
