"""The security settings: validated together, mapped ONCE for every client library, secrets never
printed. Pure logic (no broker): the mapping of each SASL mechanism is checked here for
kafka-python, aiokafka and faust alike (see test_sasl_evidence.py for why no SCRAM round trip runs
against the embedded broker)."""

from __future__ import annotations

import logging
import ssl

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from dementi.kafka.options import ClientOptions, KafkaSetupError
from dementi.logs import redact
from dementi.settings import Settings

MECHANISMS = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]


def _settings(**values) -> Settings:
    return Settings(kafka_bootstrap="broker-1:9093,broker-2:9093", **values)


@pytest.mark.parametrize("mechanism", MECHANISMS)
@pytest.mark.parametrize("protocol", ["SASL_PLAINTEXT", "SASL_SSL"])
def test_sasl_options_are_the_same_for_kafka_python_aiokafka_and_faust(protocol, mechanism, pki):
    tls = {"kafka_ssl_cafile": pki.ca} if protocol == "SASL_SSL" else {}
    options = ClientOptions.from_settings(_settings(
        kafka_security_protocol=protocol, kafka_sasl_mechanism=mechanism, kafka_sasl_username="svc-dementi",
        kafka_sasl_password="s3cret-pw", **tls))
    expected = {"bootstrap_servers": "broker-1:9093,broker-2:9093", "security_protocol": protocol,
                "sasl_mechanism": mechanism, "sasl_plain_username": "svc-dementi", "sasl_plain_password": "s3cret-pw"}
    for built in (options.kafka_python("x"), options.aiokafka("x")):
        assert {k: built[k] for k in expected} == expected
        assert (built.get("ssl_context") is not None) == (protocol == "SASL_SSL")
    if protocol == "SASL_SSL":
        assert options.kafka_python("x")["ssl_context"] is options.aiokafka("x")["ssl_context"]

    # faust turns its credentials into aiokafka options with its own function: same result
    from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth

    auth = credentials_to_aiokafka_auth(options.faust()["broker_credentials"])
    assert {k: auth[k] for k in ("security_protocol", "sasl_mechanism", "sasl_plain_username",
                                 "sasl_plain_password")} == {k: expected[k] for k in auth if k in expected}
    assert auth["ssl_context"] is options.ssl_context


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_each_library_accepts_the_sasl_options(mechanism):
    """The libraries' own validation, without a network call."""
    options = ClientOptions.from_settings(_settings(kafka_security_protocol="SASL_PLAINTEXT",
                                                    kafka_sasl_mechanism=mechanism, kafka_sasl_username="u",
                                                    kafka_sasl_password="p"))
    from aiokafka.client import AIOKafkaClient
    from kafka.net.sasl import get_sasl_mechanism

    config = options.kafka_python("x")
    mech = get_sasl_mechanism(config["sasl_mechanism"])(**config)
    assert mech.auth_bytes()  # the first client message can be built from these options

    async def build():
        AIOKafkaClient(**{k: v for k, v in options.aiokafka("x").items()})

    import asyncio

    asyncio.run(build())  # raises on an unknown mechanism or missing credentials


def test_ssl_options_and_faust_ssl_credentials(pki):
    with pytest.raises(KafkaSetupError, match=r"client.pem \(no DEMENTI_KAFKA_SSL_KEYFILE\): no usable PEM"):
        ClientOptions.from_settings(_settings(kafka_security_protocol="SSL", kafka_ssl_certfile=pki.client))
    with pytest.raises(KafkaSetupError, match="DEMENTI_KAFKA_SSL_CAFILE=.*client.key holds no usable CA"):
        ClientOptions.from_settings(_settings(kafka_security_protocol="SSL",
                                              kafka_ssl_cafile=pki.client.with_suffix(".key")))
    options = ClientOptions.from_settings(_settings(kafka_security_protocol="SSL", kafka_ssl_cafile=pki.ca,
                                                    kafka_ssl_certfile=pki.client,
                                                    kafka_ssl_keyfile=pki.client.with_suffix(".key")))
    context = options.kafka_python("x")["ssl_context"]
    assert isinstance(context, ssl.SSLContext) and context.check_hostname and context.verify_mode == ssl.CERT_REQUIRED
    assert "sasl_mechanism" not in options.aiokafka("x")
    from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth

    assert credentials_to_aiokafka_auth(options.faust()["broker_credentials"]) == {
        "security_protocol": "SSL", "ssl_context": options.ssl_context}
    relaxed = ClientOptions.from_settings(_settings(kafka_security_protocol="SSL", kafka_ssl_check_hostname=False))
    assert relaxed.ssl_context.check_hostname is False and relaxed.ssl_context.verify_mode == ssl.CERT_REQUIRED


