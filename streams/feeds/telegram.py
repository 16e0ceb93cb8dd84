"""Public Telegram channels as sources: the channel's web preview page (``t.me/s/CHANNEL``) -> entries.

Why the web preview: many foreign ministries and their spokespeople post on public Telegram
channels first, and the preview is public HTML with every post's id, date and text; reading it
needs no account, no API key and no Telegram client. It is read like a feed: the same conditional
and adaptive polling, and dedup by the post's permanent link (``https://t.me/CHANNEL/ID``), so a
post edited later, or view counters changing, never publish it twice.

Why strict about the layout: the preview is a web page, not an API, and Telegram may change it.
A page that does not look like a channel preview, or a post without its id or date, is a
``TelegramLayoutError`` naming the channel and what is missing. It fails that source only (logged,
shown in ``/feeds`` and ``dementi feeds status``, retried with backoff), never the others, and it
never publishes half-understood posts.
"""

from __future__ import annotations

import re
from datetime import datetime

import lxml.html
from lxml import etree

from dementi.streams.feeds.parse import FeedEntry, FeedParseError, ParsedFeed
from dementi.streams.feeds.text import html_to_text

TITLE_CHARS = 140
_POST_ID = re.compile(r"^([A-Za-z][A-Za-z0-9_]{3,31})/(\d+)$")


class TelegramLayoutError(FeedParseError):
    """The t.me/s/ page is not laid out the way this reader understands."""


def _classes(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def _has_class(element, name: str) -> bool:
    return name in (element.get("class") or "").split()


def _inside_reply(element) -> bool:
    return any("reply" in (parent.get("class") or "") for parent in element.iterancestors())


def _title(text: str) -> str:
    line = text.strip().split("\n", 1)[0].strip()
    if len(line) <= TITLE_CHARS:
        return line
    cut = line[:TITLE_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(",;:- ") + "…"


def parse_channel_page(content: bytes, headers: dict[str, str] | None = None, url: str = "",
                       channel: str = "") -> ParsedFeed:
    """Posts of a channel's web preview page, oldest first as on the page.

    ``url`` is where the page was finally fetched from (after redirects): Telegram sends a channel
    without a public preview to ``t.me/CHANNEL``, which is reported as such."""
    where = f"t.me/s/{channel}" if channel else (url or "t.me page")
    if url and "/s/" not in url:
        raise TelegramLayoutError(f"{where}: the channel has no public web preview (Telegram redirected to {url}): "
                                  f"a private channel, a user or a bot, or previews are disabled")
    try:
        document = lxml.html.document_fromstring(content)
    except (etree.ParserError, ValueError) as exc:
        raise TelegramLayoutError(f"{where}: not an HTML page ({exc})") from None
    history = document.xpath(f"//*[{_classes('tgme_channel_history')}]")
    posts = document.xpath(f"//*[{_classes('tgme_widget_message')}]")
    if not history and not posts:
        raise TelegramLayoutError(
            f"{where}: page layout not understood: no channel history (class tgme_channel_history) and no post "
            f"(class tgme_widget_message); Telegram may have changed its web preview. This source is skipped "
            f"until the page is understood again; the other sources are not affected.")
    title_nodes = document.xpath(f"//*[{_classes('tgme_channel_info_header_title')}]")
    og_title = document.xpath("//meta[@property='og:title']/@content")
    title = (title_nodes[0].text_content().strip() if title_nodes else (og_title[0].strip() if og_title else channel))
    entries, skipped = [], 0
    for index, post in enumerate(posts, start=1):
        if _has_class(post, "service_message"):
            skipped += 1
            continue
        entry = _entry(post, index, where)
        if entry is None:
            skipped += 1
        else:
            entries.append(entry)
    warning = f"{skipped} post(s) without text skipped (media only or service messages)" if skipped else None
    return ParsedFeed(title=title, lang=None, entries=entries, warning=warning)


def _entry(post, index: int, where: str) -> FeedEntry | None:
    data_post = (post.get("data-post") or "").strip()
    match = _POST_ID.match(data_post)
    if not match:
        raise TelegramLayoutError(f"{where}: page layout not understood: post #{index} on the page has no "
                                  f"data-post=\"CHANNEL/ID\" attribute (found {data_post!r})")
    stamps = post.xpath(f".//*[{_classes('tgme_widget_message_date')}]//time/@datetime")
    if not stamps:
        raise TelegramLayoutError(f"{where}: page layout not understood: post {data_post} has no date "
                                  f"(a.tgme_widget_message_date > time[datetime])")
    try:
        published = datetime.fromisoformat(stamps[0])
    except ValueError:
        raise TelegramLayoutError(f"{where}: post {data_post}: unreadable date {stamps[0]!r}") from None
    texts = [node for node in post.xpath(f".//*[{_classes('tgme_widget_message_text')}]") if not _inside_reply(node)]
    text = html_to_text(lxml.html.tostring(texts[0], encoding="unicode")) if texts else ""
    if not text:
        return None  # a photo, a video or a poll without a caption: nothing to read
    link = f"https://t.me/{match.group(1)}/{match.group(2)}"
    return FeedEntry(guid=link, link=link, title=_title(text), summary="", content=text, published_at=published)
