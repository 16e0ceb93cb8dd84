"""Sending the bot's HTML answers: to the chat of an update, or, for admin commands, privately.

Why admin answers go to the admin's private chat: /feeds lists feed URLs, /rule_test shows article
text and rule internals, an upload's errors show the rule file. None of that belongs in a group
where the admin happened to type the command.
"""

from __future__ import annotations

import logging

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import ContextTypes

from dementi.bot.html_split import split_html

log = logging.getLogger(__name__)

PRIVATE_FIRST = ("🔒 I answer admin commands in our private chat, which you have not opened yet: "
                 "open it, send /start, then the command again.")


async def send_html(bot, chat_id: int, text: str, markup=None) -> None:
    """Long answers (/recent 20, many rule errors) are split like alerts are; the buttons go under
    the last part."""
    parts = split_html(text)
    for i, part in enumerate(parts):
        await bot.send_message(chat_id, part, parse_mode=ParseMode.HTML,
                               reply_markup=markup if i == len(parts) - 1 else None,
                               link_preview_options=LinkPreviewOptions(is_disabled=True))


async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str, markup=None) -> None:
    """Answer in the chat of the update (HTML; callers escape every user/article string)."""
    await send_html(context.bot, update.effective_chat.id, text, markup)


async def reply_admin(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    """Answer an admin command: in the admin's private chat when it came from a group or channel."""
    chat, user = update.effective_chat, update.effective_user
    if chat.type == "private" or user is None:
        await reply(update, context, text)
        return
    try:
        await send_html(context.bot, user.id, text)
    except (Forbidden, BadRequest) as exc:  # the admin never opened a private chat with the bot
        log.info("admin %s: private answer not possible (%s)", user.id, exc)
        await reply(update, context, PRIVATE_FIRST)
