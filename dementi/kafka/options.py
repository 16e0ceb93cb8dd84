"""The connection options of every Kafka client dementi opens, built in ONE place.

dementi talks to Kafka through three client libraries: kafka-python (admin, producers, the
short-lived readers of the CLI and the bot), aiokafka (the notifier's consumer) and faust (the
detect worker, itself on aiokafka). Each spells the same connection settings differently: the
address, the group timings, and the security settings (TLS: CA, client certificate, hostname
check; SASL: mechanism, user, password). Every client is built from a :class:`ClientOptions`, so
a setting added here reaches every client at once and a new client cannot forget it. The TLS
context is built once per ``ClientOptions`` and shared by its clients.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dementi.settings import Settings


class NoBootstrap(ValueError):
    """No broker address: neither given nor in DEMENTI_KAFKA_BOOTSTRAP."""


class KafkaSetupError(Exception):
    """The TLS/SASL settings cannot work, or the broker refused them; one line naming what to fix."""


def tls_context(cafile: Path | None, certfile: Path | None, keyfile: Path | None,
                check_hostname: bool = True) -> ssl.SSLContext:
    """A client TLS context: the broker's certificate verified against ``cafile`` (or the system's
    CAs), its host name checked unless ``check_hostname`` is off, our certificate for mutual TLS."""
    try:
        context = ssl.create_default_context(cafile=str(cafile) if cafile else None)
    except ssl.SSLError as exc:
        raise KafkaSetupError(f"DEMENTI_KAFKA_SSL_CAFILE={cafile} holds no usable CA certificate "
                              f"({exc.reason or exc.strerror or exc})") from None
    context.check_hostname = check_hostname
    if certfile is not None:
        try:
            context.load_cert_chain(str(certfile), str(keyfile) if keyfile else None)
        except ssl.SSLError as exc:
            if "KEY_VALUES_MISMATCH" in str(exc):
                raise KafkaSetupError(f"DEMENTI_KAFKA_SSL_KEYFILE={keyfile} is not the key of the certificate in "
                                      f"DEMENTI_KAFKA_SSL_CERTFILE={certfile}") from None
            where = f"DEMENTI_KAFKA_SSL_KEYFILE={keyfile}" if keyfile else "no DEMENTI_KAFKA_SSL_KEYFILE"
            raise KafkaSetupError(f"DEMENTI_KAFKA_SSL_CERTFILE={certfile} ({where}): no usable PEM certificate and "
                                  f"private key ({exc.reason or exc.strerror or exc})") from None
    return context


@dataclass(frozen=True)
class ClientOptions:
    bootstrap: str
    session_timeout: float = 6.0      # seconds; consumer groups only
    heartbeat_interval: float = 1.0   # seconds; consumer groups only
    security_protocol: str = "PLAINTEXT"
    ssl_context: ssl.SSLContext | None = field(default=None, compare=False, repr=False)
    ssl_cafile: Path | None = None      # for messages; the context holds the certificates
    ssl_certfile: Path | None = None
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: str | None = field(default=None, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings, bootstrap: str | None = None) -> "ClientOptions":
        """``bootstrap`` (e.g. a ``--bootstrap`` option) wins over ``settings.kafka_bootstrap``.
        Raises KafkaSetupError when the TLS files cannot be used."""
        address = bootstrap or settings.kafka_bootstrap
        if not address:
            raise NoBootstrap("no Kafka broker: set DEMENTI_KAFKA_BOOTSTRAP=host:port[,...]")
        protocol = settings.kafka_security_protocol
        context = None
        if protocol in ("SSL", "SASL_SSL"):
            context = tls_context(settings.kafka_ssl_cafile, settings.kafka_ssl_certfile, settings.kafka_ssl_keyfile,
                                  settings.kafka_ssl_check_hostname)
        sasl = protocol.startswith("SASL_")
        password = settings.kafka_sasl_password.get_secret_value() if sasl and settings.kafka_sasl_password else None
        return cls(address, settings.broker_session_timeout, settings.broker_heartbeat_interval, protocol, context,
                   settings.kafka_ssl_cafile, settings.kafka_ssl_certfile,
                   settings.kafka_sasl_mechanism if sasl else None, settings.kafka_sasl_username if sasl else None,
                   password)

    @property
    def hosts(self) -> list[str]:
        return [h.strip() for h in self.bootstrap.split(",") if h.strip()]

    def _connection(self) -> dict[str, Any]:
        """The same keyword names in kafka-python and aiokafka."""
        options: dict[str, Any] = {"bootstrap_servers": self.bootstrap, "security_protocol": self.security_protocol}
        if self.ssl_context is not None:
            options["ssl_context"] = self.ssl_context
        if self.sasl_mechanism:
            options.update(sasl_mechanism=self.sasl_mechanism, sasl_plain_username=self.sasl_username,
                           sasl_plain_password=self.sasl_password)
        return options

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
        options: dict[str, Any] = {"broker": [f"kafka://{host}" for host in self.hosts]}
        if self.sasl_mechanism:
            import faust  # noqa: PLC0415 - heavy; only the worker needs it

            options["broker_credentials"] = faust.SASLCredentials(
                username=self.sasl_username, password=self.sasl_password, ssl_context=self.ssl_context,
                mechanism=self.sasl_mechanism)
        elif self.ssl_context is not None:
            import faust  # noqa: PLC0415

            options["broker_credentials"] = faust.SSLCredentials(self.ssl_context)
        return options
