"""Message formatting and splitting, checked with the test server's Telegram-faithful HTML parser."""

from __future__ import annotations

import pytest

from dementi.bot.formatting import alert_keyboard, alert_parts, highlight, render_alert
from dementi.bot.html_split import split_html
from dementi.records import Actor, Alert, Evidence, Span
from tests.botapi.html_entities import parse_html
from tests.bot.conftest import make_alert

HOSTILE = "<script>alert(1)</script> & Co"


def entity_text(text: str, entity: dict) -> str:
    """Entity offsets are UTF-16 code units, as in the Bot API."""
    units = text.encode("utf-16-le")
    return units[2 * entity["offset"]:2 * (entity["offset"] + entity["length"])].decode("utf-16-le")


def test_hostile_title_is_escaped_and_accepted():
    alert = make_alert(1, title=HOSTILE, sentence="Le ministre dément: <b>rien</b> & &amp tout &#xZZ; <i")
    html = render_alert(alert)
    parsed = parse_html(html)  # raises like Telegram would on any unescaped markup
    assert HOSTILE in parsed.text
    assert "<b>rien</b> & &amp tout &#xZZ; <i" in parsed.text
    assert "<script>" not in html


def test_cue_is_bold_by_span_offsets_and_fields_present():
    sentence = "Selon Bordurie, le ministère dément toute implication."
    start = sentence.index("dément")
    alert = Alert(rule_id="r", rule_title="Démenti", severity="critical", cameo="016", article_id="a",
                  article_url="https://ex.org/x?a=1&b=2", article_title="T", article_source="Gazette",
                  evidence=Evidence(sentence=sentence, spans=[Span(start=start, end=start + 6, text="dément")]),
                  denier=Actor(name="Bordurie", country="BRD"), target=Actor(name="Syldavie"), quote="Rien de vrai")
    parsed = parse_html(render_alert(alert))
    bold = [entity_text(parsed.text, e) for e in parsed.entities if e["type"] == "bold"]
    assert "dément" in bold and "Démenti" in bold
    assert "Bordurie (BRD) → Syldavie" in parsed.text
    assert "🚨" in parsed.text and "CAMEO 016" in parsed.text and "Gazette" in parsed.text
    links = [e["url"] for e in parsed.entities if e["type"] == "text_link"]
    assert links == ["https://ex.org/x?a=1&b=2"]
    assert any(e["type"] == "blockquote" for e in parsed.entities)


def test_non_http_urls_are_not_links():
    alert = make_alert(2, article_url="javascript:alert(1)")
    parsed = parse_html(render_alert(alert))
    assert not [e for e in parsed.entities if e["type"] == "text_link"]
    assert "javascript:alert(1)" in parsed.text


def test_highlight_merges_and_clamps_spans():
    assert highlight("a<b>c", [(1, 4), (2, 3)]) == "a<b>&lt;b&gt;</b>c"
    assert highlight("abc", [(2, 99), (-5, 1)]) == "<b>a</b>b<b>c</b>"


@pytest.mark.parametrize("size", [4097, 9000, 30000])
def test_split_keeps_every_part_valid_and_within_limit(size):
    unit = "Mot <&> « 😀 » "
    body = (unit * (size // len(unit) + 1))[:size]
    # one bold entity across every part (alerts are windowed to one message: see tests/test_caps.py;
    # long answers such as /recent 20 are still split)
    parts = split_html("<i>" + "x" * 300 + "</i>\n« " + highlight(body, [(0, len(body))]) + " »")
    assert len(parts) >= 2
    texts = []
    for part in parts:
        parsed = parse_html(part)
        assert 0 < parsed.length <= 4096
        texts.append(parsed.text)
    joined = "".join(texts)
    # nothing lost: every character of the hostile body arrives (boundaries may move whitespace)
    assert joined.replace(" ", "").replace("\n", "").count("😀") == body.count("😀")


def test_split_prefers_word_boundaries():
    text = "<b>" + " ".join(["mot"] * 3000) + "</b>"
    parts = split_html(text, limit=100)
    for part in parts:
        plain = parse_html(part).text
        assert not plain.strip().endswith("mo") and len(plain) <= 100


def test_keyboard_callback_data_fits_telegram_limit():
    alert = make_alert(4)
    for row in alert_keyboard(alert)["inline_keyboard"]:
        for button in row:
            assert 1 <= len(button["callback_data"].encode()) <= 64
