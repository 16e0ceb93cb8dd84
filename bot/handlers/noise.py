"""Noise control from the chat: /mute, /unmute, /quiet, /timezone, /digest."""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import Update
from telegram.ext import ContextTypes

from dementi import durations
from dementi.bot.formatting import esc
from dementi.bot.handlers.common import register_chat, reply
from dementi.bot.notify.stages import parse_quiet
from dementi.bot.services import svc

MAX_MUTE = 90 * 86400


def parse_duration(text: str) -> int:
    """'2h', '1d', '1h30m' -> seconds (a unit is required); ValueError with a readable message otherwise."""
    try:
        seconds = int(durations.parse_duration(text, require_unit=True))
    except ValueError:
        raise ValueError("a duration looks like 30m, 2h, 1d or 1h30m") from None
    if seconds <= 0:
        raise ValueError("the duration must be positive")
    if seconds > MAX_MUTE:
        raise ValueError("at most 90d; use /unsubscribe to stop alerts for good")
    return seconds


def _utc(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


async def mute(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat_id = register_chat(update, context)
    if len(context.args or []) != 1:
        await reply(update, context, "❌ Usage: /mute DURATION, e.g. /mute 2h or /mute 1d. Nothing was changed.")
        return
    try:
        seconds = parse_duration(context.args[0])
    except ValueError as exc:
        await reply(update, context, f"❌ {esc(str(exc))}. Nothing was changed.")
        return
    until = time.time() + seconds
    svc(context).store.set_chat(chat_id, muted_until=until)
    await reply(update, context, f"🔇 Muted until {_utc(until)}. Alerts in the meantime are skipped "
                                 "(see /recent). /unmute to end it early.")


async def unmute(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat_id = register_chat(update, context)
    store = svc(context).store
    chat = store.chat(chat_id)
    was = bool(chat and chat.muted_until > time.time())
    store.set_chat(chat_id, muted_until=0)
    rules = store.unmute_rules(chat_id)
    if was or rules:
        await reply(update, context, "🔔 Unmuted." + (f" {rules} rule mute(s) lifted." if rules else ""))
    else:
        await reply(update, context, "ℹ️ This chat was not muted.")


async def quiet(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat_id = register_chat(update, context)
    store = svc(context).store
    args = context.args or []
    if len(args) != 1:
        chat = store.chat(chat_id)
        current = chat.quiet if chat and chat.quiet else "none"
        await reply(update, context, f"❌ Usage: /quiet 22:00-07:00 or /quiet off (current: {esc(current)}). "
                                     "Nothing was changed.")
        return
    if args[0].lower() == "off":
        store.set_chat(chat_id, quiet=None)
        await reply(update, context, "🌙 Quiet hours removed.")
        return
    try:
        parse_quiet(args[0])
    except ValueError as exc:
        await reply(update, context, f"❌ {esc(str(exc))}. Nothing was changed.")
        return
    store.set_chat(chat_id, quiet=args[0])
    tz = store.chat(chat_id).tz
    await reply(update, context, f"🌙 Quiet hours {esc(args[0])} ({esc(tz)}): alerts arriving then are delivered "
                                 "when they end. Change the zone with /timezone.")


async def timezone_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat_id = register_chat(update, context)
    store = svc(context).store
    args = context.args or []
    if len(args) != 1:
        chat = store.chat(chat_id)
        await reply(update, context, f"❌ Usage: /timezone Europe/Paris (current: {esc(chat.tz if chat else 'UTC')}). "
                                     "Nothing was changed.")
        return
    name = args[0]
    try:
        if "/" not in name and name.upper() != "UTC":
            raise ZoneInfoNotFoundError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        await reply(update, context, f"❌ Unknown time zone <code>{esc(name[:64])}</code>; use an IANA name such as "
                                     "Europe/Paris or UTC. Nothing was changed.")
        return
    store.set_chat(chat_id, tz="UTC" if name.upper() == "UTC" else name)
    await reply(update, context, f"🕰 Time zone set to {esc(name)}.")


async def digest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat_id = register_chat(update, context)
    args = [a.lower() for a in context.args or []]
    if len(args) != 1 or args[0] not in ("off", "hourly", "daily"):
        await reply(update, context, "❌ Usage: /digest off | hourly | daily. Nothing was changed.")
        return
    svc(context).store.set_chat(chat_id, digest=args[0])
    if args[0] == "off":
        await reply(update, context, "🗞 Digest off: alerts are sent one by one as they come.")
    else:
        await reply(update, context, f"🗞 Digest {args[0]}: one message per {args[0][:-2] if args[0] == 'hourly' else 'day'} "
                                     "with every alert of the period.")
