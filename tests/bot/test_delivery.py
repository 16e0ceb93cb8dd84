"""Delivery through the real python-telegram-bot client to the Bot API test server (as strict as
Telegram): escaping, splitting, the per-chat 429 storm, 403, chat not found, migration, 5xx
backoff and giving up, plain-text fallback, resume.

"Nothing more arrives" is checked once the sender has settled (no row left to send, no send in
flight): nothing can be sent after that, so no sleep stands in for it."""

from __future__ import annotations

import asyncio
import re
import time

import pytest
import telegram

from dementi.bot.catalog import RuleCatalog
from dementi.bot.notify.ratelimit import Governor, Limits
from dementi.bot.notify.router import Router
from dementi.bot.notify.sender import Sender
from dementi.bot.outbox import Outbox
from dementi.bot.store import Store
from dementi.records import story_id_for
from dementi.rules.stories import StoryBook
from tests.bot.conftest import make_alert, stories_of
from tests.botapi.server import DEFAULT_TOKEN

ID_RE = re.compile(r"story ([0-9a-f]{20})")


class Pipeline:
    def __init__(self, tmp_path, rules_dir, server, limits: Limits | None = None):
        self.store = Store.open(tmp_path)
        self.router = Router(self.store, RuleCatalog(rules_dir, None, tmp_path))
        self.book = StoryBook()  # what the story stage would publish for the routed alerts
        self.server = server
        self.bot = telegram.Bot(DEFAULT_TOKEN, base_url=server.url)
        self.limits = limits or Limits()
        self.sender: Sender | None = None
        self.stop = asyncio.Event()
        self.task: asyncio.Task | None = None

    async def start(self) -> "Pipeline":
        await self.bot.initialize()
        self.sender = Sender(self.bot, self.store, Governor(self.limits))
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(self.sender.run(self.stop))
        return self

    def route(self, alerts) -> None:
        self.router.route_updates(stories_of(list(alerts), self.book))
        if self.sender:
            self.sender.notify()

    def subscribe(self, chat_id: int, spec: str = "all", chat_type: str | None = None) -> None:
        """A user started the bot in ``chat_id`` (so Telegram knows the chat) and subscribed."""
        self.server.add_chat(chat_id, chat_type)
        self.store.subscribe(chat_id, spec)

    async def settled(self, timeout: float = 30.0) -> None:
        """Wait until nothing is left to send or in flight: from then on nothing more can arrive."""
        outbox = Outbox(self.store.conn)
        await self.server.await_condition(
            lambda: not self.sender.inflight and not outbox.statuses().get("pending"), timeout,
            lambda: f"outbox {outbox.statuses()}, in flight {self.sender.inflight}")

    async def close(self) -> None:
        self.stop.set()
        if self.sender:
            self.sender.notify()
        if self.task:
            await asyncio.wait_for(self.task, 15)
        await self.bot.shutdown()
        self.store.close()


@pytest.fixture
async def pipeline(tmp_path, rules_dir, botapi):
    p = Pipeline(tmp_path, rules_dir, botapi)
    await p.start()
    yield p
    await p.close()


def story_ids(server, chat_id) -> list[str]:
    return [m.group(1) for s in server.messages(chat_id) for m in [ID_RE.search(s.text)] if m]


def ids_of(alerts) -> list[str]:
    return [story_id_for(a.alert_id) for a in alerts]


async def test_hostile_title_arrives_escaped(pipeline, botapi):
    pipeline.subscribe(10)
    pipeline.route([make_alert(1, title="<script>alert(1)</script> & Co")])
    [msg] = await botapi.await_messages(10, 1)
    assert "<script>alert(1)</script> & Co" in msg.text
    assert "&lt;script&gt;" in msg.raw and not botapi.state.rejected
    buttons = [b["callback_data"] for row in msg.reply_markup["inline_keyboard"] for b in row]
    assert any(b.startswith("fb:+:") for b in buttons) and any(b.startswith("mr:") for b in buttons)


async def test_overlong_hostile_text_makes_one_editable_message_accepted(pipeline, botapi):
    """A story message is ONE message (later reports edit it): an overlong sentence is cut, escaped,
    and the message keeps its sources, its id and its buttons; /explain has the whole sentence."""
    pipeline.subscribe(11)
    body = ("Le ministère dément <tout> & &amp; « 😀 » &#xZZ; <b>gras</b> " * 300)
    alert = make_alert(2, sentence=body)
    pipeline.route([alert])
    [msg] = await botapi.await_messages(11, 1, timeout=20)
    await pipeline.settled()  # nothing more to send: one alert is one message
    assert len(botapi.messages(11)) == 1
    assert not botapi.state.rejected
    assert len(msg.text.encode("utf-16-le")) // 2 <= 4096
    assert "&#xZZ;" in msg.text and "<b>gras</b>" in msg.text and "…" in msg.text
    assert story_id_for(alert.alert_id) in msg.text and msg.reply_markup is not None


