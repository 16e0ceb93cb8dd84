"""Delivers due outbox rows to Telegram, one message in flight per chat, within Telegram's flood limits.

Pacing: a chat's next message starts only when the governor (ratelimit.py) has room for it in
the chat's, its group's and the global window; a chat that must wait never delays the others.

Error policy (rssbot's, plus per-chat isolation):
- 429 RetryAfter: only that chat waits ``retry_after``; the row stays pending, others keep flowing;
- 5xx / network / timeout: exponential backoff with jitter for that chat, then retry; after
  ``MAX_ATTEMPTS`` the row is marked failed and logged;
- 403 Forbidden (blocked, kicked) and 400 "chat not found" (a chat that no longer exists for the
  bot): the chat's subscriptions are paused, pending rows parked, logged, until it subscribes again;
- 400 migrate_to_chat_id: everything moves to the new chat id and the message is resent there;
- other 400 (e.g. entities): resent once as plain text; if that fails too, marked failed and logged.
A part is marked sent right after Telegram accepts it, so a restart never sends it again.
Story edits (outbox kind ``edit``) set the story's message to its newest text with editMessageText;
"message is not modified" means the text is already there (e.g. an edit replayed after a crash)
and counts as done, so an edit is never applied twice in a way the user sees.
A report that joins a story while its message is on its way gives the unsent row a newer version
(``Outbox.update_unsent``) after the sender took the older text: when the message is recorded as
sent, a newer version in the row becomes an edit, so the message never stays behind its story.
The one unavoidable window: a crash in the few milliseconds between Telegram's acceptance and that
commit resends that one part on restart (at-least-once there; the Bot API has no idempotency key,
and losing an alert is worse than repeating one).
"""

from __future__ import annotations

import asyncio
import html
import logging
import random
import re
import time
from collections.abc import Callable

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from dementi.bot.db import transaction
from dementi.bot.notify.ratelimit import Governor, retry_after_seconds
from dementi.bot.notify.request_limiter import reserved_by_caller
from dementi.bot.outbox import Outbox, OutboxRow
from dementi.bot.routing_store import RoutingStore
from dementi.bot.store import Store
from dementi.waiting import Backoff

