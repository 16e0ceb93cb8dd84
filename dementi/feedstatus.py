"""Health of each live source, as the feed poller sees it: a record and its snapshot file.

Why a floor record: the poller (streams/) knows each source's health, pace and latency; ``/feeds``
in the bot (bot/) and ``dementi feeds status`` (cli) show it. streams/ and bot/ meet only through
records, so the poller writes a ``SourcesSnapshot`` to ``$DEMENTI_DATA_DIR/sources.json``
(atomically, a few times a minute at most) and readers parse it; the same record could travel on a
topic when the bot and the poller stop sharing a data directory. Nothing here imports the poller.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from dementi.records import Record, utcnow

log = logging.getLogger(__name__)

SNAPSHOT_FILE = "sources.json"
KEPT_LATENCIES = 64  # per source: enough for a stable median, small enough for the file

Health = Literal["ok", "failing", "pending", "disabled"]


class SourceStatus(BaseModel):
    """One source (feed or Telegram channel) as of the snapshot."""

    name: str
    kind: Literal["feed", "telegram"] = "feed"
    enabled: bool = True
    health: Health = "pending"
    mode: Literal["poll", "push"] = "poll"
    interval: float | None = Field(default=None, description="seconds until the next poll after the last one")
    adaptive: bool = True
    next_poll_at: datetime | None = None
    last_ok_at: datetime | None = None
    failures: int = 0
    last_error: str | None = None
    last_item_at: datetime | None = Field(default=None, description="publication time of the newest item published")
    last_item_title: str | None = None
    articles: int = Field(default=0, description="articles published since the poller started")
    push_until: datetime | None = Field(default=None, description="end of the WebSub lease while pushed")
    latencies: list[float] = Field(default_factory=list, description="last publication -> Kafka delays (s)")

    @property
    def latency_p50(self) -> float | None:
        return statistics.median(self.latencies) if self.latencies else None

    def pace(self, now: float) -> str:
        """How the source is read: ``push (lease 6d)``, ``poll every 4m``, ``poll every 5m (fixed)``."""
        if self.mode == "push":
            return "push" + (f" (lease {short_duration(self.push_until.timestamp() - now)})" if self.push_until else "")
        if self.interval:
            return f"poll every {short_duration(self.interval)}" + ("" if self.adaptive else " (fixed)")
        return "poll"


class SourcesSnapshot(Record):
    generated_at: datetime = Field(default_factory=utcnow)
    sources: list[SourceStatus] = Field(default_factory=list)

    def by_name(self) -> dict[str, SourceStatus]:
        return {s.name: s for s in self.sources}


def short_duration(seconds: float) -> str:
    """``0.8s``, ``35s``, ``4m``, ``2h``, ``6d``: durations as /feeds and ``dementi feeds status`` show them."""
    if seconds < 9.95:
        return f"{seconds:.1f}s".replace(".0s", "s")
    if seconds < 90:
        return f"{seconds:.0f}s"
    if seconds < 5400:
        return f"{seconds / 60:.0f}m"
    if seconds < 172800:
        return f"{seconds / 3600:.0f}h"
    return f"{seconds / 86400:.0f}d"


def snapshot_path(data_dir: Path | str) -> Path:
    return Path(data_dir) / SNAPSHOT_FILE


def write_snapshot(data_dir: Path | str, snapshot: SourcesSnapshot) -> None:
    """Replace the snapshot atomically: readers see the old one or the new one, never half."""
    path = snapshot_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(snapshot.to_bytes())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_snapshot(data_dir: Path | str) -> SourcesSnapshot | None:
    """The last snapshot, or None when the poller never wrote one (or it cannot be read)."""
    path = snapshot_path(data_dir)
    try:
        return SourcesSnapshot.from_bytes(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValidationError, ValueError, json.JSONDecodeError) as exc:
        log.warning("source status %s unreadable (%s); showing none", path, str(exc).splitlines()[0])
        return None
