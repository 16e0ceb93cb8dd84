"""Digest aggregation: chats in ``/digest hourly|daily`` mode get one message per period.

The Digest routing stage parks stories in ``digest_items`` (``story:<id>``); this flusher, run periodically, turns
the items of every period that has ENDED (in the chat's time zone) into one outbox row, in one
transaction with deleting the items, so a crash neither loses nor repeats a digest.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from dementi.bot.db import transaction
from dementi.bot.formatting import digest_stories_html
from dementi.bot.html_split import split_html
from dementi.bot.outbox import Outbox
from dementi.bot.store import Store
from dementi.waiting import sleep_or_stop

log = logging.getLogger(__name__)


def period_key(ts: float, mode: str, tz: str) -> str:
    local = datetime.fromtimestamp(ts, ZoneInfo(tz))
    return local.strftime("%Y-%m-%d %H:00" if mode == "hourly" else "%Y-%m-%d")


class DigestFlusher:
    def __init__(self, store: Store, clock=time.time, on_flush=None):
        self.store = store
        self.outbox = Outbox(store.conn)
        self.clock = clock
        self.on_flush = on_flush

    def flush_due(self) -> int:
        """Create digest messages for finished periods; returns how many were queued."""
        now = self.clock()
        made = 0
        conn = self.store.conn
        chats = conn.execute("SELECT DISTINCT d.chat_id, c.digest, c.tz FROM digest_items d "
                             "JOIN chats c ON c.chat_id = d.chat_id").fetchall()
        for chat_id, mode, tz in chats:
            items = conn.execute("SELECT alert_id, added_at FROM digest_items WHERE chat_id = ? ORDER BY added_at",
                                 (chat_id,)).fetchall()
            current = period_key(now, mode if mode in ("hourly", "daily") else "hourly", tz)
            by_period: dict[str, list[str]] = {}
            for alert_id, added_at in items:
                key = period_key(added_at, mode if mode in ("hourly", "daily") else "hourly", tz)
                if mode in ("hourly", "daily") and key == current:
                    continue  # period still running
                by_period.setdefault(key, []).append(alert_id)
            for key, alert_ids in by_period.items():
                stories = [st for st in (self.store.story(i.removeprefix("story:")) for i in alert_ids) if st is not None]
                with transaction(conn):
                    if stories:  # each story once, in its newest version (sources counted when the period ends)
                        parts = split_html(digest_stories_html(stories, key))
                        self.outbox.add(f"digest:{key}", chat_id, "pending", parts=parts, due_at=now)
                        made += 1
                    conn.executemany("DELETE FROM digest_items WHERE chat_id = ? AND alert_id = ?",
                                     [(chat_id, i) for i in alert_ids])
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
