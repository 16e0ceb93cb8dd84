"""Explicit topic creation (the embedded broker would auto-create with 4 partitions regardless).

Also the retrying admin connection: a broker that is not reachable yet gets a clear message and a
bounded exponential backoff rather than a silent hang.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from dementi.kafka.options import ClientOptions
from dementi.kafka.probe import broker_reachable
from dementi.settings import Settings
from dementi.waiting import Backoff, retry

log = logging.getLogger(__name__)

STANDARD_TOPICS = ("articles", "alerts", "stories", "deadletter")


class BrokerUnavailable(RuntimeError):
    pass


def admin_client(options: ClientOptions, timeout: float = 30.0) -> KafkaAdminClient:
    """Connect an admin client, retrying with backoff; raises BrokerUnavailable with the address."""
    bootstrap = options.bootstrap
    deadline = time.monotonic() + timeout

    def attempt() -> KafkaAdminClient:
        if not broker_reachable(bootstrap, timeout=min(1.0, max(0.1, deadline - time.monotonic()))):
            raise ConnectionRefusedError(f"no TCP connection to {bootstrap}")
        return KafkaAdminClient(**options.kafka_python("dementi-admin", request_timeout_ms=10000))

    def say(exc: BaseException, delay: float) -> None:
        log.warning("Kafka broker %s not reachable yet (%s); retrying in %.1fs", bootstrap, exc, delay)

    try:
        return retry(attempt, errors=(KafkaError, OSError), timeout=timeout, backoff=Backoff(0.2, 5.0),
                     on_retry=say)
    except (KafkaError, OSError) as exc:
        raise BrokerUnavailable(f"Kafka broker {bootstrap} unreachable after {timeout:.0f}s: {exc}") from None


def ensure_topics(settings: Settings, bootstrap: str | None = None, names: Iterable[str] = STANDARD_TOPICS,
                  timeout: float = 30.0) -> list[str]:
    """Create the named topics (prefixed) if missing. Returns the full topic names.
    ``bootstrap`` overrides ``settings.kafka_bootstrap`` (e.g. a ``--bootstrap`` option)."""
    full = [settings.topic(n) for n in names]
    admin = admin_client(ClientOptions.from_settings(settings, bootstrap), timeout=timeout)
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
