"""Send governor: token buckets per chat (~1 msg/s), per group (20/min) and global (~30/s).

Why three buckets and a per-chat block instead of PTB's AIORateLimiter: that limiter halts ALL
requests on any RetryAfter; here a 429 only blocks the chat that got it (``block``), and a chat
that is waiting never takes tokens from the others. ``reserve`` takes from every bucket or from
none, so a denied chat does not burn global capacity.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    rate: float          # tokens per second
    capacity: float      # burst
    tokens: float = -1.0
    stamp: float = 0.0

    def _refill(self, now: float) -> None:
        if self.tokens < 0:
            self.tokens, self.stamp = self.capacity, now
            return
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait_time(self, now: float) -> float:
        self._refill(now)
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1


@dataclass
class Limits:
    chat_rate: float = 1.0
    chat_burst: float = 3.0
    group_rate: float = 20 / 60
    group_burst: float = 5.0
    global_rate: float = 30.0
    global_burst: float = 30.0


@dataclass
class Governor:
    limits: Limits = field(default_factory=Limits)
    chats: dict[int, TokenBucket] = field(default_factory=dict)
    groups: dict[int, TokenBucket] = field(default_factory=dict)
    blocked_until: dict[int, float] = field(default_factory=dict)
    overall: TokenBucket | None = None

    def __post_init__(self) -> None:
        self.overall = TokenBucket(self.limits.global_rate, self.limits.global_burst)

    def block(self, chat_id: int, until: float) -> None:
        """The chat waits (429 retry_after or backoff); other chats are unaffected."""
        self.blocked_until[chat_id] = max(until, self.blocked_until.get(chat_id, 0.0))

    def reserve(self, chat_id: int, is_group: bool, now: float) -> float:
        """0.0 and tokens taken when the chat may send now; else seconds to wait (nothing taken)."""
        blocked = self.blocked_until.get(chat_id, 0.0) - now
        if blocked > 0:
            return blocked
        lim = self.limits
        buckets = [self.chats.setdefault(chat_id, TokenBucket(lim.chat_rate, lim.chat_burst))]
        if is_group:
            buckets.append(self.groups.setdefault(chat_id, TokenBucket(lim.group_rate, lim.group_burst)))
        buckets.append(self.overall)
        wait = max(b.wait_time(now) for b in buckets)
        if wait > 0:
            return wait
        for b in buckets:
            b.take(now)
        return 0.0