async def test_429_storm_on_one_chat_does_not_hold_the_others(tmp_path, rules_dir, botapi):
    stormed, others, n = 101, [102, 103, 104], 5
    botapi.fail(stormed, "429", retry_after=5)        # one long flood wait...
    botapi.fail(stormed, "429", times=2, retry_after=1)  # ...then repeated short ones
    p = await Pipeline(tmp_path, rules_dir, botapi).start()
    try:
        for chat in [stormed, *others]:
            p.subscribe(chat)
        alerts = [make_alert(i, title=f"Tempête {i}") for i in range(n)]
        p.route(alerts)
        for chat in others:
            await botapi.await_messages(chat, n, timeout=20)
        await botapi.await_messages(stormed, n, timeout=40)
        await p.settled()
    finally:
        await p.close()
    expected = ids_of(alerts)
    for chat in [stormed, *others]:
        assert story_ids(botapi, chat) == expected, f"chat {chat} got the alerts once each, in order"
    assert len(botapi.state.rejected_for(stormed, 429)) == 3, "only the injected 429s: none from the flood limits"
    assert all(not botapi.state.rejected_for(c) for c in others)
    first_stormed = min(s.received_at for s in botapi.messages(stormed))
    last_other = max(s.received_at for c in others for s in botapi.messages(c))
    assert last_other < first_stormed, "the other chats finished while the stormed chat was still waiting"


async def test_403_pauses_only_that_chat_until_it_is_back(pipeline, botapi):
    pipeline.subscribe(201)
    pipeline.subscribe(202)
    botapi.bot_membership(201, "kicked")  # the user blocked the bot (the bot has not seen the update)
    pipeline.route([make_alert(1)])
    await botapi.await_messages(202, 1)
    await botapi.await_condition(lambda: pipeline.store.chat(201).paused)
    assert "403" in pipeline.store.chat(201).paused_reason and "blocked" in pipeline.store.chat(201).paused_reason
    pipeline.route([make_alert(2)])
    await botapi.await_messages(202, 2)
    await pipeline.settled()
    assert botapi.messages(201) == [] and len(botapi.state.rejected_for(201, 403)) == 1
    assert Outbox(pipeline.store.conn).statuses(201) == {"paused": 1}  # the first message, parked
    assert [r[1] for r in pipeline.store.alert_routes(make_alert(2).alert_id) if r[0] == 201] == ["paused"]
    botapi.bot_membership(201, "member", old_status="kicked")  # the user is back and subscribes again
    pipeline.store.subscribe(201, "all")
    assert not pipeline.store.chat(201).paused
    pipeline.route([make_alert(3)])
    [msg] = await botapi.await_messages(201, 1)
    assert story_id_for(make_alert(3).alert_id) in msg.text


async def test_chat_not_found_pauses_the_chat_instead_of_retrying(pipeline, botapi):
    pipeline.store.subscribe(211, "all")  # a chat Telegram does not know (deleted, or a wrong id)
    pipeline.subscribe(212)
    pipeline.route([make_alert(1), make_alert(2)])
    await botapi.await_messages(212, 2)
    await pipeline.settled()
    assert pipeline.store.chat(211).paused and "chat not found" in pipeline.store.chat(211).paused_reason.lower()
    assert len(botapi.state.rejected_for(211)) == 1, "one refusal, no plain-text retry, no second alert tried"
    assert Outbox(pipeline.store.conn).statuses(211) == {"paused": 2}
    assert pipeline.sender.stats["chat_not_found"] == 1


async def test_group_migration_moves_subscriptions_and_resends(pipeline, botapi):
    old, new = -301, -1000000000301
    pipeline.subscribe(old, "tag:denial", chat_type="group")
    botapi.migrate_group(old, new)  # before the bot saw the service message
    alerts = [make_alert(1), make_alert(2)]
    pipeline.route(alerts)
    await botapi.await_messages(new, 2, timeout=15)
    await pipeline.settled()
    assert story_ids(botapi, new) == ids_of(alerts)
    assert len(botapi.state.rejected_for(old, 400)) == 1, "one refusal with migrate_to_chat_id, then the new id"
    assert botapi.messages(old) == []
    assert pipeline.store.subscriptions(new) == ["tag:denial"] and pipeline.store.subscriptions(old) == []
    pipeline.route([make_alert(3)])
    await botapi.await_messages(new, 3)


