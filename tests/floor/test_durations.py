"""The one duration parser (dementi/durations.py): every syntax the four old parsers accepted."""

from __future__ import annotations

import pytest

from dementi.durations import parse_duration


@pytest.mark.parametrize("text, seconds", [
    ("90s", 90), ("5m", 300), ("5 min", 300), ("30sec", 30), ("1h", 3600), ("2d", 172800), ("1w", 604800),
    ("1h30m", 5400), ("1.5h", 5400), (" 2H ", 7200), ("300", 300), ("0.5", 0.5), (45, 45), (2.5, 2.5),
])
def test_accepted(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["soon", "", "5x", "h", "1h 2h", "5ms", "-5m", "1e3"])
def test_refused_with_a_hint(text):
    with pytest.raises(ValueError, match="30s, 5m"):
        parse_duration(text)


def test_require_unit_refuses_bare_numbers_and_bools():
    assert parse_duration("2h", require_unit=True) == 7200
    for bad in ("30", 30, True):
        with pytest.raises(ValueError):
            parse_duration(bad, require_unit=True)
    with pytest.raises(ValueError):
        parse_duration(True)
