"""Prometheus metrics and one tiny HTTP endpoint (``/metrics``, ``/healthz``) per process.

WHY a thread and not the asyncio loop: the worker's loop is faust's and the bot's is PTB's; a
stdlib ``ThreadingHTTPServer`` in a daemon thread serves both without touching either loop, and
keeps answering while a long engine batch holds the loop. ``/healthz`` is then a real liveness
check: each process ticks :func:`beat` from its loop, and a loop that stopped ticking for
``STALE_AFTER`` seconds answers 503.

Ports: ``DEMENTI_WORKER_METRICS_PORT`` / ``DEMENTI_BOT_METRICS_PORT`` win; otherwise
``DEMENTI_METRICS_PORT`` is the worker's port and the bot uses ``DEMENTI_METRICS_PORT + 1`` (so
``dementi run``, whose children share one environment, does not collide). Unset = no server.
Port 0 = any free port (logged). A port already in use is logged and the process runs without
metrics: observability must never take detection down.

Counters that other modules already keep (the bot sender's ``stats``, the router's totals, the
consumer's count) are read at scrape time by :class:`_BotCollector`, so the delivery code does not
have to know about Prometheus.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from dementi.settings import Settings

log = logging.getLogger(__name__)

STALE_AFTER = 30.0  # seconds without a loop tick before /healthz says 503
ROLE_OFFSET = {"worker": 0, "bot": 1, "feeds": 2}

# --- detect worker ---------------------------------------------------------------------------
RECORDS = Counter("dementi_records_consumed_total", "Records read from the articles topic (good and bad)")
ARTICLES = Counter("dementi_articles_consumed_total", "Articles decoded and run through the rules")
CANDIDATES = Counter("dementi_candidates_total", "Articles that passed the prefilter (reached spaCy)")
ALERTS = Counter("dementi_alerts_total", "Alerts produced, per rule", ["rule"])
DEADLETTERS = Counter("dementi_deadletters_total", "Records sent to the dead-letter topic, per reason", ["reason"])
RULE_ERRORS = Counter("dementi_rule_errors_total", "Rules that raised at evaluation time (then disabled)", ["rule"])
BATCH_SECONDS = Histogram("dementi_batch_seconds", "Engine time per consumed batch",
                          buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))

# --- notifier --------------------------------------------------------------------------------
LATENCY = Histogram(
    "dementi_alert_latency_seconds",
    "Time until the last part of an alert was accepted by Telegram, since the article was ingested "
    "(since=ingested, falls back to the Kafka append time) or since the alert was detected (since=detected)",
    ["since"], buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600))

# --- live sources (the feed poller; the per-source Telegram delay is the notifier's) ------------
_SOURCE_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 6 * 3600, 86400)
SOURCE_ARTICLE_LATENCY = Histogram(
    "dementi_source_article_latency_seconds",
    "Entry's publication (its discovery when undated) -> its article acknowledged by Kafka, per source and mode",
    ["source", "mode"], buckets=_SOURCE_BUCKETS)
SOURCE_ARTICLES = Counter("dementi_source_articles_total", "Articles published per source and mode (poll/push)",
                          ["source", "mode"])
FEED_POLLS = Counter("dementi_feed_polls_total", "Feed polls by outcome: new, nothing_new, not_modified, error",
                     ["result"])
WEBSUB_EVENTS = Counter("dementi_websub_events_total", "WebSub requests, verifications and deliveries by outcome",
                        ["event"])
SOURCE_ALERT_LATENCY = Histogram(
    "dementi_source_alert_latency_seconds",
    "Entry's publication (or ingestion when undated) -> its alert accepted by Telegram, per source",
    ["source"], buckets=_SOURCE_BUCKETS)

_START = time.time()
_last_beat = time.monotonic()
_info: dict[str, Any] = {}


def beat() -> None:
    """Called from the process's event loop: proves the loop still runs (for /healthz)."""
    global _last_beat
    _last_beat = time.monotonic()


def set_info(**values: Any) -> None:
    """Facts shown by /healthz (role, group, assigned partitions...)."""
    _info.update(values)


def health() -> tuple[bool, dict[str, Any]]:
    age = time.monotonic() - _last_beat
    ok = age < STALE_AFTER
    return ok, {"status": "ok" if ok else "stalled", "loop_tick_age_s": round(age, 3),
                "uptime_s": round(time.time() - _START, 1), **_info}


# --- gauges that read live objects at scrape time ---------------------------------------------------
_RULES_LOADED = Gauge("dementi_rules_loaded", "Rules loaded and enabled in the running engine")
_RULES_DISABLED = Gauge("dementi_rules_disabled", "Rules disabled after raising at evaluation time")


def watch_rules(loaded: Callable[[], int], disabled: Callable[[], int] = lambda: 0) -> None:
    _RULES_LOADED.set_function(lambda: _safe(loaded))
    _RULES_DISABLED.set_function(lambda: _safe(disabled))


def _safe(fn: Callable[[], float]) -> float:
    try:
        return float(fn())
    except Exception:  # a scrape must never fail because a component is (re)starting
        return float("nan")


class BatchCounts(Protocol):
    """What the worker counts per batch (``streams.detect.BatchResult`` has these)."""

    articles: int
    candidates: int
    alerts_by_rule: Mapping[str, int]
    dead_by_reason: Mapping[str, int]
    rule_failures: list[str]


def record_batch(result: BatchCounts, records: int, seconds: float | None = None) -> None:
    """Worker hook: one call per processed batch."""
    RECORDS.inc(records)
    ARTICLES.inc(result.articles)
    CANDIDATES.inc(result.candidates)
    for rule, n in result.alerts_by_rule.items():
        ALERTS.labels(rule=rule).inc(n)
    for reason, n in result.dead_by_reason.items():
        DEADLETTERS.labels(reason=reason).inc(n)
    for rule in result.rule_failures:
        RULE_ERRORS.labels(rule=rule).inc()
    if seconds is not None:
        BATCH_SECONDS.observe(seconds)


class _Sender(Protocol):
    stats: Mapping[str, int]


class _Router(Protocol):
    totals: Mapping[str, int]


class _Consumer(Protocol):
    consumed: int


class NotifierParts(Protocol):
    """The notifier's components (``bot.services.Services``); None until the notifier built them."""

    sender: _Sender | None
    router: _Router | None
    consumer: _Consumer | None


class _BotCollector:
    """Reads the notifier's own counters (sender.stats, router.totals, consumer.consumed) and the
    outbox depth (its own read-only SQLite connection: the scrape runs in another thread)."""

    SEND_RESULTS = {"ok": "sent", "429": "retry_after", "403": "forbidden", "chat_not_found": "chat_not_found",
                    "error": "backoff", "migrated": "migrated", "failed": "failed"}

    def __init__(self) -> None:
        self.services: NotifierParts | None = None
        self.db_path: Path | None = None
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def bind(self, services: NotifierParts | None = None, db_path: Path | None = None) -> None:
        self.services = services if services is not None else self.services
        self.db_path = db_path if db_path is not None else self.db_path

    def _outbox(self) -> dict[str, int]:
        if self.db_path is None or not self.db_path.exists():
            return {}
        with self._lock:
            if self._conn is None:
                self._conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, check_same_thread=False,
                                             timeout=2)
            rows = self._conn.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status").fetchall()
        return {status: n for status, n in rows}

    def collect(self):
        svc = self.services
        if svc is None and self.db_path is None:
            return
        sender, consumer, router = (svc.sender, svc.consumer, svc.router) if svc is not None else (None, None, None)
        sends = CounterMetricFamily("dementi_sends", "Telegram sendMessage outcomes", labels=["result"])
        stats = sender.stats if sender is not None else {}
        for label, key in self.SEND_RESULTS.items():
            sends.add_metric([label], stats.get(key, 0))
        yield sends
        received = CounterMetricFamily("dementi_notifier_alerts_received", "Alerts read from the alerts topic")
        received.add_metric([], consumer.consumed if consumer is not None else 0)
        yield received
        routed = CounterMetricFamily("dementi_routed", "Alert x chat routing decisions", labels=["status"])
        for status, n in dict(router.totals if router is not None else {}).items():
            routed.add_metric([status], n)
        yield routed
        try:
            by_status = self._outbox()
        except sqlite3.Error as exc:
            log.debug("outbox depth unavailable: %s", exc)
            by_status = None
        if by_status is not None:
            depth = GaugeMetricFamily("dementi_outbox_depth", "Outbox rows waiting to be sent (status=pending)")
            depth.add_metric([], by_status.get("pending", 0))
            yield depth
            rows = GaugeMetricFamily("dementi_outbox_rows", "Outbox rows by status", labels=["status"])
            for status, n in sorted(by_status.items()):
                rows.add_metric([status], n)
            yield rows


