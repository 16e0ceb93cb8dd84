"""A clock tests move by hand, for time-based behaviour without sleeping (flood waits, windows)."""

from __future__ import annotations


class FakeClock:
    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now
