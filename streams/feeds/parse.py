"""Feed documents -> entries, with feedparser.

Why be lenient: real feeds are often slightly broken (undeclared entities, wrong charset, a
truncated last item). feedparser's loose parser still recovers entries from most of them
("bozo" feeds); we keep what it recovers and report the problem as a warning. Only a document
that yields no feed at all (HTML error page, garbage) is an error. The charset comes from the
XML declaration and the HTTP Content-Type header, which we pass through, so ISO-8859-1 and
windows-1252 feeds decode correctly.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import datetime, timezone

import feedparser

from dementi.streams.feeds.schedule import Hints, ttl_seconds, update_period_seconds
from dementi.streams.feeds.text import html_to_text, normalise_lang


class FeedParseError(Exception):
    """The document is not a usable RSS/Atom/RDF feed."""


@dataclass
class FeedEntry:
    guid: str | None
    link: str | None
    title: str
    summary: str
    content: str
    published_at: datetime | None = None
    lang: str | None = None


@dataclass
class ParsedFeed:
    title: str
    lang: str | None
    entries: list[FeedEntry] = field(default_factory=list)
    warning: str | None = None
    encoding: str | None = None
    hints: Hints = field(default_factory=Hints)  # <ttl>, sy:updatePeriod: how often to come back
    hubs: list[str] = field(default_factory=list)  # WebSub hubs advertised by <link rel="hub">
    self_url: str | None = None  # <link rel="self">: the topic URL for WebSub


def _datetime(parsed) -> datetime | None:
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=timezone.utc)
    except (OverflowError, ValueError, TypeError):
        return None


def _text(detail, fallback: str = "") -> str:
    """Text of a feedparser text construct: HTML is flattened, plain text only tidied."""
    if not detail or not hasattr(detail, "get"):
        return html_to_text(fallback)
    value = detail.get("value", "") or ""
    if detail.get("type", "") == "text/plain":
        return " ".join(value.split()) if "\n" not in value else "\n".join(
            " ".join(line.split()) for line in value.splitlines() if line.strip())
    return html_to_text(value)


def _entry(raw) -> FeedEntry | None:
    link = (raw.get("link") or "").strip() or None
    guid = (raw.get("id") or "").strip() or None
    if link is None and guid and raw.get("guidislink"):
        link = guid
    title = _text(raw.get("title_detail"), raw.get("title", "")).replace("\n", " ")
    summary = _text(raw.get("summary_detail"), raw.get("summary", ""))
    contents = raw.get("content") or []
    content = "\n".join(t for t in (_text(c) for c in contents) if t)
    if not (link or guid) and not title:
        return None  # nothing to identify or show: a truncated fragment
    lang = None
    for detail in (*contents, raw.get("summary_detail"), raw.get("title_detail")):
        if detail and detail.get("language"):
            lang = normalise_lang(detail.get("language"))
            break
    published = _datetime(raw.get("published_parsed") or raw.get("updated_parsed"))
    return FeedEntry(guid=guid, link=link, title=title, summary=summary, content=content,
                     published_at=published, lang=lang)


def parse_feed(content: bytes, headers: dict[str, str] | None = None, url: str = "") -> ParsedFeed:
    """Parse a feed body. ``headers`` are the HTTP response headers (charset, base URL)."""
    response_headers = {k.lower(): v for k, v in (headers or {}).items()}
    if url:
        response_headers.setdefault("content-location", url)
    result = feedparser.parse(content, response_headers=response_headers, sanitize_html=True,
                              resolve_relative_uris=True)
    problem = result.get("bozo_exception") if result.get("bozo") else None
    raw_entries = result.get("entries") or []
    if not raw_entries and problem is not None:
        raise FeedParseError(f"not a valid feed: {type(problem).__name__}: {problem}")
    if not raw_entries and not result.get("version"):
        raise FeedParseError("not an RSS/Atom feed (no channel or feed element)")
    entries = [e for e in (_entry(raw) for raw in raw_entries) if e is not None]
    feed = result.get("feed") or {}
    warning = None
    if problem is not None:
        warning = f"feed recovered despite errors ({type(problem).__name__}: {problem})"
    dropped = len(raw_entries) - len(entries)
    if dropped:
        note = f"{dropped} entr{'y' if dropped == 1 else 'ies'} without link, id or title skipped"
        warning = f"{warning}; {note}" if warning else note
    links = [link for link in feed.get("links") or [] if link.get("href")]
    hints = Hints(ttl=ttl_seconds(feed.get("ttl")),
                  update_period=update_period_seconds(feed.get("sy_updateperiod"), feed.get("sy_updatefrequency")))
    return ParsedFeed(title=html_to_text(feed.get("title", "")), lang=normalise_lang(feed.get("language")),
                      entries=entries, warning=warning, encoding=result.get("encoding"), hints=hints,
                      hubs=[link["href"] for link in links if link.get("rel") == "hub"],
                      self_url=next((link["href"] for link in links if link.get("rel") == "self"), None))
