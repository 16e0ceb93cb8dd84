"""Security review (issue 12), command side, through the real python-telegram-bot polling the Bot
API test server: forged button data, other chats' alerts, the allow-list on every command and
button, group admins, admin answers in private."""

from __future__ import annotations

import asyncio

from tests.bot.conftest import ADMIN, make_alert, publish_stories, start_bot


async def _delivered(bot, chat_id: int, count: int) -> None:
    await bot.server.await_messages(chat_id, count, 20)


async def test_forged_tag_button_is_validated_like_a_typed_command(running_bot):
    bot, server = running_bot, running_bot.server
    store = bot.services.store
    await bot.command(21, "/rules")
    for forged in ("tt:a/b", "tt:", "tt:no-such-tag", "tt:x severity>=huge"):
        answers = len(server.state.callback_answers)
        server.press_button(21, forged)
        await server.await_condition(lambda: len(server.state.callback_answers) > answers)
        assert "tag" in (server.state.callback_answers[-1]["text"] or "").lower(), forged
    assert store.subscriptions(21) == []
    server.press_button(21, "tt:refusal")  # a real tag still works
    await server.await_condition(lambda: store.subscriptions(21) == ["tag:refusal"])


async def test_explain_and_alert_buttons_only_for_alerts_routed_to_this_chat(running_bot):
    bot, server, settings = running_bot, running_bot.server, running_bot.settings
    store = bot.services.store
    await bot.command(22, "/subscribe tag:denial")
    await bot.command(23, "/subscribe tag:refusal")
    theirs = make_alert(31)  # tag denial: chat 22's alert, never routed to chat 23
    before = len(server.messages(22))
    [story] = await asyncio.to_thread(publish_stories, settings.kafka_bootstrap, settings, [theirs])
    await _delivered(bot, 22, before + 1)
    assert theirs.alert_id in await bot.command(22, f"/explain {theirs.alert_id}")
    refused = await bot.command(23, f"/explain {theirs.alert_id}")
    assert "No alert" in refused and "dément" not in refused
    assert "Gazette imaginaire" in await bot.command(22, f"/story {story.story_id}")
    refused = await bot.command(23, f"/story {story.story_id}")
    assert "No story" in refused and "Gazette imaginaire" not in refused
    for data in (f"ex:{theirs.alert_id}", f"fb:-:{theirs.alert_id}", f"mr:{theirs.alert_id}", f"ms:{story.story_id}"):
        answers, sent = len(server.state.callback_answers), len(server.messages(23))
        server.press_button(23, data)
        await server.await_condition(lambda: len(server.state.callback_answers) > answers)
        assert "no longer" in server.state.callback_answers[-1]["text"], data
        assert len(server.messages(23)) == sent  # no explanation, no "muted" message
    assert store.feedback_scores() == {}
    assert store.chat(23).rule_mutes == {}
    assert store.conn.execute("SELECT COUNT(*) FROM story_mutes WHERE chat_id = 23").fetchone()[0] == 0
    server.press_button(22, f"fb:+:{theirs.alert_id}")  # the chat it was delivered to may vote
    await server.await_condition(lambda: store.feedback_scores() == {"test-denial": (1, 0)})


async def test_allowlist_applies_to_every_command_and_button(bot_settings, botapi):
    settings = bot_settings.model_copy(update={"subscription_policy": "allowlist", "allowed_chat_ids": [24]})
    bot = await start_bot(settings, botapi)
    server = botapi
    try:
        for command in ("/status", "/rules", "/recent", "/subs", "/explain abc", "/subscribe", "/mute 1h",
                        "/digest hourly", "/start", "/help"):
            reply = await bot.command(25, command)
            assert "allow-listed" in reply, command
            assert "Rules loaded" not in reply and "test-denial" not in reply
        answers = len(server.state.callback_answers)
        server.press_button(25, "rp:0")
        await server.await_condition(lambda: len(server.state.callback_answers) > answers)
        assert "allow-listed" in server.state.callback_answers[-1]["text"]
        store = bot.services.store
        assert store.subscriptions(25) == [] and (store.chat(25) is None or store.chat(25).digest == "off")
        assert "Rules loaded" in await bot.command(24, "/status")  # the allow-listed chat
        assert "Subscribed" in await bot.command(ADMIN, "/subscribe", user_id=ADMIN)  # an admin's private chat
        # a bot admin in a chat that is not allow-listed gets no service there either
        assert "allow-listed" in await bot.command(26, "/subscribe", user_id=ADMIN)
    finally:
        bot.stop.set()
        await asyncio.wait_for(bot.task, 30)


async def test_in_groups_only_chat_admins_change_the_groups_settings(running_bot):
    bot, server = running_bot, running_bot.server
    store = bot.services.store
    group = -3001
    server.set_chat_admin(group, 61)
    for command in ("/subscribe", "/unsubscribe", "/mute 1h", "/unmute", "/quiet 22:00-07:00", "/timezone UTC",
                    "/digest daily"):
        reply = await bot.command(group, command, user_id=60, chat_type="group")
        assert "admins" in reply, command
    assert store.subscriptions(group) == [] and (store.chat(group) is None or store.chat(group).digest == "off")
    answers = len(server.state.callback_answers)
    server.press_button(group, "sub:all", user_id=60)
    await server.await_condition(lambda: len(server.state.callback_answers) > answers)
    assert store.subscriptions(group) == []
    # reading is for everyone; changing is for the group's admins (and the bot's)
    assert "no subscriptions" in await bot.command(group, "/subs", user_id=60, chat_type="group")
    assert "Subscribed to all" in await bot.command(group, "/subscribe", user_id=61, chat_type="group")
    assert "Digest daily" in await bot.command(group, "/digest daily", user_id=ADMIN, chat_type="group")
    # an anonymous group admin posts as the group itself
    before = len(server.messages(group))
    server.send_message(group, "/mute 1h", chat_type="group", sender_chat=True)
    reply = await server.await_reply(group, before)
    assert "Muted until" in reply.text


async def test_admin_commands_answer_in_private(running_bot):
    bot, server = running_bot, running_bot.server
    group = -3002
    # an admin who never opened a private chat with the bot is told to, in the group, and nothing else
    pointer = await bot.command(group, "/rule_disable test-low", user_id=ADMIN, chat_type="group")
    assert "/start" in pointer and "test-low" not in pointer
    await bot.command(ADMIN, "/start", user_id=ADMIN)  # the admin talked to the bot privately once
    before_private, before_group = len(server.messages(ADMIN)), len(server.messages(group))
    server.send_message(group, "/feed_remove no-such-feed", user_id=ADMIN, chat_type="group")
    reply = await server.await_reply(ADMIN, before_private)
    assert "no-such-feed" in reply.text
    server.send_message(group, "/rule_enable test-low", user_id=ADMIN, chat_type="group")
    reply = await server.await_reply(ADMIN, before_private + 1)
    assert "test-low" in reply.text and "enabled" in reply.text
    assert len(server.messages(group)) == before_group  # nothing about feeds or rules in the group
