"""Telegram's flood limits, as the Bot API test server enforces them (by default).

Telegram publishes three numbers (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
in one chat, no more than one message per second; no more than 20 messages per minute in the same
group; no more than about 30 messages per second overall. It "may allow short bursts" without
saying how many, so this server allows none: a bot that keeps to the numbers never sees a 429
here, and a bot that relies on bursts does.

How it counts (a sliding window per key): a message is counted when the server accepts it
(sendMessage, editMessageText, ...; refused calls are not counted); at most ``count`` accepted in
any interval of ``seconds``. A call over a limit gets 429 with ``retry_after`` = the whole seconds
until the window has room again, and that key (the chat, the group, or the whole bot for the
global limit) is then in flood wait until ``retry_after`` elapsed: a retry before gets 429 again,
with the remaining time, as Telegram does.

Time comes from the server state's clock (``time.monotonic`` unless a test injects one), so tests
can step through a flood wait without sleeping.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Window:
    """At most ``count`` messages in any interval of ``seconds``."""

    count: int
    seconds: float


@dataclass(frozen=True)
class FloodLimits:
    """The server's limits; ``None`` switches one off. ``TELEGRAM`` is the default."""

    per_chat: Window | None = Window(1, 1.0)
    per_group: Window | None = Window(20, 60.0)   # groups, supergroups (and channels: no separate number)
    overall: Window | None = Window(30, 1.0)

    def relaxed(self, **changes: Window | None) -> FloodLimits:
        """A copy with some limits changed, e.g. ``TELEGRAM.relaxed(per_chat=None)`` for a test
        about something else that must say so explicitly."""
        return replace(self, **changes)


TELEGRAM = FloodLimits()
UNLIMITED = FloodLimits(per_chat=None, per_group=None, overall=None)

Key = tuple[str, int | None]


class FloodControl:
    """Sliding-window counters and flood waits. Not thread-safe: the state's lock guards it."""

    def __init__(self, limits: FloodLimits, clock):
        self.limits = limits
        self.clock = clock
        self.accepted: dict[Key, deque[float]] = {}
        self.flood_until: dict[Key, float] = {}
        self.refused = 0  # 429s answered (all keys), for tests and benches

    def _keys(self, chat_id: int, is_group: bool) -> list[tuple[Key, Window]]:
        keys = []
        if self.limits.per_chat:
            keys.append((("chat", chat_id), self.limits.per_chat))
        if is_group and self.limits.per_group:
            keys.append((("group", chat_id), self.limits.per_group))
        if self.limits.overall:
            keys.append((("bot", None), self.limits.overall))
        return keys

    def check(self, chat_id: int, is_group: bool) -> int | None:
        """``None`` if a message to this chat may be accepted now, else ``retry_after`` (seconds).
        Starts a flood wait on every key that is over its limit."""
        now = self.clock()
        retry = 0.0
        for key, window in self._keys(chat_id, is_group):
            until = self.flood_until.get(key, 0.0)
            if until > now:
                retry = max(retry, until - now)
                continue
            times = self.accepted.setdefault(key, deque())
            while times and times[0] <= now - window.seconds:
                times.popleft()
            if len(times) >= window.count:
                # room again when the oldest message that keeps the window full leaves it
                wait = max(1, math.ceil(times[len(times) - window.count] + window.seconds - now))
                self.flood_until[key] = now + wait
                retry = max(retry, wait)
        if retry <= 0:
            return None
        self.refused += 1
        return max(1, math.ceil(retry))

    def record(self, chat_id: int, is_group: bool) -> None:
        """The message was accepted: it counts in every window of its chat."""
        now = self.clock()
        for key, _ in self._keys(chat_id, is_group):
            self.accepted.setdefault(key, deque()).append(now)