BOT = _BotCollector()
REGISTRY.register(BOT)


def observe_sent(row, part_index: int, sent_at: float, ingested_at: float | None = None) -> None:
    """Sender ``on_sent`` hook: latency once the LAST part of an alert went out."""
    if part_index + 1 < len(row.parts):
        return
    if row.detected_at:
        LATENCY.labels(since="detected").observe(max(0.0, sent_at - row.detected_at))
    if ingested_at:
        LATENCY.labels(since="ingested").observe(max(0.0, sent_at - ingested_at))


def observe_source_sent(alert, sent_at: float) -> None:
    """Notifier hook: per-source delay from the entry's publication to Telegram's acceptance."""
    start = alert.published_at or alert.ingested_at
    if start is None or not alert.article_source:
        return
    delay = sent_at - start.timestamp()
    if 0 <= delay <= 86400:
        SOURCE_ALERT_LATENCY.labels(source=alert.article_source).observe(delay)


# --- the HTTP endpoint ---------------------------------------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    server_version = "dementi-metrics"

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        path = self.path.split("?", 1)[0]
        if path == "/metrics":
            self._reply(200, generate_latest(REGISTRY), CONTENT_TYPE_LATEST)
        elif path in ("/healthz", "/health"):
            ok, body = health()
            self._reply(200 if ok else 503, json.dumps(body).encode(), "application/json")
        else:
            self._reply(404, b"try /metrics or /healthz\n", "text/plain")

    def _reply(self, code: int, body: bytes, ctype: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt: str, *args) -> None:  # scrapes every few seconds: not worth a log line
        log.debug("metrics %s - %s", self.address_string(), fmt % args)


class MetricsServer:
    def __init__(self, httpd: ThreadingHTTPServer):
        self.httpd = httpd
        self.port = httpd.server_address[1]
        self.thread = threading.Thread(target=httpd.serve_forever, name="metrics-http", daemon=True)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def port_for(settings: Settings, role: str) -> int | None:
    """The metrics port of ``role`` (worker | bot | feeds) from the settings, None = off."""
    explicit = {"worker": settings.worker_metrics_port, "bot": settings.bot_metrics_port,
                "feeds": settings.feeds_metrics_port}.get(role)
    if explicit is not None:
        return explicit
    base = settings.metrics_port
    if base is None:
        return None
    return 0 if base == 0 else base + ROLE_OFFSET.get(role, 0)


def serve(settings: Settings, role: str) -> MetricsServer | None:
    """Start the endpoint for ``role`` if a port is configured; never raises."""
    port = port_for(settings, role)
    if port is None:
        return None
    host = settings.metrics_host
    set_info(role=role)
    try:
        httpd = ThreadingHTTPServer((host, port), _Handler)
    except OSError as exc:
        log.error("metrics endpoint NOT started: cannot listen on %s:%s (%s); set DEMENTI_%s_METRICS_PORT to a "
                  "free port", host, port, exc, role.upper())
        return None
    httpd.daemon_threads = True
    server = MetricsServer(httpd)
    server.thread.start()
    log.info("metrics for %s on http://%s:%d/metrics (health: /healthz)", role, host, server.port)
    return server
