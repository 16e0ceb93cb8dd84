"""WebSub subscriptions in the feeds' SQLite file (table ``websub``).

Why persisted: a subscription outlives the process. After a restart the callback must still
recognise the hub's deliveries (callback id and secret) and renew the lease on time; losing them
would mean unsigned-looking pushes refused until the next subscription. The per-subscription
secret lives here and nowhere else (never logged, never in the feeds file); the database file is
created readable by its owner only.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, fields
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS websub (
    feed TEXT PRIMARY KEY,
    hub TEXT NOT NULL,
    topic TEXT NOT NULL,
    callback_id TEXT NOT NULL UNIQUE,
    secret TEXT NOT NULL,
    state TEXT NOT NULL,
    requested_at REAL NOT NULL DEFAULT 0,
    verified_at REAL,
    lease_seconds REAL,
    expires_at REAL,
    next_attempt REAL NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    last_push REAL,
    pushes INTEGER NOT NULL DEFAULT 0
);
"""

# pending: subscribe sent, intent not verified yet; active: verified, lease running;
# failed: the hub refused or never verified (retried later); denied: the hub said no;
# unsubscribing: we asked to stop (the feed left the file).
STATES = ("pending", "active", "failed", "denied", "unsubscribing")


@dataclass
class Subscription:
    feed: str
    hub: str
    topic: str
    callback_id: str
    secret: str
    state: str = "pending"
    requested_at: float = 0.0
    verified_at: float | None = None
    lease_seconds: float | None = None
    expires_at: float | None = None
    next_attempt: float = 0.0
    attempts: int = 0
    error: str | None = None
    last_push: float | None = None
    pushes: int = 0

    def live(self, now: float) -> bool:
        """Verified and within its lease: the hub delivers, polling is only the safety net."""
        return self.state == "active" and self.expires_at is not None and now < self.expires_at

    def __repr__(self) -> str:  # never print the secret
        return f"Subscription(feed={self.feed!r}, hub={self.hub!r}, topic={self.topic!r}, state={self.state!r})"


COLUMNS = tuple(f.name for f in fields(Subscription))


class SubscriptionStore:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            self.path.touch(mode=0o600)
        self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)
        try:
            os.chmod(self.path, 0o600)  # the secrets are in here
        except OSError:
            pass

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> "SubscriptionStore":
        return cls(Path(data_dir) / "feeds.sqlite3")

    def close(self) -> None:
        self._db.close()

    def _one(self, where: str, value: str) -> Subscription | None:
        row = self._db.execute(f"SELECT {', '.join(COLUMNS)} FROM websub WHERE {where} = ?", (value,)).fetchone()
        return Subscription(*row) if row else None

    def by_feed(self, feed: str) -> Subscription | None:
        return self._one("feed", feed)

    def by_callback(self, callback_id: str) -> Subscription | None:
        return self._one("callback_id", callback_id)

    def all(self) -> list[Subscription]:
        rows = self._db.execute(f"SELECT {', '.join(COLUMNS)} FROM websub ORDER BY feed").fetchall()
        return [Subscription(*row) for row in rows]

    def save(self, sub: Subscription) -> None:
        updates = ", ".join(f"{c}=excluded.{c}" for c in COLUMNS if c != "feed")
        self._db.execute(f"INSERT INTO websub({', '.join(COLUMNS)}) VALUES ({','.join('?' * len(COLUMNS))}) "
                         f"ON CONFLICT(feed) DO UPDATE SET {updates}", tuple(getattr(sub, c) for c in COLUMNS))

    def delete(self, feed: str) -> None:
        self._db.execute("DELETE FROM websub WHERE feed = ?", (feed,))
