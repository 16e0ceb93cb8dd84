"""SQLite file of the bot (``<data_dir>/bot.sqlite3``): one schema, created idempotently.

Why SQLite: a handful of small tables, one writer (the bot process), and the outbox needs a
transactional UNIQUE(alert_id, chat_id) so a Kafka replay can never produce a second delivery.
WAL + synchronous=NORMAL keeps writes cheap while surviving a SIGKILL of the process.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS chats (
    chat_id       INTEGER PRIMARY KEY,
    type          TEXT NOT NULL DEFAULT 'private',
    title         TEXT,
    tz            TEXT NOT NULL DEFAULT 'UTC',
    muted_until   REAL NOT NULL DEFAULT 0,
    quiet         TEXT,                    -- 'HH:MM-HH:MM' in the chat's time zone, NULL = none
    digest        TEXT NOT NULL DEFAULT 'off',
    paused        INTEGER NOT NULL DEFAULT 0,
    paused_reason TEXT,
    created_at    REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS subscriptions (
    chat_id    INTEGER NOT NULL,
    spec       TEXT NOT NULL,              -- canonical filter text, e.g. 'all' or 'tag:denial lang:fr'
    created_at REAL NOT NULL,
    UNIQUE (chat_id, spec)
);
CREATE TABLE IF NOT EXISTS exclusions (
    chat_id INTEGER NOT NULL,
    spec    TEXT NOT NULL,                 -- 'RULE_ID' or 'tag:T', carved out of broader filters
    UNIQUE (chat_id, spec)
);
CREATE TABLE IF NOT EXISTS rule_mutes (
    chat_id INTEGER NOT NULL,
    rule_id TEXT NOT NULL,
    until   REAL NOT NULL,
    PRIMARY KEY (chat_id, rule_id)
);
CREATE TABLE IF NOT EXISTS feedback (
    alert_id TEXT NOT NULL,
    rule_id  TEXT NOT NULL,
    chat_id  INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    vote     INTEGER NOT NULL,            -- +1 / -1
    at       REAL NOT NULL,
    PRIMARY KEY (alert_id, chat_id, user_id)
);
CREATE TABLE IF NOT EXISTS alerts (
    alert_id    TEXT PRIMARY KEY,
    rule_id     TEXT NOT NULL,
    payload     TEXT NOT NULL,            -- the Alert JSON as received
    detected_at REAL NOT NULL,
    received_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_received ON alerts (received_at);
CREATE TABLE IF NOT EXISTS outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id     TEXT NOT NULL,
    chat_id      INTEGER NOT NULL,
    status       TEXT NOT NULL,           -- pending | sent | failed | paused
    reason       TEXT,
    parts        TEXT NOT NULL DEFAULT '[]',
    markup       TEXT,
    parts_sent   INTEGER NOT NULL DEFAULT 0,
    silent       INTEGER NOT NULL DEFAULT 0,
    due_at       REAL NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    detected_at  REAL,
    created_at   REAL NOT NULL,
    sent_at      REAL,
    kind         TEXT NOT NULL DEFAULT 'send',  -- send | edit (of the story message)
    story_id     TEXT,
    version      INTEGER NOT NULL DEFAULT 0,    -- story version these parts show
    message_id   INTEGER,                       -- Telegram's id once a send row is delivered
    UNIQUE (alert_id, chat_id)
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (status, due_at);
CREATE INDEX IF NOT EXISTS outbox_chat ON outbox (status, chat_id, id);
CREATE TABLE IF NOT EXISTS stories (
    story_id   TEXT PRIMARY KEY,
    version    INTEGER NOT NULL,
    key        TEXT NOT NULL,
    payload    TEXT NOT NULL,             -- the newest StoryUpdate JSON (a full snapshot)
    last_seen  REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS stories_updated ON stories (updated_at);
CREATE TABLE IF NOT EXISTS story_alerts (
    alert_id TEXT PRIMARY KEY,
    story_id TEXT NOT NULL,
    version  INTEGER NOT NULL,
    joined   TEXT NOT NULL DEFAULT ''     -- why the alert joined its story (or 'new story')
);
CREATE INDEX IF NOT EXISTS story_alerts_story ON story_alerts (story_id);
CREATE TABLE IF NOT EXISTS story_messages (
    story_id     TEXT NOT NULL,
    chat_id      INTEGER NOT NULL,
    status       TEXT NOT NULL,           -- message | digest | muted | paused | disabled ...
    reason       TEXT,
    version      INTEGER NOT NULL,        -- newest version routed to this chat
    message_id   INTEGER,                 -- Telegram's id of the story's message, once sent
    shown        INTEGER NOT NULL DEFAULT 0,  -- version whose text Telegram shows
    last_edit_at REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (story_id, chat_id)
);
CREATE TABLE IF NOT EXISTS story_mutes (
    chat_id  INTEGER NOT NULL,
    story_id TEXT NOT NULL,
    at       REAL NOT NULL,
    PRIMARY KEY (chat_id, story_id)
);
CREATE TABLE IF NOT EXISTS alert_routes (
    alert_id TEXT NOT NULL,
    chat_id  INTEGER NOT NULL,
    status   TEXT NOT NULL,               -- sent as | edited into | suppressed status
    reason   TEXT NOT NULL,
    at       REAL NOT NULL,
    PRIMARY KEY (alert_id, chat_id)
);
CREATE TABLE IF NOT EXISTS digest_items (
    chat_id  INTEGER NOT NULL,
    alert_id TEXT NOT NULL,
    added_at REAL NOT NULL,
    UNIQUE (chat_id, alert_id)
);
"""


def connect(path: Path) -> sqlite3.Connection:
    """Open (and create) the bot database; rows behave like dicts."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.executescript(SCHEMA)
    _migrate(conn)
    return conn


# Columns added after a database may already exist (issue 14): added in place, defaults as above.
_ADDED = {"outbox": [("kind", "TEXT NOT NULL DEFAULT 'send'"), ("story_id", "TEXT"),
                     ("version", "INTEGER NOT NULL DEFAULT 0"), ("message_id", "INTEGER")]}


def _migrate(conn: sqlite3.Connection) -> None:
    for table, columns in _ADDED.items():
        have = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        for name, decl in columns:
            if name not in have:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {decl}")
    conn.execute("CREATE INDEX IF NOT EXISTS outbox_story ON outbox (story_id, chat_id)")


def db_path(data_dir: Path) -> Path:
    return Path(data_dir) / "bot.sqlite3"


class transaction:
    """``with transaction(conn):`` = one atomic BEGIN IMMEDIATE ... COMMIT (re-entrant: an inner
    block joins the outer one). Needed because the connection runs in autocommit mode."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.outer = False

    def __enter__(self) -> sqlite3.Connection:
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN IMMEDIATE")
            self.outer = True
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> None:
        if not self.outer:
            return
        if exc_type is None:
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")
