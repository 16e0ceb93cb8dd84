"""Reading alerts (or story updates) live from their topic (``dementi tail [--stories]``).

Without a group, every partition is read from the beginning and records older than the start
time (their Kafka timestamp) are skipped: correct on any broker, since the embedded one reports
wrong end offsets (``kafka.reader`` says more). With a named group, its committed offsets give
"what I have not seen yet" across runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from pydantic import ValidationError

from dementi.kafka.options import ClientOptions
from dementi.kafka.reader import TopicReader
from dementi.records import Alert, StoryUpdate
from dementi.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class BadAlert:
    """A record on the topic that is not a valid Alert / StoryUpdate (shown, never fatal)."""

    partition: int
    offset: int
    reason: str


class _Joining:
    """Yielded instead of ``None`` while a consumer group is still being joined."""


_JOINING = _Joining()


def iter_alerts(settings: Settings, bootstrap: str, *, since_ms: int | None = None, group: str | None = None,
                stop: Callable[[], bool] = lambda: False, poll_ms: int = 500,
                stories: bool = False) -> Iterator[Alert | StoryUpdate | BadAlert | _Joining | None]:
    """Yield alerts (``stories=True``: story updates) as they arrive (``None`` every ``poll_ms`` of
    silence, so callers can stop; a ``_Joining`` marker instead while the consumer group is not
    assigned yet).

    ``since_ms``: skip records whose timestamp is older (None = everything available).
    ``group``: use that consumer group's committed offsets instead of manual assignment.
    """
    group_id = f"{settings.consumer_group_prefix}.tail.{group}" if group else None
    options = ClientOptions.from_settings(settings, bootstrap)
    topic = settings.stories_topic if stories else settings.alerts_topic
    model = StoryUpdate if stories else Alert
    with TopicReader(options, topic, "dementi-tail", group=group_id) as reader:
        if not reader.open(stop, wait=True):
            return
        while not stop():
            records = reader.poll(poll_ms)
            if not records:
                # Silence only counts once we are reading (a group join takes a few seconds).
                yield None if reader.joined else _JOINING
                continue
            for record in sorted(records, key=lambda r: (r.timestamp, r.offset)):
                if since_ms is not None and record.timestamp < since_ms:
                    continue
                try:
                    yield model.from_bytes(record.value)
                except (ValidationError, ValueError) as exc:
                    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                    yield BadAlert(record.partition, record.offset, reason)
            if group:
                reader.commit()
