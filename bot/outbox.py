"""The delivery outbox: one row per (item, chat), UNIQUE, written BEFORE Kafka offsets are committed.

Items are story messages (``story:<id>``, kind ``send``), the edits of a story message that was
already sent (``edit:<id>``, kind ``edit``: ONE row per story x chat, reused for every later version,
so edits coalesce and an edit replayed after a crash sets the same text again) and digests.

Why: a crash after the write but before the commit replays the alert, and the UNIQUE key turns
the replay into a no-op; a crash before the write loses nothing because the offset was not
committed. What the routing stages decided about each alert (a new message, an edit, muted, digest...)
is stored beside it in ``alert_routes`` with its reason, for ``/explain``.
Multi-part messages record ``parts_sent`` after each part, so a restart resumes, not repeats.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass


@dataclass
class OutboxRow:
    id: int
    alert_id: str
    chat_id: int
    parts: list[str]
    markup: dict | None
    parts_sent: int
    silent: bool
    due_at: float
    attempts: int
    detected_at: float | None
    kind: str = "send"
    status: str = "pending"
    story_id: str | None = None
    version: int = 0
    message_id: int | None = None


class Outbox:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def exists(self, alert_id: str, chat_id: int) -> bool:
        return self.conn.execute("SELECT 1 FROM outbox WHERE alert_id = ? AND chat_id = ?",
                                 (alert_id, chat_id)).fetchone() is not None

    def add(self, alert_id: str, chat_id: int, status: str, parts: list[str] | None = None,
            markup: dict | None = None, due_at: float | None = None, silent: bool = False,
            reason: str | None = None, detected_at: float | None = None, kind: str = "send",
            story_id: str | None = None, version: int = 0) -> bool:
        """Insert unless this (item, chat) was already routed; True when inserted."""
        now = time.time()
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO outbox (alert_id, chat_id, status, reason, parts, markup, silent, due_at, "
            "detected_at, created_at, kind, story_id, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (alert_id, chat_id, status, reason, json.dumps(parts or [], ensure_ascii=False),
             json.dumps(markup) if markup else None, int(silent), due_at if due_at is not None else now,
             detected_at, now, kind, story_id, version))
        return cur.rowcount > 0

    def story_send(self, story_id: str, chat_id: int) -> OutboxRow | None:
        row = self.conn.execute("SELECT * FROM outbox WHERE alert_id = ? AND chat_id = ?",
                                (f"story:{story_id}", chat_id)).fetchone()
        return self._row(row) if row else None

    def update_unsent(self, row_id: int, parts: list[str], markup: dict | None, version: int) -> None:
        """A story message not sent yet shows the newest version when it goes (no edit needed)."""
        self.conn.execute("UPDATE outbox SET parts = ?, markup = ?, version = ? WHERE id = ? AND parts_sent = 0",
                          (json.dumps(parts, ensure_ascii=False), json.dumps(markup) if markup else None, version,
                           row_id))

    def upsert_edit(self, story_id: str, chat_id: int, parts: list[str], markup: dict | None, version: int,
                    due_at: float) -> None:
        """The edit row of a story message: created, or reused with the newer version (pending again).
        An edit already waiting keeps its due time (the throttle) and just takes the newer text."""
        now = time.time()
        self.conn.execute(
            "INSERT INTO outbox (alert_id, chat_id, status, parts, markup, due_at, created_at, kind, story_id, "
            "version) VALUES (?, ?, 'pending', ?, ?, ?, ?, 'edit', ?, ?) "
            "ON CONFLICT(alert_id, chat_id) DO UPDATE SET parts = excluded.parts, markup = excluded.markup, "
            "version = excluded.version, attempts = CASE WHEN outbox.status = 'pending' THEN outbox.attempts ELSE 0 END, "
            "due_at = CASE WHEN outbox.status = 'pending' THEN outbox.due_at ELSE excluded.due_at END, "
            "reason = NULL, status = 'pending' WHERE excluded.version > outbox.version",
            (f"edit:{story_id}", chat_id, json.dumps(parts, ensure_ascii=False), json.dumps(markup) if markup else None,
             due_at, now, story_id, version))

    def due_edits(self, now: float | None = None, limit: int = 1000) -> list[OutboxRow]:
        """Edits whose time has come (they never hold a chat's new messages back)."""
        rows = self.conn.execute("SELECT * FROM outbox WHERE status = 'pending' AND kind = 'edit' AND due_at <= ? "
                                 "ORDER BY due_at, id LIMIT ?", (now if now is not None else time.time(), limit))
        return [self._row(r) for r in rows]

    def finish_edit(self, row_id: int, version: int, next_due_at: float) -> None:
        """The edit of ``version`` is shown. A newer version routed meanwhile keeps the row pending,
        due no earlier than ``next_due_at`` (the edit interval counts from this edit)."""
        self.conn.execute("UPDATE outbox SET status = 'sent', sent_at = ?, parts_sent = 1 WHERE id = ? AND version = ?",
                          (time.time(), row_id, version))
        self.conn.execute("UPDATE outbox SET due_at = MAX(due_at, ?) WHERE id = ? AND version != ? AND status = 'pending'",
                          (next_due_at, row_id, version))

    def set_message_id(self, row_id: int, message_id: int) -> None:
        self.conn.execute("UPDATE outbox SET message_id = ? WHERE id = ?", (message_id, row_id))

    def due(self, now: float | None = None, limit: int = 1000) -> list[OutboxRow]:
        """Pending rows whose time has come, oldest first (per-chat order = id order)."""
        rows = self.conn.execute(
            "SELECT * FROM outbox WHERE status = 'pending' AND due_at <= ? ORDER BY id LIMIT ?",
            (now if now is not None else time.time(), limit)).fetchall()
        return [self._row(r) for r in rows]

    def due_heads(self, now: float | None = None, limit: int = 5000) -> list[OutboxRow]:
        """The oldest pending row of each chat, when it is due (what the sender may start now).
        A chat whose head waits (quiet hours, backoff) waits entirely: per-chat order is kept.
        The inner query reads only the (status, chat_id, id) index, so a deep queue stays cheap."""
        now = now if now is not None else time.time()
        rows = self.conn.execute(
            "SELECT o.* FROM outbox o JOIN (SELECT MIN(id) AS id FROM outbox WHERE status = 'pending' AND kind = 'send' "
            "GROUP BY chat_id) h ON o.id = h.id WHERE o.due_at <= ? ORDER BY o.id LIMIT ?", (now, limit)).fetchall()
        return [self._row(r) for r in rows]

    def next_due_at(self, after: float | None = None) -> float | None:
        """The earliest due time of a pending row (later than ``after`` when given: rows already
        due but held back, e.g. by a chat's flood wait, must not hide the next one to come)."""
        if after is None:
            row = self.conn.execute("SELECT MIN(due_at) FROM outbox WHERE status = 'pending'").fetchone()
        else:
            row = self.conn.execute("SELECT MIN(due_at) FROM outbox WHERE status = 'pending' AND due_at > ?",
                                    (after,)).fetchone()
        return row[0]

    @staticmethod
    def _row(r: sqlite3.Row) -> OutboxRow:
        return OutboxRow(id=r["id"], alert_id=r["alert_id"], chat_id=r["chat_id"], parts=json.loads(r["parts"]),
                         markup=json.loads(r["markup"]) if r["markup"] else None, parts_sent=r["parts_sent"],
                         silent=bool(r["silent"]), due_at=r["due_at"], attempts=r["attempts"],
                         detected_at=r["detected_at"], kind=r["kind"], status=r["status"], story_id=r["story_id"], version=r["version"],
                         message_id=r["message_id"])

    def part_sent(self, row_id: int, parts_sent: int, done: bool) -> None:
        if done:
            self.conn.execute("UPDATE outbox SET parts_sent = ?, status = 'sent', sent_at = ? WHERE id = ?",
                              (parts_sent, time.time(), row_id))
        else:
            self.conn.execute("UPDATE outbox SET parts_sent = ? WHERE id = ?", (parts_sent, row_id))

    def retry_later(self, row_id: int, due_at: float, reason: str) -> None:
        self.conn.execute("UPDATE outbox SET due_at = ?, attempts = attempts + 1, reason = ? WHERE id = ?",
                          (due_at, reason, row_id))

    def replace_parts(self, row_id: int, parts: list[str]) -> None:
        self.conn.execute("UPDATE outbox SET parts = ? WHERE id = ?", (json.dumps(parts, ensure_ascii=False), row_id))

    def finish(self, row_id: int, status: str, reason: str) -> None:
        self.conn.execute("UPDATE outbox SET status = ?, reason = ? WHERE id = ?", (status, reason, row_id))

    def pause_chat(self, chat_id: int, reason: str) -> int:
        return self.conn.execute("UPDATE outbox SET status = 'paused', reason = ? WHERE chat_id = ? AND "
                                 "status = 'pending'", (reason, chat_id)).rowcount

    def statuses(self, chat_id: int | None = None) -> dict[str, int]:
        sql = "SELECT status, COUNT(*) FROM outbox" + (" WHERE chat_id = ?" if chat_id is not None else "")
        rows = self.conn.execute(sql + " GROUP BY status", (chat_id,) if chat_id is not None else ())
        return {r[0]: r[1] for r in rows}
