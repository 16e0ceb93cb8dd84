"""When to poll a feed next: its own publication rhythm, within bounds, above what the publisher asks.

Why a square root: a feed that publishes at rate r (entries/s) polled every T seconds delays its
entries by T/2 on average and costs 1/T requests/s. Spending a fixed number of requests so that
the average entry waits least gives each feed T proportional to 1/sqrt(r) (the classic result for
keeping crawled copies fresh). So a feed publishing every G seconds is polled every
sqrt(G x scale) seconds (``feed_adaptive_scale``), clamped to ``feed_min_interval`` ..
``feed_max_interval``: with scale 90 s, a feed that publishes every minute is polled about every
75 s, every ten minutes -> ~4 min, hourly -> ~9 min, daily -> the 30 min ceiling. A linear rule
(T = G) wastes nothing on quiet feeds but leaves busy-ish feeds minutes behind; a constant T (fixed
polling) spends most requests on feeds that have nothing new.

The rate comes from the publication times of the entries the poller discovered (the dates in the
feed, or the discovery time of an undated entry): the whole recent history, including the silence
since the last entry (a feed that stops publishing slows down by itself), and the last hour alone
(a quiet feed that starts a burst speeds up at once). A poll that finds nothing adds no time to the
history, so "how often a poll finds something new" is part of the same estimate.

Publisher hints are floors, never shortcuts: ``Cache-Control: max-age``, RSS ``<ttl>`` and
``sy:updatePeriod``/``sy:updateFrequency`` raise the interval up to the ceiling (the operator's
bound wins over a feed that asks to be read once a day); ``Retry-After`` with 429/503 is obeyed
beyond the ceiling (up to ``feed_backoff_max``) by the poller's backoff. A feed with a fixed
``interval:`` in the feeds file keeps it: that is the operator's explicit choice.

Everything here is pure (times are passed in), so it is unit-tested without a clock or a network.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Publication times remembered per feed: enough for a stable rate, small enough to store per feed.
HISTORY = 32
# A burst is judged on this window: entries in the last hour give a rate on their own.
RECENT_WINDOW = 3600.0
# An entry dated this far in the future is treated as discovered now (clock skew, bad dates).
FUTURE_SLACK = 300.0

_MAX_AGE = re.compile(r"(?:^|,)\s*(s-maxage|max-age)\s*=\s*\"?(\d+)\"?", re.I)
_NO_CACHE = re.compile(r"(?:^|,)\s*(no-store|no-cache)\b", re.I)
_PERIODS = {"hourly": 3600.0, "daily": 86400.0, "weekly": 7 * 86400.0, "monthly": 30 * 86400.0,
            "yearly": 365 * 86400.0}


@dataclass(frozen=True)
class Bounds:
    """The operator's settings that frame every adaptive interval."""

    min: float
    max: float
    scale: float
    unknown: float = 300.0  # a feed whose rhythm is not known yet

    @classmethod
    def from_settings(cls, settings) -> "Bounds":
        from dementi.feeds_file import DEFAULT_INTERVAL

        return cls(min=settings.feed_min_interval, max=settings.feed_max_interval,
                   scale=settings.feed_adaptive_scale, unknown=DEFAULT_INTERVAL)

    def clamp(self, seconds: float) -> float:
        return min(self.max, max(self.min, seconds))


@dataclass(frozen=True)
class Hints:
    """What a publisher says about how often to come back (seconds; None = not said)."""

    max_age: float | None = None
    ttl: float | None = None
    update_period: float | None = None

    @property
    def floor(self) -> float | None:
        values = [v for v in (self.max_age, self.ttl, self.update_period) if v]
        return max(values) if values else None

    def merged(self, other: "Hints") -> "Hints":
        return Hints(max_age=other.max_age if other.max_age is not None else self.max_age,
                     ttl=other.ttl if other.ttl is not None else self.ttl,
                     update_period=other.update_period if other.update_period is not None else self.update_period)


def cache_max_age(headers: Mapping[str, str] | None) -> float | None:
    """``Cache-Control`` max-age (or s-maxage) in seconds; None when absent or no-cache/no-store."""
    if not headers:
        return None
    value = next((v for k, v in headers.items() if k.lower() == "cache-control"), None)
    if not value or _NO_CACHE.search(value):
        return None
    ages = [float(m.group(2)) for m in _MAX_AGE.finditer(value)]
    return max(ages) if ages and max(ages) > 0 else None


