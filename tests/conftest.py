"""Shared fixtures. Integration tests talk to a REAL Kafka-wire broker over TCP: the embedded
Tansu broker started once per test session (or the cluster in DEMENTI_TEST_KAFKA_BOOTSTRAP).
Each test gets its own topic prefix and data dir, so tests never see each other's records or
consumer groups (a group keeps the session timeout it was created with)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from dementi.settings import Settings
from dementi.streams.broker import EmbeddedBroker

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory) -> str:
    external = os.environ.get("DEMENTI_TEST_KAFKA_BOOTSTRAP")
    if external:
        yield external
        return
    log_path = tmp_path_factory.mktemp("broker") / "tansu.log"
    broker = EmbeddedBroker(log_path=log_path).start()
    try:
        yield broker.bootstrap
    finally:
        broker.stop()


@pytest.fixture
def unique_prefix() -> str:
    return f"t{uuid.uuid4().hex[:8]}."


@pytest.fixture
def settings(tmp_path, unique_prefix, monkeypatch) -> Settings:
    """Settings for one test: own data dir and topic prefix, no token, project rules."""
    for key in list(os.environ):
        if key.startswith("DEMENTI_") and key != "DEMENTI_TEST_KAFKA_BOOTSTRAP":
            monkeypatch.delenv(key, raising=False)
    return Settings(data_dir=tmp_path / "data", topic_prefix=unique_prefix, consumer_group_prefix=unique_prefix.rstrip("."))
