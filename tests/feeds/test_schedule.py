"""The pure scheduling logic: rhythm estimate, interval rule, publisher hints, budget stretch and
the token bucket. Times are plain numbers: no clock, no network."""

from __future__ import annotations

import math

import pytest

from dementi.streams.feeds.budget import HostGate, RequestBudget, host_of
from dementi.streams.feeds.clock import ScaledClock
from dementi.streams.feeds.schedule import (
    HISTORY,
    Bounds,
    Hints,
    adaptive_interval,
    cache_max_age,
    next_interval,
    publication_rate,
    remember,
    stretch_factor,
    ttl_seconds,
    update_period_seconds,
)

BOUNDS = Bounds(min=30, max=1800, scale=90, unknown=300)
NOW = 1_800_000_000.0


def every(gap: float, n: int = 20, last: float = 0.0) -> list[float]:
    """``n`` publication times ``gap`` apart, the newest ``last`` seconds before NOW."""
    return [NOW - last - i * gap for i in range(n)]


def test_busy_feeds_are_polled_often_and_quiet_ones_rarely():
    intervals = {gap: adaptive_interval(publication_rate(every(gap), NOW), BOUNDS)
                 for gap in (10, 60, 600, 3600, 86400)}
    assert intervals[10] == 30  # the floor
    assert intervals[60] == pytest.approx(math.sqrt(60 * 90), rel=0.1)
    assert intervals[600] == pytest.approx(math.sqrt(600 * 90), rel=0.1)
    assert intervals[86400] == 1800  # the ceiling
    ordered = [intervals[g] for g in sorted(intervals)]
    assert ordered == sorted(ordered)


def test_silence_slows_a_feed_and_a_burst_speeds_it_up():
    busy = every(60)
    assert adaptive_interval(publication_rate(busy, NOW), BOUNDS) < 90
    # The same history after six quiet hours: the silence counts.
    quiet = adaptive_interval(publication_rate(busy, NOW + 6 * 3600), BOUNDS)
    assert quiet > 300
    # A daily feed that just posted three items in ten minutes is polled much sooner.
    daily = every(86400, n=10, last=3600 * 5)
    before = adaptive_interval(publication_rate(daily, NOW), BOUNDS)
    burst = remember(daily, [NOW - 600, NOW - 300, NOW - 10], NOW)
    after = adaptive_interval(publication_rate(burst, NOW), BOUNDS)
    assert before == 1800 and after < 600


def test_unknown_rhythm_and_history_bounds():
    assert publication_rate([], NOW) is None
    assert adaptive_interval(None, BOUNDS) == 300
    # One entry: as often as the time since it, at most hourly.
    assert publication_rate([NOW - 60], NOW) == pytest.approx(1 / 3600)
    assert publication_rate([NOW - 7200], NOW) == pytest.approx(1 / 7200)
    history = remember([], every(60, n=100), NOW)
    assert len(history) == HISTORY and history[0] == NOW and history == sorted(history, reverse=True)
    # A date far in the future is the discovery time.
    assert remember([], [NOW + 86400], NOW) == [NOW]


def test_publisher_hints_raise_the_interval_up_to_the_ceiling_only():
    base = 60.0
    assert next_interval(fixed=None, base=base, hints=Hints(), bounds=BOUNDS) == 60
    assert next_interval(fixed=None, base=base, hints=Hints(max_age=600), bounds=BOUNDS) == 600
    assert next_interval(fixed=None, base=base, hints=Hints(ttl=900, max_age=120), bounds=BOUNDS) == 900
    assert next_interval(fixed=None, base=base, hints=Hints(update_period=86400), bounds=BOUNDS) == 1800
    # Hints never shorten; the budget stretch applies before them, the ceiling after.
    assert next_interval(fixed=None, base=1000, hints=Hints(max_age=10), bounds=BOUNDS) == 1000
    assert next_interval(fixed=None, base=1000, hints=Hints(), bounds=BOUNDS, stretch=3) == 1800
    # A fixed interval is the operator's choice; a pushed feed is polled at the ceiling.
    assert next_interval(fixed=45, base=base, hints=Hints(max_age=600), bounds=BOUNDS) == 45
    assert next_interval(fixed=None, base=base, hints=Hints(), bounds=BOUNDS, pushed=True) == 1800


