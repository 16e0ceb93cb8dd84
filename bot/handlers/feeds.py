"""/feeds (everyone, read only), and for bot admins /feed_add URL [lang] and /feed_remove NAME.

Why the bot only edits a file: the feed poller is a separate process that re-reads
``config/feeds.yaml`` when it changes, so the bot only has to edit that file safely (validated,
locked, atomic rename: ``dementi.feeds_file``) and read the poller's status snapshot
(``dementi.feedstatus``, a floor record) for /feeds. Who may use which command is the command
table's business (bot/handlers/commands.py): a non-admin asking for an edit is refused there and
nothing changes.
"""

from __future__ import annotations

import asyncio
import html
import logging
import time

from telegram import Update
from telegram.ext import ContextTypes

from dementi.bot.answer import reply, reply_admin
from dementi.bot.services import svc
from dementi.feedstatus import SourceStatus, read_snapshot, short_duration
from dementi.settings import Settings
from dementi.feeds_file import FeedsConfigError, add_feed, load_feeds, public_url, remove_feed

log = logging.getLogger(__name__)

# A feed added by an admin starts at its current items: its backlog would page every chat with
# stale alerts. Older entries are remembered, not published (edit the file to change it).
NEW_FEED_MAX_AGE = "2d"
MAX_REPLY = 3900  # under Telegram's 4096, leaving room for the "… more" line
REFUSAL = "⛔ Only bot admins can manage feeds."


def _line(name: str, source: SourceStatus | None, now: float) -> str:
    """One source: health, how it is read (push / poll and pace), last item, median latency."""
    label = f"<b>{html.escape(name)}</b>" + (" (Telegram)" if source is not None and source.kind == "telegram" else "")
    if source is None or source.health == "pending":
        return f"• {label} — ⏳ not polled yet"
    if source.health == "disabled":
        return f"• {label} — ⏸ disabled"
    if source.health == "failing":
        status = f"⚠️ {source.failures} failure(s): {html.escape((source.last_error or '')[:120])}"
    else:
        status = "✅ ok"
    parts = [status, source.pace(now)]
    if source.last_item_at is not None:
        parts.append(f"last item {short_duration(max(0.0, now - source.last_item_at.timestamp()))} ago")
    if source.latency_p50 is not None:
        parts.append(f"p50 {short_duration(source.latency_p50)}")
    return f"• {label} — " + " · ".join(parts)


def feeds_overview(settings: Settings, now: float | None = None) -> str:
    """HTML text for /feeds: one line per source from the poller's status snapshot, feed text escaped.
    No URLs: /feeds answers in any chat, and a feed URL may be an internal one."""
    try:
        feeds = load_feeds(settings.feeds_file)
    except FeedsConfigError as exc:
        return f"❌ The feeds file cannot be read:\n<code>{html.escape(str(exc))}</code>"
    if not feeds:
        return "No sources configured. Admins add one with /feed_add URL [lang]."
    now = now if now is not None else time.time()
    snapshot = read_snapshot(settings.data_dir)
    sources = snapshot.by_name() if snapshot is not None else {}
    pushed = sum(1 for s in sources.values() if s.mode == "push")
    lines = [f"<b>{len(feeds)} source(s)</b>, {sum(f.enabled for f in feeds)} enabled"
             + (f", {pushed} pushed" if pushed else "")
             + (f" (status of {short_duration(max(0.0, now - snapshot.generated_at.timestamp()))} ago):" if snapshot
                else " (the feed poller has not reported yet):")]
    lines += [_line(feed.name, sources.get(feed.name) if feed.enabled else SourceStatus(name=feed.name, health="disabled"),
                    now) for feed in feeds]
    text, shown = lines[0], 0
    for line in lines[1:]:
        if len(text) + len(line) + 1 > MAX_REPLY:
            break
        text, shown = text + "\n" + line, shown + 1
    if shown < len(feeds):
        text += f"\n… and {len(feeds) - shown} more (dementi feeds status lists them all)"
    return text


def feed_add_reply(settings: Settings, args: list[str]) -> str:
    if not args or len(args) > 2:
        return "Usage: /feed_add URL [lang] — e.g. /feed_add https://example.org/rss.xml fr"
    url, lang = args[0], (args[1] if len(args) == 2 else None)
    try:
        feed = add_feed(settings.feeds_file, url, lang=lang, max_age=NEW_FEED_MAX_AGE)
    except FeedsConfigError as exc:
        return f"❌ Not added: {html.escape(str(exc))}"
    return (f"✅ Added <b>{html.escape(feed.name)}</b> ({html.escape(public_url(feed.url))}"
            f"{', ' + feed.lang if feed.lang else ''}). The poller picks it up within seconds; "
            f"check it with /feeds.")


def feed_remove_reply(settings: Settings, args: list[str]) -> str:
    if len(args) != 1:
        return "Usage: /feed_remove NAME (the names are listed by /feeds)"
    try:
        feed = remove_feed(settings.feeds_file, args[0])
    except KeyError:
        return f"❌ No feed named {html.escape(args[0])}. The names are listed by /feeds."
    except FeedsConfigError as exc:
        return f"❌ Not removed: {html.escape(str(exc))}"
    return f"🗑 Removed <b>{html.escape(feed.name)}</b> ({html.escape(public_url(feed.url))})."


async def feeds(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Read only and without URLs: answered where it was asked."""
    await reply(update, context, await asyncio.to_thread(feeds_overview, svc(context).settings))


async def feed_add(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _edit(update, context, "feed_add", feed_add_reply)


async def feed_remove(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _edit(update, context, "feed_remove", feed_remove_reply)


async def _edit(update: Update, context: ContextTypes.DEFAULT_TYPE, name: str, build_reply) -> None:
    """An edit of the feeds file (file I/O in a thread); its answer shows the URL, so it goes to
    the admin's private chat, not to a group."""
    args = list(context.args or [])
    text = await asyncio.to_thread(build_reply, svc(context).settings, args)
    log.info("admin %s: /%s %s", update.effective_user.id, name, " ".join(args))
    await reply_admin(update, context, text)
