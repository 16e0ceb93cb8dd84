"""Running the detect worker (and the story stage, ``streams.stories``) in this process, so that
it never hangs silently. Both are faust processes run the same way (``run_faust_app``):

- Start: the broker is probed (and topics created) with backoff before faust starts, because a
  faust worker facing a dead broker retries quietly forever. Unreachable after ``connect_timeout``
  -> clear message, exit code 2. A broker that refuses our TLS/SASL settings (``kafka.preflight``)
  -> one line naming the setting to fix, exit code 5.
- Mid-run: a watchdog thread probes the bootstrap hosts over TCP; unreachable for longer than
  ``broker_lost_timeout`` -> clear message, exit code 3 (a supervisor/systemd restarts us). Shorter
  outages are ridden out by the Kafka client's own reconnects.
- Stop: SIGTERM/SIGINT stop faust gracefully; since faust can hang on shutdown (seen after a broker
  restart), a timer hard-exits the process ``stop_grace`` seconds later. Offsets are only committed
  for delivered batches, so a hard exit loses nothing (the batch is replayed).
- Readiness: after each rebalance the worker writes ``ready_file`` (if given), which ``dementi run``
  waits for before publishing the demo articles.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import faust

from dementi import metrics
from dementi.settings import Settings
from dementi.streams.app import DetectApp, app_id
from dementi.kafka.options import ClientOptions, KafkaSetupError
from dementi.kafka.preflight import check_connection
from dementi.kafka.probe import BrokerWatch, broker_reachable, wait_for_broker
from dementi.kafka.topics import BrokerUnavailable, ensure_topics
from dementi.rules.engine import RuleLoadError

log = logging.getLogger(__name__)

EXIT_OK, EXIT_CRASH, EXIT_NO_BROKER, EXIT_BROKER_LOST, EXIT_BAD_RULES, EXIT_KAFKA_SETUP = 0, 1, 2, 3, 4, 5


class _Stopper:
    """Ends the process exactly once: graceful faust stop, then a hard exit if that hangs."""

    def __init__(self, grace: float):
        self.grace = grace
        self.code: int | None = None
        self._lock = threading.Lock()
        self.worker: faust.Worker | None = None
        self._timer: threading.Timer | None = None
        self.cleanup: list = []  # callables run before a hard exit (e.g. remove the ready marker)

    def arm(self, code: int) -> bool:
        with self._lock:
            if self.code is not None:
                return False
            self.code = code
        self._timer = threading.Timer(self.grace, self._hard_exit)
        self._timer.daemon = True
        self._timer.start()
        return True

    def disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def _hard_exit(self) -> None:
        log.error("worker did not stop within %.0fs; exiting hard (uncommitted batches are replayed)",
                  self.grace)
        for fn in self.cleanup:
            try:
                fn()
            except Exception:
                pass
        logging.shutdown()
        os._exit(self.code if self.code is not None else EXIT_CRASH)

    def request(self, code: int, reason: str) -> None:
        """Thread-safe stop request (watchdog thread)."""
        if self.arm(code) and self.worker is not None:
            log.critical("%s; stopping the worker", reason)
            loop = self.worker.loop
            loop.call_soon_threadsafe(self.worker._schedule_shutdown, signal.SIGTERM)


class _Worker(faust.Worker):
    stopper: _Stopper

    def _schedule_shutdown(self, signum) -> None:  # signal handler path (and our own requests)
        self.stopper.arm(EXIT_OK)
        super()._schedule_shutdown(signum)


class _Watchdog(threading.Thread):
    def __init__(self, bootstrap: str, lost_timeout: float, stopper: _Stopper, interval: float = 1.0):
        super().__init__(name="broker-watchdog", daemon=True)
        self.bootstrap, self.lost_timeout, self.stopper, self.interval = bootstrap, lost_timeout, stopper, interval

    def run(self) -> None:
        watch = BrokerWatch(self.bootstrap, f"Kafka broker {{bootstrap}} unreachable; giving it "
                            f"{self.lost_timeout:.0f}s to come back",
                            "Kafka broker {bootstrap} reachable again after {seconds:.1f}s", log)
        while self.stopper.code is None:
            if watch.update(broker_reachable(self.bootstrap)) > self.lost_timeout:
                self.stopper.request(EXIT_BROKER_LOST, f"lost the Kafka broker {self.bootstrap} for more than "
                                                       f"{self.lost_timeout:.0f}s")
                return
            time.sleep(self.interval)


WARM_UP = (
    ("fr", "Le ministère des Affaires étrangères a démenti ces informations et ne participera à aucune coalition."),
    ("en", "The foreign ministry denied the reports and said it will not join any coalition."),
)


def warm_up(engine) -> None:
    """Run the engine once per language before joining the group: language models load lazily,
    and a multi-second first batch would both delay the first alerts and starve heartbeats."""
    from dementi.records import Article

    started = time.monotonic()
    for lang, text in WARM_UP:
        try:
            engine.alerts(Article(url=f"https://warm-up.invalid/{lang}", title=text, body=text, lang=lang))
        except Exception as exc:  # a warm-up failure is not fatal: real articles are dead-lettered
            log.warning("engine warm-up (%s) failed: %r", lang, exc)
    log.info("engine warmed up in %.1fs", time.monotonic() - started)


def write_ready(path: Path | None) -> None:
    if path is None:
        return
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(f"ready {os.getpid()} {time.time():.3f}\n", encoding="utf-8")
    tmp.replace(path)  # atomic: a reader never sees a half-written marker


class StartFailed(Exception):
    """The process cannot start; ``code`` is its exit code (the reason was logged)."""

    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


def prepare_broker(settings: Settings, bootstrap: str, connect_timeout: float) -> None:
    """Wait for the broker (with backoff, saying so), check that it accepts our TLS/SASL settings
    and create the topics; or exit 2 (unreachable) or 5 (settings refused: retrying cannot help)."""
    try:
        if not wait_for_broker(bootstrap, connect_timeout):
            raise BrokerUnavailable(f"Kafka broker {bootstrap} unreachable after {connect_timeout:.0f}s")
        check_connection(ClientOptions.from_settings(settings, bootstrap))
        ensure_topics(settings, bootstrap, timeout=connect_timeout)
    except BrokerUnavailable as exc:
        log.error("%s. Is Kafka running at DEMENTI_KAFKA_BOOTSTRAP=%s? (`dementi run` starts an "
                  "embedded broker for you.)", exc, bootstrap)
        raise StartFailed(EXIT_NO_BROKER) from None
    except KafkaSetupError as exc:
        log.error("%s", exc)
        raise StartFailed(EXIT_KAFKA_SETUP) from None


def prepare_process(settings: Settings, ready_file: Path | None, connect_timeout: float) -> str:
    """What a faust process of dementi does first: its broker address, no stale ready marker, the
    broker prepared (``prepare_broker``, or StartFailed). Returns the address."""
    bootstrap = settings.kafka_bootstrap
    if not bootstrap:
        raise ValueError("DEMENTI_KAFKA_BOOTSTRAP is not set")
    if ready_file is not None:
        ready_file.unlink(missing_ok=True)
    prepare_broker(settings, bootstrap, connect_timeout)
    return bootstrap


def _detect_app(settings: Settings, bootstrap: str, ready_file: Path | None) -> DetectApp:
    """Load the rules and warm the engine up, or exit 4."""
    try:
        detect = DetectApp(settings, bootstrap, on_ready=lambda: write_ready(ready_file))
    except RuleLoadError as exc:
        log.error("cannot load rules from %s: %s", settings.rules_dir, exc)
        raise StartFailed(EXIT_BAD_RULES) from None
    logging.getLogger("spacy").setLevel(logging.WARNING)  # its own handler would double lines
    warm_up(detect.source.engine)
    log.info("detect worker %s: %s -> %s (dead letters: %s), %d rule(s), broker %s",
             app_id(settings), settings.articles_topic, settings.alerts_topic, settings.deadletter_topic,
             len(detect.source.engine.rules), bootstrap)
    return detect


def _run_faust(app: faust.App, name: str, stopper: _Stopper, loglevel: str) -> int:
    """Run the faust Worker until it stops; its exit code."""
    worker = _Worker(app, loglevel=loglevel, quiet=True, override_logging=False, redirect_stdouts=False)
    worker.spinner = None  # its terminal escapes would garble the console notifier's output
    worker.stopper = stopper
    stopper.worker = worker
    code = EXIT_OK
    try:
        worker.execute_from_commandline()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else EXIT_CRASH
    except Exception as exc:  # mode re-raises the crash reason after shutdown
        log.critical("%s crashed: %r", name, exc)
        code = EXIT_CRASH
    return code


def run_faust_app(app: faust.App, bootstrap: str, *, name: str, ready_file: Path | None,
                  broker_lost_timeout: float, stop_grace: float, loglevel: str,
                  failed: Callable[[], bool] = lambda: False) -> int:
    """Run a built faust app (the broker prepared, ``prepare_broker``) under the broker watchdog
    and the stop timer; its exit code (1 when ``failed()`` says the app's own step crashed)."""
    stopper = _Stopper(stop_grace)
    if ready_file is not None:
        stopper.cleanup.append(lambda: ready_file.unlink(missing_ok=True))
    _Watchdog(bootstrap, broker_lost_timeout, stopper).start()
    try:
        code = _run_faust(app, name, stopper, loglevel)
    finally:
        if ready_file is not None:
            ready_file.unlink(missing_ok=True)
    if failed() and code == EXIT_OK:
        code = EXIT_CRASH
    if stopper.code not in (None, EXIT_OK):  # the watchdog's reason wins
        code = stopper.code
    stopper.arm(code)  # also stops the watchdog loop
    stopper.disarm()   # we returned in time: no hard exit
    return code


def run_worker(settings: Settings, *, ready_file: Path | None = None, connect_timeout: float = 60.0,
               broker_lost_timeout: float = 30.0, stop_grace: float = 15.0, loglevel: str = "WARNING") -> int:
    """Run until SIGTERM/SIGINT or a fatal error; returns the process exit code."""
    try:
        bootstrap = prepare_process(settings, ready_file, connect_timeout)
        detect = _detect_app(settings, bootstrap, ready_file)
    except StartFailed as failed:
        return failed.code
    metrics_server = metrics.serve(settings, "worker")
    code = run_faust_app(detect.app, bootstrap, name="detect worker", ready_file=ready_file,
                         broker_lost_timeout=broker_lost_timeout, stop_grace=stop_grace, loglevel=loglevel,
                         failed=lambda: detect.fatal is not None)
    log.info("detect worker stopped (exit %d): %d articles, %d alerts, %d dead letters",
             code, detect.stats["articles"], detect.stats["alerts"], detect.stats["dead_letters"])
    if metrics_server is not None:
        metrics_server.stop()
    return code
