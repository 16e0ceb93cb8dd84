"""Routing stages, Alertmanager-style: each one small, with one job, composed in order.

    already-routed → subscribed (filter) → allowed (policy) → paused → disabled rule → mute/rule-mute
    → quiet hours → same article → realert → digest  → (outbox write)

A stage looks at one ``Delivery`` (alert × chat) and either lets it through, changes how it
will be delivered (quiet hours defer it), or stops it with a status that is stored in the outbox
(so a replay takes the same decision). ``status=None`` means "not for this chat": nothing stored.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dementi.records import Alert, stable_id
from dementi.bot.catalog import RuleInfo
from dementi.bot.filters import excluded
from dementi.bot.store import ChatState

PENDING = "pending"


@dataclass
class Delivery:
    alert: Alert
    chat: ChatState
    rule: RuleInfo | None
    now: float
    status: str | None = PENDING
    reason: str = ""
    due_at: float = 0.0
    silent: bool = False

    def stop(self, status: str | None, reason: str = "") -> None:
        self.status, self.reason = status, reason


class AlreadyRouted:
    """Idempotency: an (alert, chat) that has an outbox row was decided before (Kafka replay)."""

    def __init__(self, outbox):
        self.outbox = outbox

    def __call__(self, d: Delivery) -> None:
        if self.outbox.exists(d.alert.alert_id, d.chat.chat_id):
            d.stop(None, "already routed")


class Subscribed:
    def __call__(self, d: Delivery) -> None:
        if not any(f.matches(d.alert) for f in d.chat.filters) or excluded(d.alert, d.chat.exclusions):
            d.stop(None, "no matching subscription")


class Allowed:
    """The subscription policy (bot/policy.py) on every delivery: a chat taken off the allow-list
    gets nothing, whatever subscriptions it still has."""

    def __init__(self, served):
        self.served = served  # callable chat_id -> bool

    def __call__(self, d: Delivery) -> None:
        if not self.served(d.chat.chat_id):
            d.stop("not_allowed", "chat not served by the subscription policy")


class Paused:
    """Chats that blocked or kicked the bot (403) get nothing until they subscribe again."""

    def __call__(self, d: Delivery) -> None:
        if d.chat.paused:
            d.stop("paused", d.chat.paused_reason or "chat paused")


class DisabledRule:
    def __init__(self, disabled_rules):
        self.disabled_rules = disabled_rules  # callable -> set[str]

    def __call__(self, d: Delivery) -> None:
        if d.alert.rule_id in self.disabled_rules():
            d.stop("disabled", "rule disabled by an admin")


class Muted:
    def __call__(self, d: Delivery) -> None:
        if d.chat.muted_until > d.now:
            d.stop("muted", "chat muted")
        elif d.chat.rule_mutes.get(d.alert.rule_id, 0) > d.now:
            d.stop("muted", "rule muted in this chat")


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


_WORD = re.compile(r"\w+")


def story_words(alert: Alert) -> str:
    folded = unicodedata.normalize("NFKD", f"{alert.article_title} {alert.evidence.sentence}".lower())
    words = {w for w in _WORD.findall("".join(c for c in folded if not unicodedata.combining(c))) if len(w) > 2}
    return " ".join(sorted(words))


def similar(a: str, b: str, threshold: float = 0.6) -> bool:
    sa, sb = set(a.split()), set(b.split())
    if not sa or not sb:
        return False
    return len(sa & sb) / len(sa | sb) >= threshold


def denier_key(alert: Alert) -> str:
    if alert.denier is None:
        return ""
    return (alert.denier.country or alert.denier.name or "").strip().upper()


class Realert:
    """ElastAlert-style realert per chat × rule × denier within the rule's window (default from
    settings). Without a known denier, only a near-identical story (same words in title+evidence,
    e.g. the same dispatch syndicated by several outlets) counts as a repeat."""

    def __init__(self, conn, default_seconds: float):
        self.conn = conn
        self.default_seconds = default_seconds

    def __call__(self, d: Delivery) -> None:
        window = d.rule.realert if d.rule and d.rule.realert is not None else self.default_seconds
        event_at = d.alert.detected_at.timestamp()
        key, story = denier_key(d.alert), story_words(d.alert)
        cid, rid = d.chat.chat_id, d.alert.rule_id
        if window > 0:
            if key:
                row = self.conn.execute("SELECT last_at FROM realert WHERE chat_id=? AND rule_id=? AND denier_key=?",
                                        (cid, rid, key)).fetchone()
                if row and abs(event_at - row[0]) < window:
                    d.stop("realert", f"same rule and denier {key} within {window:.0f}s")
                    return
            else:
                rows = self.conn.execute("SELECT story FROM realert WHERE chat_id=? AND rule_id=? AND "
                                         "denier_key LIKE '?%' AND last_at > ?", (cid, rid, event_at - window))
                if any(similar(story, r[0]) for r in rows):
                    d.stop("realert", f"same story within {window:.0f}s")
                    return
        stored_key = key or "?" + stable_id(story, length=12)
        self.conn.execute("INSERT OR REPLACE INTO realert (chat_id, rule_id, denier_key, last_at, story) "
                          "VALUES (?, ?, ?, ?, ?)", (cid, rid, stored_key, event_at, story))


class SameArticle:
    """Several rules often fire on one article (a verb rule on the title, a claim rule on the body):
    for the reader it is one event. Per chat, one message per article × denier; the other alerts
    stay in the log (/recent, /explain)."""

    def __init__(self, conn):
        self.conn = conn

    def __call__(self, d: Delivery) -> None:
        key = denier_key(d.alert)
        row = self.conn.execute("SELECT rule_id FROM story_seen WHERE chat_id=? AND article_id=? AND denier_key=?",
                                (d.chat.chat_id, d.alert.article_id, key)).fetchone()
        if row is not None:
            d.stop("duplicate", f"same article{' and denier ' + key if key else ''} already alerted by {row[0]}")
            return
        self.conn.execute("INSERT INTO story_seen (chat_id, article_id, denier_key, rule_id, at) VALUES (?, ?, ?, ?, ?)",
                          (d.chat.chat_id, d.alert.article_id, key, d.alert.rule_id, d.now))


class Digest:
    """Chats in digest mode collect alerts; ``DigestFlusher`` sends one message per period."""

    def __init__(self, conn):
        self.conn = conn

    def __call__(self, d: Delivery) -> None:
        if d.chat.digest in ("hourly", "daily"):
            self.conn.execute("INSERT OR IGNORE INTO digest_items (chat_id, alert_id, added_at) VALUES (?, ?, ?)",
                              (d.chat.chat_id, d.alert.alert_id, d.now))
            d.stop("digest", f"queued for the {d.chat.digest} digest")
