"""Routes story updates to chats: the first report of a story sends ONE message, later reports edit it.

``route_updates`` is one SQLite transaction per Kafka batch: the consumer commits offsets only
after it returns, so every update either has all its rows or none (and will be replayed). A
``StoryUpdate`` is a full snapshot: the stored story keeps the newest version, and per chat
``story_messages.version`` says which version was routed there, so a replayed or older update
changes nothing. Every decision about an alert in a chat is stored with its reason
(``alert_routes``: sent as a new message, edited into the story's message, muted, digest...), which
``/explain`` shows.
"""

from __future__ import annotations

import logging
import time
from collections import Counter

from dementi.records import Alert, StoryUpdate
from dementi.bot.catalog import RuleCatalog
from dementi.bot.db import transaction
from dementi.bot.formatting import story_keyboard, story_parts
from dementi.bot.notify import stages
from dementi.bot.outbox import Outbox
from dementi.bot.store import ChatState, Store

log = logging.getLogger(__name__)


class Router:
    def __init__(self, store: Store, catalog: RuleCatalog, edit_interval: float = 3.0, clock=time.time,
                 served=lambda chat_id: True):
        self.store = store
        self.outbox = Outbox(store.conn)
        self.catalog = catalog
        self.edit_interval = edit_interval  # seconds between two edits of one message (Telegram limits edits too)
        self.clock = clock
        self.served = served  # the subscription policy (bot/policy.py), for edits too
        conn = store.conn
        self.stages = [
            stages.Subscribed(),
            stages.Allowed(served),
            stages.Paused(),
            stages.DisabledRule(catalog.disabled),
            stages.Muted(),
            stages.StoryMuted(conn),
            stages.QuietHours(),
            stages.Digest(conn),
        ]
        self.totals: Counter = Counter()

    def route_updates(self, updates: list[StoryUpdate]) -> Counter:
        counts: Counter = Counter()
        now = self.clock()
        with transaction(self.store.conn):
            chats = self.store.subscribed_chats()
            for update in updates:
                newest = self.store.record_story(update, now)
                for chat in chats:
                    status = self._route(update, newest, chat, now)
                    if status is not None:
                        counts[status] += 1
        self.totals.update(counts)
        return counts

    def _route(self, update: StoryUpdate, story: StoryUpdate, chat: ChatState, now: float) -> str | None:
        conn, sid, alert = self.store.conn, update.story_id, update.alert
        row = conn.execute("SELECT * FROM story_messages WHERE story_id = ? AND chat_id = ?", (sid, chat.chat_id)).fetchone()
        if row is not None and row["version"] >= update.version:
            return None  # replay, or an older snapshot arriving late: already routed
        if row is None:
            return self._first(update, story, alert, chat, now)
        conn.execute("UPDATE story_messages SET version = ? WHERE story_id = ? AND chat_id = ?",
                     (update.version, sid, chat.chat_id))
        if row["status"] == "digest":
            return self._note(alert, chat, "digest", "its story is already in the digest (the newest version is shown)", now)
        if chat.paused:
            return self._note(alert, chat, "paused", chat.paused_reason or "chat paused", now)
        if not self.served(chat.chat_id):
            return self._note(alert, chat, "not_allowed", "chat not served by the subscription policy", now)
        if conn.execute("SELECT 1 FROM story_mutes WHERE chat_id = ? AND story_id = ?", (chat.chat_id, sid)).fetchone():
            return self._note(alert, chat, "muted", "story muted in this chat: its message is no longer edited", now)
        parts, markup = story_parts(story), story_keyboard(story)
        send = self.outbox.story_send(sid, chat.chat_id)
        if send is not None and send.status == "pending" and send.parts_sent == 0:
            self.outbox.update_unsent(send.id, parts, markup, story.version)
            return self._note(alert, chat, "edit", f"joined story {sid} before its message went out: the message "
                                                   f"shows it (v{story.version})", now)
        due = max(now, row["last_edit_at"] + self.edit_interval)
        self.outbox.upsert_edit(sid, chat.chat_id, parts, markup, story.version, due)
        return self._note(alert, chat, "edit", f"joined story {sid}: its message is edited to v{story.version} "
                                               f"({update.joined})", now)

    def _first(self, update: StoryUpdate, story: StoryUpdate, alert: Alert, chat: ChatState, now: float) -> str | None:
        d = stages.Delivery(alert=alert, chat=chat, rule=self.catalog.get(alert.rule_id), now=now, due_at=now,
                            story_id=update.story_id)
        for stage in self.stages:
            stage(d)
            if d.status != stages.PENDING:
                break
        if d.status is None:
            return None  # not for this chat (a later report of the story may be)
        conn, sid = self.store.conn, update.story_id
        if d.status == stages.PENDING:
            self.outbox.add(f"story:{sid}", chat.chat_id, stages.PENDING, parts=story_parts(story),
                            markup=story_keyboard(story), due_at=d.due_at, reason=d.reason or None,
                            detected_at=alert.detected_at.timestamp(), kind="send", story_id=sid, version=story.version)
            conn.execute("INSERT INTO story_messages (story_id, chat_id, status, reason, version) VALUES (?, ?, ?, ?, ?)",
                         (sid, chat.chat_id, "message", d.reason or None, update.version))
            why = "new story: one message" + (f", {d.reason}" if d.reason else "")
            return self._note(alert, chat, stages.PENDING, why, now)
        if d.status == "digest":
            conn.execute("INSERT INTO story_messages (story_id, chat_id, status, reason, version) VALUES (?, ?, ?, ?, ?)",
                         (sid, chat.chat_id, "digest", d.reason, update.version))
        return self._note(alert, chat, d.status, d.reason, now)

    def _note(self, alert: Alert, chat: ChatState, status: str, reason: str, now: float) -> str:
        self.store.conn.execute("INSERT OR REPLACE INTO alert_routes (alert_id, chat_id, status, reason, at) "
                                "VALUES (?, ?, ?, ?, ?)", (alert.alert_id, chat.chat_id, status, reason, now))
        return status
