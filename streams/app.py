"""The faust application of the detect worker: articles topic -> rules -> alerts / dead-letter topics.

Design choices:
- Raw bytes: the handler gets the record values undecoded, so a record that does not decode is still OURS to
  dead-letter instead of an exception deep inside faust.
- Batches, not events (``kafka.internals.BatchApp``): each fetched record map goes to ``_handle`` whole,
  and its offsets are committed only AFTER its alerts and dead letters are delivered (acks=all),
  so a crash or a stop mid-batch replays the batch (at-least-once; alert ids are deterministic
  and the bot's outbox dedups). faust's per-event path cost more than the rules themselves.
- Alerts/dead letters go through ``app.producer`` directly (no faust Topic/codec machinery per
  message). Alerts are keyed by story key (``Alert.story_key``: the article's lead denier, so the story
  stage reads one denier's alerts in order); dead letters keep the original key.
- No web server (several workers share a host), no leader topic, tables in memory.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable
from pathlib import Path

import faust

from dementi import metrics
from dementi.kafka.internals import BatchApp, short_fetch_wait
from dementi.kafka.options import ClientOptions
from dementi.kafka.raw import RawRecord
from dementi.settings import Settings
from dementi.streams.detect import Detector
from dementi.streams.rulesource import RuleSource, open_rule_source

log = logging.getLogger(__name__)

BATCH_MAX = 500          # records per fetch (max_poll_records): one engine hand-off, one commit
STATS_INTERVAL = 10.0   # seconds between throughput log lines (only when something was processed)
ENGINE_CHUNK = 250       # records per engine call: enough cue sentences for one efficient nlp.pipe, alerts still flow early


def app_id(settings: Settings) -> str:
    return f"{settings.consumer_group_prefix}-detect"


class DetectApp:
    """Builds the faust app and its batch handler around a Detector. ``on_ready`` fires after each rebalance."""

    def __init__(self, settings: Settings, bootstrap: str, source: RuleSource | None = None,
                 on_ready: Callable[[], None] | None = None):
        self.settings = settings
        self.source = source or open_rule_source(settings.rules_dir, settings.gazetteers_dir)
        self.metrics_on = metrics.port_for(settings, "worker") is not None
        self.detector = Detector(self.source, settings.max_body_bytes, count_candidates=self.metrics_on)
        metrics.watch_rules(lambda: len(self.source.engine.rules), self.detector.guard.disabled_count)
        self.on_ready = on_ready
        self.stats = {"articles": 0, "alerts": 0, "dead_letters": 0, "batches": 0}
        self.fatal: BaseException | None = None
        self._engine_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="engine")
        self.app = self._faust_app(ClientOptions.from_settings(settings, bootstrap))
        self.app.batch_handler = self._batch_handler()
        self._add_timers()
        self._on_rebalance()

    def _faust_app(self, options: ClientOptions) -> BatchApp:
        """The faust app, subscribed to the articles topic through its conductor (faust's group,
        assignor and rebalances); records arrive in batches (``kafka.internals``), not as events."""
        short_fetch_wait()
        s = self.settings
        data_dir = Path(s.data_dir) / "faust"
        data_dir.mkdir(parents=True, exist_ok=True)
        fetch = max(4 * 1024 * 1024, 3 * s.max_body_bytes)
        app = BatchApp(
            app_id(s),
            **options.faust(),
            store="memory://",
            datadir=str(data_dir),
            web_enabled=False,
            topic_disable_leader=True,
            key_serializer="raw",
            value_serializer="raw",
            broker_session_timeout=s.broker_session_timeout,
            broker_heartbeat_interval=s.broker_heartbeat_interval,
            broker_commit_interval=1.0,
            consumer_auto_offset_reset="earliest",
            consumer_max_fetch_size=fetch,
            broker_max_poll_records=BATCH_MAX,
            producer_max_request_size=max(8 * 1024 * 1024, fetch),
            producer_acks=-1,
            topic_partitions=s.topic_partitions,
            autodiscover=False,
        )
        app.topics.add(app.topic(s.articles_topic, key_type=bytes, value_type=bytes, internal=False))
        return app

    def _batch_handler(self):
        app, alerts_topic, dead_topic = self.app, self.settings.alerts_topic, self.settings.deadletter_topic

        async def detect(records: list[RawRecord]) -> None:
            try:
                await self._handle(app, records, alerts_topic, dead_topic)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # Not a bad record (those are dead-lettered) but e.g. the producer failing:
                # crash so the process exits non-zero and the batch is replayed on restart,
                # instead of a worker that silently stopped consuming.
                log.critical("detect step failed, stopping the worker: %r", exc, exc_info=True)
                self.fatal = exc
                await app.crash(exc)
                raise

        return detect

    def _add_timers(self) -> None:
        """Rule hot reload, the /healthz heartbeat and the throughput log line."""
        app = self.app

        @app.timer(interval=self.settings.rules_reload_interval)
        async def reload_rules() -> None:
            loop = asyncio.get_running_loop()
            try:  # in a thread: building an engine (spaCy models) must not stall heartbeats
                await loop.run_in_executor(None, self.source.poll)
            except Exception as exc:
                log.error("rule reload failed, keeping the current rules: %r", exc)

        @app.timer(interval=1.0)
        async def heartbeat() -> None:  # /healthz: the loop is alive
            metrics.beat()

        last = dict(self.stats)

        @app.timer(interval=STATS_INTERVAL)
        async def log_throughput() -> None:
            done = self.stats["articles"] + self.stats["dead_letters"] - last["articles"] - last["dead_letters"]
            if done:
                log.info("processed %d records in %.0fs (%.0f/s): %d alerts, %d dead letters",
                         done, STATS_INTERVAL, done / STATS_INTERVAL, self.stats["alerts"] - last["alerts"],
                         self.stats["dead_letters"] - last["dead_letters"])
            last.update(self.stats)

    def _on_rebalance(self) -> None:
        """After each rebalance: log and publish the assigned partitions, then ``on_ready``."""
        app, s = self.app, self.settings

        @app.on_rebalance_complete.connect
        async def _ready(sender=None, **kwargs) -> None:
            self.became_ready(sorted(tp.partition for tp in app.consumer.assignment()
                                     if tp.topic == s.articles_topic))

    def became_ready(self, assigned: list[int]) -> None:
        """The worker holds its partitions: /healthz says so at once (a beat), then ``on_ready``
        (the ready marker). Without this beat, a start-up longer than ``metrics.STALE_AFTER``
        (spaCy, a slow broker join on a loaded machine) left /healthz at 503 until the first
        heartbeat tick, although the worker was ready: readiness must imply health."""
        s = self.settings
        metrics.beat()
        log.info("detect worker ready: group %s, partitions %s of %s", app_id(s), assigned, s.articles_topic)
        metrics.set_info(group=app_id(s), partitions=assigned)
        if self.on_ready:
            self.on_ready()

    async def _handle(self, app: faust.App, records: list[RawRecord], alerts_topic: str, dead_topic: str) -> None:
        started = time.perf_counter()
        result = None
        pending = []
        loop = asyncio.get_running_loop()
        for start in range(0, len(records), ENGINE_CHUNK):
            # The engine runs in ONE dedicated thread (order kept, no concurrent engine calls) so
            # that a slow batch (spaCy on many candidates) cannot starve the loop: heartbeats,
            # fetches and commits go on, and the group does not evict us mid-batch.
            part = await loop.run_in_executor(self._engine_thread, self.detector.process,
                                              records[start:start + ENGINE_CHUNK])
            for key, value in part.alerts:
                pending.append(await app.producer.send(alerts_topic, key, value, None, None, None))
            for key, value in part.dead_letters:
                pending.append(await app.producer.send(dead_topic, key, value, None, None, None))
            result = part if result is None else _merge(result, part)
        if pending:
            await asyncio.gather(*pending)  # delivered (acks=all) before the batch is acked
        self.stats["batches"] += 1
        self.stats["articles"] += result.articles
        self.stats["alerts"] += len(result.alerts)
        self.stats["dead_letters"] += len(result.dead_letters)
        metrics.record_batch(result, len(records), time.perf_counter() - started)


def _merge(a, b):
    a.alerts.extend(b.alerts)
    a.dead_letters.extend(b.dead_letters)
    a.articles += b.articles
    a.alerts_by_rule.update(b.alerts_by_rule)
    a.dead_by_reason.update(b.dead_by_reason)
    a.candidates += b.candidates
    a.rule_failures.extend(b.rule_failures)
    return a
