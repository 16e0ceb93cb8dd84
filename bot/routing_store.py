"""What routing remembers per (story, chat): the story's message there, story mutes, the reason of
every routing decision (``/explain``), and the stories waiting for a digest.

Why a store of its own: the router, its stages, the sender and the digest flusher all read and
write these tables; with the SQL here (next to ``bot/store.py`` and ``bot/outbox.py``, the only
modules that talk SQL, ``tests/bot/test_sql_layer.py``) they say what they do, not how it is kept.
The caller owns the transaction (``bot.db.transaction``): routing one Kafka batch is one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class StoryMessage:
    """A story in one chat: ``status`` message | digest, the newest ``version`` routed there, and,
    once sent, Telegram's ``message_id``, the version it ``shown`` and when it was last edited."""

    status: str
    version: int
    message_id: int | None
    shown: int
    last_edit_at: float


@dataclass(frozen=True)
class DigestChat:
    chat_id: int
    mode: str  # the chat's digest mode now (it may have been turned off since the items were queued)
    tz: str


class RoutingStore:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    # --- the story's message in a chat -----------------------------------------------------------
    def story_message(self, story_id: str, chat_id: int) -> StoryMessage | None:
        row = self.conn.execute("SELECT status, version, message_id, shown, last_edit_at FROM story_messages "
                                "WHERE story_id = ? AND chat_id = ?", (story_id, chat_id)).fetchone()
        return StoryMessage(*row) if row else None

    def add_story_message(self, story_id: str, chat_id: int, status: str, reason: str | None, version: int) -> None:
        self.conn.execute("INSERT INTO story_messages (story_id, chat_id, status, reason, version) VALUES (?, ?, ?, ?, ?)",
                          (story_id, chat_id, status, reason, version))

    def set_routed_version(self, story_id: str, chat_id: int, version: int) -> None:
        self.conn.execute("UPDATE story_messages SET version = ? WHERE story_id = ? AND chat_id = ?",
                          (version, story_id, chat_id))

    def message_sent(self, story_id: str, chat_id: int, message_id: int, version: int, at: float) -> None:
        """The story's message went out: later reports edit ``message_id``."""
        self.conn.execute("UPDATE story_messages SET message_id = ?, shown = ?, last_edit_at = ? "
                          "WHERE story_id = ? AND chat_id = ?", (message_id, version, at, story_id, chat_id))

    def message_edited(self, story_id: str, chat_id: int, version: int, at: float) -> None:
        self.conn.execute("UPDATE story_messages SET shown = MAX(shown, ?), last_edit_at = ? WHERE story_id = ? "
                          "AND chat_id = ?", (version, at, story_id, chat_id))

    def story_muted(self, chat_id: int, story_id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM story_mutes WHERE chat_id = ? AND story_id = ?",
                                 (chat_id, story_id)).fetchone() is not None

    # --- why an alert went (or did not go) to a chat ---------------------------------------------
    def note_route(self, alert_id: str, chat_id: int, status: str, reason: str, at: float) -> None:
        self.conn.execute("INSERT OR REPLACE INTO alert_routes (alert_id, chat_id, status, reason, at) "
                          "VALUES (?, ?, ?, ?, ?)", (alert_id, chat_id, status, reason, at))

    # --- digests ---------------------------------------------------------------------------------
    def queue_digest(self, chat_id: int, item_id: str, at: float) -> None:
        self.conn.execute("INSERT OR IGNORE INTO digest_items (chat_id, alert_id, added_at) VALUES (?, ?, ?)",
                          (chat_id, item_id, at))

    def digest_chats(self) -> list[DigestChat]:
        """Chats with queued digest items."""
        rows = self.conn.execute("SELECT DISTINCT d.chat_id, c.digest, c.tz FROM digest_items d "
                                 "JOIN chats c ON c.chat_id = d.chat_id").fetchall()
        return [DigestChat(*row) for row in rows]

    def digest_items(self, chat_id: int) -> list[tuple[str, float]]:
        """(item id, queued at) of a chat, oldest first."""
        return [(r[0], r[1]) for r in self.conn.execute(
            "SELECT alert_id, added_at FROM digest_items WHERE chat_id = ? ORDER BY added_at", (chat_id,))]

    def drop_digest_items(self, chat_id: int, item_ids: Iterable[str]) -> None:
        self.conn.executemany("DELETE FROM digest_items WHERE chat_id = ? AND alert_id = ?",
                              [(chat_id, i) for i in item_ids])
