"""Explicit topic creation (the embedded broker would auto-create with 4 partitions regardless).

Also the retrying connection helper: a broker that is not reachable yet gets a clear message and a
bounded exponential backoff rather than a silent hang.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from dementi.settings import Settings
from dementi.streams.probe import broker_reachable

log = logging.getLogger(__name__)

STANDARD_TOPICS = ("articles", "alerts", "deadletter")


class BrokerUnavailable(RuntimeError):
    pass


def tcp_reachable(bootstrap: str, timeout: float = 1.0) -> bool:
    """Does any bootstrap host accept a TCP connection? (kafka-python's own bootstrap waits up to
    ~25 s with growing backoff before giving up, so a dead address is detected here first.)"""
    return broker_reachable(bootstrap, timeout)


def admin_client(bootstrap: str, timeout: float = 30.0) -> KafkaAdminClient:
    """Connect an admin client, retrying with backoff; raises BrokerUnavailable with the address."""
    deadline = time.monotonic() + timeout
    delay = 0.2
    last: Exception | None = None
    while time.monotonic() < deadline:
        if not tcp_reachable(bootstrap, timeout=min(1.0, max(0.1, deadline - time.monotonic()))):
            last = ConnectionRefusedError(f"no TCP connection to {bootstrap}")
            log.warning("Kafka broker %s not reachable yet (%s); retrying in %.1fs", bootstrap, last, delay)
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, 5.0)
            continue
        try:
            return KafkaAdminClient(bootstrap_servers=bootstrap, client_id="dementi-admin", request_timeout_ms=10000)
        except (KafkaError, OSError) as exc:
            last = exc
            log.warning("Kafka broker %s not reachable yet (%s); retrying in %.1fs", bootstrap, exc, delay)
            time.sleep(delay)
            delay = min(delay * 2, 5.0)
    raise BrokerUnavailable(f"Kafka broker {bootstrap} unreachable after {timeout:.0f}s: {last}")


def ensure_topics(settings: Settings, bootstrap: str, names: Iterable[str] = STANDARD_TOPICS,
                  timeout: float = 30.0) -> list[str]:
    """Create the named topics (prefixed) if missing. Returns the full topic names."""
    full = [settings.topic(n) for n in names]
    admin = admin_client(bootstrap, timeout=timeout)
    try:
        existing = set(admin.list_topics())
        missing = [t for t in full if t not in existing]
        if missing:
            new = [NewTopic(name=t, num_partitions=settings.topic_partitions, replication_factor=1) for t in missing]
            try:
                admin.create_topics(new)
            except TopicAlreadyExistsError:
                pass
            log.info("created topics %s with %d partitions", ", ".join(missing), settings.topic_partitions)
    finally:
        admin.close()
    return full
