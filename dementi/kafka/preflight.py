"""Before the client libraries connect: does the broker accept our TLS and SASL settings?

WHY: the client libraries report a refused handshake or refused credentials badly. kafka-python
retries a failing bootstrap until its timeout and then says "Unable to bootstrap"; aiokafka raises
internal errors (``KeyError: 'v'`` when a broker refuses SCRAM credentials the RFC 5802 way);
faust retries quietly forever. This check opens ONE connection per bootstrap host and speaks just
enough Kafka (ApiVersions, SaslHandshake, SaslAuthenticate, Metadata: kafka-python's own protocol
classes and SASL mechanisms) to tell a wrong CA, an expired or mismatched certificate, a refused
or missing client certificate, refused credentials, a broker that wants TLS and one that wants
SASL apart, each as ONE line naming the setting to fix (:class:`KafkaSetupError`).

It is not a retry loop: an unreachable broker is the caller's business (``probe``); a
misconfiguration does not heal by retrying.
"""

from __future__ import annotations

import socket
import ssl

from kafka.errors import for_code
from kafka.net.sasl import get_sasl_mechanism
from kafka.protocol.metadata import ApiVersionsRequest, MetadataRequest
from kafka.protocol.parser import KafkaProtocol
from kafka.protocol.sasl import SaslAuthenticateRequest, SaslHandshakeRequest

from dementi.kafka.options import ClientOptions, KafkaSetupError

PROTOCOL = "DEMENTI_KAFKA_SECURITY_PROTOCOL"
CAFILE = "DEMENTI_KAFKA_SSL_CAFILE"
CLIENT_CERT = "DEMENTI_KAFKA_SSL_CERTFILE and DEMENTI_KAFKA_SSL_KEYFILE"
CREDENTIALS = "DEMENTI_KAFKA_SASL_USERNAME and DEMENTI_KAFKA_SASL_PASSWORD (or _PASSWORD_FILE)"

# OpenSSL verify codes (x509_vfy.h) of a broker certificate we cannot trust
_EXPIRED = {9, 10}                 # not yet valid, expired
_WRONG_HOST = {62, 64}             # hostname / IP address mismatch
# what a broker's TLS alert says about OUR certificate
_CLIENT_CERT_ALERTS = ("CERTIFICATE_REQUIRED", "HANDSHAKE_FAILURE", "BAD_CERTIFICATE", "UNKNOWN_CA",
                       "CERTIFICATE_EXPIRED", "CERTIFICATE_UNKNOWN", "CERTIFICATE_REVOKED", "ACCESS_DENIED")


class _Closed(ConnectionError):
    """The broker closed the connection instead of answering."""


def check_connection(options: ClientOptions, timeout: float = 10.0) -> bool:
    """Raise :class:`KafkaSetupError` if the first reachable bootstrap host refuses our settings.
    Returns False when no host accepts a TCP connection (nothing could be checked)."""
    for hostport in options.hosts:
        host, _, port = hostport.rpartition(":")
        try:
            sock = socket.create_connection((host, int(port)), timeout=timeout)
        except (OSError, ValueError):
            continue
        try:
            _check(options, sock, host, int(port), timeout)
        finally:
            sock.close()
        return True
    return False


def _check(options: ClientOptions, sock: socket.socket, host: str, port: int, timeout: float) -> None:
    where = f"{host}:{port}"
    if options.ssl_context is not None:
        sock = _tls(options, sock, host, where)
    conn = _Connection(sock)
    try:
        conn.request(ApiVersionsRequest(version=0))
    except ssl.SSLError as exc:  # TLS 1.3: a refused client certificate shows at the first read
        raise KafkaSetupError(_client_cert_message(options, where, exc)) from None
    except (_Closed, OSError):
        if options.ssl_context is None and _speaks_tls(host, port, timeout):
            raise KafkaSetupError(f"the Kafka broker at {where} wants TLS: set {PROTOCOL}=SSL (or SASL_SSL) "
                                  f"and {CAFILE} to its CA certificate") from None
        if options.ssl_context is not None:  # TLS 1.3 checks our certificate after the handshake
            raise KafkaSetupError(_client_cert_message(options, where, None)) from None
        raise KafkaSetupError(f"the Kafka broker at {where} closed the connection at the first request: check "
                              f"{PROTOCOL} and that DEMENTI_KAFKA_BOOTSTRAP names a Kafka listener") from None
    if options.sasl_mechanism:
        _authenticate(options, conn, where)
    try:
        conn.request(MetadataRequest(version=1, topics=[]))
    except (_Closed, OSError):
        hint = (f"set {PROTOCOL}=SASL_PLAINTEXT or SASL_SSL and {CREDENTIALS}" if not options.sasl_mechanism
                else f"check {CREDENTIALS} and the user's permissions")
        raise KafkaSetupError(f"the Kafka broker at {where} closed the connection to this client before any "
                              f"data was read (it requires authentication): {hint}") from None


def _tls(options: ClientOptions, sock: socket.socket, host: str, where: str) -> ssl.SSLSocket:
    try:
        return options.ssl_context.wrap_socket(sock, server_hostname=host)
    except ssl.SSLCertVerificationError as exc:
        raise KafkaSetupError(_verify_message(options, exc, host, where)) from None
    except ssl.SSLError as exc:
        if any(alert in (exc.reason or "") for alert in _CLIENT_CERT_ALERTS):
            raise KafkaSetupError(_client_cert_message(options, where, exc)) from None
        raise KafkaSetupError(_not_tls_message(where, exc.reason or str(exc))) from None
    except TimeoutError:  # a plaintext Kafka listener reads our ClientHello as a huge frame and waits
        raise KafkaSetupError(_not_tls_message(where, "no answer to the TLS handshake")) from None
    except OSError as exc:  # reset or EOF during the handshake: a plaintext listener hung up on it
        raise KafkaSetupError(_not_tls_message(where, str(exc) or type(exc).__name__)) from None


