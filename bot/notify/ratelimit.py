"""Send governor: Telegram's flood limits kept on our side, so Telegram never has to answer 429.

Telegram publishes them as counts per interval: no more than one message per second in a chat,
20 per minute in a group, about 30 per second overall
(https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this). Each is a
sliding ``Window`` here: at most ``count`` sends in any ``seconds``.

Why not token buckets with a burst: a bucket's burst comes on top of its rate - burst 5 at 20/min
lets 25 messages into one minute, burst 3 at 1/s three into one second - and Telegram answers the
excess with 429.

Why a send counts from the moment it STARTS but is timed by when it ENDED: Telegram accepts a
message somewhere between our request leaving and its answer arriving. A send in flight already
fills its place in every window, and a finished one stays until ``seconds`` after its answer
came back; so in any interval of ``seconds`` at Telegram's end, at most ``count`` of our messages
can have been accepted, whatever the network delays (the last of them to start saw all the others
either in flight or finished less than ``seconds`` before it started).

Why a per-chat block instead of PTB's AIORateLimiter: that limiter halts ALL requests on any
RetryAfter; here a 429 (or a backoff) blocks only the chat that got it (``block``). ``reserve``
takes a place in every window of the chat or in none, so a chat that must wait never uses the
others' capacity.
"""

from __future__ import annotations

import math
import warnings
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta

from telegram.error import RetryAfter
from telegram.warnings import PTBDeprecationWarning


@dataclass(frozen=True)
class Window:
    """At most ``count`` sends in any interval of ``seconds``."""

    count: int
    seconds: float


@dataclass(frozen=True)
class Limits:
    per_chat: Window = Window(1, 1.0)
    per_group: Window = Window(20, 60.0)
    overall: Window = Window(30, 1.0)


class SendWindow:
    """One limit's bookkeeping: sends in flight, and the end times of the recent finished ones."""

    def __init__(self, window: Window):
        self.window = window
        self.inflight = 0
        self.ends: deque[float] = deque()

    def wait_time(self, now: float) -> float:
        """0.0 if one more send fits now; else seconds until one does (``math.inf``: only sends in
        flight fill the window, so it frees up when one of them ends)."""
        while self.ends and self.ends[0] <= now - self.window.seconds:
            self.ends.popleft()
        excess = self.inflight + len(self.ends) - self.window.count  # >= 0: that many + 1 must leave
        if excess < 0:
            return 0.0
        if excess < len(self.ends):
            return self.ends[excess] + self.window.seconds - now
        return math.inf

    def start(self) -> None:
        self.inflight += 1

    def end(self, now: float) -> None:
        self.inflight = max(0, self.inflight - 1)
        self.ends.append(now)


@dataclass
class Governor:
    limits: Limits = field(default_factory=Limits)
    chats: dict[int, SendWindow] = field(default_factory=dict)
    groups: dict[int, SendWindow] = field(default_factory=dict)
    blocked_until: dict[int, float] = field(default_factory=dict)
    overall: SendWindow | None = None

    def __post_init__(self) -> None:
        self.overall = SendWindow(self.limits.overall)

    def block(self, chat_id: int, until: float) -> None:
        """The chat waits (429 retry_after or backoff); other chats are unaffected."""
        self.blocked_until[chat_id] = max(until, self.blocked_until.get(chat_id, 0.0))

    def _windows(self, chat_id: int, is_group: bool) -> list[SendWindow]:
        windows = [self.chats.setdefault(chat_id, SendWindow(self.limits.per_chat))]
        if is_group:
            windows.append(self.groups.setdefault(chat_id, SendWindow(self.limits.per_group)))
        windows.append(self.overall)
        return windows

    def reserve(self, chat_id: int, is_group: bool, now: float) -> float:
        """0.0 when the chat may send now: its place is taken in every window, and ``release``
        must follow when the send ended (whatever its outcome). Else the seconds to wait
        (``math.inf`` until a send in flight ends); nothing is taken then."""
        blocked = self.blocked_until.get(chat_id, 0.0) - now
        if blocked > 0:
            return blocked
        windows = self._windows(chat_id, is_group)
        wait = max(w.wait_time(now) for w in windows)
        if wait > 0:
            return wait
        for w in windows:
            w.start()
        return 0.0

    def release(self, chat_id: int, is_group: bool, now: float) -> None:
        """A send reserved with ``reserve`` ended ``now`` (answered, refused or failed)."""
        for w in self._windows(chat_id, is_group):
            w.end(now)


def retry_after_seconds(exc: RetryAfter) -> float:
    """``exc.retry_after`` in seconds, without PTB 22's int-vs-timedelta deprecation warning (it
    warns on every read unless the process opts in with PTB_TIMEDELTA, which would change other
    attributes' types too)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
