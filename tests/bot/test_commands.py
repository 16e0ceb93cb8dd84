"""Every command through the real python-telegram-bot polling the Bot API test server, with the
notifier consuming the real broker. Wrong arguments: clear reply, nothing changes."""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from dementi.bot.catalog import disabled_rules
from dementi.bot.handlers.commands import COMMANDS, Who
from dementi.records import story_id_for
from tests.bot.conftest import ADMIN, make_alert, publish_stories, start_bot, stories_of
from tests.botapi.state import BOT_USERNAME


async def test_start_help_unknown_and_menu(running_bot):
    bot, server = running_bot, running_bot.server
    menu = [c["command"] for c in server.state.commands]
    assert {"start", "help", "subscribe", "unsubscribe", "subs", "rules", "mute", "unmute", "quiet", "digest",
            "recent", "explain", "status", "timezone"} <= set(menu)
    text = await bot.command(1, "/start")
    assert "dementi" in text and "3 rules" in text
    buttons = [b["callback_data"] for row in server.messages(1)[-1].reply_markup["inline_keyboard"] for b in row]
    assert "sub:all" in buttons
    before = len(server.messages(1))
    server.press_button(1, "sub:all")
    reply = await server.await_reply(1, before)
    assert "Subscribed to all" in reply.text
    assert bot.services.store.subscriptions(1) == ["all"]
    assert server.state.callback_answers, "the button press was answered"
    help_text = await bot.command(1, "/help")
    assert "/subscribe" in help_text and "/quiet" in help_text and "rule_disable" not in help_text
    assert "rule_disable" in await bot.command(7, "/help", user_id=ADMIN)
    unknown = await bot.command(1, "/frobnicate now")
    assert "Unknown command" in unknown and "/frobnicate" in unknown and "/help" in unknown
    # in a group, unknown commands meant for other bots get no reply; one addressed to us does
    server.send_message(-90, "/frobnicate", user_id=5, chat_type="group")
    server.send_message(-90, "/frobnicate@some_other_bot", user_id=5, chat_type="group")
    assert "Unknown command" in await bot.command(-90, f"/frobnicate@{BOT_USERNAME}", user_id=5, chat_type="group")
    assert len(server.messages(-90)) == 1


@pytest.mark.chat_limit_relaxed("about what 25 commands answer in one chat, not about pacing them")
async def test_subscribe_unsubscribe_subs_and_wrong_arguments(running_bot):
    bot = running_bot
    store = bot.services.store
    assert "Subscribed to tag:denial lang:fr" in await bot.command(2, "/subscribe tag:denial lang:fr")
    assert "Subscribed to test-refusal" in await bot.command(2, "/subscribe test-refusal")
    assert "Already subscribed" in await bot.command(2, "/subscribe lang:fr tag:denial")
    for bad, fragment in (("/subscribe no-such-rule", "unknown rule id"),
                          ("/subscribe tag:nope", "no rule has the tag"),
                          ("/subscribe severity>=extreme", "severity"),
                          ("/subscribe lang:french", "ISO 639-1"),
                          ("/subscribe all tag:denial", "cannot be combined")):
        reply = await bot.command(2, bad)
        assert fragment in reply and "Nothing was changed" in reply, bad
    assert store.subscriptions(2) == ["tag:denial lang:fr", "test-refusal"]
    subs = await bot.command(2, "/subs")
    assert "tag:denial lang:fr" in subs and "test-refusal" in subs
    reply = await bot.command(2, "/unsubscribe lang:de")
    assert "not subscribed" in reply and "Nothing was changed" in reply
    assert store.subscriptions(2) == ["tag:denial lang:fr", "test-refusal"]
    assert "Unsubscribed from test-refusal" in await bot.command(2, "/unsubscribe test-refusal")
    # /subscribe alone = all; /unsubscribe RULE then carves it out of "all"
    assert "Subscribed to all" in await bot.command(2, "/subscribe")
    assert "no longer get test-low" in await bot.command(2, "/unsubscribe test-low")
    assert store.exclusions(2) == ["test-low"]
    assert "Except" in await bot.command(2, "/subs")
    assert "everything" in await bot.command(2, "/unsubscribe")
    assert store.subscriptions(2) == [] and store.exclusions(2) == []
    assert "no subscriptions" in await bot.command(2, "/subs")
    # commands addressed to the bot by name in a group work too (from one of the group's admins)
    bot.server.set_chat_admin(-77, 5)
    assert "Subscribed to all" in await bot.command(-77, f"/subscribe@{BOT_USERNAME}", user_id=5, chat_type="group")


