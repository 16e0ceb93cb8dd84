"""Every message the bot posts or edits goes through the send governor, not only alerts.

Why: command replies, button edits and /feeds answers are messages too, and Telegram counts them
in the same limits as alerts: a user typing three commands in a second, or alerts flowing while
they do, would otherwise get 429s. This plugs the governor into python-telegram-bot as its rate
limiter (``ApplicationBuilder.rate_limiter``): a call that posts or edits a message in a chat
waits for its place in the chat's windows, and a 429 blocks that chat only and is retried after
its retry_after (a few times, then the error reaches the handler's error log).

The alert sender reserves its places itself (it must not block: one slow chat cannot hold the
others) and marks its own calls with ``reserved_by_caller``, which this limiter then lets through
untouched. A context variable carries the mark because the sender's task is the one awaiting the
request, and it works the same with a plain ``telegram.Bot`` that has no rate limiter.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from contextvars import ContextVar
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from dementi.bot.notify.ratelimit import Governor, retry_after_seconds

log = logging.getLogger(__name__)

reserved_by_caller: ContextVar[bool] = ContextVar("dementi_send_reserved_by_caller", default=False)
_POSTING_PREFIXES = ("send", "edit", "copy", "forward")
_NOT_MESSAGES = {"sendchataction"}
POLL = 0.05  # seconds between looks while only sends in flight fill a window


def posts_message(endpoint: str) -> bool:
    """Bot API methods that put or change a message in a chat (what Telegram's limits count)."""
    name = endpoint.lower()
    return name.startswith(_POSTING_PREFIXES) and name not in _NOT_MESSAGES


class GovernedRequests(BaseRateLimiter[None]):
    def __init__(self, governor: Governor, clock=time.time, max_retries: int = 3):
        self.governor = governor
        self.clock = clock
        self.max_retries = max_retries

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def _acquire(self, chat_id: int, is_group: bool) -> None:
        while True:
            wait = self.governor.reserve(chat_id, is_group, self.clock())
            if wait <= 0:
                return
            await asyncio.sleep(POLL if math.isinf(wait) else wait)

    async def process_request(self, callback, args: Any, kwargs: dict[str, Any], endpoint: str,
                              data: dict[str, Any], rate_limit_args: None):
        chat_id = data.get("chat_id")
        if reserved_by_caller.get() or not posts_message(endpoint) or not isinstance(chat_id, int):
            return await callback(*args, **kwargs)
        is_group = chat_id < 0
        for attempt in range(self.max_retries + 1):
            await self._acquire(chat_id, is_group)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = retry_after_seconds(exc)
                self.governor.block(chat_id, self.clock() + wait)
                if attempt == self.max_retries:
                    raise
                log.warning("chat %s: 429 on %s, retrying in %.0fs (other chats continue)", chat_id, endpoint, wait)
            finally:
                self.governor.release(chat_id, is_group, self.clock())
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises
