"""Registers every command and button handler on an Application (one place, one order)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (Application, CallbackQueryHandler, ChatMemberHandler, CommandHandler, MessageHandler,
                          TypeHandler, filters)

from dementi.bot.handlers import admin, common, gate, info, noise, subs

# Commands are accepted in private chats, groups, supergroups and channel posts.
_WHERE = filters.UpdateType.MESSAGES | filters.UpdateType.CHANNEL_POSTS

HANDLERS = {
    "start": common.start, "help": common.help_cmd,
    "subscribe": subs.subscribe, "unsubscribe": subs.unsubscribe, "subs": subs.subs, "rules": subs.rules_cmd,
    "mute": noise.mute, "unmute": noise.unmute, "quiet": noise.quiet, "timezone": noise.timezone_cmd,
    "digest": noise.digest,
    "recent": info.recent, "story": info.story, "explain": info.explain, "status": info.status,
    "rule_disable": admin.rule_disable, "rule_enable": admin.rule_enable, "rule_test": admin.rule_test,
}


def register(app: Application) -> None:
    app.add_handler(TypeHandler(Update, gate.gate), group=gate.GROUP)  # policy + group admins, before all
    for name, callback in HANDLERS.items():
        app.add_handler(CommandHandler(name, callback, filters=_WHERE))
    app.add_handler(MessageHandler(filters.Document.ALL & _WHERE, admin.upload))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, common.migrated))
    app.add_handler(ChatMemberHandler(common.membership, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(CallbackQueryHandler(subs.on_button, pattern=r"^(sub|rp|rt|tt|noop):"))
    app.add_handler(CallbackQueryHandler(info.on_alert_button, pattern=r"^(fb|mr|ms|ex):"))
    app.add_handler(MessageHandler(filters.COMMAND & _WHERE, common.unknown))


def menu() -> list[tuple[str, str]]:
    """(command, description) pairs for setMyCommands."""
    return [(c, d) for c, d, _ in common.COMMANDS]


async def set_menus(bot, admin_user_ids) -> None:
    """setMyCommands: the public commands for everyone, every command in each admin's private chat."""
    await bot.set_my_commands(menu())
    for admin_id in admin_user_ids:
        await common.set_admin_menu(bot, admin_id)