@pytest.mark.chat_limit_relaxed("about what 25 commands answer in one chat, not about pacing them")
async def test_noise_commands_and_wrong_arguments(running_bot):
    bot = running_bot
    store = bot.services.store
    await bot.command(3, "/subscribe")
    assert "Muted until" in await bot.command(3, "/mute 2h")
    muted = store.chat(3).muted_until
    assert muted > 0
    for bad in ("/mute", "/mute soon", "/mute 0h", "/mute 200d", "/mute 1h 2h"):
        assert "❌" in await bot.command(3, bad), bad
    assert store.chat(3).muted_until == muted
    assert "Unmuted" in await bot.command(3, "/unmute")
    assert store.chat(3).muted_until == 0
    assert "not muted" in await bot.command(3, "/unmute")
    assert "Quiet hours 22:00-07:00" in await bot.command(3, "/quiet 22:00-07:00")
    assert "❌" in await bot.command(3, "/quiet 25:00-07:00")
    assert "❌" in await bot.command(3, "/quiet")
    assert store.chat(3).quiet == "22:00-07:00"
    assert "Europe/Paris" in await bot.command(3, "/timezone Europe/Paris")
    assert "Unknown time zone" in await bot.command(3, "/timezone Mars/Olympus")
    assert store.chat(3).tz == "Europe/Paris"
    assert "removed" in await bot.command(3, "/quiet off")
    assert store.chat(3).quiet is None
    assert "Digest hourly" in await bot.command(3, "/digest hourly")
    assert "❌" in await bot.command(3, "/digest weekly")
    assert store.chat(3).digest == "hourly"
    subs = await bot.command(3, "/subs")
    assert "digest: hourly" in subs and "Europe/Paris" in subs


async def test_rules_buttons_toggle_rule_and_tag(running_bot):
    bot, server = running_bot, running_bot.server
    store = bot.services.store
    text = await bot.command(4, "/rules")
    assert "test-denial" in text and "test-refusal" in text
    markup = server.messages(4)[-1].reply_markup["inline_keyboard"]
    data = [b["callback_data"] for row in markup for b in row]
    rule_buttons = [d for d in data if d.startswith("rt:")]
    assert len(rule_buttons) == 3 and "tt:denial" in data
    server.press_button(4, rule_buttons[0])  # rules are sorted: test-denial first
    await server.await_condition(lambda: store.subscriptions(4) == ["test-denial"])
    await server.await_condition(lambda: len(server.state.edits) >= 1)
    assert "✅ test-denial" in server.state.edits[-1].text
    server.press_button(4, "tt:refusal")
    await server.await_condition(lambda: "tag:refusal" in store.subscriptions(4))
    server.press_button(4, rule_buttons[0])  # toggle off again
    await server.await_condition(lambda: "test-denial" not in store.subscriptions(4))


