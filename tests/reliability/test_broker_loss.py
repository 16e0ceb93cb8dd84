"""Broker loss, for the notifier (the worker's exits 2 and 3 are tested in tests/streams/test_cli.py).

- Broker unreachable at start: `dementi bot` says so clearly, names the address, retries with a
  growing delay, and keeps running (it does not hang silently, and SIGTERM still stops it); with
  DEMENTI_LOG_JSON the same lines come as JSON objects (ts, level, logger, msg).
- Broker lost mid-run (a private embedded broker, killed): the notifier logs the loss clearly and,
  once a broker is back on the same address, reconnects and delivers the next alert, without being
  restarted.
"""

from __future__ import annotations

import json
import re
import signal
import uuid

import pytest

from dementi.settings import Settings
from dementi.streams.broker import EmbeddedBroker, free_port
from dementi.kafka.topics import ensure_topics
from tests.bot.conftest import make_alert, publish_stories
from tests.streams.helpers import child_env, start_dementi, stop_process, wait_for

pytestmark = pytest.mark.integration


def _settings(tmp_path) -> Settings:
    prefix = f"l{uuid.uuid4().hex[:8]}"
    return Settings(topic_prefix=f"{prefix}.", consumer_group_prefix=prefix, data_dir=tmp_path / "data")


def _env(settings: Settings, bootstrap: str) -> dict[str, str]:
    return child_env(settings, bootstrap, DEMENTI_BROKER_SESSION_TIMEOUT="3", DEMENTI_BROKER_HEARTBEAT_INTERVAL="0.5")


def test_notifier_with_unreachable_broker_says_so_and_retries_with_backoff(tmp_path):
    settings = _settings(tmp_path)
    bootstrap = f"127.0.0.1:{free_port()}"
    log = tmp_path / "bot.log"
    env = _env(settings, bootstrap)
    env["DEMENTI_LOG_JSON"] = "true"  # structured logs: one JSON object per line
    proc = start_dementi(["bot"], env, log)
    try:
        def consumer_retries():
            lines = [json.loads(line) for line in log.read_text(errors="replace").splitlines() if line.startswith("{")]
            found = [re.search(r"unreachable.*retrying in ([\d.]+)s", e["msg"]).group(1) for e in lines
                     if e["logger"] == "dementi.bot.notify.consumer" and e["level"] == "ERROR" and "retrying in" in e["msg"]]
            return found if len(found) >= 2 else None

        retries = wait_for(consumer_retries, 45, "two retries", proc, log)
        assert proc.poll() is None, "still trying, not crashed"
        delays = [float(d) for d in retries]
        assert delays == sorted(delays) and delays[-1] > delays[0], f"backoff grows: {delays}"
        assert bootstrap in log.read_text(errors="replace")
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(30) if proc.poll() is None else proc.returncode
        stop_process(proc)
    assert code == 0, log.read_text(errors="replace")[-2000:]


def test_notifier_survives_broker_loss_and_reconnects(tmp_path):
    settings = _settings(tmp_path)
    broker = EmbeddedBroker(log_path=tmp_path / "broker.log").start()
    port = broker.port
    log = tmp_path / "bot.log"
    proc = start_dementi(["bot"], _env(settings, broker.bootstrap), log)  # console notifier: same consumer
    second = None
    try:
        before = make_alert(1, title="Avant la panne", denier="Valmorie")
        publish_stories(broker.bootstrap, settings, [before])
        wait_for(lambda: before.alert_id in log.read_text(errors="replace"), 60, "first alert printed", proc, log)
        broker.stop()
        lost = f"Kafka broker 127.0.0.1:{port} unreachable: no new alerts until it is back"
        wait_for(lambda: lost in log.read_text(errors="replace"), 30, "a clear log line about the lost broker", proc, log)
        assert proc.poll() is None
        second = EmbeddedBroker(port=port, log_path=tmp_path / "broker2.log").start()
        ensure_topics(settings, second.bootstrap)
        after = make_alert(2, title="Après la panne", denier="Borduria")
        publish_stories(second.bootstrap, settings, [after])
        wait_for(lambda: after.alert_id in log.read_text(errors="replace"), 90, "alert after reconnect", proc, log)
        assert proc.poll() is None, "reconnected without a restart"
        wait_for(lambda: "reachable again" in log.read_text(errors="replace"), 30, "the recovery line", proc, log)
    finally:
        code = stop_process(proc, grace=20)
        broker.stop()
        if second is not None:
            second.stop()
    assert code == 0, log.read_text(errors="replace")[-3000:]
