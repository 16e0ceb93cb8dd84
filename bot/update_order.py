"""Updates from different chats are handled at the same time; those of one chat, in order.

Why: a reply waits for its place in Telegram's limits (1 message/s per chat, 20/min per group),
and after a 429 for as long as Telegram says (notify/request_limiter.py). With PTB's default
one-update-at-a-time processing, one chat's wait would hold every other chat's commands and
buttons too; with its plain concurrent mode, two commands of one chat could be answered out of
order or race on that chat's settings. Here each chat has a lock, taken in arrival order.

Rule uploads also take one shared lock: each checks the rules directory as it is (duplicate ids)
before installing into it, so two uploads must not interleave, whichever chats they come from.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

MAX_CONCURRENT_UPDATES = 64
_UPLOADS = "uploads"


class PerChatUpdates(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES):
        super().__init__(max_concurrent_updates)
        self._locks: dict[Any, tuple[asyncio.Lock, int]] = {}  # key -> (lock, updates holding or waiting)

    @staticmethod
    def keys(update: object) -> list[Any]:
        """The locks an update needs, always in this order (chat, then uploads): no deadlock."""
        if not isinstance(update, Update):
            return []
        keys: list[Any] = []
        if update.effective_chat is not None:
            keys.append(update.effective_chat.id)
        message = update.effective_message
        if message is not None and message.document is not None:
            keys.append(_UPLOADS)
        return keys

    def _lock(self, key: Any) -> asyncio.Lock:
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        return lock

    def _unlock(self, key: Any) -> None:
        lock, users = self._locks[key]
        if users <= 1:
            del self._locks[key]  # no one else holds or waits: forget the chat
        else:
            self._locks[key] = (lock, users - 1)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        keys = self.keys(update)
        locks = [self._lock(key) for key in keys]  # registered at once: arrival order is kept
        held: list[asyncio.Lock] = []
        try:
            for lock in locks:
                await lock.acquire()
                held.append(lock)
            await coroutine
        finally:
            for lock in reversed(held):
                lock.release()
            for key in keys:
                self._unlock(key)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
