"""``RawRecord``: one Kafka record as the detect step sees it, bytes undecoded.

In its own light module (no client library imported) so that the pure detect step can type
against it while only the faust batch consumer (``kafka.internals``) builds them.
"""

from __future__ import annotations

from typing import NamedTuple


class RawRecord(NamedTuple):
    topic: str
    partition: int | None
    offset: int | None
    key: bytes | None
    value: bytes | None
    timestamp: float | None = None  # Kafka append time (s): the ingest time when the article has none
