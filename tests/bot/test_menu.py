"""/help and the setMyCommands menus agree with the handlers actually registered: every public
command in everyone's menu and /help, every admin command (rules AND feeds) only for admins."""

from __future__ import annotations

import asyncio

from telegram.ext import CommandHandler

from dementi.bot.app import build_application, make_services
from dementi.bot.handlers.commands import Who, names
from tests.bot.conftest import ADMIN, start_bot

ADMIN_NAMES = names(Who.BOT_ADMINS)


def registered_commands(settings) -> set[str]:
    services = make_services(settings)
    try:
        app = build_application(settings, services)
        return {cmd for handlers in app.handlers.values() for h in handlers if isinstance(h, CommandHandler)
                for cmd in h.commands}
    finally:
        services.store.close()


def help_commands(text: str, names: set[str]) -> set[str]:
    return {n for n in names if f"/{n} " in text or f"/{n}\n" in text or text.endswith(f"/{n}")}


async def test_menus_and_help_list_exactly_the_registered_commands(bot_settings, botapi):
    registered = registered_commands(bot_settings)
    assert {"feeds", "feed_add", "feed_remove", "timezone", "rule_test", "status"} <= registered
    assert ADMIN_NAMES <= registered, "every admin command in /help is a real handler"
    public = registered - ADMIN_NAMES
    botapi.state.chat(ADMIN, "private")  # this admin has written to the bot before; admin 777 never did
    settings = bot_settings.model_copy(update={"admin_user_ids": [ADMIN, 777]})
    bot = await start_bot(settings, botapi)
    try:
        await botapi.await_condition(lambda: ("chat", ADMIN) in botapi.state.scoped_commands, 10)
        assert {c["command"] for c in botapi.state.commands} == public
        assert {c["command"] for c in botapi.state.scoped_commands[("chat", ADMIN)]} == registered
        assert ("chat", 777) not in botapi.state.scoped_commands, "unknown chat refused (400), bot still runs"

        user_help = await bot.command(31, "/help")
        assert help_commands(user_help, registered) == public
        admin_help = await bot.command(ADMIN, "/help", user_id=ADMIN)
        assert help_commands(admin_help, registered) == registered

        # the admin who could not get a menu at start-up gets it with their /start
        await bot.command(777, "/start", user_id=777)
        assert {c["command"] for c in botapi.state.scoped_commands[("chat", 777)]} == registered
        await bot.command(32, "/start", user_id=32)
        assert ("chat", 32) not in botapi.state.scoped_commands
    finally:
        bot.stop.set()
        await asyncio.wait_for(bot.task, 30)
