"""The delivery outbox: one row per (alert, chat), UNIQUE, written BEFORE Kafka offsets are committed.

Why: a crash after the write but before the commit replays the alert, and the UNIQUE key turns
the replay into a no-op; a crash before the write loses nothing because the offset was not
committed. Rows that the routing stages suppressed (muted, realert, digest...) are stored too, with
their status, so a replay takes the same decision and ``/status`` can say why nothing was sent.
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


class Outbox:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def exists(self, alert_id: str, chat_id: int) -> bool:
        return self.conn.execute("SELECT 1 FROM outbox WHERE alert_id = ? AND chat_id = ?",
                                 (alert_id, chat_id)).fetchone() is not None

    def add(self, alert_id: str, chat_id: int, status: str, parts: list[str] | None = None,
            markup: dict | None = None, due_at: float | None = None, silent: bool = False,
            reason: str | None = None, detected_at: float | None = None) -> bool:
        """Insert unless this (alert, chat) was already routed; True when inserted."""
        now = time.time()
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO outbox (alert_id, chat_id, status, reason, parts, markup, silent, due_at, "
            "detected_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (alert_id, chat_id, status, reason, json.dumps(parts or [], ensure_ascii=False),
             json.dumps(markup) if markup else None, int(silent), due_at if due_at is not None else now,
             detected_at, now))
        return cur.rowcount > 0

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
            "SELECT o.* FROM outbox o JOIN (SELECT MIN(id) AS id FROM outbox WHERE status = 'pending' "
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
                         detected_at=r["detected_at"])

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