def ttl_seconds(ttl: str | int | None) -> float | None:
    """RSS ``<ttl>`` (minutes) in seconds; junk -> None."""
    try:
        minutes = float(str(ttl).strip())
    except (TypeError, ValueError):
        return None
    return minutes * 60 if 0 < minutes < 1e7 else None


def update_period_seconds(period: str | None, frequency: str | int | None = None) -> float | None:
    """``sy:updatePeriod`` / ``sy:updateFrequency`` (RSS 1.0 syndication module) in seconds."""
    if not period:
        return None
    seconds = _PERIODS.get(str(period).strip().lower())
    if seconds is None:
        return None
    try:
        times = float(str(frequency).strip()) if frequency not in (None, "") else 1.0
    except ValueError:
        times = 1.0
    return seconds / times if times > 0 else seconds


def remember(history: Iterable[float], times: Iterable[float], now: float) -> list[float]:
    """The feed's publication history with ``times`` added: newest first, at most ``HISTORY``.

    A time in the future (beyond a small slack) becomes ``now``: the entry was just discovered."""
    merged = [float(t) for t in history]
    merged += [now if t > now + FUTURE_SLACK else float(t) for t in times]
    merged.sort(reverse=True)
    return merged[:HISTORY]


def publication_rate(history: Iterable[float], now: float) -> float | None:
    """Entries per second, from publication times; None when nothing is known.

    The long-run rate counts the silence since the last entry (n-1 gaps over the span up to now);
    the last hour alone may say more when it holds several entries (a burst; one entry alone is
    no burst). The larger wins."""
    times = sorted(t for t in history if t <= now + FUTURE_SLACK)
    if not times:
        return None
    if len(times) == 1:
        return 1.0 / max(now - times[0], RECENT_WINDOW)
    long_run = (len(times) - 1) / max(now - times[0], 1.0)
    recent = sum(1 for t in times if now - t <= RECENT_WINDOW)
    return max(long_run, recent / RECENT_WINDOW if recent >= 2 else 0.0)


def adaptive_interval(rate: float | None, bounds: Bounds) -> float:
    """sqrt(gap x scale), clamped; the "unknown" interval while the rate is not known."""
    if not rate or rate <= 0:
        return bounds.clamp(bounds.unknown)
    return bounds.clamp(math.sqrt(bounds.scale / rate))


def next_interval(*, fixed: float | None, base: float, hints: Hints, bounds: Bounds, stretch: float = 1.0,
                  pushed: bool = False) -> float:
    """Seconds until the next poll after a successful one.

    ``base``: the adaptive interval (``adaptive_interval``); ``stretch`` >= 1 spreads polls when the
    global budget is short (``stretch_factor``); ``pushed``: a live WebSub subscription delivers
    the entries, polling is only the safety net (the ceiling)."""
    if fixed is not None:
        return fixed
    if pushed:
        return bounds.max
    interval = min(base * max(stretch, 1.0), bounds.max)
    floor = hints.floor
    if floor:
        interval = max(interval, min(floor, bounds.max))
    return interval


def stretch_factor(intervals: Iterable[float], ceiling: float, per_second: float, headroom: float = 0.9,
                   reserved: float = 0.0) -> float:
    """The common factor (>= 1) by which adaptive intervals must grow so that their polls fit
    ``headroom`` x the budget (``per_second``), less ``reserved`` polls/s taken by feeds that do not
    adapt (fixed intervals, safety-net polls of pushed feeds). Intervals never grow past
    ``ceiling``: every feed is slowed in the same proportion until it reaches the ceiling, none is
    starved. Returns the largest useful factor when even every feed at the ceiling exceeds the
    budget (the request budget then queues polls in due order)."""
    values = [t for t in intervals if t > 0]
    if not values:
        return 1.0
    target = per_second * headroom - reserved

    def demand(factor: float) -> float:
        return sum(1.0 / min(t * factor, ceiling) for t in values)

    if demand(1.0) <= target:
        return 1.0
    high = max(ceiling / min(values), 1.0)
    if demand(high) > target:
        return high
    low = 1.0
    for _ in range(50):
        middle = (low + high) / 2
        if demand(middle) > target:
            low = middle
        else:
            high = middle
    return high