async def test_alert_delivery_buttons_recent_explain_status(running_bot):
    bot, server, settings = running_bot, running_bot.server, running_bot.settings
    store = bot.services.store
    await bot.command(5, "/subscribe tag:denial")
    assert "❌" in await bot.command(5, "/recent 0")
    assert "No recent story" in await bot.command(5, "/recent")
    first = make_alert(1, title="<script>alert(1)</script> & Co")
    other = make_alert(2, rule_id="test-refusal", tags=("refusal",), title="Pas pour ce chat")
    before = len(server.messages(5))
    await asyncio.to_thread(publish_stories, settings.kafka_bootstrap, settings, [first, other])
    alert_msg = await server.await_reply(5, before, timeout=30)
    # the two alerts may sit on different partitions: `other` must have been routed (and dropped
    # for this chat) before "it was not delivered / not listed" means anything
    await server.await_condition(lambda: store.alert(other.alert_id) is not None, 30)
    story_id = story_id_for(first.alert_id)
    assert "<script>alert(1)</script> & Co" in alert_msg.text and story_id in alert_msg.text
    # 👍 then 👎 from two users feed /status
    server.press_button(5, f"fb:+:{first.alert_id}", user_id=50, message_id=alert_msg.message_id)
    server.press_button(5, f"fb:-:{first.alert_id}", user_id=51, message_id=alert_msg.message_id)
    await server.await_condition(lambda: store.feedback_scores().get("test-denial") == (1, 1))
    status = await bot.command(5, "/status")
    assert "Rules loaded: 3" in status and "test-denial" in status and "👍 1" in status
    assert "consumer lag: 0 alert(s)" in status and "Alerts received in the last hour: 2" in status
    assert settings.telegram_token.get_secret_value() not in status
    recent = await bot.command(5, "/recent 5")
    assert story_id in recent and story_id_for(other.alert_id) not in recent
    assert "Gazette imaginaire" in await bot.command(5, f"/story {story_id}")
    explain = await bot.command(5, f"/explain {first.alert_id}")
    assert "test-denial" in explain and "dément" in explain
    assert f"Story: {story_id}" in explain and "In this chat: pending — new story: one message" in explain
    assert "No alert" in await bot.command(5, "/explain 0000")
    assert "Usage" in await bot.command(5, "/explain")
    before = len(server.messages(5))
    server.press_button(5, f"ex:{first.alert_id}", message_id=alert_msg.message_id)
    assert "Matched in" in (await server.await_reply(5, before)).text
    # "mute this rule": the next alert of that rule is not delivered here
    before = len(server.messages(5))
    server.press_button(5, f"mr:{first.alert_id}", message_id=alert_msg.message_id)
    assert "muted in this chat" in (await server.await_reply(5, before)).text
    muted = make_alert(3, denier="Syldavie")
    await asyncio.to_thread(publish_stories, settings.kafka_bootstrap, settings, [muted])
    await server.await_condition(lambda: store.alert(muted.alert_id) is not None, 20)
    await server.await_condition(lambda: [r[1] for r in store.alert_routes(muted.alert_id)] == ["muted"])
    assert not any(story_id_for(muted.alert_id) in m.text for m in server.messages(5))
    # "mute this story": a later report of the first story does not touch its message here
    before = len(server.messages(5))
    server.press_button(5, f"ms:{story_id}", message_id=alert_msg.message_id)
    assert "Story" in (await server.await_reply(5, before)).text
    later = make_alert(4, article_id=first.article_id, rule_id="test-low", tags=("denial",))
    edits = len(server.state.edits)
    await asyncio.to_thread(publish_stories, settings.kafka_bootstrap, settings, [first, later])
    await server.await_condition(lambda: store.alert_routes(later.alert_id) != [], 20)
    assert store.alert_routes(later.alert_id)[0][1:] == ("muted", "story muted in this chat: its message is no longer edited")
    assert len(server.state.edits) == edits


@pytest.mark.chat_limit_relaxed("about who may run admin commands, not about pacing the answers")
async def test_admin_commands_refused_for_others(running_bot):
    bot = running_bot
    settings = bot.settings
    for cmd in ("/rule_disable test-low", "/rule_enable test-low", "/rule_test test-low"):
        assert "admins only" in await bot.command(6, cmd, user_id=99), cmd
    assert disabled_rules(settings) == set()
    # every admin command of the table, whoever wrote its handler: its refusal, and nothing else
    admin_only = [c for c in COMMANDS if c.who is Who.BOT_ADMINS]
    assert {"rule_disable", "feed_add"} <= {c.name for c in admin_only}
    for command in admin_only:
        before = len(bot.server.messages(6))
        assert await bot.command(6, f"/{command.name} x", user_id=99) == command.refusal, command.name
        await bot.command(6, "/subs", user_id=99)  # answered in order: an extra answer would come before it
        assert len(bot.server.messages(6)) == before + 2, command.name
    # in a group, a non-admin member is refused, the admin (by user id) is not
    assert "admins only" in await bot.command(-600, "/rule_disable test-low", user_id=99, chat_type="supergroup")
    bot.server.add_chat(ADMIN)  # the admin started the bot privately: admin commands answer there
    before = len(bot.server.messages(ADMIN))
    bot.server.send_message(-600, "/rule_disable test-low", user_id=ADMIN, chat_type="supergroup")
    assert "disabled" in (await bot.server.await_reply(ADMIN, before)).text
    assert disabled_rules(settings) == {"test-low"}
    overrides = json.loads((settings.data_dir / "rule_overrides.json").read_text())
    assert overrides["disabled"]["test-low"]["by"] == ADMIN
    assert "already disabled" in await bot.command(6, "/rule_disable test-low", user_id=ADMIN)
    assert "Unknown rule" in await bot.command(6, "/rule_disable nope", user_id=ADMIN)
    assert "Usage" in await bot.command(6, "/rule_disable", user_id=ADMIN)
    assert "enabled" in await bot.command(6, "/rule_enable test-low", user_id=ADMIN)
    assert disabled_rules(settings) == set()
    assert "Usage" in await bot.command(6, "/rule_test test-low abc", user_id=ADMIN)


