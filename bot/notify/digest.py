"""Digest aggregation: chats in ``/digest hourly|daily`` mode get one message per period.

The Digest routing stage parks stories in ``digest_items`` (``story:<id>``); this flusher, run periodically, turns
the items of every period that has ENDED (in the chat's time zone) into one outbox row, in one
transaction with deleting the items, so a crash neither loses nor repeats a digest.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from dementi.bot.db import transaction
from dementi.bot.formatting import digest_stories_html
from dementi.bot.html_split import split_html
from dementi.bot.outbox import Outbox
from dementi.bot.routing_store import RoutingStore
from dementi.bot.store import Store
from dementi.waiting import sleep_or_stop

log = logging.getLogger(__name__)


def period_key(ts: float, mode: str, tz: str) -> str:
    local = datetime.fromtimestamp(ts, ZoneInfo(tz))
    return local.strftime("%Y-%m-%d %H:00" if mode == "hourly" else "%Y-%m-%d")


class DigestFlusher:
    def __init__(self, store: Store, clock: Callable[[], float] = time.time,
                 on_flush: Callable[[], None] | None = None):
        self.store = store
        self.outbox = Outbox(store.conn)
        self.routes = RoutingStore(store.conn)
        self.clock = clock
        self.on_flush = on_flush

    def flush_due(self) -> int:
        """Create digest messages for finished periods; returns how many were queued."""
        now = self.clock()
        made = 0
        for chat in self.routes.digest_chats():
            mode = chat.mode if chat.mode in ("hourly", "daily") else "hourly"
            current = period_key(now, mode, chat.tz)
            by_period: dict[str, list[str]] = {}
            for item_id, added_at in self.routes.digest_items(chat.chat_id):
                key = period_key(added_at, mode, chat.tz)
                if chat.mode in ("hourly", "daily") and key == current:
                    continue  # period still running
                by_period.setdefault(key, []).append(item_id)
            for key, item_ids in by_period.items():
                stories = [st for st in (self.store.story(i.removeprefix("story:")) for i in item_ids) if st is not None]
                with transaction(self.store.conn):
                    if stories:  # each story once, in its newest version (sources counted when the period ends)
                        parts = split_html(digest_stories_html(stories, key))
                        self.outbox.add(f"digest:{key}", chat.chat_id, "pending", parts=parts, due_at=now)
                        made += 1
                    self.routes.drop_digest_items(chat.chat_id, item_ids)
        if made and self.on_flush:
            self.on_flush()
        return made

    async def run(self, stop: asyncio.Event, every: float = 30.0, prune_every: float = 3600.0) -> None:
        last_prune = 0.0
        while not stop.is_set():
            try:
                self.flush_due()
                if time.monotonic() - last_prune > prune_every:  # housekeeping rides on the same timer
                    self.store.prune()
                    last_prune = time.monotonic()
            except Exception:  # keep flushing later; a digest must not kill the notifier
                log.exception("digest flush / pruning failed")
            await sleep_or_stop(stop, every)
