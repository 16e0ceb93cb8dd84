"""The command table: every /command of the bot, its handler, its menu and help text, and who may
use it; and what is built from it: /help, /start's admin menu, the setMyCommands menus.

Why one table: the registration (bot/handlers/__init__.py), the gate (bot/handlers/gate.py), /help
and the menus used to keep their own lists, and a command added to one and not the others was
missing from /help, or worse, unchecked. Now a command exists once, here.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import Bot, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from dementi.bot.answer import reply
from dementi.bot.handlers import admin, feeds, info, noise, subs
from dementi.bot.handlers.common import ADMINS_ONLY, is_admin, register_chat, start_keyboard
from dementi.bot.services import svc

log = logging.getLogger(__name__)

Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


class Who(enum.Enum):
    """Who may use a command (the gate and the registration enforce it, /help and the menus show it)."""

    ANYONE = "anyone"            # reading, everywhere
    CHAT_ADMINS = "chat admins"  # changes the chat's state: in groups, only its admins and the bot's admins
    BOT_ADMINS = "bot admins"    # the bot's admins (DEMENTI_ADMIN_USER_IDS) only; answered in private


@dataclass(frozen=True)
class Command:
    name: str
    handler: Callback
    menu: str    # the setMyCommands description
    help: str    # the /help line (HTML)
    who: Who = Who.ANYONE
    refusal: str = ADMINS_ONLY  # what a non-admin gets (BOT_ADMINS)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    register_chat(update, context)
    if update.effective_chat.type == "private" and is_admin(update, context):
        await set_admin_menu(context.bot, update.effective_user.id)
    n = len(svc(context).catalog.rules())
    await reply(update, context,
                "👋 <b>dementi</b> tells you, within a second, when a state actor publicly <b>denies</b> a claim "
                f"or <b>refuses</b> a diplomatic initiative.\n\n{n} rules are loaded. Tap below to get every alert, "
                "or pick rules and tags. /help lists all commands.", start_keyboard())


async def help_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    register_chat(update, context)
    lines = ["<b>Commands</b>"] + [c.help for c in COMMANDS if c.who is not Who.BOT_ADMINS]
    if is_admin(update, context):
        lines += ["", ADMIN_HELP] + [c.help for c in COMMANDS if c.who is Who.BOT_ADMINS]
    await reply(update, context, "\n".join(lines))


COMMANDS: list[Command] = [
    Command("start", start, "Welcome and quick subscribe", "/start — welcome and one-tap subscription"),
    Command("help", help_cmd, "What this bot does and how", "/help — this help"),
    Command("subscribe", subs.subscribe, "Subscribe: all | RULE | tag:T | lang:fr | actor:RUS | severity>=high",
            "/subscribe [all | RULE_ID | tag:T | lang:fr | actor:RUS | severity&gt;=high]… — alone = all. "
            "Words in one command must all match (AND); several /subscribe add alternatives (OR)", Who.CHAT_ADMINS),
    Command("unsubscribe", subs.unsubscribe, "Unsubscribe (same filters); alone = everything",
            "/unsubscribe [same filters] — alone = everything", Who.CHAT_ADMINS),
    Command("subs", subs.subs, "This chat's subscriptions and settings", "/subs — this chat's filters and settings"),
    Command("rules", subs.rules_cmd, "Browse rules, subscribe per rule or tag",
            "/rules — browse the rules with subscribe buttons"),
    Command("mute", noise.mute, "Mute alerts for a while, e.g. /mute 2h", "/mute DURATION — e.g. 30m, 2h, 1d",
            Who.CHAT_ADMINS),
    Command("unmute", noise.unmute, "Unmute this chat and its muted rules", "/unmute — end the mute and rule mutes",
            Who.CHAT_ADMINS),
    Command("quiet", noise.quiet, "Quiet hours, e.g. /quiet 22:00-07:00",
            "/quiet 22:00-07:00 | off — alerts wait until the end", Who.CHAT_ADMINS),
    Command("timezone", noise.timezone_cmd, "Time zone for quiet hours and digests",
            "/timezone Europe/Paris — for quiet hours and digests", Who.CHAT_ADMINS),
    Command("digest", noise.digest, "Delivery mode: off | hourly | daily",
            "/digest off|hourly|daily — one message per period", Who.CHAT_ADMINS),
    Command("recent", info.recent, "Last stories matching this chat",
            "/recent [N] — last N stories matching this chat (max 20)"),
    Command("story", info.story, "Every source of a story",
            "/story STORY_ID — every outlet, language and link that reported it"),
    Command("explain", info.explain, "Why an alert fired and where it went",
            "/explain ALERT_ID — the rule, the cues, its story and what this chat got (sent, edited, muted... and why)"),
    Command("status", info.status, "Rules, article/alert rate, lag, feedback",
            "/status — rules loaded, articles and alerts in the last hour, consumer lag, feedback"),
    Command("feeds", feeds.feeds, "Sources: health, push/poll, last item, latency",
            "/feeds — the sources read: health, push or poll and pace, last item, median latency"),
    # Bot admins only: in /help for admins only, and in the menu of admins' private chats only
    # (setMyCommands with a chat scope) - other users would only get a refusal from them.
    Command("rule_disable", admin.rule_disable, "Admin: disable a rule: /rule_disable ID",
            "/rule_disable ID — stop alerting on a rule (persisted, every chat)", Who.BOT_ADMINS),
    Command("rule_enable", admin.rule_enable, "Admin: enable a rule again: /rule_enable ID",
            "/rule_enable ID — undo /rule_disable", Who.BOT_ADMINS),
    Command("rule_test", admin.rule_test, "Admin: examples + dry run: /rule_test ID [N]",
            "/rule_test ID [N] — the rule's examples and a dry run over the last N articles", Who.BOT_ADMINS),
    Command("feed_add", feeds.feed_add, "Admin: add a feed: /feed_add URL [lang]",
            "/feed_add URL [lang] — add a feed (the poller picks it up in seconds)", Who.BOT_ADMINS, feeds.REFUSAL),
    Command("feed_remove", feeds.feed_remove, "Admin: remove a feed: /feed_remove NAME",
            "/feed_remove NAME — remove a feed (names as listed by /feeds)", Who.BOT_ADMINS, feeds.REFUSAL),
]
ADMIN_HELP = "<b>Admins</b> (send a .yaml rule file to lint, test and hot-load it):"


def names(*who: Who) -> set[str]:
    """The commands usable by ``who`` (every command when none is given)."""
    return {c.name for c in COMMANDS if not who or c.who in who}


def menu() -> list[tuple[str, str]]:
    """(command, description) pairs for everyone's menu: the commands that are not admin-only."""
    return [(c.name, c.menu) for c in COMMANDS if c.who is not Who.BOT_ADMINS]


def admin_menu() -> list[tuple[str, str]]:
    """(command, description) pairs for an admin's private chat: every command."""
    return [(c.name, c.menu) for c in COMMANDS]


async def set_admin_menu(bot: Bot, admin_id: int) -> bool:
    """Show the admin commands in ``admin_id``'s private chat menu. Telegram answers 400 "chat not
    found" until that admin has written to the bot, so this is retried on the admin's /start."""
    try:
        await bot.set_my_commands(admin_menu(), scope=BotCommandScopeChat(admin_id))
        return True
    except TelegramError as exc:
        log.info("admin menu not set for user %s yet (%s); it will be on their /start", admin_id, exc)
        return False


async def set_menus(bot: Bot, admin_user_ids: list[int]) -> None:
    """setMyCommands: the public commands for everyone, every command in each admin's private chat."""
    await bot.set_my_commands(menu())
    for admin_id in admin_user_ids:
        await set_admin_menu(bot, admin_id)
