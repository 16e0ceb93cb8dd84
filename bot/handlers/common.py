"""Unknown commands, Telegram's service updates (migration, membership), and the helpers every
handler module uses. (/start and /help are built from the command table: commands.py.)"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from dementi.bot.answer import reply, reply_admin  # noqa: F401 - handlers import them from here
from dementi.bot.formatting import esc
from dementi.bot.services import svc

log = logging.getLogger(__name__)


def register_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    chat = update.effective_chat
    svc(context).store.touch_chat(chat.id, chat.type, chat.title or chat.username or chat.first_name)
    return chat.id


def is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    user = update.effective_user
    return user is not None and user.id in svc(context).settings.admin_user_ids


ADMINS_ONLY = "⛔ This command is for bot admins only."


async def refuse_non_admin(update: Update, context: ContextTypes.DEFAULT_TYPE, refusal: str = ADMINS_ONLY) -> bool:
    """True (and a clear reply) when the sender is not an allow-listed admin."""
    if is_admin(update, context):
        return False
    user = update.effective_user
    log.warning("refused admin command from user %s in chat %s", user.id if user else None, update.effective_chat.id)
    await reply(update, context, refusal)
    return True


def start_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([
        [InlineKeyboardButton("✅ Subscribe to all rules", callback_data="sub:all")],
        [InlineKeyboardButton("📋 Browse rules", callback_data="rp:0")],
    ])


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
