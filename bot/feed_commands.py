"""Admin Telegram commands for the feeds file: /feeds, /feed_add URL [lang], /feed_remove NAME.

Why here and self-contained: the feed poller is a separate process that re-reads
``config/feeds.yaml`` when it changes, so the bot only has to edit that file safely (validated,
locked, atomic rename: ``streams.feeds.config``) and read the poller's SQLite state for /feeds.
The handlers are registered in group -1 and stop further processing, so the bot's catch-all
"unknown command" handler never answers them as well. Admins are Telegram user ids listed in
``settings.admin_user_ids``; anyone else gets a refusal and nothing changes.
"""

from __future__ import annotations

import asyncio
import html
import logging
import time

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationHandlerStop, CommandHandler, ContextTypes

from dementi.settings import Settings
from dementi.streams.feeds.config import FeedsConfigError, add_feed, load_feeds, remove_feed

log = logging.getLogger(__name__)

HANDLER_GROUP = -1
# A feed added by an admin starts at its current items: its backlog would page every chat with
# stale alerts. Older entries are remembered, not published (edit the file to change it).
NEW_FEED_MAX_AGE = "2d"
MAX_REPLY = 3900  # under Telegram's 4096, leaving room for the "… more" line
COMMANDS = [
    ("feeds", "Admin: feeds polled and their health"),
    ("feed_add", "Admin: add a feed: /feed_add URL [lang]"),
    ("feed_remove", "Admin: remove a feed: /feed_remove NAME"),
]


def is_admin(update: Update, settings: Settings) -> bool:
    user = update.effective_user
    return user is not None and user.id in settings.admin_user_ids


def _ago(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f}s"
    if seconds < 5400:
        return f"{seconds / 60:.0f}m"
    if seconds < 172800:
        return f"{seconds / 3600:.0f}h"
    return f"{seconds / 86400:.0f}d"


def _states(settings: Settings) -> dict:
    """The poller's per-feed state, if it ever ran with this data dir (read-only use)."""
    path = settings.data_dir / "feeds.sqlite3"
    if not path.exists():
        return {}
    from dementi.streams.feeds.state import FeedStore

    store = FeedStore(path)
    try:
        return {s.name: s for s in store.all_states()}
    finally:
        store.close()


def feeds_overview(settings: Settings, now: float | None = None) -> str:
    """HTML text for /feeds: one line per feed with its health, all feed text escaped."""
    try:
        feeds = load_feeds(settings.feeds_file)
    except FeedsConfigError as exc:
        return f"❌ The feeds file cannot be read:\n<code>{html.escape(str(exc))}</code>"
    if not feeds:
        return "No feeds configured. Add one with /feed_add URL [lang]."
    states = _states(settings)
    now = now if now is not None else time.time()
    lines = [f"<b>{len(feeds)} feed(s)</b>, {sum(f.enabled for f in feeds)} enabled:"]
    for feed in feeds:
        state = states.get(feed.name)
        if not feed.enabled:
            health = "⏸ disabled"
        elif state is None or (state.last_ok is None and not state.failures):
            health = "⏳ not polled yet"
        elif state.failures:
            health = f"⚠️ {state.failures} failure(s): {html.escape((state.last_error or '')[:120])}"
        else:
            health = f"✅ ok {_ago(now - state.last_ok)} ago"
        meta = ", ".join(x for x in (feed.lang, f"every {_ago(feed.interval)}" if feed.interval else "adaptive",
                                     "full text" if feed.full_text else "") if x)
        lines.append(f"• <b>{html.escape(feed.name)}</b> ({meta}) — {health}\n  {html.escape(feed.url)}")
    text, shown = lines[0], 0
    for line in lines[1:]:
        if len(text) + len(line) + 1 > MAX_REPLY:
            break
        text, shown = text + "\n" + line, shown + 1
    if shown < len(feeds):
        text += f"\n… and {len(feeds) - shown} more (see {html.escape(str(settings.feeds_file))})"
    return text


def feed_add_reply(settings: Settings, args: list[str]) -> str:
    if not args or len(args) > 2:
        return "Usage: /feed_add URL [lang] — e.g. /feed_add https://example.org/rss.xml fr"
    url, lang = args[0], (args[1] if len(args) == 2 else None)
    try:
        feed = add_feed(settings.feeds_file, url, lang=lang, max_age=NEW_FEED_MAX_AGE)
    except FeedsConfigError as exc:
        return f"❌ Not added: {html.escape(str(exc))}"
    return (f"✅ Added <b>{html.escape(feed.name)}</b> ({html.escape(feed.url)}"
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
    return f"🗑 Removed <b>{html.escape(feed.name)}</b> ({html.escape(feed.url)})."


async def _answer(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    await context.bot.send_message(update.effective_chat.id, text, parse_mode=ParseMode.HTML,
                                   link_preview_options=LinkPreviewOptions(is_disabled=True))


def _handler(settings: Settings, build_reply, name: str):
    """A PTB callback: admin check, build the reply in a thread (file I/O), answer, stop."""

    async def callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not is_admin(update, settings):
            await _answer(update, context, "⛔ Only bot admins can manage feeds.")
            raise ApplicationHandlerStop
        text = await asyncio.to_thread(build_reply, settings, list(context.args or []))
        if name != "feeds":
            log.info("admin %s: /%s %s", update.effective_user.id, name, " ".join(context.args or []))
        await _answer(update, context, text)
        raise ApplicationHandlerStop

    callback.__name__ = f"{name}_command"
    return callback


def register(application: Application, settings: Settings) -> None:
    """Add /feeds, /feed_add and /feed_remove to ``application`` (before the bot's own handlers)."""
    replies = {"feeds": lambda s, _args: feeds_overview(s), "feed_add": feed_add_reply,
               "feed_remove": feed_remove_reply}
    for name, build_reply in replies.items():
        application.add_handler(CommandHandler(name, _handler(settings, build_reply, name)), group=HANDLER_GROUP)