async def test_admin_rule_upload_lint_examples_and_hot_load(running_bot):
    bot, server, settings = running_bot, running_bot.server, running_bot.settings
    rules_dir = settings.rules_dir
    # a non-admin's upload is refused and nothing is written
    before = len(server.messages(8))
    server.send_document(8, "evil.yaml", b"rules: []\n", user_id=99)
    assert "admins only" in (await server.await_reply(8, before)).text
    assert not (rules_dir / "evil.yaml").exists()
    # broken YAML: located error, not installed
    before = len(server.messages(8))
    server.send_document(8, "broken.yaml", b"rules:\n  - id: x\n    title: [unclosed\n", user_id=ADMIN)
    reply = (await server.await_reply(8, before, timeout=20)).text
    assert "NOT installed" in reply and re.search(r"broken\.yaml:\d+:\d+", reply)
    assert not (rules_dir / "broken.yaml").exists()
    # duplicate id: refused
    before = len(server.messages(8))
    dup = b"rules:\n  - id: test-low\n    title: Copie\n    phrase: [\"copie conforme\"]\n"
    server.send_document(8, "dup.yaml", dup, user_id=ADMIN)
    assert "NOT installed" in (await server.await_reply(8, before, timeout=20)).text
    assert not (rules_dir / "dup.yaml").exists()
    # a good file is installed and shows up in /rules without a restart
    before = len(server.messages(8))
    good = ("rules:\n  - id: test-uploaded\n    title: Rejet d'un ultimatum\n    severity: high\n"
            "    tags: [refusal]\n    phrase: [\"rejette l'ultimatum\"]\n").encode()
    server.send_document(8, "uploaded.yaml", good, user_id=ADMIN)
    reply = (await server.await_reply(8, before, timeout=20)).text
    assert "installed" in reply and "test-uploaded" in reply
    assert (rules_dir / "uploaded.yaml").read_bytes() == good
    assert "test-uploaded" in await bot.command(8, "/rules")
    assert "Subscribed to test-uploaded" in await bot.command(8, "/subscribe test-uploaded")


async def test_rule_test_dry_run_over_recent_articles(running_bot):
    from dementi.records import Article
    from dementi.kafka.options import ClientOptions
    from dementi.kafka.producer import publish_articles

    bot, settings = running_bot, running_bot.settings
    articles = [Article(url=f"https://ex.org/{i}", title=f"Article {i}",
                        body="Le ministre dément la rumeur." if i % 2 else "Rien à signaler ici.") for i in range(6)]
    await asyncio.to_thread(publish_articles, ClientOptions(settings.kafka_bootstrap), settings.articles_topic, articles)
    reply = await bot.command(9, "/rule_test test-denial 50", user_id=ADMIN, timeout=90)  # builds the spaCy engine
    assert "Last 6 article(s): 3 would alert" in reply
    assert "Unknown rule" in await bot.command(9, "/rule_test nope", user_id=ADMIN)


async def test_channel_post_and_allowlist_policy(bot_settings, botapi):
    settings = bot_settings.model_copy(update={"subscription_policy": "allowlist", "allowed_chat_ids": [-1001]})
    bot = await start_bot(settings, botapi)
    try:
        reply = await bot.command(-1001, "/subscribe tag:denial", chat_type="channel")
        assert "Subscribed" in reply
        assert "allow-listed" in await bot.command(12, "/subscribe")
        assert bot.services.store.subscriptions(12) == []
        assert "Subscribed" in await bot.command(ADMIN, "/subscribe", user_id=ADMIN)  # an admin's private chat
    finally:
        bot.stop.set()
        await asyncio.wait_for(bot.task, 30)