async def test_5xx_backs_off_then_delivers_once(pipeline, botapi):
    pipeline.subscribe(401)
    botapi.fail(401, "5xx", times=2, status=500)
    a = make_alert(1)
    pipeline.route([a])
    await botapi.await_messages(401, 1, timeout=15)
    await pipeline.settled()
    assert story_ids(botapi, 401) == ids_of([a])
    assert len(botapi.state.rejected_for(401, 500)) == 2 and pipeline.sender.stats["backoff"] == 2


async def test_sender_gives_up_after_its_last_attempt(tmp_path, rules_dir, botapi, caplog):
    """Telegram answering 5xx forever: MAX_ATTEMPTS tries, then the row is failed and logged, and
    nothing more is tried. The bot's per-chat pacing is lifted here (the attempts are the subject;
    failed calls never count at the server), and backoff is capped to milliseconds."""
    import logging

    from dementi.bot.notify.ratelimit import Window
    from dementi.bot.notify.sender import MAX_ATTEMPTS

    caplog.set_level(logging.ERROR, logger="dementi.bot.notify.sender")
    p = Pipeline(tmp_path, rules_dir, botapi, limits=Limits(per_chat=Window(1000, 1.0)))
    await p.start()
    p.sender.max_backoff = 0.01
    try:
        p.subscribe(402)
        p.subscribe(403)
        botapi.fail(402, "5xx", times=None, duration=3600, status=502)
        alerts = [make_alert(1), make_alert(2)]
        p.route(alerts)
        await p.settled(timeout=60)
        reasons = [r[0] for r in p.store.conn.execute("SELECT reason FROM outbox WHERE chat_id = 402 ORDER BY id")]
        statuses = Outbox(p.store.conn).statuses(402)
    finally:
        await p.close()
    assert len(botapi.state.rejected_for(402, 502)) == 2 * MAX_ATTEMPTS, "each alert: MAX_ATTEMPTS tries, no more"
    assert botapi.messages(402) == []
    assert statuses == {"failed": 2} and all("Bad Gateway" in r for r in reasons)
    assert story_ids(botapi, 403) == ids_of(alerts), "the other chat is unaffected"
    gave_up = [r.getMessage() for r in caplog.records if "giving up" in r.getMessage()]
    assert len(gave_up) == 2 and f"after {MAX_ATTEMPTS} attempts" in gave_up[0]


async def test_refused_html_falls_back_to_plain_text(pipeline, botapi):
    botapi.add_chat(501)
    Outbox(pipeline.store.conn).add("broken", 501, "pending", parts=["<b>unclosed & raw"])
    pipeline.sender.notify()
    [msg] = await botapi.await_messages(501, 1)
    assert msg.parse_mode is None and msg.text == "unclosed & raw"
    assert len(botapi.state.rejected_for(501, 400)) == 1


async def test_restart_resumes_parts_without_resending(tmp_path, rules_dir, botapi):
    botapi.add_chat(601)
    first = Pipeline(tmp_path, rules_dir, botapi)  # routes, then "crashes" before sending
    outbox = Outbox(first.store.conn)
    outbox.add("multi", 601, "pending", parts=["<b>un</b>", "deux", "trois"])
    row = outbox.due()[0]
    outbox.part_sent(row.id, 1, done=False)  # part 1 went out before the crash
    first.store.close()
    second = await Pipeline(tmp_path, rules_dir, botapi).start()
    try:
        await botapi.await_messages(601, 2)
        await second.settled()
        assert botapi.texts(601) == ["deux", "trois"]
        assert Outbox(second.store.conn).statuses(601) == {"sent": 1}
    finally:
        await second.close()


async def test_later_reports_edit_the_message_and_a_replayed_edit_changes_nothing(pipeline, botapi):
    pipeline.subscribe(701)
    pipeline.router.edit_interval = 0.0
    first = make_alert(1, article_id="one-article")
    second = make_alert(1, rule_id="test-refusal", tags=("refusal",), kind="refusal", article_id="one-article",
                        sentence="Le porte-parole de Bordurie refuse de participer au sommet inventé.")
    pipeline.route([first])
    [msg] = await botapi.await_messages(701, 1)
    assert "1 source" in msg.text and "refuse de participer" not in msg.text
    pipeline.route([second])
    await botapi.await_condition(lambda: "refuse de participer" in botapi.messages(701)[0].text)
    assert len(botapi.messages(701)) == 1 and len(botapi.state.edits) == 1
    # a crash between Telegram applying the edit and the outbox recording it: the edit runs again
    # (once the sender recorded it: resetting the row earlier races with that record, and then
    # nothing is replayed at all)
    conn = pipeline.store.conn
    await pipeline.settled()
    conn.execute("UPDATE outbox SET status = 'pending' WHERE kind = 'edit'")
    pipeline.sender.notify()
    await botapi.await_condition(lambda: conn.execute(
        "SELECT status FROM outbox WHERE kind = 'edit'").fetchone()[0] == "sent")
    assert len(botapi.state.edits) == 1 and pipeline.sender.stats["failed"] == 0  # "not modified" = done
    assert any("not modified" in r[2] for r in botapi.state.rejected_for(701, 400))



