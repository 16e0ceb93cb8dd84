"""/start, /help, unknown commands, and the helpers every handler module uses."""

from __future__ import annotations

import logging

from telegram import BotCommandScopeChat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from dementi.bot import feed_commands
from dementi.bot.answer import reply, reply_admin  # noqa: F401 - handlers import them from here
from dementi.bot.formatting import esc
from dementi.bot.services import svc

log = logging.getLogger(__name__)

# (command, menu description, help line) - the single source for setMyCommands and /help.
COMMANDS: list[tuple[str, str, str]] = [
    ("start", "Welcome and quick subscribe", "/start — welcome and one-tap subscription"),
    ("help", "What this bot does and how", "/help — this help"),
    ("subscribe", "Subscribe: all | RULE | tag:T | lang:fr | actor:RUS | severity>=high",
     "/subscribe [all | RULE_ID | tag:T | lang:fr | actor:RUS | severity&gt;=high]… — alone = all. "
     "Words in one command must all match (AND); several /subscribe add alternatives (OR)"),
    ("unsubscribe", "Unsubscribe (same filters); alone = everything",
     "/unsubscribe [same filters] — alone = everything"),
    ("subs", "This chat's subscriptions and settings", "/subs — this chat's filters and settings"),
    ("rules", "Browse rules, subscribe per rule or tag", "/rules — browse the rules with subscribe buttons"),
    ("mute", "Mute alerts for a while, e.g. /mute 2h", "/mute DURATION — e.g. 30m, 2h, 1d"),
    ("unmute", "Unmute this chat and its muted rules", "/unmute — end the mute and rule mutes"),
    ("quiet", "Quiet hours, e.g. /quiet 22:00-07:00", "/quiet 22:00-07:00 | off — alerts wait until the end"),
    ("timezone", "Time zone for quiet hours and digests", "/timezone Europe/Paris — for quiet hours and digests"),
    ("digest", "Delivery mode: off | hourly | daily", "/digest off|hourly|daily — one message per period"),
    ("recent", "Last stories matching this chat", "/recent [N] — last N stories matching this chat (max 20)"),
    ("story", "Every source of a story", "/story STORY_ID — every outlet, language and link that reported it"),
    ("explain", "Why an alert fired and where it went", "/explain ALERT_ID — the rule, the cues, its story and "
                                                        "what this chat got (sent, edited, muted... and why)"),
    ("status", "Rules, article/alert rate, lag, feedback",
     "/status — rules loaded, articles and alerts in the last hour, consumer lag, feedback"),
    ("feeds", "Sources: health, push/poll, last item, latency",
     "/feeds — the sources read: health, push or poll and pace, last item, median latency"),
]
# Admin-only commands: in /help for admins only, and in the menu of admins' private chats only
# (setMyCommands with a chat scope) - other users would only get a refusal from them.
_FEED_MENU = dict(feed_commands.COMMANDS)
ADMIN_COMMANDS: list[tuple[str, str, str]] = [
    ("rule_disable", "Admin: disable a rule: /rule_disable ID",
     "/rule_disable ID — stop alerting on a rule (persisted, every chat)"),
    ("rule_enable", "Admin: enable a rule again: /rule_enable ID", "/rule_enable ID — undo /rule_disable"),
    ("rule_test", "Admin: examples + dry run: /rule_test ID [N]",
     "/rule_test ID [N] — the rule's examples and a dry run over the last N articles"),
    ("feed_add", _FEED_MENU["feed_add"], "/feed_add URL [lang] — add a feed (the poller picks it up in seconds)"),
    ("feed_remove", _FEED_MENU["feed_remove"], "/feed_remove NAME — remove a feed (names as listed by /feeds)"),
]
ADMIN_HELP = "<b>Admins</b> (send a .yaml rule file to lint, test and hot-load it):"


def admin_menu() -> list[tuple[str, str]]:
    """(command, description) pairs for an admin's private chat: every command."""
    return [(c, d) for c, d, _ in COMMANDS + ADMIN_COMMANDS]


async def set_admin_menu(bot, admin_id: int) -> bool:
    """Show the admin commands in ``admin_id``'s private chat menu. Telegram answers 400 "chat not
    found" until that admin has written to the bot, so this is retried on the admin's /start."""
    try:
        await bot.set_my_commands(admin_menu(), scope=BotCommandScopeChat(admin_id))
        return True
    except TelegramError as exc:
        log.info("admin menu not set for user %s yet (%s); it will be on their /start", admin_id, exc)
        return False


def register_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    chat = update.effective_chat
    svc(context).store.touch_chat(chat.id, chat.type, chat.title or chat.username or chat.first_name)
    return chat.id


def is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    user = update.effective_user
    return user is not None and user.id in svc(context).settings.admin_user_ids


async def refuse_non_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """True (and a clear reply) when the sender is not an allow-listed admin."""
    if is_admin(update, context):
        return False
    user = update.effective_user
    log.warning("refused admin command from user %s in chat %s", user.id if user else None, update.effective_chat.id)
    await reply(update, context, "⛔ This command is for bot admins only.")
    return True


def start_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([
        [InlineKeyboardButton("✅ Subscribe to all rules", callback_data="sub:all")],
        [InlineKeyboardButton("📋 Browse rules", callback_data="rp:0")],
    ])


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
    lines = ["<b>Commands</b>"] + [h for _, _, h in COMMANDS]
    if is_admin(update, context):
        lines += ["", ADMIN_HELP] + [h for _, _, h in ADMIN_COMMANDS]
    await reply(update, context, "\n".join(lines))


async def unknown(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    text = (update.effective_message.text or "").split()[0] if update.effective_message else ""
    _, _, addressee = text.partition("@")
    mine = addressee.lower() == (context.bot.username or "").lower()
    if addressee and not mine:
        return  # a command for another bot in the same group
    if update.effective_chat.type != "private" and not mine:
        return  # in groups, answer only commands addressed to us: other bots share the /namespace
    await reply(update, context, f"🤔 Unknown command <code>{esc(text[:64])}</code>. Try /help for the list, "
                                 "or /subscribe to start receiving alerts.")


async def migrated(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Telegram's service message in a group that became a supergroup: move this chat's state now,
    before the next alert would hit the old id."""
    message = update.effective_message
    if message and message.migrate_to_chat_id:
        log.info("chat %s migrated to %s (service message)", message.chat_id, message.migrate_to_chat_id)
        svc(context).store.migrate_chat(message.chat_id, message.migrate_to_chat_id)


async def membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot was blocked, kicked or removed: pause the chat now instead of discovering it with a
    403 on the next alert. Being added back resumes it (subscriptions were kept)."""
    change = update.my_chat_member
    if change is None:
        return
    store = svc(context).store
    status = change.new_chat_member.status
    if status in ("kicked", "left"):
        log.warning("bot %s in chat %s; pausing its subscriptions", "removed" if status == "left" else "blocked/kicked",
                    change.chat.id)
        store.pause_chat(change.chat.id, f"bot {status} by user {change.from_user.id if change.from_user else '?'}")
    elif status in ("member", "administrator") and change.old_chat_member.status in ("kicked", "left"):
        chat = store.chat(change.chat.id)
        if chat is not None and chat.paused:
            store.set_chat(change.chat.id, paused=0, paused_reason=None)
            log.info("bot back in chat %s; subscriptions resumed", change.chat.id)
