"""Persistent feed state in SQLite (``<data_dir>/feeds.sqlite3``).

Two things must survive a restart: which stories were already published (so a restart or the
same story in two feeds publishes nothing twice) and each feed's HTTP cache validators and error
count (so conditional GET and backoff keep working). One small stdlib sqlite3 file is enough: the
poller is one process and touches it from its event-loop thread only.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
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
    last_status INTEGER
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


class FeedStore:
    """Dedup keys and per-feed state. Keys are opaque strings built by the poller."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

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
        row = self._db.execute(
            "SELECT name, url, etag, last_modified, failures, next_due, last_error, last_ok, last_status "
            "FROM feed_state WHERE name = ?", (name,)).fetchone()
        if row is None:
            return FeedState(name=name, url=url)
        state = FeedState(*row)
        if state.url != url:  # the feed moved: old validators mean nothing for the new URL
            state = FeedState(name=name, url=url)
        return state

    def save_state(self, state: FeedState) -> None:
        self._db.execute(
            "INSERT INTO feed_state(name, url, etag, last_modified, failures, next_due, last_error, last_ok, last_status) "
            "VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(name) DO UPDATE SET url=excluded.url, etag=excluded.etag, "
            "last_modified=excluded.last_modified, failures=excluded.failures, next_due=excluded.next_due, "
            "last_error=excluded.last_error, last_ok=excluded.last_ok, last_status=excluded.last_status",
            (state.name, state.url, state.etag, state.last_modified, state.failures, state.next_due,
             state.last_error, state.last_ok, state.last_status))

    def all_states(self) -> list[FeedState]:
        rows = self._db.execute(
            "SELECT name, url, etag, last_modified, failures, next_due, last_error, last_ok, last_status "
            "FROM feed_state ORDER BY name").fetchall()
        return [FeedState(*row) for row in rows]

    def _transaction(self):
        db = self._db

        class _Tx:
            def __enter__(self_inner):
                db.execute("BEGIN IMMEDIATE")

            def __exit__(self_inner, exc_type, exc, tb):
                db.execute("ROLLBACK" if exc_type else "COMMIT")
                return False

        return _Tx()
