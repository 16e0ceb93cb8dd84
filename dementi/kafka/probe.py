"""Is the Kafka broker there? A plain TCP probe of the bootstrap hosts, a patient variant, and the
watch that says clearly when the broker goes away and comes back.

Cheap and dependency-free on purpose: `dementi run` and `dementi worker` call it before anything
heavier (the Kafka admin client or faust), so an unreachable broker gives a clear message and a
visible retry with backoff within a second, instead of a client library retrying silently. The
clients reconnect by themselves after an outage, but their own log lines are cryptic: a
:class:`BrokerWatch` turns probe results into one line when the broker is lost and one when it is
back, for the worker's watchdog thread and the notifier's task alike.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Callable

from dementi.waiting import Backoff, retry, sleep_or_stop

log = logging.getLogger(__name__)


def broker_reachable(bootstrap: str, timeout: float = 2.0) -> bool:
    """Does any bootstrap host accept a TCP connection? (kafka-python's own bootstrap waits up to
    ~25 s with growing backoff before giving up, so a dead address is detected here first.)"""
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

    def attempt() -> None:
        if not broker_reachable(bootstrap, timeout=1.0):
            raise ConnectionRefusedError(f"no TCP connection to {bootstrap}")

    def say(exc: BaseException, delay: float) -> None:
        log.warning("Kafka broker %s not reachable yet; retrying in %.1fs (giving up in %.0fs)",
                    bootstrap, delay, max(0.0, deadline - time.monotonic()))

    try:
        retry(attempt, errors=(ConnectionRefusedError,), timeout=timeout, backoff=Backoff(0.5, 5.0), on_retry=say)
    except ConnectionRefusedError:
        return False
    return True


class BrokerWatch:
    """Turns a stream of probe results into one log line when the broker is lost and one when it is
    back. ``lost`` and ``back`` are messages with ``{bootstrap}`` and (for ``back``) ``{seconds}``."""

    def __init__(self, bootstrap: str, lost: str, back: str, logger: logging.Logger = log):
        self.bootstrap, self.lost, self.back, self.log = bootstrap, lost, back, logger
        self.down_since: float | None = None

    def update(self, up: bool) -> float:
        """Record one probe; returns for how long the broker has been down (0 when up)."""
        now = time.monotonic()
        if up:
            if self.down_since is not None:
                self.log.warning(self.back.format(bootstrap=self.bootstrap, seconds=now - self.down_since))
            self.down_since = None
            return 0.0
        if self.down_since is None:
            self.down_since = now
            self.log.error(self.lost.format(bootstrap=self.bootstrap))
        return now - self.down_since


async def watch_broker(watch: BrokerWatch, stop: asyncio.Event, on_state: Callable[[bool], None],
                       interval: float = 2.0) -> None:
    """Probe every ``interval`` seconds until ``stop``; ``on_state(up)`` after each probe."""
    while not stop.is_set():
        up = await asyncio.to_thread(broker_reachable, watch.bootstrap, 1.0)
        watch.update(up)
        on_state(up)
        await sleep_or_stop(stop, interval)
