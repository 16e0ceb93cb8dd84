"""Registers every command and button handler on an Application (one place, one order).

The commands come from the table (commands.py); the gate (gate.py) runs before all of them. A
``Who.BOT_ADMINS`` command is wrapped so that a non-admin gets the command's refusal and its
handler never runs.
"""

from __future__ import annotations

import functools

from telegram import Update
from telegram.ext import (Application, CallbackQueryHandler, ChatMemberHandler, CommandHandler, ContextTypes,
                          MessageHandler, TypeHandler, filters)

from dementi.bot.handlers import admin, common, gate, info, subs
from dementi.bot.handlers.commands import COMMANDS, Callback, Command, Who, set_menus

__all__ = ["register", "set_menus"]

# Commands are accepted in private chats, groups, supergroups and channel posts.
_WHERE = filters.UpdateType.MESSAGES | filters.UpdateType.CHANNEL_POSTS


def guarded(command: Command) -> Callback:
    """The command's handler, behind the admin check its ``who`` asks for."""
    if command.who is not Who.BOT_ADMINS:
        return command.handler

    @functools.wraps(command.handler)
    async def admins_only(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not await common.refuse_non_admin(update, context, command.refusal):
            await command.handler(update, context)

    return admins_only


def register(app: Application) -> None:
    app.add_handler(TypeHandler(Update, gate.gate), group=gate.GROUP)  # policy + group admins, before all
    for command in COMMANDS:
        app.add_handler(CommandHandler(command.name, guarded(command), filters=_WHERE))
    app.add_handler(MessageHandler(filters.Document.ALL & _WHERE, admin.upload))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, common.migrated))
    app.add_handler(ChatMemberHandler(common.membership, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(CallbackQueryHandler(subs.on_button, pattern=r"^(sub|rp|rt|tt|noop):"))
    app.add_handler(CallbackQueryHandler(info.on_alert_button, pattern=r"^(fb|mr|ms|ex):"))
    app.add_handler(MessageHandler(filters.COMMAND & _WHERE, common.unknown))