__all__ = ["MAX_ATTEMPTS", "Sender", "plain_text", "retry_after_seconds"]

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 12
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def plain_text(part: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", part))


OnSent = Callable[[OutboxRow, int, float], None]  # (row, part index, sent at): metrics and benches


class Sender:
    def __init__(self, bot: Bot, store: Store, governor: Governor | None = None,
                 clock: Callable[[], float] = time.time, on_sent: OnSent | None = None, max_backoff: float = 60.0,
                 edit_interval: float = 3.0):
        self.bot = bot
        self.store = store
        self.outbox = Outbox(store.conn)
        self.routes = RoutingStore(store.conn)
        self.governor = governor or Governor()
        self.clock = clock
        self.on_sent = on_sent
        self.max_backoff = max_backoff
        self.edit_interval = edit_interval  # the router's: seconds between two edits of one message
        self.wake = asyncio.Event()
        self.inflight: set[int] = set()
        self.tasks: set[asyncio.Task] = set()
        self.stats = {"sent": 0, "edited": 0, "retry_after": 0, "backoff": 0, "forbidden": 0, "chat_not_found": 0,
                      "migrated": 0, "failed": 0}

    def notify(self) -> None:
        """Called after the router wrote rows: look at the outbox now."""
        self.wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.wake.clear()
            try:
                next_check = self.dispatch()
            except Exception:  # noqa: BLE001 - e.g. database locked: try again, do not die silently
                log.exception("sender dispatch failed; retrying in 1s")
                next_check = 1.0
            try:
                await asyncio.wait_for(self.wake.wait(), timeout=max(0.01, min(next_check, 1.0)))
            except asyncio.TimeoutError:
                pass
        if self.tasks:
            await asyncio.wait(self.tasks, timeout=10)

    def dispatch(self) -> float:
        """Start a send for every chat that may send now; return seconds until the next chance."""
        now = self.clock()
        wait = 1.0
        # sends: only the oldest row of a chat (keeps per-chat order); edits: whenever due
        for row in [*self.outbox.due_heads(now), *self.outbox.due_edits(now)]:
            if row.chat_id in self.inflight:
                continue
            delay = self.governor.reserve(row.chat_id, row.chat_id < 0, now)
            if delay > 0:
                wait = min(wait, delay)
                continue
            self.inflight.add(row.chat_id)
            task = asyncio.get_running_loop().create_task(self._deliver(row))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        nxt = self.outbox.next_due_at(after=now)
        if nxt is not None:
            wait = min(wait, nxt - now)
        return wait

    async def _deliver(self, row: OutboxRow) -> None:
        reserved_by_caller.set(True)  # this task's sends hold the governor's place taken in dispatch
        try:
            if row.kind == "edit":
                await self._edit(row)
            else:
                await self._send_next_part(row)
        except Exception:  # never let one chat's surprise kill the sender
            log.exception("unexpected error delivering alert %s to chat %s", row.alert_id, row.chat_id)
            self._backoff(row, "unexpected error")
        finally:
            self.governor.release(row.chat_id, row.chat_id < 0, self.clock())
            self.inflight.discard(row.chat_id)
            self.wake.set()

    async def _send_next_part(self, row: OutboxRow) -> None:
        index = row.parts_sent
        if index >= len(row.parts):
            self.outbox.part_sent(row.id, index, done=True)
            return
        last = index == len(row.parts) - 1
        markup = InlineKeyboardMarkup.de_json(row.markup, self.bot) if (last and row.markup) else None
        try:
            message = await self.bot.send_message(row.chat_id, row.parts[index], parse_mode=ParseMode.HTML,
                                                  reply_markup=markup, disable_notification=row.silent,
                                                  link_preview_options=NO_PREVIEW)
        except (RetryAfter, Forbidden) as exc:
            self._refused(row, exc)
            return
        except ChatMigrated as exc:
            self.stats["migrated"] += 1
            log.info("chat %s became supergroup %s; moving subscriptions and resending", row.chat_id,
                     exc.new_chat_id)
            self.store.migrate_chat(row.chat_id, exc.new_chat_id)
            return
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                self.stats["chat_not_found"] += 1
                self._pause(row, f"400 {exc.message}")
            else:
                await self._plain_fallback(row, index, exc)
            return
        except (TimedOut, NetworkError) as exc:
            self._backoff(row, f"{type(exc).__name__}: {exc.message}")
            return
        self._mark_sent(row, index, message.message_id)

    async def _edit(self, row: OutboxRow) -> None:
        """Set the story's message to the row's text (the newest version routed to this chat)."""
        msg = self.routes.story_message(row.story_id, row.chat_id)
        if msg is None or msg.message_id is None:
            send = self.outbox.story_send(row.story_id, row.chat_id)
            if send is None or send.status in ("failed", "paused"):
                self.stats["failed"] += 1
                self.outbox.finish(row.id, "failed", "the story message was never delivered: nothing to edit")
            else:  # the message itself is still on its way: edit after it
                self.outbox.retry_later(row.id, self.clock() + 1.0, "waiting for the story message to be sent")
            return
        markup = InlineKeyboardMarkup.de_json(row.markup, self.bot) if row.markup else None
        try:
            await self.bot.edit_message_text(row.parts[0], chat_id=row.chat_id, message_id=msg.message_id,
                                             parse_mode=ParseMode.HTML, reply_markup=markup,
                                             link_preview_options=NO_PREVIEW)
        except (RetryAfter, Forbidden) as exc:
            self._refused(row, exc)
            return
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():  # else: the text is already there (a replayed edit)
                self.stats["failed"] += 1
                log.error("chat %s: Telegram refused the edit of story %s (%s)", row.chat_id, row.story_id, exc.message)
                self.outbox.finish(row.id, "failed", f"edit refused: {exc.message}")
                return
        except (TimedOut, NetworkError) as exc:
            self._backoff(row, f"{type(exc).__name__}: {exc.message}")
            return
        self.stats["edited"] += 1
        with transaction(self.store.conn):
            now = self.clock()
            self.outbox.finish_edit(row.id, row.version, now + self.edit_interval)
            self.routes.message_edited(row.story_id, row.chat_id, row.version, now)

    def _refused(self, row: OutboxRow, exc: RetryAfter | Forbidden) -> None:
        """429: only this chat waits ``retry_after``. 403: the chat is paused until it subscribes again."""
        if isinstance(exc, RetryAfter):
            wait = retry_after_seconds(exc)
            self.stats["retry_after"] += 1
            log.warning("chat %s: 429, waiting %.0fs (other chats continue)", row.chat_id, wait)
            self.governor.block(row.chat_id, self.clock() + wait)
            return
        self.stats["forbidden"] += 1
        self._pause(row, f"403 {exc.message}")

    def _pause(self, row: OutboxRow, reason: str) -> None:
        """The chat cannot be reached (bot blocked/kicked, chat gone): stop trying until it is back."""
        log.warning("chat %s: %s; pausing its subscriptions until it subscribes again", row.chat_id, reason)
        self.store.pause_chat(row.chat_id, reason)
        self.outbox.pause_chat(row.chat_id, reason)

    def _mark_sent(self, row: OutboxRow, index: int, message_id: int | None = None) -> None:
        done = index + 1 >= len(row.parts)
        # Counter first: a metrics scrape (another thread) that sees the row sent also sees the count.
        self.stats["sent"] += 1
        with transaction(self.store.conn):  # the message id and "sent" together: a restart edits, never resends
            if row.story_id and index == 0 and message_id is not None:  # the message later reports edit
                self.outbox.set_message_id(row.id, message_id)
                self.routes.message_sent(row.story_id, row.chat_id, message_id, row.version, self.clock())
                self._catch_up(row)
            self.outbox.part_sent(row.id, index + 1, done=done)
        if self.on_sent:
            self.on_sent(row, index, self.clock())

    def _catch_up(self, row: OutboxRow) -> None:
        """The story message ``row`` just went out with ``row.version``; if the router gave the row a
        newer version meanwhile (a report joined while the send was in flight), edit the message to it."""
        newest = self.outbox.story_send(row.story_id, row.chat_id)
        if newest is not None and newest.version > row.version:
            self.outbox.upsert_edit(row.story_id, row.chat_id, newest.parts, newest.markup, newest.version,
                                    self.clock() + self.edit_interval)

    async def _plain_fallback(self, row: OutboxRow, index: int, exc: BadRequest) -> None:
        log.error("chat %s: Telegram refused alert %s part %d (%s); resending as plain text", row.chat_id,
                  row.alert_id, index + 1, exc.message)
        text = plain_text(row.parts[index])[:4096]
        try:
            message = await self.bot.send_message(row.chat_id, text, disable_notification=row.silent)
        except (RetryAfter, TimedOut, NetworkError) as again:
            self._backoff(row, f"plain fallback: {again}")
            return
        except Exception as again:  # noqa: BLE001 - give up loudly, never silently
            self.stats["failed"] += 1
            log.error("chat %s: alert %s could not be delivered: %s", row.chat_id, row.alert_id, again)
            self.outbox.finish(row.id, "failed", f"{exc.message}; plain: {again}")
            return
        self._mark_sent(row, index, message.message_id)

    def _backoff(self, row: OutboxRow, reason: str) -> None:
        self.stats["backoff"] += 1
        if row.attempts + 1 >= MAX_ATTEMPTS:
            self.stats["failed"] += 1
            log.error("chat %s: giving up on alert %s after %d attempts (%s)", row.chat_id, row.alert_id,
                      row.attempts + 1, reason)
            self.outbox.finish(row.id, "failed", reason)
            return
        delay = Backoff(first=0.5, cap=self.max_backoff).delay(row.attempts) * random.uniform(0.5, 1.5)
        log.warning("chat %s: %s; retrying in %.1fs", row.chat_id, reason, delay)
        until = self.clock() + delay
        self.outbox.retry_later(row.id, until, reason)
        self.governor.block(row.chat_id, until)
