"""Routing stages, Alertmanager-style: each one small, with one job, composed in order.

    subscribed (filter) → allowed (policy) → paused → disabled rule → mute / rule mute / story mute
    → quiet hours → digest → (story message: sent, or edited when the story already has one in this chat)

A stage (the ``Stage`` protocol: one ``__call__(delivery) -> None``) looks at one ``Delivery`` (the
newest alert of a story × chat) and either lets it through, changes how it will be delivered (quiet
hours defer it), or stops it with a ``DeliveryStatus`` and a reason that are stored (so a replay
takes the same decision and ``/explain`` can say why). ``NOT_FOR_THIS_CHAT`` is the one stop that
stores nothing: no subscription of the chat takes the alert. The Router composes the stages, in
one list. Noise control is per story: one message per event, later reports edit it; there is no
per-denier realert any more (it dropped distinct events).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from dementi.records import Alert
from dementi.bot.catalog import RuleInfo
from dementi.bot.filters import excluded
from dementi.bot.routing_store import RoutingStore
from dementi.bot.store import ChatState


class DeliveryStatus(enum.StrEnum):
    """What routing decided for an alert in a chat. The values are the strings stored in
    ``alert_routes`` and counted by ``Router.totals`` (metrics), unchanged since they were bare strings."""

    PENDING = "pending"          # a new message for the story (the outbox sends it)
    EDIT = "edit"                # the story's message there is edited to show it
    NOT_ALLOWED = "not_allowed"  # the subscription policy does not serve the chat
    PAUSED = "paused"            # the bot was blocked, kicked or removed (403)
    DISABLED = "disabled"        # rule disabled by an admin
    MUTED = "muted"              # chat, rule or story muted in this chat
    DIGEST = "digest"            # queued for the chat's digest
    NOT_FOR_THIS_CHAT = "not_for_this_chat"  # no subscription takes it: nothing stored or counted
    ALREADY_ROUTED = "already_routed"        # a replay or an older snapshot: nothing stored or counted

    @property
    def recorded(self) -> bool:
        """Whether the decision is stored (``/explain``) and counted."""
        return self not in (DeliveryStatus.NOT_FOR_THIS_CHAT, DeliveryStatus.ALREADY_ROUTED)


PENDING = DeliveryStatus.PENDING


@dataclass
class Delivery:
    alert: Alert
    chat: ChatState
    rule: RuleInfo | None
    now: float
    story_id: str
    due_at: float
    status: DeliveryStatus = DeliveryStatus.PENDING
    reason: str = ""

    def stop(self, status: DeliveryStatus, reason: str = "") -> None:
        self.status, self.reason = status, reason


class Stage(Protocol):
    def __call__(self, delivery: Delivery) -> None:
        """Let ``delivery`` through, change how it goes (``due_at``, ``reason``), or ``stop`` it."""
        ...


class Subscribed:
    def __call__(self, d: Delivery) -> None:
        if not any(f.matches(d.alert) for f in d.chat.filters) or excluded(d.alert, d.chat.exclusions):
            d.stop(DeliveryStatus.NOT_FOR_THIS_CHAT, "no matching subscription")


class Allowed:
    """The subscription policy (bot/policy.py) on every delivery: a chat taken off the allow-list
    gets nothing, whatever subscriptions it still has."""

    def __init__(self, served: Callable[[int], bool]):
        self.served = served

    def __call__(self, d: Delivery) -> None:
        if not self.served(d.chat.chat_id):
            d.stop(DeliveryStatus.NOT_ALLOWED, "chat not served by the subscription policy")


class Paused:
    """Chats that blocked or kicked the bot (403) get nothing until they subscribe again."""

    def __call__(self, d: Delivery) -> None:
        if d.chat.paused:
            d.stop(DeliveryStatus.PAUSED, d.chat.paused_reason or "chat paused")


class DisabledRule:
    def __init__(self, disabled_rules: Callable[[], set[str]]):
        self.disabled_rules = disabled_rules

    def __call__(self, d: Delivery) -> None:
        if d.alert.rule_id in self.disabled_rules():
            d.stop(DeliveryStatus.DISABLED, "rule disabled by an admin")


class Muted:
    def __call__(self, d: Delivery) -> None:
        if d.chat.muted_until > d.now:
            d.stop(DeliveryStatus.MUTED, "chat muted")
        elif d.chat.rule_mutes.get(d.alert.rule_id, 0) > d.now:
            d.stop(DeliveryStatus.MUTED, "rule muted in this chat")


def parse_quiet(spec: str) -> tuple[int, int]:
    """'22:00-07:00' -> (1320, 420) minutes; ValueError with a readable message otherwise."""
    m = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)-([01]?\d|2[0-3]):([0-5]\d)", spec.strip())
    if not m:
        raise ValueError("quiet hours look like 22:00-07:00 (24-hour clock, start-end)")
    start, end = int(m[1]) * 60 + int(m[2]), int(m[3]) * 60 + int(m[4])
    if start == end:
        raise ValueError("quiet hours start and end must differ")
    return start, end


def quiet_end(spec: str, tz: str, now: float) -> float | None:
    """If ``now`` falls inside the quiet window, the timestamp when it ends; else None."""
    start, end = parse_quiet(spec)
    local = datetime.fromtimestamp(now, ZoneInfo(tz))
    minute = local.hour * 60 + local.minute
    inside = start <= minute < end if start < end else (minute >= start or minute < end)
    if not inside:
        return None
    end_dt = local.replace(hour=end // 60, minute=end % 60, second=0, microsecond=0)
    if end_dt <= local:
        end_dt += timedelta(days=1)
    return end_dt.timestamp()


class QuietHours:
    """Inside the chat's quiet hours, alerts wait in the outbox until the window ends."""

    def __call__(self, d: Delivery) -> None:
        if d.chat.quiet:
            end = quiet_end(d.chat.quiet, d.chat.tz, d.now)
            if end is not None:
                d.due_at = end
                d.reason = "held for quiet hours"


class StoryMuted:
    """"Mute this story" (button under a story message): its later reports stay silent here."""

    def __init__(self, routes: RoutingStore):
        self.routes = routes

    def __call__(self, d: Delivery) -> None:
        if d.story_id and self.routes.story_muted(d.chat.chat_id, d.story_id):
            d.stop(DeliveryStatus.MUTED, "story muted in this chat")


class Digest:
    """Chats in digest mode collect stories; ``DigestFlusher`` sends one message per period, one
    line per story (its newest version when the period ends)."""

    def __init__(self, routes: RoutingStore):
        self.routes = routes

    def __call__(self, d: Delivery) -> None:
        if d.chat.digest in ("hourly", "daily"):
            self.routes.queue_digest(d.chat.chat_id, f"story:{d.story_id}", d.now)
            d.stop(DeliveryStatus.DIGEST, f"queued for the {d.chat.digest} digest")
