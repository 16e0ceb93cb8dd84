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
from collections.abc import Callable

from dementi.records import Alert, StoryUpdate
from dementi.bot.catalog import RuleCatalog
from dementi.bot.db import transaction
from dementi.bot.formatting import story_keyboard, story_parts
from dementi.bot.notify.stages import (Allowed, Delivery, DeliveryStatus, Digest, DisabledRule, Muted, Paused,
                                       QuietHours, Stage, StoryMuted, Subscribed)
from dementi.bot.outbox import Outbox
from dementi.bot.routing_store import RoutingStore, StoryMessage
from dementi.bot.store import ChatState, Store

log = logging.getLogger(__name__)


class Router:
    def __init__(self, store: Store, catalog: RuleCatalog, edit_interval: float = 3.0,
                 clock: Callable[[], float] = time.time, served: Callable[[int], bool] = lambda chat_id: True):
        self.store = store
        self.outbox = Outbox(store.conn)
        self.routes = RoutingStore(store.conn)
        self.catalog = catalog
        self.edit_interval = edit_interval  # seconds between two edits of one message (Telegram limits edits too)
        self.clock = clock
        self.served = served  # the subscription policy (bot/policy.py), for edits too
        # The first report of a story in a chat goes through these, in this order (stages.py).
        self.stages: list[Stage] = [
            Subscribed(),
            Allowed(served),
            Paused(),
            DisabledRule(catalog.disabled),
            Muted(),
            StoryMuted(self.routes),
            QuietHours(),
            Digest(self.routes),
        ]
        self.totals: Counter[DeliveryStatus] = Counter()

    def route_updates(self, updates: list[StoryUpdate]) -> Counter[DeliveryStatus]:
        counts: Counter[DeliveryStatus] = Counter()
        now = self.clock()
        with transaction(self.store.conn):
            chats = self.store.subscribed_chats()
            for update in updates:
                newest = self.store.record_story(update, now)
                for chat in chats:
                    status = self._route(update, newest, chat, now)
                    if status.recorded:
                        counts[status] += 1
        self.totals.update(counts)
        return counts

    def _route(self, update: StoryUpdate, story: StoryUpdate, chat: ChatState, now: float) -> DeliveryStatus:
        message = self.routes.story_message(update.story_id, chat.chat_id)
        if message is None:
            return self._first(update, story, chat, now)
        if message.version >= update.version:
            return DeliveryStatus.ALREADY_ROUTED  # replay, or an older snapshot arriving late
        return self._later(update, story, message, chat, now)

    def _later(self, update: StoryUpdate, story: StoryUpdate, message: StoryMessage, chat: ChatState,
               now: float) -> DeliveryStatus:
        """A later report of a story this chat already got: its message is edited (or, not sent
        yet, goes out with the newest text), unless the chat stopped wanting it."""
        sid, alert = update.story_id, update.alert
        self.routes.set_routed_version(sid, chat.chat_id, update.version)
        if message.status == "digest":
            return self._note(alert, chat, DeliveryStatus.DIGEST,
                              "its story is already in the digest (the newest version is shown)", now)
        if chat.paused:
            return self._note(alert, chat, DeliveryStatus.PAUSED, chat.paused_reason or "chat paused", now)
        if not self.served(chat.chat_id):
            return self._note(alert, chat, DeliveryStatus.NOT_ALLOWED, "chat not served by the subscription policy",
                              now)
        if self.routes.story_muted(chat.chat_id, sid):
            return self._note(alert, chat, DeliveryStatus.MUTED,
                              "story muted in this chat: its message is no longer edited", now)
        parts, markup = story_parts(story), story_keyboard(story)
        send = self.outbox.story_send(sid, chat.chat_id)
        if send is not None and send.status == "pending" and send.parts_sent == 0:
            self.outbox.update_unsent(send.id, parts, markup, story.version)
            return self._note(alert, chat, DeliveryStatus.EDIT, f"joined story {sid} before its message went out: "
                                                                f"the message shows it (v{story.version})", now)
        due = max(now, message.last_edit_at + self.edit_interval)
        self.outbox.upsert_edit(sid, chat.chat_id, parts, markup, story.version, due)
        return self._note(alert, chat, DeliveryStatus.EDIT, f"joined story {sid}: its message is edited to "
                                                            f"v{story.version} ({update.joined})", now)

    def _first(self, update: StoryUpdate, story: StoryUpdate, chat: ChatState, now: float) -> DeliveryStatus:
        """The first report of a story that reaches this chat: through the stages, to one message."""
        alert, sid = update.alert, update.story_id
        d = Delivery(alert=alert, chat=chat, rule=self.catalog.get(alert.rule_id), now=now, story_id=sid, due_at=now)
        for stage in self.stages:
            stage(d)
            if d.status is not DeliveryStatus.PENDING:
                break
        if d.status is DeliveryStatus.NOT_FOR_THIS_CHAT:
            return d.status  # nothing stored: a later report of the story may be for this chat
        if d.status is DeliveryStatus.PENDING:
            self.outbox.add(f"story:{sid}", chat.chat_id, DeliveryStatus.PENDING, parts=story_parts(story),
                            markup=story_keyboard(story), due_at=d.due_at, reason=d.reason or None,
                            detected_at=alert.detected_at.timestamp(), kind="send", story_id=sid, version=story.version)
            self.routes.add_story_message(sid, chat.chat_id, "message", d.reason or None, update.version)
            why = "new story: one message" + (f", {d.reason}" if d.reason else "")
            return self._note(alert, chat, DeliveryStatus.PENDING, why, now)
        if d.status is DeliveryStatus.DIGEST:
            self.routes.add_story_message(sid, chat.chat_id, "digest", d.reason, update.version)
        return self._note(alert, chat, d.status, d.reason, now)

    def _note(self, alert: Alert, chat: ChatState, status: DeliveryStatus, reason: str, now: float) -> DeliveryStatus:
        self.routes.note_route(alert.alert_id, chat.chat_id, status, reason, now)
        return status
