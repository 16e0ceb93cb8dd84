"""One gate in front of every command, button and upload (PTB handler group -2, before all others).

Two rules, checked in one place so that no handler can forget them:
- the subscription policy (bot/policy.py): a chat the bot does not serve gets a refusal for every
  command and button, reading ones included (/status, /rules, /recent...). Admin-only commands are
  let through: the command table's admin check refuses non-admins, and admins are answered in private.
- in groups, only the group's admins (getChatMember; an anonymous admin posts as the group) and
  the bot's admins change the group's state: subscriptions, mutes, quiet hours, time zone, digest.
  Anyone may read (/subs, /rules, /recent) and vote 👍/👎 (a vote is per user).
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from dementi.bot.answer import reply
from dementi.bot.handlers.commands import Who, names
from dementi.bot.policy import chat_served
from dementi.bot.services import svc

log = logging.getLogger(__name__)

GROUP = -2
CHANGES_CHAT = names(Who.CHAT_ADMINS)  # subscriptions, mutes, quiet hours, time zone, digest
CHANGING_BUTTONS = {"sub", "rt", "tt", "mr"}  # (un)subscribe buttons, "mute this rule"
ADMIN_ONLY = names(Who.BOT_ADMINS) | {"upload"}  # let through: checked by the registration / the upload
OURS = names() | {"upload"}
NOT_SERVED = "⛔ This bot only serves allow-listed chats. Ask its operator to add this chat."
ADMINS_ONLY = ("⛔ In groups, only the group's admins can change its subscriptions, mutes, quiet hours, "
               "time zone or digest.")


def _command(update: Update, bot_username: str | None) -> str | None:
    """The command an update carries ('upload' for a rule file), None when it is not for us (in a
    group, a command of another bot: addressed to it, or not one of ours and not addressed to us)."""
    message = update.effective_message
    if message is None:
        return None
    if message.document is not None:
        name = (message.document.file_name or "").lower()
        return "upload" if name.endswith((".yaml", ".yml")) else None
    text = message.text or ""
    if not text.startswith("/"):
        return None
    name, _, addressee = text.split()[0][1:].partition("@")
    mine = addressee.lower() == (bot_username or "").lower()
    if addressee and not mine:
        return None
    if update.effective_chat.type != "private" and not mine and name.lower() not in OURS:
        return None
    return name.lower()


async def _group_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    chat, message = update.effective_chat, update.effective_message
    if update.callback_query is None and message is not None and message.sender_chat is not None \
            and message.sender_chat.id == chat.id:
        return True  # an anonymous admin of this group
    user = update.effective_user
    if user is None:
        return False
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError as exc:
        log.warning("cannot check whether user %s administers chat %s (%s): refusing", user.id, chat.id, exc)
        return False
    return member.status in ("creator", "administrator")


async def _refuse(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    else:
        await reply(update, context, text)
    raise ApplicationHandlerStop


async def gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    query = update.callback_query
    if query is not None:
        command, button = None, (query.data or "").partition(":")[0]
    else:
        command, button = _command(update, context.bot.username), None
        if command is None or command in ADMIN_ONLY:
            return
    s = svc(context)
    if not chat_served(s.settings, chat.id):
        log.info("refused %s from chat %s (not allow-listed)", command or f"button {button}", chat.id)
        await _refuse(update, context, NOT_SERVED)
    if chat.type in ("group", "supergroup") and (command in CHANGES_CHAT or button in CHANGING_BUTTONS):
        user = update.effective_user
        if not (user is not None and user.id in s.settings.admin_user_ids) and not await _group_admin(update, context):
            await _refuse(update, context, ADMINS_ONLY)
