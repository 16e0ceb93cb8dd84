"""Is the Kafka broker there? A plain TCP probe of the bootstrap hosts, with a patient variant.

Cheap and dependency-free on purpose: `dementi run` and `dementi worker` call it before anything
heavier (the Kafka admin client or faust), so an unreachable broker gives a clear message and a
visible retry with backoff within a second, instead of a client library retrying silently.
"""

from __future__ import annotations

import logging
import socket
import time

log = logging.getLogger(__name__)


def broker_reachable(bootstrap: str, timeout: float = 2.0) -> bool:
    for hostport in bootstrap.split(","):
        host, _, port = hostport.strip().rpartition(":")
        try:
            with socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout):
                return True
        except (OSError, ValueError):
            continue
    return False


def wait_for_broker(bootstrap: str, timeout: float) -> bool:
    """TCP-probe the bootstrap hosts with exponential backoff, saying so at each retry."""
    deadline = time.monotonic() + timeout
    delay = 0.5
    while True:
        if broker_reachable(bootstrap, timeout=1.0):
            return True
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        wait = min(delay, left)
        log.warning("Kafka broker %s not reachable yet; retrying in %.1fs (giving up in %.0fs)",
                    bootstrap, wait, left)
        time.sleep(wait)
        delay = min(delay * 2, 5.0)
