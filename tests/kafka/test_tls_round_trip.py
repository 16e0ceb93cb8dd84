"""End to end over TLS (issue 17): `dementi publish`, `dementi worker`, `dementi stories` and
`dementi bot` as real processes, every Kafka connection through the TLS proxy with a client certificate (mutual TLS),
the real python-telegram-bot against the Bot API test server. And the same commands without the
CA: refused with one line naming DEMENTI_KAFKA_SSL_CAFILE, the worker with its exit code 5."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dementi.kafka.options import ClientOptions
from dementi.kafka.reader import TopicReader
from dementi.records import Article
from dementi.settings import Settings
from tests.botapi.server import DEFAULT_TOKEN, BotApiServer
from tests.e2e.conftest import messages_with, subscribe
from tests.streams.helpers import ROOT, child_env, start_dementi, stop_process, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# Invented (not from any corpus).
DENIAL = Article(
    url="https://news.example.org/monde/2026/12/03/tls-dement",
    title="Le ministère valmorien dément toute livraison d'armes",
    body="Le ministère russe des Affaires étrangères a démenti mercredi toute livraison d'armes à la Valmorie, "
         "selon un communiqué publié dans la soirée.",
    lang="fr", source="example-news")


def _env(settings, tls_broker, **extra) -> dict[str, str]:
    return child_env(settings, tls_broker.bootstrap, **tls_broker.env(cafile=tls_broker.pki.ca), **extra)


def _publish(env: dict[str, str], tmp_path, articles: list[Article]) -> subprocess.CompletedProcess:
    source = tmp_path / "articles.jsonl"
    source.write_text("".join(a.model_dump_json() + "\n" for a in articles), encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "dementi.cli", "publish", str(source)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_publish_worker_alert_notifier_round_trip_over_mutual_tls(settings, tls_broker, tmp_path):
    server = BotApiServer().start()
    env = _env(settings, tls_broker, DEMENTI_TELEGRAM_TOKEN=DEFAULT_TOKEN, DEMENTI_TELEGRAM_API_URL=server.url,
               DEMENTI_BROKER_SESSION_TIMEOUT="3", DEMENTI_BROKER_HEARTBEAT_INTERVAL="0.5")
    procs = {}
    try:
        procs["worker"] = start_dementi(["worker"], env, tmp_path / "worker.log")
        procs["stories"] = start_dementi(["stories"], env, tmp_path / "stories.log")
        procs["bot"] = start_dementi(["bot"], env, tmp_path / "bot.log")
        subscribe(server, tmp_path / "bot.log")
        published = _publish(env, tmp_path, [DENIAL])
        assert published.returncode == 0, published.stderr
        assert "published 1 article(s)" in published.stderr
        wait_for(lambda: messages_with(server, DENIAL.url), 120, "the alert in the chat, over TLS",
                 procs["worker"], tmp_path / "worker.log")
        # The alert went through the alerts topic, readable only over TLS with the client certificate.
        secure = Settings(kafka_bootstrap=tls_broker.bootstrap, topic_prefix=settings.topic_prefix,
                          kafka_security_protocol="SSL", kafka_ssl_cafile=tls_broker.pki.ca,
                          kafka_ssl_certfile=tls_broker.pki.client,
                          kafka_ssl_keyfile=tls_broker.pki.client.with_suffix(".key"))
        with TopicReader(ClientOptions.from_settings(secure), secure.alerts_topic, "test") as reader:
            assert reader.open()
            assert any(DENIAL.id.encode() in r.value for r in reader.records(idle=2.0))
        for proc in procs.values():
            assert proc.poll() is None, "all still running"
    finally:
        for proc in procs.values():
            stop_process(proc)
        server.stop()
    for name in ("worker", "stories"):
        assert "Traceback" not in (tmp_path / f"{name}.log").read_text(errors="replace")


def test_clients_without_the_ca_are_refused_with_the_clear_message(settings, tls_broker, tmp_path):
    env = child_env(settings, tls_broker.bootstrap, **tls_broker.env(cafile=None))
    published = _publish(env, tmp_path, [DENIAL])
    assert published.returncode == 2, published.stderr
    lines = [line for line in published.stderr.splitlines() if "DEMENTI_KAFKA_SSL_CAFILE" in line]
    assert len(lines) == 1 and "not signed by a CA this client trusts" in lines[0], published.stderr
    assert "Traceback" not in published.stderr

    worker = start_dementi(["worker", "--connect-timeout", "10"], env, tmp_path / "worker.log")
    try:
        code = worker.wait(120)
    finally:
        stop_process(worker)
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert code == 5, log[-2000:]
    assert "not signed by a CA this client trusts" in log and "DEMENTI_KAFKA_SSL_CAFILE" in log


def test_plaintext_commands_are_told_the_broker_wants_tls(settings, tls_broker, tmp_path):
    env = child_env(settings, tls_broker.bootstrap)
    result = subprocess.run([sys.executable, "-m", "dementi.cli", "deadletter"], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "wants TLS" in result.stderr and "DEMENTI_KAFKA_SECURITY_PROTOCOL=SSL" in \
        result.stderr, result.stderr
