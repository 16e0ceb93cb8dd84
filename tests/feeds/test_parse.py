"""Parsing, text and scheduling helpers (pure logic, no network). Sentences are invented."""

from __future__ import annotations

import random

import pytest

from dementi.streams.feeds.fulltext import charset_of, extract_main_text, extractor_name
from dementi.streams.feeds.parse import FeedEntry, FeedParseError, parse_feed
from dementi.streams.feeds.poller import backoff_delay, dedup_keys
from dementi.streams.feeds.text import detect_lang, html_to_text, main_text_fallback, normalise_lang
from tests.feeds.server import rss

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">
  <title>Ministère imaginaire</title><id>urn:x</id><updated>2026-11-28T10:00:00Z</updated>
  <entry><title>Le ministère dément toute implication</title><id>urn:entry:1</id>
    <link href="/actu/1?utm_source=atom"/><updated>2026-11-28T09:00:00Z</updated>
    <summary type="html">&lt;p&gt;Premier paragraphe.&lt;/p&gt;&lt;p&gt;Second paragraphe.&lt;/p&gt;</summary>
  </entry>
</feed>"""


def test_atom_entry_fields_language_and_relative_link():
    parsed = parse_feed(ATOM.encode(), {"content-type": "application/atom+xml"}, url="https://gov.example/feed.atom")
    assert parsed.lang == "fr" and parsed.warning is None
    entry = parsed.entries[0]
    assert entry.link == "https://gov.example/actu/1?utm_source=atom"
    assert entry.guid == "urn:entry:1"
    assert entry.summary == "Premier paragraphe.\nSecond paragraphe."
    assert entry.published_at.isoformat() == "2026-11-28T09:00:00+00:00"


def test_iso_8859_1_feed_decodes_accents():
    body = rss([{"title": "Démenti catégorique à Genève", "link": "https://a.example/1"}], encoding="iso-8859-1")
    assert "é".encode("latin-1") in body  # really not UTF-8 on the wire
    parsed = parse_feed(body, {"content-type": "application/rss+xml"})
    assert parsed.entries[0].title == "Démenti catégorique à Genève"


def test_wrongly_declared_charset_still_parses():
    # Declared UTF-8, actually windows-1252 bytes: feedparser falls back and says so.
    body = rss([{"title": "Le ministre dément – «rumeur»", "link": "https://a.example/2"}],
               encoding="windows-1252").replace(b'encoding="windows-1252"', b'encoding="utf-8"')
    parsed = parse_feed(body, {"content-type": "application/rss+xml; charset=utf-8"})
    assert len(parsed.entries) == 1 and parsed.entries[0].link == "https://a.example/2"
    assert parsed.entries[0].title == "Le ministre dément – «rumeur»"
    assert parsed.warning and "recovered" in parsed.warning


def test_truncated_feed_is_recovered_with_a_warning():
    body = rss([{"title": "Whole item", "link": "https://a.example/1"},
                {"title": "Cut item", "link": "https://a.example/2"}])
    cut = body[: body.index(b"Cut item") + 3]
    parsed = parse_feed(cut, {"content-type": "application/rss+xml"})
    assert [e.title for e in parsed.entries][0] == "Whole item"
    assert parsed.warning and "recovered" in parsed.warning


@pytest.mark.parametrize("body, content_type", [
    (b"<<<>>> definitely not xml", "application/xml"),
    (b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"),
    (b"", "application/rss+xml"),
])
def test_non_feeds_raise(body, content_type):
    with pytest.raises(FeedParseError):
        parse_feed(body, {"content-type": content_type})


def test_html_to_text_keeps_paragraphs_and_drops_scripts():
    html = "<p>Un&nbsp;premier <b>paragraphe</b>.</p><script>var x = 1;</script><div>Un second &amp; dernier.</div>"
    assert html_to_text(html) == "Un premier paragraphe.\nUn second & dernier."
    assert html_to_text("plain   text\n\n\nmore") == "plain text\nmore"
    assert html_to_text(None) == ""


def test_full_text_extraction_and_fallback():
    page = ("<html><body><nav>Accueil Monde Sport</nav><article><p>" + "Le porte-parole a rejeté la proposition "
            "de médiation présentée la veille par le pays voisin. " * 3 + "</p></article>"
            "<footer>Mentions légales</footer></body></html>")
    text = extract_main_text(page.encode("utf-8"), "https://a.example/p")
    assert "rejeté la proposition de médiation" in text and "Mentions légales" not in text
    assert extractor_name() == "trafilatura"
    assert "rejeté" in main_text_fallback(page) and "Accueil" not in main_text_fallback(page)
    assert charset_of("text/html; charset=ISO-8859-1") == "ISO-8859-1" and charset_of("text/html") is None


def test_language_detection():
    assert detect_lang("Le gouvernement a démenti les informations publiées hier soir par le journal.") == "fr"
    assert detect_lang("The government denied the reports published last night by the newspaper.") == "en"
    assert detect_lang("ok") is None
    assert normalise_lang("en-GB") == "en" and normalise_lang("pt_BR") == "pt" and normalise_lang("??") is None


def test_dedup_keys_normalise_links_and_scope_short_guids():
    a = FeedEntry(guid="42", link="https://News.example/story/?utm_source=x&id=3", title="t", summary="", content="")
    keys = dedup_keys("feed-a", a)
    assert keys == ["link:https://news.example/story?id=3", "guid:feed-a:42"]
    b = FeedEntry(guid="tag:news.example,2026:story-42", link=None, title="t", summary="", content="")
    assert dedup_keys("feed-b", b) == ["guid:tag:news.example,2026:story-42"]  # long guid: global


def test_backoff_grows_exponentially_with_jitter_and_a_cap():
    rng = random.Random(7)
    delays = [backoff_delay(n, interval=60, cap=3600, rng=rng) for n in range(1, 10)]
    for n, delay in enumerate(delays, start=1):
        base = min(3600, 60 * 2 ** (n - 1))
        assert base / 2 <= delay <= base
    assert delays[-1] <= 3600
    assert len({round(backoff_delay(3, 60, 3600, rng=rng), 3) for _ in range(5)}) > 1  # jittered
    assert backoff_delay(1, 60, 3600, retry_after=900, rng=rng) == 900  # server's Retry-After wins
