"""The one interruptible sleep and retry loop (dementi/waiting.py): pure logic, no network."""

from __future__ import annotations

import asyncio
import time

import pytest

from dementi.waiting import Backoff, aretry, retry, sleep_or_stop


def test_backoff_doubles_up_to_the_cap_and_resets():
    b = Backoff(first=0.5, cap=3.0)
    assert [b.next() for _ in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    b.reset()
    assert b.next() == 0.5


async def test_sleep_or_stop_returns_at_once_when_stopped():
    stop = asyncio.Event()
    assert await sleep_or_stop(stop, 0.01) is False
    stop.set()
    started = time.monotonic()
    assert await sleep_or_stop(stop, 60) is True
    assert time.monotonic() - started < 30  # not the 60 s: the event ended the wait


def test_retry_retries_the_named_errors_then_returns():
    calls, said = [], []

    def attempt():
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionRefusedError("not yet")
        return "up"

    result = retry(attempt, errors=(OSError,), timeout=30, backoff=Backoff(first=0.001, cap=0.001),
                   on_retry=lambda exc, delay: said.append(str(exc)))
    assert result == "up" and len(calls) == 3 and said == ["not yet", "not yet"]


def test_retry_raises_the_last_error_after_the_timeout_and_never_swallows_others():
    with pytest.raises(ConnectionRefusedError):
        retry(lambda: (_ for _ in ()).throw(ConnectionRefusedError("down")), errors=(OSError,), timeout=0.0)
    with pytest.raises(ZeroDivisionError):  # a bug is not an outage: no retry
        retry(lambda: 1 / 0, errors=(OSError,), timeout=30)


async def test_aretry_gives_up_with_none_when_stopped():
    stop = asyncio.Event()
    tries = []

    async def attempt():
        tries.append(1)
        if len(tries) == 2:
            stop.set()
        raise OSError("down")

    assert await aretry(attempt, errors=(OSError,), stop=stop, backoff=Backoff(first=0.001)) is None
    assert len(tries) == 2


async def test_aretry_returns_the_result():
    async def attempt():
        return 42

    assert await aretry(attempt, errors=(OSError,), stop=asyncio.Event()) == 42


def test_backoff_delay_of_a_stored_attempt_count():
    b = Backoff(first=0.5, cap=60.0)
    assert [b.delay(n) for n in range(9)] == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]
    assert b.delay(10_000) == 60.0  # no overflow for a count that grew for months
    assert b.delay(-1) == 0.25      # a count stored before the first failure
    assert Backoff(first=0.5, cap=60.0).delay(3) == b.delay(3)  # no state: the same at any time