def _verify_message(options: ClientOptions, exc: ssl.SSLCertVerificationError, host: str, where: str) -> str:
    detail = exc.verify_message or exc.reason
    if exc.verify_code in _EXPIRED:
        return (f"TLS: the Kafka broker's certificate at {where} is {detail}: the broker needs a renewed "
                f"certificate (or this machine's clock is wrong); nothing in {CAFILE} can fix it")
    if exc.verify_code in _WRONG_HOST:
        return (f"TLS: the Kafka broker's certificate is not valid for '{host}' ({detail}): put the host name "
                f"its certificate names in DEMENTI_KAFKA_BOOTSTRAP (DEMENTI_KAFKA_SSL_CHECK_HOSTNAME=false "
                f"turns the check off: for tests only)")
    trusted = options.ssl_cafile or "the system's CA certificates"
    return (f"TLS: the Kafka broker's certificate at {where} is not signed by a CA this client trusts "
            f"({detail}): set {CAFILE} to the cluster's CA certificate (now: {trusted})")


def _client_cert_message(options: ClientOptions, where: str, exc: ssl.SSLError | None) -> str:
    """``exc`` None: the broker hung up right after the TLS handshake, without saying why."""
    reason = (exc.reason or str(exc)).lower().replace("_", " ") if exc is not None else \
        "it closed the connection right after the TLS handshake"
    if options.ssl_certfile is None:
        return (f"TLS: the Kafka broker at {where} requires a client certificate (mutual TLS; it said: {reason}): "
                f"set {CLIENT_CERT}")
    return (f"TLS: the Kafka broker at {where} refused the client certificate {options.ssl_certfile} "
            f"({reason}; expired, or not signed by a CA it trusts?): set {CLIENT_CERT} to a valid one")


def _not_tls_message(where: str, reason: str) -> str:
    return (f"TLS: the Kafka broker at {where} does not speak TLS on this port ({reason.lower().replace('_', ' ')}): "
            f"set {PROTOCOL}=PLAINTEXT (or SASL_PLAINTEXT), or put its TLS port in DEMENTI_KAFKA_BOOTSTRAP")


def _speaks_tls(host: str, port: int, timeout: float) -> bool:
    """Does a TLS handshake succeed there (certificate not checked: we only ask whether it is TLS)?"""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw, \
                context.wrap_socket(raw, server_hostname=host):
            return True
    except (ssl.SSLError, OSError):
        return False


def _authenticate(options: ClientOptions, conn: "_Connection", where: str) -> None:
    mechanism, user = options.sasl_mechanism, options.sasl_username
    try:
        handshake = conn.request(SaslHandshakeRequest(version=1, mechanism=mechanism))
    except (_Closed, OSError):
        raise _mechanism_refused(where, mechanism, "it closed the connection") from None
    if handshake.error_code != 0:
        offered = ", ".join(m for m in handshake.mechanisms if m != mechanism) or "no other"
        raise _mechanism_refused(where, mechanism, f"{for_code(handshake.error_code).__name__}; it lists {offered}")
    client = get_sasl_mechanism(mechanism)(
        sasl_mechanism=mechanism, sasl_plain_username=user, sasl_plain_password=options.sasl_password,
        security_protocol=options.security_protocol)

    def refused(detail: str) -> KafkaSetupError:
        return KafkaSetupError(f"SASL: the Kafka broker at {where} refused the {mechanism} credentials of user "
                               f"'{user}' ({detail}): check {CREDENTIALS}")

    while not client.is_done():
        try:
            response = conn.request(SaslAuthenticateRequest(version=1, auth_bytes=client.auth_bytes()))
        except (_Closed, OSError):
            raise refused("it closed the connection during the exchange") from None
        if response.error_code != 0:
            raise refused(response.error_message or f"error {response.error_code}")
        answer = bytes(response.auth_bytes or b"")
        if answer.startswith(b"e="):  # RFC 5802 server-error
            raise refused(answer[2:].decode("utf-8", "replace"))
        try:
            client.receive(answer)
        except (ValueError, KeyError) as exc:  # e.g. a server signature that does not verify
            raise refused(f"{type(exc).__name__}: {exc}") from None
    if not client.is_authenticated():
        raise refused("not authenticated")


def _mechanism_refused(where: str, mechanism: str, detail: str) -> KafkaSetupError:
    return KafkaSetupError(f"SASL: the Kafka broker at {where} refused mechanism {mechanism} ({detail}): set "
                           f"DEMENTI_KAFKA_SASL_MECHANISM to one it offers, or {PROTOCOL}=PLAINTEXT (or SSL) if it "
                           f"uses no SASL")


class _Connection:
    """Request/response over one socket with kafka-python's sans-IO protocol encoder."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.protocol = KafkaProtocol(client_id="dementi-preflight")

    def request(self, request):
        self.protocol.send_request(request)
        self.sock.sendall(self.protocol.send_bytes())
        while True:
            data = self.sock.recv(65536)
            if not data:
                raise _Closed("the broker closed the connection")
            for _, response in self.protocol.receive_bytes(data):
                return response
