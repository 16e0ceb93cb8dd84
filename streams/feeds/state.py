"""Persistent feed state in SQLite (``<data_dir>/feeds.sqlite3``).

Two things must survive a restart: which stories were already published (so a restart or the
same story in two feeds publishes nothing twice) and each feed's HTTP cache validators and error
count (so conditional GET and backoff keep working). One small stdlib sqlite3 file is enough: the
poller is one process and touches it from its event-loop thread only.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass, field, fields
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS feed_state (
    name TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    failures INTEGER NOT NULL DEFAULT 0,
    next_due REAL NOT NULL DEFAULT 0,
    last_error TEXT,
    last_ok REAL,
    last_status INTEGER,
    history TEXT,
    interval REAL
);
CREATE TABLE IF NOT EXISTS seen (
    key TEXT PRIMARY KEY,
    feed TEXT NOT NULL,
    article_id TEXT NOT NULL,
    first_seen REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS seen_first_seen ON seen(first_seen);
"""

# Keep dedup keys this long; feeds rarely re-list items older than a few weeks.
SEEN_RETENTION_SECONDS = 180 * 86400


@dataclass
class FeedState:
    name: str
    url: str
    etag: str | None = None
    last_modified: str | None = None
    failures: int = 0
    next_due: float = 0.0
    last_error: str | None = None
    last_ok: float | None = None
    last_status: int | None = None
    history: list[float] = field(default_factory=list)  # recent publication times, newest first
    interval: float | None = None  # the interval chosen after the last poll (s)

    def row(self) -> tuple:
        return tuple(json.dumps(self.history) if f.name == "history" else getattr(self, f.name)
                     for f in fields(self))

    @classmethod
    def from_row(cls, row) -> "FeedState":
        values = dict(zip(COLUMNS, row))
        values["history"] = json.loads(values["history"]) if values["history"] else []
        return cls(**values)


COLUMNS = tuple(f.name for f in fields(FeedState))
# Columns added after the first release: created on an existing database at open.
_ADDED_COLUMNS = {"history": "TEXT", "interval": "REAL"}


class FeedStore:
    """Dedup keys and per-feed state. Keys are opaque strings built by the poller."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        present = {row[1] for row in self._db.execute("PRAGMA table_info(feed_state)")}
        for column, kind in _ADDED_COLUMNS.items():
            if column not in present:
                self._db.execute(f"ALTER TABLE feed_state ADD COLUMN {column} {kind}")

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> "FeedStore":
        return cls(Path(data_dir) / "feeds.sqlite3")

    def close(self) -> None:
        self._db.close()

    # --- dedup ----------------------------------------------------------------------------
    def seen_any(self, keys: list[str]) -> bool:
        if not keys:
            return False
        marks = ",".join("?" * len(keys))
        row = self._db.execute(f"SELECT 1 FROM seen WHERE key IN ({marks}) LIMIT 1", keys).fetchone()
        return row is not None

    def mark_seen(self, items: list[tuple[list[str], str, str]]) -> None:
        """``items``: (keys, feed name, article id) for every published entry, in one transaction."""
        now = time.time()
        rows = [(key, feed, article_id, now) for keys, feed, article_id in items for key in keys]
        with self._transaction():
            self._db.executemany("INSERT OR IGNORE INTO seen(key, feed, article_id, first_seen) VALUES (?,?,?,?)", rows)

    def prune_seen(self, older_than: float = SEEN_RETENTION_SECONDS) -> int:
        cursor = self._db.execute("DELETE FROM seen WHERE first_seen < ?", (time.time() - older_than,))
        return cursor.rowcount

    def seen_count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM seen").fetchone()[0]

    # --- per-feed state -------------------------------------------------------------------
    def get_state(self, name: str, url: str) -> FeedState:
        row = self._db.execute(f"SELECT {', '.join(COLUMNS)} FROM feed_state WHERE name = ?", (name,)).fetchone()
        if row is None:
            return FeedState(name=name, url=url)
        state = FeedState.from_row(row)
        if state.url != url:  # the feed moved: old validators and rhythm mean nothing for the new URL
            state = FeedState(name=name, url=url)
        return state

    def save_state(self, state: FeedState) -> None:
        updates = ", ".join(f"{c}=excluded.{c}" for c in COLUMNS if c != "name")
        self._db.execute(
            f"INSERT INTO feed_state({', '.join(COLUMNS)}) VALUES ({','.join('?' * len(COLUMNS))}) "
            f"ON CONFLICT(name) DO UPDATE SET {updates}", state.row())

    def all_states(self) -> list[FeedState]:
        rows = self._db.execute(f"SELECT {', '.join(COLUMNS)} FROM feed_state ORDER BY name").fetchall()
        return [FeedState.from_row(row) for row in rows]

    def _transaction(self):
        db = self._db

        class _Tx:
            def __enter__(self_inner):
                db.execute("BEGIN IMMEDIATE")

            def __exit__(self_inner, exc_type, exc, tb):
                db.execute("ROLLBACK" if exc_type else "COMMIT")
                return False

        return _Tx()
