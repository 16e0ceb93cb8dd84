"""The detect step, free of faust: a batch of raw records in, alerts and dead letters out.

Keeping this pure (no Kafka, no asyncio) makes the hot path cheap and testable. The faust app
(``streams.app``, ``kafka.internals``) only moves bytes in and out. Per batch: decode each record
(fast path = one pydantic-core call), run the engine on all the articles at once (spaCy parses the
batch's candidate sentences together), serialise each alert once. A rule that raises does not
stop the batch: the article is dead-lettered with stage ``rules`` and the next one is processed.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timezone
from dataclasses import dataclass, field

from dementi.kafka.raw import RawRecord
from dementi.streams.deadletter import STAGE_DECODE, STAGE_RULES, encode_envelope, make_envelope
from dementi.streams.decode import Rejected, decode_article
from dementi.streams.ruleguard import ArticleError, RuleGuard
from dementi.streams.rulesource import RuleSource

log = logging.getLogger(__name__)

RULE_ERROR = "rule_error"


@dataclass
class BatchResult:
    alerts: list[tuple[bytes, bytes]] = field(default_factory=list)       # (story key, alert JSON)
    dead_letters: list[tuple[bytes | None, bytes]] = field(default_factory=list)  # (orig key, envelope)
    articles: int = 0
    alerts_by_rule: Counter = field(default_factory=Counter)
    dead_by_reason: Counter = field(default_factory=Counter)
    candidates: int = 0                                   # articles past the prefilter (metrics only)
    rule_failures: list[str] = field(default_factory=list)  # rules disabled in this batch


class Detector:
    def __init__(self, source: RuleSource, max_body_bytes: int, count_candidates: bool = False):
        self.source = source
        self.max_body_bytes = max_body_bytes
        self.guard = RuleGuard()  # disables a rule that raises, the others keep running
        self.count_candidates = count_candidates  # an extra prefilter pass: only when metrics are on

    def process(self, records: list[RawRecord]) -> BatchResult:
        result = BatchResult()
        engine = self.source.engine  # one engine per batch, even if a reload swaps it meanwhile
        decoded = self._decode(records, engine, result)
        # the whole batch at once: spaCy parses every candidate sentence of it in one pipe
        evaluations = iter(self.guard.evaluate_many(
            engine, [article for _, article in decoded if not isinstance(article, Rejected)]))
        for rec, article in decoded:
            if isinstance(article, Rejected):
                self._dead(result, rec, STAGE_DECODE, article.reason, article.error)
                continue
            evaluation = next(evaluations)
            if isinstance(evaluation, ArticleError):  # the article breaks every rule: dead-letter it
                exc = evaluation.original
                log.error("rule evaluation failed on article %r (%s[%s]@%s): %r",  # %r: ids come from producers
                          article.id, rec.topic, rec.partition, rec.offset, exc)
                self._dead(result, rec, STAGE_RULES, RULE_ERROR, f"{type(exc).__name__}: {exc}")
                continue
            if evaluation.failed_rules:  # kept for replay once the rule is fixed (alert ids dedup)
                result.rule_failures.extend(evaluation.failed_rules)
                self._dead(result, rec, STAGE_RULES, RULE_ERROR, "; ".join(
                    f"rule {rid}: {err}" for rid, err in evaluation.failed_rules.items()))
            self._add_alerts(result, article, evaluation.alerts)
        return result

    def _decode(self, records: list[RawRecord], engine, result: BatchResult) -> list[tuple[RawRecord, object]]:
        """``(record, Article or Rejected)`` for each record, in offset order; an article without
        an ingestion time gets its record's append time (end-to-end latency starts there)."""
        decoded: list[tuple[RawRecord, object]] = []
        for rec in records:
            try:
                article = decode_article(rec.value, self.max_body_bytes)
            except Rejected as exc:
                decoded.append((rec, exc))
                continue
            result.articles += 1
            if article.ingested_at is None and rec.timestamp:
                article.ingested_at = datetime.fromtimestamp(rec.timestamp, timezone.utc)
            if self.count_candidates and engine.has_cue(article):
                result.candidates += 1
            decoded.append((rec, article))
        return decoded

    @staticmethod
    def _add_alerts(result: BatchResult, article, alerts) -> None:
        """One alert per (article, rule), serialised once, keyed by story key: one denier's alerts
        reach the story stage in order, on one partition."""
        seen: set[str] = set()
        for alert in alerts:
            if alert.alert_id in seen:
                continue
            seen.add(alert.alert_id)
            if alert.ingested_at is None:
                alert.ingested_at = article.ingested_at
            result.alerts.append((alert.story_key.encode("utf-8"), alert.to_bytes()))
            result.alerts_by_rule[alert.rule_id] += 1

    @staticmethod
    def _dead(result: BatchResult, rec: RawRecord, stage: str, reason: str, error: str) -> None:
        log.warning("dead-letter %s[%s]@%s: %s: %s", rec.topic, rec.partition, rec.offset, reason, error)
        envelope = make_envelope(stage=stage, reason=reason, error=error, topic=rec.topic,
                                 partition=rec.partition, offset=rec.offset, key=rec.key, value=rec.value)
        result.dead_letters.append((rec.key, encode_envelope(envelope)))
        result.dead_by_reason[reason] += 1
