"""Security review (issue 12), Low: article text printed to a terminal (the console notifier,
`dementi tail`) cannot carry control characters or ANSI/OSC escape sequences (clear the screen,
retitle the window, fake a prompt, hide text), nor flood it (same caps as Telegram messages)."""

from __future__ import annotations

import unicodedata

from dementi.bot.console import render as console_render
from dementi.cli.feeds import _render as tail_render
from dementi.records import Actor, Alert, Evidence, Span

EVIL = "\x1b[2J\x1b]0;pwned\x07Ministère\r\x1b[31mfaux\x1b[0m\x08\x00\u202etxt.exe\u009b"


def evil_alert() -> Alert:
    sentence = f"Le ministère dément {EVIL} tout."
    start = sentence.index("dément")
    return Alert(rule_id="r", rule_title=f"Règle {EVIL}", article_id="a", article_url=f"https://ex.org/{EVIL}",
                 article_title=f"Titre {EVIL}", article_source=f"Source {EVIL}",
                 evidence=Evidence(sentence=sentence, spans=[Span(start=start, end=start + 6, text="dément")]),
                 denier=Actor(name=f"Bordurie {EVIL}", country="BRD"), quote=f"Cité {EVIL}")


def _controls(text: str) -> list[str]:
    return sorted({hex(ord(c)) for c in text if c != "\n" and unicodedata.category(c) in ("Cc", "Cf")})


def test_console_notifier_prints_no_control_characters():
    text = console_render(evil_alert()).plain
    assert _controls(text) == []
    assert "Ministère" in text and "faux" in text and "dément" in text


def test_tail_prints_no_control_characters():
    text = tail_render(evil_alert()).plain
    assert _controls(text) == []
    assert "Titre" in text and "faux" in text


def test_console_output_is_bounded_for_a_huge_alert():
    alert = evil_alert()
    alert.article_title = "Titre " * 100_000
    alert.evidence = Evidence(sentence="Le ministère dément " + "encore " * 100_000, spans=[Span(start=13, end=19, text="dément")])
    assert len(console_render(alert).plain) < 6000 and len(tail_render(alert).plain) < 6000
