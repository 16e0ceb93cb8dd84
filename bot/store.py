"""Per-chat state of the bot: chats and their settings, subscriptions, exclusions, rule mutes,
feedback and the recent-alerts log. (The delivery outbox lives in ``bot/outbox.py``.)

Every method is one short transaction, so a SIGKILL between two commands never leaves a chat
half-configured. Chat ids change when a group becomes a supergroup: ``migrate_chat`` moves
everything that is keyed by chat id in one transaction.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from dementi.records import Alert, StoryUpdate
from dementi.bot.db import connect, db_path, transaction
from dementi.bot.filters import Filter, FilterError, filter_from_spec

log = logging.getLogger(__name__)


@dataclass
class ChatState:
    chat_id: int
    type: str
    title: str | None
    tz: str
    muted_until: float
    quiet: str | None
    digest: str
    paused: bool
    paused_reason: str | None
    filters: list[Filter]
    exclusions: set[str]
    rule_mutes: dict[str, float]

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup", "channel") or self.chat_id < 0


class Store:
    def __init__(self, path: Path):
        self.path = path
        self.conn: sqlite3.Connection = connect(path)
        self._bad_specs: set[tuple[int, str]] = set()

    @classmethod
    def open(cls, data_dir: Path) -> "Store":
        return cls(db_path(data_dir))

    def close(self) -> None:
        self.conn.close()

    # --- chats ---------------------------------------------------------------------------------
    def touch_chat(self, chat_id: int, chat_type: str = "private", title: str | None = None) -> None:
        self.conn.execute(
            "INSERT INTO chats (chat_id, type, title, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(chat_id) DO UPDATE SET type=excluded.type, title=COALESCE(excluded.title, chats.title)",
            (chat_id, chat_type, title, time.time()))

    def set_chat(self, chat_id: int, **fields) -> None:
        allowed = {"tz", "muted_until", "quiet", "digest", "paused", "paused_reason"}
        bad = set(fields) - allowed
        if bad:
            raise ValueError(f"unknown chat fields {bad}")
        self.touch_chat(chat_id, *self._type_title(chat_id))
        assignments = ", ".join(f"{k} = ?" for k in fields)
        self.conn.execute(f"UPDATE chats SET {assignments} WHERE chat_id = ?", (*fields.values(), chat_id))

    def _type_title(self, chat_id: int) -> tuple[str, str | None]:
        row = self.conn.execute("SELECT type, title FROM chats WHERE chat_id = ?", (chat_id,)).fetchone()
        return (row["type"], row["title"]) if row else ("private" if chat_id > 0 else "group", None)

    def chat(self, chat_id: int) -> ChatState | None:
        row = self.conn.execute("SELECT * FROM chats WHERE chat_id = ?", (chat_id,)).fetchone()
        return self._state(row) if row else None

    def subscribed_chats(self) -> list[ChatState]:
        """Chats with at least one subscription (paused ones included: the router skips them)."""
        rows = self.conn.execute(
            "SELECT * FROM chats WHERE chat_id IN (SELECT DISTINCT chat_id FROM subscriptions)").fetchall()
        return [self._state(r) for r in rows]

    def _state(self, row: sqlite3.Row) -> ChatState:
        cid = row["chat_id"]
        specs = [r[0] for r in self.conn.execute("SELECT spec FROM subscriptions WHERE chat_id = ? ORDER BY rowid",
                                                 (cid,))]
        excl = {r[0] for r in self.conn.execute("SELECT spec FROM exclusions WHERE chat_id = ?", (cid,))}
        mutes = {r[0]: r[1] for r in self.conn.execute("SELECT rule_id, until FROM rule_mutes WHERE chat_id = ?",
                                                       (cid,))}
        return ChatState(chat_id=cid, type=row["type"], title=row["title"], tz=row["tz"],
                         muted_until=row["muted_until"], quiet=row["quiet"], digest=row["digest"],
                         paused=bool(row["paused"]), paused_reason=row["paused_reason"],
                         filters=self._filters(cid, specs), exclusions=excl, rule_mutes=mutes)

    def _filters(self, chat_id: int, specs: list[str]) -> list[Filter]:
        """The chat's filters; a stored spec that does not parse (written by an older version, or
        forged) is skipped and logged once: it must never stop delivery to this or any other chat."""
        filters = []
        for spec in specs:
            try:
                filters.append(filter_from_spec(spec))
            except FilterError as exc:
                if (chat_id, spec) not in self._bad_specs:
                    self._bad_specs.add((chat_id, spec))
                    log.warning("chat %s: stored subscription %r does not parse (%s); skipped", chat_id, spec, exc)
        return filters

    # --- subscriptions -------------------------------------------------------------------------
    def subscriptions(self, chat_id: int) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT spec FROM subscriptions WHERE chat_id = ? ORDER BY rowid",
                                                (chat_id,))]

    def filters(self, chat_id: int) -> list[Filter]:
        """The chat's subscriptions as filters (those that do not parse are skipped, see ``_filters``)."""
        return self._filters(chat_id, self.subscriptions(chat_id))

    def exclusions(self, chat_id: int) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT spec FROM exclusions WHERE chat_id = ? ORDER BY rowid",
                                                (chat_id,))]

    def subscribe(self, chat_id: int, spec: str) -> bool:
        """Add a filter (and lift a matching exclusion); False if it was already there."""
        with transaction(self.conn):
            self.conn.execute("INSERT OR IGNORE INTO chats (chat_id, type, created_at) VALUES (?, ?, ?)",
                              (chat_id, "private" if chat_id > 0 else "group", time.time()))
            self.conn.execute("DELETE FROM exclusions WHERE chat_id = ? AND spec = ?", (chat_id, spec))
            cur = self.conn.execute("INSERT OR IGNORE INTO subscriptions (chat_id, spec, created_at) VALUES (?, ?, ?)",
                                    (chat_id, spec, time.time()))
            # A chat that subscribes again is active again (e.g. after unblocking the bot).
            self.conn.execute("UPDATE chats SET paused = 0, paused_reason = NULL WHERE chat_id = ?", (chat_id,))
            return cur.rowcount > 0

    def unsubscribe(self, chat_id: int, spec: str) -> bool:
        cur = self.conn.execute("DELETE FROM subscriptions WHERE chat_id = ? AND spec = ?", (chat_id, spec))
        return cur.rowcount > 0

    def exclude(self, chat_id: int, spec: str) -> None:
        self.conn.execute("INSERT OR IGNORE INTO exclusions (chat_id, spec) VALUES (?, ?)", (chat_id, spec))

    def unsubscribe_all(self, chat_id: int) -> int:
        with transaction(self.conn):
            n = self.conn.execute("DELETE FROM subscriptions WHERE chat_id = ?", (chat_id,)).rowcount
            self.conn.execute("DELETE FROM exclusions WHERE chat_id = ?", (chat_id,))
        return n

    def mute_rule(self, chat_id: int, rule_id: str, until: float) -> None:
        self.conn.execute("INSERT OR REPLACE INTO rule_mutes (chat_id, rule_id, until) VALUES (?, ?, ?)",
                          (chat_id, rule_id, until))

    def unmute_rules(self, chat_id: int) -> int:
        return self.conn.execute("DELETE FROM rule_mutes WHERE chat_id = ?", (chat_id,)).rowcount

    # --- lifecycle events from Telegram --------------------------------------------------------
    def pause_chat(self, chat_id: int, reason: str) -> None:
        self.conn.execute("UPDATE chats SET paused = 1, paused_reason = ? WHERE chat_id = ?", (reason, chat_id))

    def migrate_chat(self, old: int, new: int) -> None:
        """Group -> supergroup: move settings, filters, mutes, story messages and pending deliveries."""
        with transaction(self.conn):
            self.conn.execute(
                "INSERT OR IGNORE INTO chats (chat_id, type, title, tz, muted_until, quiet, digest, paused, "
                "paused_reason, created_at) SELECT ?, 'supergroup', title, tz, muted_until, quiet, digest, paused, "
                "paused_reason, created_at FROM chats WHERE chat_id = ?", (new, old))
            for table in ("subscriptions", "exclusions", "rule_mutes", "story_messages", "story_mutes", "alert_routes",
                          "digest_items", "outbox"):
                self.conn.execute(f"UPDATE OR IGNORE {table} SET chat_id = ? WHERE chat_id = ?", (new, old))
                self.conn.execute(f"DELETE FROM {table} WHERE chat_id = ?", (old,))
            self.conn.execute("DELETE FROM chats WHERE chat_id = ?", (old,))

    # --- alerts log, feedback --------------------------------------------------------------------
    def record_alert(self, alert: Alert, received_at: float | None = None) -> None:
        self.conn.execute("INSERT OR IGNORE INTO alerts (alert_id, rule_id, payload, detected_at, received_at) "
                          "VALUES (?, ?, ?, ?, ?)",
                          (alert.alert_id, alert.rule_id, alert.model_dump_json(), alert.detected_at.timestamp(),
                           received_at or time.time()))

    def record_story(self, update: StoryUpdate, received_at: float | None = None) -> StoryUpdate:
        """Store a story update (the newest version wins) and its new alert; returns the newest
        snapshot known, which is what messages show."""
        now = received_at or time.time()
        self.record_alert(update.alert, now)
        self.conn.execute("INSERT OR IGNORE INTO story_alerts (alert_id, story_id, version, joined) VALUES (?, ?, ?, ?)",
                          (update.alert.alert_id, update.story_id, update.version, update.joined))
        self.conn.execute(
            "INSERT INTO stories (story_id, version, key, payload, last_seen, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(story_id) DO UPDATE SET version = excluded.version, payload = excluded.payload, "
            "last_seen = excluded.last_seen, updated_at = excluded.updated_at WHERE excluded.version > stories.version",
            (update.story_id, update.version, update.key, update.model_dump_json(), update.last_seen.timestamp(), now))
        return self.story(update.story_id) or update

    def story(self, story_id: str) -> StoryUpdate | None:
        row = self.conn.execute("SELECT payload FROM stories WHERE story_id = ?", (story_id,)).fetchone()
        return StoryUpdate.model_validate_json(row[0]) if row else None

    def story_of_alert(self, alert_id: str) -> tuple[str, str] | None:
        """(story id, why the alert joined it) for an alert of the log."""
        row = self.conn.execute("SELECT story_id, joined FROM story_alerts WHERE alert_id = ?", (alert_id,)).fetchone()
        return (row[0], row[1]) if row else None

    def recent_stories(self, limit: int = 200) -> list[StoryUpdate]:
        rows = self.conn.execute("SELECT payload FROM stories ORDER BY updated_at DESC, rowid DESC LIMIT ?", (limit,))
        return [StoryUpdate.model_validate_json(r[0]) for r in rows]

    def story_alerts(self, story_id: str) -> list[Alert]:
        rows = self.conn.execute("SELECT a.payload FROM story_alerts s JOIN alerts a ON a.alert_id = s.alert_id "
                                 "WHERE s.story_id = ? ORDER BY s.version", (story_id,))
        return [Alert.model_validate_json(r[0]) for r in rows]

    def alert_routes(self, alert_id: str) -> list[tuple[int, str, str]]:
        """(chat, status, reason) of every routing decision about an alert."""
        return [(r[0], r[1], r[2]) for r in self.conn.execute(
            "SELECT chat_id, status, reason FROM alert_routes WHERE alert_id = ? ORDER BY chat_id", (alert_id,))]

    def story_routed(self, story_id: str, chat_id: int) -> bool:
        """True when the story reached this chat in some form (message, digest entry, ...)."""
        return self.conn.execute("SELECT 1 FROM story_messages WHERE story_id = ? AND chat_id = ?",
                                 (story_id, chat_id)).fetchone() is not None

    def mute_story(self, chat_id: int, story_id: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO story_mutes (chat_id, story_id, at) VALUES (?, ?, ?)",
                          (chat_id, story_id, time.time()))

    def alert(self, alert_id: str) -> Alert | None:
        row = self.conn.execute("SELECT payload FROM alerts WHERE alert_id = ?", (alert_id,)).fetchone()
        return Alert.model_validate_json(row[0]) if row else None

    def recent_alerts(self, limit: int = 500) -> list[Alert]:
        rows = self.conn.execute("SELECT payload FROM alerts ORDER BY received_at DESC, rowid DESC LIMIT ?", (limit,))
        return [Alert.model_validate_json(r[0]) for r in rows]

    def alerts_since(self, since: float) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM alerts WHERE received_at >= ?", (since,)).fetchone()[0]

    def prune(self, keep_alerts: float = 7 * 86400, keep_outbox: float = 30 * 86400) -> None:
        """Bound the database: the alert log feeds /recent and /explain (a week is plenty); finished
        outbox rows are kept longer than any plausible Kafka replay, so a replay stays a no-op."""
        now = time.time()
        with transaction(self.conn):
            self.conn.execute("DELETE FROM alerts WHERE received_at < ?", (now - keep_alerts,))
            self.conn.execute("DELETE FROM outbox WHERE status != 'pending' AND created_at < ?", (now - keep_outbox,))
            old = now - keep_outbox
            self.conn.execute("DELETE FROM story_messages WHERE story_id IN (SELECT story_id FROM stories WHERE "
                              "updated_at < ?)", (old,))
            self.conn.execute("DELETE FROM story_alerts WHERE story_id IN (SELECT story_id FROM stories WHERE "
                              "updated_at < ?)", (old,))
            self.conn.execute("DELETE FROM story_mutes WHERE at < ?", (old,))
            self.conn.execute("DELETE FROM alert_routes WHERE at < ?", (old,))
            self.conn.execute("DELETE FROM stories WHERE updated_at < ?", (old,))
            self.conn.execute("DELETE FROM rule_mutes WHERE until < ?", (now,))

    def vote(self, alert_id: str, rule_id: str, chat_id: int, user_id: int, vote: int) -> None:
        self.conn.execute("INSERT OR REPLACE INTO feedback (alert_id, rule_id, chat_id, user_id, vote, at) "
                          "VALUES (?, ?, ?, ?, ?, ?)", (alert_id, rule_id, chat_id, user_id, vote, time.time()))

    def feedback_scores(self) -> dict[str, tuple[int, int]]:
        """rule_id -> (👍 count, 👎 count)."""
        rows = self.conn.execute("SELECT rule_id, SUM(vote > 0), SUM(vote < 0) FROM feedback GROUP BY rule_id")
        return {r[0]: (int(r[1] or 0), int(r[2] or 0)) for r in rows}

    def counts(self) -> dict[str, int]:
        q = self.conn.execute
        return {"chats": q("SELECT COUNT(DISTINCT chat_id) FROM subscriptions").fetchone()[0],
                "paused": q("SELECT COUNT(*) FROM chats WHERE paused = 1").fetchone()[0],
                "pending": q("SELECT COUNT(*) FROM outbox WHERE status = 'pending'").fetchone()[0],
                "sent_hour": q("SELECT COUNT(*) FROM outbox WHERE status = 'sent' AND sent_at >= ?",
                               (time.time() - 3600,)).fetchone()[0]}


def dump_json(value) -> str:
    return json.dumps(value, ensure_ascii=False)
