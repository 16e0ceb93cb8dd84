"""The preflight check against real sockets: a broker behind a TLS proxy (mutual TLS), proxies
with a bad certificate, a plaintext broker and a broker that requires SASL. Each misconfiguration
gives ONE line naming the setting to fix; good settings pass."""

from __future__ import annotations

import pytest

from dementi.kafka.options import ClientOptions, KafkaSetupError
from dementi.kafka.preflight import check_connection
from dementi.settings import Settings
from tests.kafka.tls import TlsProxy

pytestmark = pytest.mark.integration


def _options(bootstrap: str, **settings) -> ClientOptions:
    return ClientOptions.from_settings(Settings(kafka_bootstrap=bootstrap, **settings))


def _tls(pki, client: str | None = "client", cafile="ca", **more) -> dict:
    settings = {"kafka_security_protocol": "SSL", **more}
    if cafile:
        settings["kafka_ssl_cafile"] = getattr(pki, cafile)
    if client:
        cert = getattr(pki, client)
        settings.update(kafka_ssl_certfile=cert, kafka_ssl_keyfile=cert.with_suffix(".key"))
    return settings


def _refusal(options: ClientOptions) -> str:
    with pytest.raises(KafkaSetupError) as caught:
        check_connection(options, timeout=5)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_good_mutual_tls_passes(tls_broker):
    assert check_connection(_options(tls_broker.bootstrap, **_tls(tls_broker.pki))) is True


@pytest.mark.parametrize("case, settings, expected", [
    ("no CA file: the system CAs do not know the test CA", dict(cafile=None),
     ["not signed by a CA this client trusts", "DEMENTI_KAFKA_SSL_CAFILE", "system"]),
    ("another CA", dict(cafile="other_ca"), ["not signed by a CA this client trusts", "other-ca.pem"]),
    ("no client certificate", dict(client=None), ["requires a client certificate", "DEMENTI_KAFKA_SSL_CERTFILE"]),
    ("expired client certificate", dict(client="client_expired"),
     ["refused the client certificate", "client-expired.pem", "DEMENTI_KAFKA_SSL_CERTFILE"]),
])
def test_tls_refusals_name_the_setting(tls_broker, case, settings, expected):
    message = _refusal(_options(tls_broker.bootstrap, **_tls(tls_broker.pki, **settings)))
    assert all(part in message for part in expected), (case, message)


def test_plaintext_client_is_told_the_broker_wants_tls(tls_broker):
    message = _refusal(_options(tls_broker.bootstrap))
    assert "wants TLS" in message and "DEMENTI_KAFKA_SECURITY_PROTOCOL=SSL" in message


def test_tls_client_is_told_a_plaintext_broker_does_not_speak_tls(tls_broker):
    message = _refusal(_options(tls_broker.plaintext, **_tls(tls_broker.pki)))
    assert "does not speak TLS" in message and "DEMENTI_KAFKA_SECURITY_PROTOCOL=PLAINTEXT" in message


@pytest.mark.parametrize("certificate, expected", [
    ("server_expired", ["expired", "renewed certificate"]),
    ("server_other_host", ["not valid for '127.0.0.1'", "DEMENTI_KAFKA_BOOTSTRAP", "DEMENTI_KAFKA_SSL_CHECK_HOSTNAME"]),
])
def test_broker_certificate_problems(tls_broker, certificate, expected):
    pki = tls_broker.pki
    with TlsProxy(("127.0.0.1", tls_broker.broker_port), getattr(pki, certificate)) as proxy:
        message = _refusal(_options(f"127.0.0.1:{proxy.port}", **_tls(pki, client=None)))
        assert all(part in message for part in expected), message


def test_hostname_check_can_be_turned_off_for_a_mismatched_name(tls_broker):
    pki = tls_broker.pki
    with TlsProxy(("127.0.0.1", tls_broker.broker_port), pki.server_other_host) as proxy:
        options = _options(f"127.0.0.1:{proxy.port}", **_tls(pki, client=None, kafka_ssl_check_hostname=False))
        assert check_connection(options, timeout=5) is True


def test_a_key_that_is_not_the_certificates_is_refused_before_connecting(pki):
    with pytest.raises(KafkaSetupError, match="DEMENTI_KAFKA_SSL_KEYFILE=.*server.key is not the key of the "
                                              "certificate in DEMENTI_KAFKA_SSL_CERTFILE"):
        _options("127.0.0.1:1", kafka_security_protocol="SSL", kafka_ssl_cafile=pki.ca,
                 kafka_ssl_certfile=pki.client, kafka_ssl_keyfile=pki.server.with_suffix(".key"))


SASL = dict(kafka_security_protocol="SASL_PLAINTEXT", kafka_sasl_username="alice", kafka_sasl_password="pw-123")


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_refused_credentials_name_the_user_and_the_settings(sasl_broker, mechanism):
    message = _refusal(_options(sasl_broker, kafka_sasl_mechanism=mechanism, **SASL))
    assert f"refused the {mechanism} credentials of user 'alice'" in message
    assert "DEMENTI_KAFKA_SASL_USERNAME" in message and "DEMENTI_KAFKA_SASL_PASSWORD" in message
    assert "pw-123" not in message


def test_a_broker_that_requires_sasl_tells_a_plaintext_client(sasl_broker):
    message = _refusal(_options(sasl_broker))
    assert "requires authentication" in message and "SASL_PLAINTEXT" in message


def test_a_broker_without_sasl_refuses_the_mechanism(tls_broker):
    message = _refusal(_options(tls_broker.plaintext, kafka_sasl_mechanism="SCRAM-SHA-512", **SASL))
    assert "refused mechanism SCRAM-SHA-512" in message and "DEMENTI_KAFKA_SASL_MECHANISM" in message


def test_nothing_reachable_is_not_a_setup_error():
    assert check_connection(ClientOptions("127.0.0.1:1"), timeout=1) is False
