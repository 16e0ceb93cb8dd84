"""ClientOptions: one place builds every Kafka client's connection options (pure logic), and no
client anywhere in the product or the benches is built without them (read from the source)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from dementi.kafka.options import ClientOptions, NoBootstrap
from dementi.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = {"KafkaConsumer", "KafkaProducer", "KafkaAdminClient", "AIOKafkaConsumer", "AIOKafkaProducer",
           "AIOKafkaAdminClient", "App", "BatchApp"}
BUILDERS = {"kafka_python", "aiokafka", "faust"}


def test_bootstrap_option_wins_over_the_setting_and_a_missing_one_is_named():
    settings = Settings(kafka_bootstrap="a:1", broker_session_timeout=9, broker_heartbeat_interval=2)
    assert ClientOptions.from_settings(settings).bootstrap == "a:1"
    options = ClientOptions.from_settings(settings, "b:2, c:3")
    assert options.bootstrap == "b:2, c:3" and options.hosts == ["b:2", "c:3"]
    assert options.group() == {"session_timeout_ms": 9000, "heartbeat_interval_ms": 2000}
    with pytest.raises(NoBootstrap, match="DEMENTI_KAFKA_BOOTSTRAP"):
        ClientOptions.from_settings(Settings(kafka_bootstrap=None))


def test_each_library_gets_the_same_connection_in_its_own_spelling():
    options = ClientOptions("h1:9092,h2:9092")
    assert options.kafka_python("x", acks="all") == {"bootstrap_servers": "h1:9092,h2:9092", "client_id": "x",
                                                      "security_protocol": "PLAINTEXT",
                                                      "acks": "all"}
    assert options.aiokafka("y")["bootstrap_servers"] == "h1:9092,h2:9092"
    assert options.faust()["broker"] == ["kafka://h1:9092", "kafka://h2:9092"]


def _client_calls(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if name in CLIENTS:
                yield node


def _uses_options(call: ast.Call) -> bool:
    for kw in call.keywords:
        if kw.arg is None and isinstance(kw.value, ast.Call) and isinstance(kw.value.func, ast.Attribute) \
                and kw.value.func.attr in BUILDERS:
            return True
    return False


@pytest.mark.parametrize("folder", ["streams", "bot", "dementi", "bench"])
def test_every_client_is_built_from_client_options(folder):
    """``KafkaConsumer(**options.kafka_python(...))`` everywhere: a client built by hand would miss
    the settings that ClientOptions adds (addresses, timeouts, TLS, SASL)."""
    bad = [f"{path.relative_to(ROOT)}:{call.lineno}" for path in sorted((ROOT / folder).rglob("*.py"))
           for call in _client_calls(path) if not _uses_options(call)]
    assert bad == []
