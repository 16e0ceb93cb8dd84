"""Brokers for the TLS and SASL tests: the embedded broker behind a TLS-terminating proxy
(mutual TLS), and one that requires SASL authentication. Certificates are made per session."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from dementi.streams.broker import EmbeddedBroker, free_port
from tests.kafka.tls import Pki, TlsProxy


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> Pki:
    return Pki.create(tmp_path_factory.mktemp("pki"))


@dataclass
class TlsBroker:
    bootstrap: str      # the proxy: TLS, client certificate required
    plaintext: str      # the broker itself (advertises the proxy: only bootstrap works there)
    pki: Pki
    broker_port: int

    def env(self, client_cert: bool = True, cafile: Path | None = None) -> dict[str, str]:
        """DEMENTI_* variables of a client of this broker."""
        env = {"DEMENTI_KAFKA_SECURITY_PROTOCOL": "SSL", "DEMENTI_KAFKA_BOOTSTRAP": self.bootstrap}
        if cafile is not None:
            env["DEMENTI_KAFKA_SSL_CAFILE"] = str(cafile)
        if client_cert:
            env.update(DEMENTI_KAFKA_SSL_CERTFILE=str(self.pki.client),
                       DEMENTI_KAFKA_SSL_KEYFILE=str(self.pki.client.with_suffix(".key")))
        return env


@pytest.fixture(scope="module")
def tls_broker(pki, tmp_path_factory):
    proxy_port = free_port()
    log = tmp_path_factory.mktemp("tls-broker") / "tansu.log"
    with EmbeddedBroker(advertised_port=proxy_port, log_path=log) as broker, \
            TlsProxy(("127.0.0.1", broker.port), pki.server, client_ca=pki.ca, port=proxy_port) as proxy:
        yield TlsBroker(f"127.0.0.1:{proxy.port}", broker.bootstrap, pki, broker.port)


@pytest.fixture(scope="module")
def sasl_broker(tmp_path_factory) -> str:
    """A broker that requires SASL (Tansu --authentication). No user can exist on it: see
    test_sasl.py's module docstring."""
    log = tmp_path_factory.mktemp("sasl-broker") / "tansu.log"
    with EmbeddedBroker(authentication=True, log_path=log) as broker:
        yield broker.bootstrap