def bot_routing_during(url: str, method: str, hook) -> telegram.Bot:
    """The real client, plus one hook: right after Telegram accepted the first ``method`` call, before
    the sender records it, ``hook`` runs (the consumer routing the next report of the story at that
    moment, as it can on a busy bot: the consumer and the sender share one event loop)."""
    pending = [hook]

    async def call(self, *args, **kwargs):
        result = await getattr(telegram.Bot, method)(self, *args, **kwargs)
        if pending:
            pending.pop()()
        return result

    return type("RoutingDuringCall", (telegram.Bot,), {method: call})(DEFAULT_TOKEN, base_url=url)


async def pipeline_routing_during(tmp_path, rules_dir, botapi, method: str, alerts, chat_id: int,
                                  edit_interval: float) -> Pipeline:
    """A started pipeline, ``chat_id`` subscribed, whose bot routes ``alerts`` right after Telegram
    accepted its first ``method`` call (``bot_routing_during``)."""
    pipeline = Pipeline(tmp_path, rules_dir, botapi)
    pipeline.bot = bot_routing_during(botapi.url, method, lambda: pipeline.route(alerts))
    await pipeline.start()
    pipeline.subscribe(chat_id)
    pipeline.router.edit_interval = pipeline.sender.edit_interval = edit_interval
    return pipeline


def one_article_alerts():
    first = make_alert(1, article_id="one-article")
    second = make_alert(1, rule_id="test-refusal", tags=("refusal",), kind="refusal", article_id="one-article",
                        sentence="Le porte-parole de Bordurie refuse de participer au sommet inventé.")
    return first, second


async def test_a_report_routed_while_the_first_message_is_on_its_way_reaches_it(tmp_path, rules_dir, botapi):
    """A later report joins a story while its message is being sent: the router gives the unsent
    row the newer text, but the older text is already on its way; the newer one must still reach
    the message (an edit), or it shows the first report only, for good."""
    first, second = one_article_alerts()
    pipeline = await pipeline_routing_during(tmp_path, rules_dir, botapi, "send_message", [second], 801, 0.0)
    try:
        pipeline.route([first])
        [msg] = await botapi.await_messages(801, 1)
        assert "refuse de participer" not in msg.text  # the first text went out, the hook routed the second
        await botapi.await_condition(lambda: "refuse de participer" in botapi.messages(801)[0].text, 20,
                                     lambda: botapi.texts(801))
        await pipeline.settled()
        assert len(botapi.messages(801)) == 1 and len(botapi.state.edits) == 1
        assert "2 alerts" in botapi.messages(801)[0].text and pipeline.sender.stats["failed"] == 0
    finally:
        await pipeline.close()


async def test_a_report_routed_while_an_edit_is_on_its_way_waits_the_edit_interval(tmp_path, rules_dir, botapi):
    """Edits of one message are spaced by the edit interval (Telegram limits edits too), also when
    the next report arrives while an edit is in flight: its edit waits, it does not follow at once."""
    first, second = one_article_alerts()
    third = make_alert(1, rule_id="test-low", tags=("clarification",), kind="clarification", article_id="one-article",
                       sentence="Le porte-parole de Bordurie fait une mise au point sur le sommet inventé.")
    pipeline = await pipeline_routing_during(tmp_path, rules_dir, botapi, "edit_message_text", [third], 802, 3600.0)
    try:
        pipeline.route([first])
        await botapi.await_messages(802, 1)
        await pipeline.settled()
        conn = pipeline.store.conn
        conn.execute("UPDATE story_messages SET last_edit_at = 0")  # sent long ago: the next edit is due at once
        pipeline.route([second])  # edited at once; the hook routes the third report during that edit
        await botapi.await_condition(lambda: "refuse de participer" in botapi.messages(802)[0].text)

        def edit_row():
            return conn.execute("SELECT status, version, due_at FROM outbox WHERE kind = 'edit'").fetchone()

        await botapi.await_condition(lambda: edit_row()["status"] == "sent" or edit_row()["due_at"] > time.time() + 60,
                                     10, lambda: tuple(edit_row()))
        assert edit_row()["status"] == "pending" and edit_row()["version"] == 3  # waits its turn, newest text
        assert len(botapi.state.edits) == 1 and "mise au point" not in botapi.messages(802)[0].text
    finally:
        await pipeline.close()
