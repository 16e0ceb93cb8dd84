"""The connection options of every Kafka client dementi opens, built in ONE place.

dementi talks to Kafka through three client libraries: kafka-python (admin, producers, the
short-lived readers of the CLI and the bot), aiokafka (the notifier's consumer) and faust (the
detect worker, itself on aiokafka). Each spells the same connection settings differently. Every
client is built from a :class:`ClientOptions`, so a setting added here (an address, a timeout,
credentials) reaches every client at once and a new client cannot forget it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dementi.settings import Settings


class NoBootstrap(ValueError):
    """No broker address: neither given nor in DEMENTI_KAFKA_BOOTSTRAP."""


@dataclass(frozen=True)
class ClientOptions:
    bootstrap: str
    session_timeout: float = 6.0      # seconds; consumer groups only
    heartbeat_interval: float = 1.0   # seconds; consumer groups only

    @classmethod
    def from_settings(cls, settings: Settings, bootstrap: str | None = None) -> "ClientOptions":
        """``bootstrap`` (e.g. a ``--bootstrap`` option) wins over ``settings.kafka_bootstrap``."""
        address = bootstrap or settings.kafka_bootstrap
        if not address:
            raise NoBootstrap("no Kafka broker: set DEMENTI_KAFKA_BOOTSTRAP=host:port[,...]")
        return cls(address, settings.broker_session_timeout, settings.broker_heartbeat_interval)

    @property
    def hosts(self) -> list[str]:
        return [h.strip() for h in self.bootstrap.split(",") if h.strip()]

    def _connection(self) -> dict[str, Any]:
        return {"bootstrap_servers": self.bootstrap}

    def group(self) -> dict[str, Any]:
        """Consumer-group timings (same names in kafka-python and aiokafka). Short on purpose: the
        embedded broker holds a JoinGroup for half the session timeout (stack.md quirk 1)."""
        return {"session_timeout_ms": int(self.session_timeout * 1000),
                "heartbeat_interval_ms": int(self.heartbeat_interval * 1000)}

    def kafka_python(self, client_id: str, **overrides: Any) -> dict[str, Any]:
        """Keyword arguments for ``KafkaProducer`` / ``KafkaConsumer`` / ``KafkaAdminClient``."""
        return {**self._connection(), "client_id": client_id, **overrides}

    def aiokafka(self, client_id: str, **overrides: Any) -> dict[str, Any]:
        """Keyword arguments for ``AIOKafkaConsumer`` / ``AIOKafkaProducer``."""
        return {**self._connection(), "client_id": client_id, **overrides}

    def faust(self) -> dict[str, Any]:
        """Keyword arguments of ``faust.App`` that say where and how to connect."""
        return {"broker": [f"kafka://{host}" for host in self.hosts]}