@pytest.mark.parametrize("header, expected", [
    ("max-age=300", 300), ("public, max-age=120, s-maxage=600", 600), ('max-age="60"', 60),
    ("no-cache, max-age=300", None), ("no-store", None), ("max-age=0", None), ("private", None), (None, None),
])
def test_cache_control(header, expected):
    headers = {"Cache-Control": header} if header is not None else {}
    assert cache_max_age(headers) == expected


def test_ttl_and_update_period():
    assert ttl_seconds("15") == 900 and ttl_seconds(" 60 ") == 3600
    assert ttl_seconds("soon") is None and ttl_seconds(None) is None and ttl_seconds("0") is None
    assert update_period_seconds("hourly", "2") == 1800
    assert update_period_seconds("daily", None) == 86400 and update_period_seconds("Weekly", "") == 7 * 86400
    assert update_period_seconds("fortnightly", "1") is None and update_period_seconds(None, "3") is None
    assert update_period_seconds("daily", "x") == 86400


def test_stretch_shares_a_short_budget_without_starving_anyone():
    intervals = [30.0] * 50 + [600.0] * 50 + [1800.0] * 100
    demand = sum(1 / t for t in intervals)
    assert stretch_factor(intervals, 1800, per_second=demand * 2) == 1.0
    budget = demand / 3
    factor = stretch_factor(intervals, 1800, per_second=budget)
    stretched = [min(t * factor, 1800) for t in intervals]
    assert sum(1 / t for t in stretched) <= budget * 0.9 + 1e-9
    assert sum(1 / t for t in stretched) > budget * 0.85  # not stretched more than needed
    assert max(stretched) == 1800 and min(stretched) == pytest.approx(30 * factor)
    # Fixed feeds' polls are reserved first.
    assert stretch_factor(intervals, 1800, per_second=budget, reserved=budget * 0.5) > factor
    # Even the ceiling is too much: everything at the ceiling (the bucket queues the rest).
    assert stretch_factor([30.0] * 10, 1800, per_second=0.001) == 60


def test_request_budget_is_a_token_bucket():
    budget = RequestBudget(per_minute=60, burst=3)
    start = budget._stamp
    assert [budget.try_take(start) for _ in range(4)] == [True, True, True, False]
    assert budget.wait_time(start) == pytest.approx(1.0)
    assert budget.try_take(start + 1.0) and not budget.try_take(start + 1.5)
    assert budget.try_take(start + 100) and budget.try_take(start + 100) and budget.try_take(start + 100)
    assert not budget.try_take(start + 100)  # the bucket holds at most its burst


def test_host_gate_blocks_a_whole_host():
    gate = HostGate(2)
    assert host_of("https://News.Example:8443/a.xml") == "news.example:8443"
    gate.block("http://a.example/one.xml", 120)
    assert gate.blocked_until("http://a.example/two.xml") > gate.clock.time() + 100
    assert gate.blocked_until("http://b.example/one.xml") == 0
    assert gate.slot("http://a.example/x") is gate.slot("http://a.example/y")


def test_scaled_clock_runs_faster():
    clock = ScaledClock(speed=1000, start=0)
    first = clock.time()
    sum(range(100_000))  # a little real time passes
    assert clock.time() > first and clock.now().year == 1970
    with pytest.raises(ValueError):
        ScaledClock(speed=0)


def test_settings_refuse_inverted_bounds(settings):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="feed_min_interval .* must not exceed feed_max_interval"):
        settings.model_validate({**settings.model_dump(), "feed_min_interval": 600, "feed_max_interval": 60})
    assert Bounds.from_settings(settings) == Bounds(min=30, max=1800, scale=90, unknown=300)