def test_plaintext_is_the_default_and_adds_nothing():
    options = ClientOptions.from_settings(_settings())
    assert options.kafka_python("x") == {"bootstrap_servers": "broker-1:9093,broker-2:9093",
                                         "security_protocol": "PLAINTEXT", "client_id": "x"}
    assert "broker_credentials" not in options.faust()


@pytest.mark.parametrize("values, expected", [
    (dict(kafka_security_protocol="SASL_SSL"), "needs DEMENTI_KAFKA_SASL_MECHANISM, DEMENTI_KAFKA_SASL_USERNAME"),
    (dict(kafka_sasl_username="u"), "DEMENTI_KAFKA_SASL_USERNAME set but DEMENTI_KAFKA_SECURITY_PROTOCOL=PLAINTEXT"),
    (dict(kafka_security_protocol="SASL_PLAINTEXT", kafka_sasl_mechanism="GSSAPI"), "kafka_sasl_mechanism"),
    (dict(kafka_security_protocol="TLS"), "kafka_security_protocol"),
    (dict(kafka_ssl_cafile="/no/such/ca.pem", kafka_security_protocol="SSL"), "no such file: /no/such/ca.pem"),
])
def test_settings_that_cannot_work_are_refused_naming_the_variables(values, expected):
    with pytest.raises(ValidationError, match=expected):
        _settings(**values)


def test_ssl_files_with_a_plaintext_protocol_are_refused(pki):
    with pytest.raises(ValidationError, match="DEMENTI_KAFKA_SSL_CAFILE set but DEMENTI_KAFKA_SECURITY_PROTOCOL"):
        _settings(kafka_ssl_cafile=pki.ca)


def test_password_from_a_file_and_not_both(tmp_path):
    secret = tmp_path / "password"
    secret.write_text("from-a-file\n", encoding="utf-8")
    base = dict(kafka_security_protocol="SASL_SSL", kafka_sasl_mechanism="SCRAM-SHA-512", kafka_sasl_username="u")
    settings = _settings(kafka_sasl_password_file=secret, **base)
    assert ClientOptions.from_settings(settings).sasl_password == "from-a-file"
    with pytest.raises(ValidationError, match="not both"):
        _settings(kafka_sasl_password_file=secret, kafka_sasl_password="x", **base)


@pytest.fixture
def global_logging(monkeypatch):
    """cli_settings() sets up the process's logging and registers secrets: undo both afterwards,
    so later tests in this process see the logging they expect."""
    from dementi import logs

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    monkeypatch.setattr(logs, "_secrets", set(logs._secrets))
    yield
    root.handlers[:] = handlers
    root.setLevel(level)  # setLevel (not an attribute write) also clears the loggers' level caches


def test_the_password_never_reaches_a_log_line_or_an_error(monkeypatch, capsys, tmp_path, global_logging):
    from dementi.cli import cli
    from dementi.cli.common import cli_settings

    for key, value in {"DEMENTI_KAFKA_BOOTSTRAP": "127.0.0.1:1", "DEMENTI_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
                       "DEMENTI_KAFKA_SASL_MECHANISM": "SCRAM-SHA-256", "DEMENTI_KAFKA_SASL_USERNAME": "svc",
                       "DEMENTI_KAFKA_SASL_PASSWORD": "pw-Zq81-never-shown", "DEMENTI_LOG_LEVEL": "DEBUG",
                       "DEMENTI_DATA_DIR": str(tmp_path)}.items():
        monkeypatch.setenv(key, value)
    settings = cli_settings()  # registers the secret, sets up logging on (captured) stderr
    options = ClientOptions.from_settings(settings)
    logging.getLogger("dementi.kafka").debug("client configuration: %s", options.kafka_python("x"))
    assert "pw-Zq81-never-shown" not in repr(options) and "pw-Zq81-never-shown" not in repr(settings)
    assert "<redacted>" in capsys.readouterr().err
    assert redact("sasl_plain_password='pw-Zq81-never-shown'") == "sasl_plain_password='<redacted>'"
    # a settings error lists no input values (pydantic's own text would echo every setting)
    monkeypatch.delenv("DEMENTI_KAFKA_SASL_USERNAME")
    result = CliRunner().invoke(cli, ["tail"])
    assert result.exit_code == 1 and "DEMENTI_KAFKA_SASL_USERNAME" in result.output
    assert "pw-Zq81-never-shown" not in result.output
