"""The bot keeps to Telegram's flood limits: the governor's windows (exact rates on a fake clock),
the sender and the command replies against the strict Bot API test server (which answers any
excess with 429), one chat's wait never holding the others."""

from __future__ import annotations

import math

import pytest

from dementi.bot.notify.ratelimit import Governor, Limits, Window
from dementi.bot.notify.sender import Sender
from dementi.bot.outbox import Outbox
from dementi.bot.store import Store
from tests.bot.conftest import make_alert
from tests.bot.test_delivery import Pipeline, ids_of, story_ids
from tests.botapi.clock import FakeClock
from tests.botapi.limits import TELEGRAM
from tests.botapi.limits import Window as ServerWindow
from tests.botapi.server import BotApiServer


def send(gov: Governor, chat: int, start: float, end: float, is_group: bool = False) -> None:
    assert gov.reserve(chat, is_group, start) == 0.0, f"chat {chat} may send at {start}"
    gov.release(chat, is_group, end)


# --- the governor's rates, exactly ---------------------------------------------------------------------
def test_one_message_per_second_per_chat_timed_from_the_end_of_the_previous_send():
    gov = Governor()
    assert gov.reserve(1, False, 0.0) == 0.0
    assert gov.reserve(1, False, 0.1) == math.inf, "a send in flight fills the chat's window"
    gov.release(1, False, 0.3)  # Telegram answered at 0.3: it accepted the message at 0.3 at the latest
    assert gov.reserve(1, False, 0.5) == pytest.approx(0.8)
    assert gov.reserve(1, False, 1.3) == 0.0
    gov.release(1, False, 1.4)
    for t in (1.5, 2.0, 2.39):
        assert gov.reserve(1, False, t) > 0
    assert gov.reserve(2, False, 1.5) == 0.0, "other chats are not held"


def test_twenty_per_minute_in_a_group_without_a_burst_on_top():
    gov = Governor()
    for i in range(20):  # one every 3 s: well within 1/s in the chat
        send(gov, -5, start=3.0 * i, end=3.0 * i + 0.1, is_group=True)
    assert gov.reserve(-5, True, 58.0) == pytest.approx(60.1 - 58.0), "the 21st waits for the first to age out"
    assert gov.reserve(-5, True, 60.1) == 0.0
    assert gov.reserve(5, False, 58.0) == 0.0, "a private chat has no group window"


def test_thirty_per_second_overall():
    gov = Governor()
    for chat in range(30):
        assert gov.reserve(chat, False, 0.0) == 0.0
    assert gov.reserve(30, False, 0.0) == math.inf, "30 in flight: the 31st waits for one to end"
    for chat in range(30):
        gov.release(chat, False, 0.2)
    assert gov.reserve(30, False, 0.5) == pytest.approx(0.7)
    assert gov.reserve(30, False, 1.2) == 0.0


def test_a_waiting_chat_takes_nothing_and_a_block_holds_only_its_chat():
    gov = Governor(Limits(overall=Window(2, 1.0)))
    send(gov, -7, 0.0, 0.0, is_group=True)
    assert gov.reserve(-7, True, 0.5) > 0  # its own window is full...
    assert gov.reserve(8, False, 0.5) == 0.0  # ...and took no global place: two others still fit
    gov.release(8, False, 0.5)
    gov.block(9, until=10.0)  # a 429 with retry_after, or a backoff
    assert gov.reserve(9, False, 5.0) == pytest.approx(5.0)
    assert gov.reserve(10, False, 5.0) == 0.0


# --- the sender against the strict server ---------------------------------------------------------------
async def test_fan_out_to_many_chats_and_a_group_gets_no_429(tmp_path, rules_dir, botapi):
    """35 private chats and a group, 2 alerts each (72 messages): past the 30/s global limit and the
    1/s per-chat limit, so the sender must pace. The strict server counts every message."""
    chats = list(range(1001, 1036))
    p = await Pipeline(tmp_path, rules_dir, botapi).start()
    try:
        for chat in chats:
            p.subscribe(chat)
        p.subscribe(-1001, chat_type="group")
        alerts = [make_alert(1, denier="Bordurie"), make_alert(2, denier="Syldavie")]
        p.route(alerts)
        await p.settled(timeout=60)
    finally:
        await p.close()
    assert not botapi.state.rejected, f"refused: {botapi.state.rejected[:3]}"
    for chat in [*chats, -1001]:
        assert story_ids(botapi, chat) == ids_of(alerts)
    assert botapi.state.flood.refused == 0


async def test_group_window_is_kept_whatever_its_size(tmp_path, rules_dir):
    """The group limit scaled down (2 per 2.5 s on both sides) so that a test can go past it."""
    window = Window(2, 2.5)
    with BotApiServer(limits=TELEGRAM.relaxed(per_group=ServerWindow(2, 2.5))) as server:
        p = await Pipeline(tmp_path, rules_dir, server, limits=Limits(per_group=window)).start()
        try:
            p.subscribe(-2002, chat_type="supergroup")
            alerts = [make_alert(i, denier=f"Pays{i}") for i in range(5)]
            p.route(alerts)
            await p.settled(timeout=60)
        finally:
            await p.close()
        assert not server.state.rejected and story_ids(server, -2002) == ids_of(alerts)
        times = [m.received_at for m in server.messages(-2002)]
        assert all(b - a >= window.seconds for a, b in zip(times, times[window.count:])), times


async def test_a_chat_in_flood_wait_does_not_delay_another_chats_next_send(tmp_path):
    """The sender sleeps until the next row that can go; a chat held by a 429 (its row due but
    blocked) must not hide a row due in 0.2 s for another chat."""
    clock = FakeClock(1_000_000.0)
    store = Store.open(tmp_path)
    try:
        outbox = Outbox(store.conn)
        outbox.add("held", 1, "pending", parts=["x"], due_at=clock.now - 5)
        outbox.add("soon", 2, "pending", parts=["y"], due_at=clock.now + 0.2)
        sender = Sender(bot=None, store=store, clock=clock)
        sender.governor.block(1, clock.now + 30)
        assert sender.dispatch() == pytest.approx(0.2)
    finally:
        store.close()


# --- replies in the running bot -----------------------------------------------------------------------------
async def test_replies_keep_to_the_chat_limit_without_holding_other_chats(running_bot):
    bot, server = running_bot, running_bot.server
    for _ in range(3):
        server.send_command(81, "help")
    reply_82 = await bot.command(82, "/subs")
    assert "no subscriptions" in reply_82
    replies_81 = await server.await_messages(81, 3, timeout=20)
    assert not server.state.rejected, "the replies waited for their turn instead of getting 429"
    assert server.messages(82)[0].received_at < replies_81[-1].received_at, \
        "chat 82 was answered while chat 81's replies were still waiting for the 1 msg/s limit"


async def test_a_429_on_a_reply_is_retried_after_retry_after_for_that_chat_only(running_bot):
    bot, server = running_bot, running_bot.server
    server.fail(83, "429", retry_after=2)
    server.send_command(83, "start")
    assert "Subscribed" in await bot.command(84, "/subscribe")
    [start] = await server.await_messages(83, 1, timeout=20)
    assert "dementi" in start.text and len(server.state.rejected_for(83, 429)) == 1
    assert server.messages(84)[0].received_at < start.received_at, "chat 84 did not wait for chat 83's 429"
