"""Durations written by people: ``90s``, ``5m``, ``1h30m``, ``2d``, ``1w`` or plain seconds.

One parser for every place a duration is typed (feeds file intervals and ages, ``/mute``, rule
``realert``, ``dementi tail --since``): the same words mean the same time everywhere. Each caller
keeps its own bounds (``/mute`` allows at most 90 days, a feed interval at least 1 s).
"""

from __future__ import annotations

import re

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(sec|min|s|m|h|d|w)")
_PARTS = re.compile(r"(?:\d+(?:\.\d+)?\s*(?:sec|min|s|m|h|d|w))+")  # _PART, repeated
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
UNIT_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}
HINT = "a duration looks like 30s, 5m, 2h, 1d or 1h30m"


def parse_duration(value: str | int | float, *, require_unit: bool = False) -> float:
    """Seconds from a number (seconds) or a string of ``<number><unit>`` parts (``"1h30m"``).
    ``require_unit``: a bare number is refused (``/mute 30`` is ambiguous). ValueError otherwise."""
    if isinstance(value, bool) or (require_unit and isinstance(value, (int, float))):
        raise ValueError(HINT)
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().lower()
    if not require_unit and _NUMBER.fullmatch(text):
        return float(text)
    if not _PARTS.fullmatch(text):
        raise ValueError(f"not a duration: {value!r} ({HINT})")
    return float(sum(float(n) * UNIT_SECONDS[unit] for n, unit in _PART.findall(text)))