async def test_subscription_survives_restart(bot_settings, botapi):
    bot = await start_bot(bot_settings, botapi)
    await bot.command(14, "/subscribe tag:refusal")
    await bot.command(14, "/timezone Europe/Paris")
    bot.stop.set()
    await asyncio.wait_for(bot.task, 30)
    again = await start_bot(bot_settings, botapi)
    try:
        subs = await again.command(14, "/subs")
        assert "tag:refusal" in subs and "Europe/Paris" in subs
    finally:
        again.stop.set()
        await asyncio.wait_for(again.task, 30)


async def test_admin_upload_runs_the_rule_examples(running_bot):
    bot, server, settings = running_bot, running_bot.server, running_bot.settings
    template = ("rules:\n  - id: test-ultimatum\n    title: Rejet d'un ultimatum\n    languages: [fr]\n"
                "    tags: [refusal]\n    phrase: [\"rejette l'ultimatum\"]\n    examples:\n"
                "      match: [\"{match}\"]\n      no_match: [\"Le gouvernement de Bordurie accepte l'ultimatum.\"]\n")
    failing = template.format(match="Le gouvernement de Bordurie ignore poliment la demande.").encode()
    before = len(server.messages(15))
    server.send_document(15, "ultimatum.yaml", failing, user_id=ADMIN)
    reply = (await server.await_reply(15, before, timeout=60)).text
    assert "NOT installed" in reply and "should match but does not" in reply
    assert not (settings.rules_dir / "ultimatum.yaml").exists()
    passing = template.format(match="Le gouvernement de Bordurie rejette l'ultimatum de ses voisins.").encode()
    before = len(server.messages(15))
    server.send_document(15, "ultimatum.yaml", passing, user_id=ADMIN)
    reply = (await server.await_reply(15, before, timeout=60)).text
    assert "installed" in reply and "Examples: 2 passed" in reply
    assert (settings.rules_dir / "ultimatum.yaml").read_bytes() == passing


async def test_bad_alert_records_are_skipped_with_their_location(running_bot, caplog):
    import logging

    from dementi.kafka.options import ClientOptions
    from dementi.kafka.producer import make_producer

    bot, server, settings = running_bot, running_bot.server, running_bot.settings
    await bot.command(16, "/subscribe")
    good = make_alert(77, title="Après les déchets")

    def publish():
        producer = make_producer(ClientOptions(settings.kafka_bootstrap))
        for value in (b"not json at all", b'{"story_id": "x"}'):
            producer.send(settings.stories_topic, key=b"k", value=value).get(30)
        producer.send(settings.stories_topic, key=b"k", value=stories_of([good])[0].to_bytes()).get(30)
        producer.close()

    caplog.set_level(logging.WARNING, logger="dementi.bot.notify.consumer")
    before = len(server.messages(16))
    await asyncio.to_thread(publish)
    reply = await server.await_reply(16, before, timeout=30)
    assert story_id_for(good.alert_id) in reply.text
    skipped = [r.getMessage() for r in caplog.records if "skipping undecodable StoryUpdate" in r.getMessage()]
    assert len(skipped) == 2 and all(f"{settings.stories_topic}[" in m and "]@" in m for m in skipped)


async def test_long_replies_are_split_not_refused(running_bot):
    bot, server, settings = running_bot, running_bot.server, running_bot.settings
    await bot.command(17, "/subscribe")
    await bot.command(17, "/mute 1h")  # alerts are not delivered here, only listed by /recent
    long_title = "Une dépêche interminable <&> " * 12
    alerts = [make_alert(200 + i, title=f"{i} {long_title}", denier=f"Pays{i:02d}x") for i in range(20)]
    await asyncio.to_thread(publish_stories, settings.kafka_bootstrap, settings, alerts)
    await server.await_condition(lambda: all(bot.services.store.alert(a.alert_id) for a in alerts), 30)
    before = len(server.messages(17))
    server.send_command(17, "recent", "20")

    def listed() -> int:
        joined = "".join(m.text for m in server.messages(17)[before:])
        return sum(story_id_for(a.alert_id) in joined for a in alerts)

    await server.await_condition(lambda: listed() == 20, 30, lambda: f"{listed()} of 20 stories listed")
    replies = server.messages(17)[before:]
    assert len(replies) >= 2 and "Last 20 stories" in replies[0].text  # over 4096 chars: split
    assert all(len(m.text.encode("utf-16-le")) // 2 <= 4096 for m in replies)
    joined = "".join(m.text for m in replies)
    assert sum(story_id_for(a.alert_id) in joined for a in alerts) == 20
    assert not server.state.rejected_for(17), "every part accepted: none refused, none over the flood limit"


async def test_migration_service_message_moves_the_chat(running_bot):
    bot, server = running_bot, running_bot.server
    store = bot.services.store
    server.set_chat_admin(-501, 5)
    await bot.command(-501, "/subscribe tag:denial", user_id=5, chat_type="group")
    await bot.command(-501, "/timezone Europe/Paris", user_id=5, chat_type="group")
    server.migrate_group(-501, -1000000000501, user_id=5)
    await server.await_condition(lambda: store.subscriptions(-1000000000501) == ["tag:denial"])
    assert store.subscriptions(-501) == [] and store.chat(-1000000000501).tz == "Europe/Paris"


async def test_blocked_or_kicked_bot_pauses_the_chat_and_readding_resumes(running_bot):
    bot, server = running_bot, running_bot.server
    store = bot.services.store
    await bot.command(18, "/subscribe")
    server.bot_membership(18, "kicked")  # the user blocked the bot
    await server.await_condition(lambda: store.chat(18).paused)
    assert "kicked" in store.chat(18).paused_reason and store.subscriptions(18) == ["all"]
    server.bot_membership(18, "member", old_status="kicked")  # unblocked
    await server.await_condition(lambda: not store.chat(18).paused)
    server.set_chat_admin(-700, 5)
    await bot.command(-700, "/subscribe", user_id=5, chat_type="supergroup")
    server.bot_membership(-700, "left", user_id=5, chat_type="supergroup")
    await server.await_condition(lambda: store.chat(-700).paused)


async def test_digest_mode_delivers_one_message_when_the_period_ends(running_bot):
    """/digest hourly in the running bot: stories wait in the digest (none is sent), and once the
    hour has ended the bot's own flusher queues ONE message, one line per story, that its sender delivers."""
    bot, server, settings = running_bot, running_bot.server, running_bot.settings
    store, outbox, flusher = bot.services.store, bot.services.outbox, bot.services.digest
    await bot.command(19, "/subscribe")
    assert "Digest hourly" in await bot.command(19, "/digest hourly")
    before = len(server.messages(19))
    alerts = [make_alert(300, title="Première dépêche", denier="Bordurie"),
              make_alert(301, title="Seconde dépêche", denier="Syldavie")]
    await asyncio.to_thread(publish_stories, settings.kafka_bootstrap, settings, alerts)
    await server.await_condition(lambda: all(store.alert_routes(a.alert_id) for a in alerts), 30)
    assert [store.alert_routes(a.alert_id)[0][1] for a in alerts] == ["digest", "digest"]
    assert flusher.flush_due() == 0, "the hour is still running: nothing to send yet"
    assert len(server.messages(19)) == before
    # An hour passes: the items now belong to the previous hour (the flusher runs every 30 s; it
    # is called here directly rather than waited for).
    store.conn.execute("UPDATE digest_items SET added_at = added_at - 3600 WHERE chat_id = 19")
    assert flusher.flush_due() == 1
    [digest] = (await server.await_messages(19, before + 1, timeout=20))[before:]
    assert "Digest (" in digest.text and "2 stories" in digest.text
    assert "Première dépêche" in digest.text and "Seconde dépêche" in digest.text
    assert flusher.flush_due() == 0, "flushed items are gone: the digest is not sent twice"
    await server.await_condition(lambda: not bot.services.sender.inflight and not outbox.statuses(19).get("pending"))
    assert len(server.messages(19)) == before + 1 and not server.state.rejected_for(19)
