"""The Bot API test server is as strict as Telegram by default: flood limits with a retry_after
that holds, unknown chats, blocked/kicked bots, migrated groups, 409 for concurrent getUpdates,
editMessageText semantics, callback query answers, parse modes. Time-based behaviour runs on an
injected clock: no test here sleeps."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import telegram
from telegram.error import BadRequest, Conflict, Forbidden, RetryAfter

from dementi.bot.notify.sender import retry_after_seconds
from tests.botapi.clock import FakeClock
from tests.botapi.html_entities import EntityParseError
from tests.botapi.limits import TELEGRAM, Window
from tests.botapi.markdown import parse_markdown, parse_markdown_v2
from tests.botapi.server import DEFAULT_TOKEN, BotApiServer

CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def server(clock):
    with BotApiServer(clock=clock) as srv:
        yield srv


def call(server, method, **params):
    r = httpx.post(f"{server.url}{DEFAULT_TOKEN}/{method}", json=params, timeout=10)
    return r.status_code, r.json()


def send(server, chat_id, text="x", **params):
    return call(server, "sendMessage", chat_id=chat_id, text=text, **params)


def flood_body(n):
    return {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {n}",
            "parameters": {"retry_after": n}}


# --- flood limits ------------------------------------------------------------------------------------
def test_one_message_per_second_in_a_chat_and_the_flood_wait_holds(server, clock):
    server.add_chat(10)
    assert send(server, 10)[0] == 200
    clock.advance(0.5)
    assert send(server, 10) == (429, flood_body(1))
    clock.advance(0.9)  # 1.4 s after the first message, but the flood wait runs until 1.5 s
    assert send(server, 10) == (429, flood_body(1)), "a retry before retry_after elapsed is refused again"
    clock.advance(0.1)
    assert send(server, 10)[0] == 200
    clock.advance(1.0)  # exactly one second later: the window (now - 1 s, now] is free
    assert send(server, 10)[0] == 200
    assert server.state.flood.refused == 2 and len(server.messages(10)) == 3


def test_the_per_chat_limit_does_not_touch_other_chats(server, clock):
    for chat in (11, 12):
        server.add_chat(chat)
    assert send(server, 11)[0] == 200
    assert send(server, 11)[0] == 429
    assert send(server, 12)[0] == 200, "another chat is not in flood wait"


def test_twenty_messages_per_minute_in_a_group(server, clock):
    server.add_chat(-20, "group")
    server.add_chat(20)
    for _ in range(20):
        assert send(server, -20)[0] == 200
        clock.advance(1.0)  # within the per-chat limit
    status, body = send(server, -20)  # 20 s after the first: room again at 60 s
    assert (status, body) == (429, flood_body(40))
    clock.advance(39.0)
    assert send(server, -20) == (429, flood_body(1))
    assert send(server, 20)[0] == 200, "a private chat is not subject to the group limit"
    clock.advance(1.0)
    assert send(server, -20)[0] == 200
    assert send(server, -20)[0] == 429, "and the per-chat limit still applies in a group"


def test_thirty_messages_per_second_overall_then_the_whole_bot_waits(server, clock):
    for chat in range(100, 131):
        server.add_chat(chat)
    for chat in range(100, 130):
        assert send(server, chat)[0] == 200
    assert send(server, 130) == (429, flood_body(1))
    clock.advance(0.5)
    assert send(server, 130)[0] == 429
    clock.advance(0.5)
    assert send(server, 130)[0] == 200


def test_refused_calls_do_not_count(server, clock):
    server.add_chat(13)
    assert send(server, 13)[0] == 200
    for _ in range(5):
        assert send(server, 13)[0] == 429
        assert send(server, 13, "<b>", parse_mode="HTML")[0] == 400
    clock.advance(1.0)
    assert send(server, 13)[0] == 200 and len(server.messages(13)) == 2


def test_limits_can_be_relaxed_explicitly(clock):
    with BotApiServer(clock=clock, limits=TELEGRAM.relaxed(per_chat=Window(3, 1.0))) as srv:
        srv.add_chat(14)
        assert [send(srv, 14)[0] for _ in range(4)] == [200, 200, 200, 429]


async def test_real_ptb_client_gets_retry_after(server):
    server.add_chat(15)
    async with telegram.Bot(DEFAULT_TOKEN, base_url=server.url) as bot:
        await bot.send_message(15, "one")
        with pytest.raises(RetryAfter) as exc:
            await bot.send_message(15, "two")
    assert retry_after_seconds(exc.value) == 1


# --- chats: unknown, blocked, kicked, migrated ---------------------------------------------------------
def test_chat_not_found_until_it_talked_to_the_bot(server):
    assert send(server, 30) == (400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"})
    assert call(server, "getChat", chat_id=30)[1]["description"] == "Bad Request: chat not found"
    assert send(server, "@nobody")[1]["description"] == "Bad Request: chat not found"
    server.send_command(30, "start")
    assert send(server, 30)[0] == 200
    assert call(server, "getChat", chat_id=30)[1]["result"]["type"] == "private"


def test_blocked_user_gets_403_until_they_write_again(server, clock):
    server.send_command(31, "start")
    server.bot_membership(31, "kicked")
    assert send(server, 31) == (403, {"ok": False, "error_code": 403,
                                      "description": "Forbidden: bot was blocked by the user"})
    clock.advance(60)
    assert send(server, 31)[0] == 403, "blocked is a state, not a one-off fault"
    call(server, "getUpdates", offset=10**6)
    server.send_command(31, "start")  # the user restarts the bot
    updates = call(server, "getUpdates")[1]["result"]
    assert [next(k for k in u if k != "update_id") for u in updates] == ["my_chat_member", "message"]
    assert updates[0]["my_chat_member"]["new_chat_member"]["status"] == "member"
    assert send(server, 31)[0] == 200


@pytest.mark.parametrize("chat_type,status,description", [
    ("group", "kicked", "Forbidden: bot was kicked from the group chat"),
    ("supergroup", "kicked", "Forbidden: bot was kicked from the supergroup chat"),
    ("supergroup", "left", "Forbidden: bot is not a member of the supergroup chat"),
    ("channel", "left", "Forbidden: bot is not a member of the channel chat"),
])
def test_kicked_or_removed_from_a_group_until_added_back(server, chat_type, status, description):
    server.add_chat(-32, chat_type)
    server.bot_membership(-32, status, user_id=5, chat_type=chat_type)
    assert send(server, -32)[1]["description"] == description
    server.bot_membership(-32, "member", user_id=5, chat_type=chat_type, old_status=status)
    assert send(server, -32)[0] == 200


def test_migrated_group_answers_with_the_supergroup_id(server):
    server.add_chat(-33, "group")
    call(server, "getUpdates", offset=10**6)
    server.migrate_group(-33, -1000000000033, user_id=5)
    status, body = send(server, -33)
    assert status == 400 and body["parameters"] == {"migrate_to_chat_id": -1000000000033}
    assert body["description"] == "Bad Request: group chat was upgraded to a supergroup chat"
    assert send(server, -1000000000033)[0] == 200
    messages = [u["message"] for u in call(server, "getUpdates")[1]["result"]]
    assert [(m["chat"]["id"], m.get("migrate_to_chat_id"), m.get("migrate_from_chat_id")) for m in messages] == [
        (-33, -1000000000033, None), (-1000000000033, None, -33)]


async def test_real_ptb_client_sees_forbidden_and_chat_not_found(server):
    server.add_chat(34)
    server.bot_membership(34, "kicked")
    async with telegram.Bot(DEFAULT_TOKEN, base_url=server.url) as bot:
        with pytest.raises(Forbidden, match="blocked by the user"):
            await bot.send_message(34, "x")
        with pytest.raises(BadRequest, match="[Cc]hat not found"):
            await bot.send_message(35, "x")


# --- getUpdates: one poller per token -----------------------------------------------------------------
async def test_a_second_get_updates_terminates_the_waiting_one_with_409(server):
    async with httpx.AsyncClient(timeout=10) as client:
        url = f"{server.url}{DEFAULT_TOKEN}/getUpdates"
        first = asyncio.ensure_future(client.post(url, json={"timeout": 5}))
        await server.await_condition(lambda: server.waiting_polls == 1, 5)
        second = asyncio.ensure_future(client.post(url, json={"timeout": 5}))
        r1 = await asyncio.wait_for(first, 5)
        assert r1.status_code == 409 and r1.json() == {"ok": False, "error_code": 409, "description": CONFLICT}
        await server.await_condition(lambda: server.waiting_polls == 1, 5)
        server.send_command(40, "start")
        r2 = await asyncio.wait_for(second, 5)
        assert r2.status_code == 200 and r2.json()["result"][0]["message"]["text"] == "/start"


async def test_real_ptb_client_sees_conflict(server):
    """Two bot instances on one token: the one whose poll was terminated gets Conflict."""
    async with telegram.Bot(DEFAULT_TOKEN, base_url=server.url) as first, \
            telegram.Bot(DEFAULT_TOKEN, base_url=server.url) as second:
        waiting = asyncio.ensure_future(first.get_updates(timeout=5))
        await server.await_condition(lambda: server.waiting_polls == 1, 5)
        assert await second.get_updates(timeout=0) == ()
        with pytest.raises(Conflict, match="only one bot instance"):
            await asyncio.wait_for(waiting, 5)


# --- editMessageText ------------------------------------------------------------------------------------
def test_edit_returns_the_edited_message_and_refuses_what_telegram_refuses(server, clock):
    server.send_command(50, "start")
    user_message_id = call(server, "getUpdates")[1]["result"][-1]["message"]["message_id"]
    _, body = send(server, 50, "<b>v1</b>", parse_mode="HTML")
    mid = body["result"]["message_id"]
    clock.advance(1)
    status, body = call(server, "editMessageText", chat_id=50, message_id=mid, text="<i>v2</i> 😀", parse_mode="HTML")
    assert status == 200
    edited = body["result"]
    assert (edited["message_id"], edited["text"]) == (mid, "v2 😀")
    assert edited["entities"] == [{"type": "italic", "offset": 0, "length": 2}]
    assert server.messages(50)[-1].text == "v2 😀" and server.state.edits[-1].method == "editMessageText"
    clock.advance(1)
    same = call(server, "editMessageText", chat_id=50, message_id=mid, text="<i>v2</i> 😀", parse_mode="HTML")
    assert same[0] == 400 and same[1]["description"].startswith("Bad Request: message is not modified")
    markup = {"inline_keyboard": [[{"text": "ok", "callback_data": "k"}]]}
    assert call(server, "editMessageText", chat_id=50, message_id=mid, text="<i>v2</i> 😀", parse_mode="HTML",
                reply_markup=markup)[0] == 200, "a new keyboard alone is a modification"
    for message_id, description in ((mid + 100, "Bad Request: message to edit not found"),
                                    (user_message_id, "Bad Request: message can't be edited")):
        clock.advance(1)
        assert call(server, "editMessageText", chat_id=50, message_id=message_id, text="v3")[1]["description"] \
            == description
    server.add_chat(51)
    assert call(server, "editMessageText", chat_id=51, message_id=mid, text="v3")[1]["description"] == \
        "Bad Request: message to edit not found", "message ids are per chat"


def test_edits_count_in_the_flood_limits(server, clock):
    server.add_chat(52)
    mid = send(server, 52, "v1")[1]["result"]["message_id"]
    status, body = call(server, "editMessageText", chat_id=52, message_id=mid, text="v2")
    assert (status, body) == (429, flood_body(1))
    clock.advance(1)
    assert call(server, "editMessageText", chat_id=52, message_id=mid, text="v2")[0] == 200


# --- answerCallbackQuery ---------------------------------------------------------------------------------
def test_callback_queries_are_answered_once_with_at_most_200_characters(server):
    server.add_chat(60)
    send(server, 60, "pick", reply_markup={"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]})
    invalid = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    assert call(server, "answerCallbackQuery", callback_query_id="999")[1]["description"] == invalid
    query = server.press_button(60, "a")
    assert call(server, "answerCallbackQuery", callback_query_id=query, text="é" * 201)[1]["description"] == \
        "Bad Request: MESSAGE_TOO_LONG"
    assert call(server, "answerCallbackQuery", callback_query_id=query, text="é" * 200)[0] == 200
    assert call(server, "answerCallbackQuery", callback_query_id=query)[1]["description"] == invalid
    assert [a["text"] for a in server.state.callback_answers] == ["é" * 200]


# --- parse_mode -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode,text,plain", [
    ("HTML", "<b>a</b> &amp; b", "a & b"),
    ("html", "<b>a</b>", "a"),
    ("MarkdownV2", "*gras* et _italique_ \\. fin\\!", "gras et italique . fin!"),
    ("markdownv2", "[lien](https://ex\\.org/a\\)b)", "lien"),
    ("Markdown", "*gras* [lien](https://ex.org) 1.5", "gras lien 1.5"),
    (None, "<b>pas du HTML</b> *ni du markdown*", "<b>pas du HTML</b> *ni du markdown*"),
])
def test_parse_modes_that_telegram_accepts(server, clock, mode, text, plain):
    server.add_chat(70)
    params = {"parse_mode": mode} if mode else {}
    status, body = send(server, 70, text, **params)
    assert status == 200 and body["result"]["text"] == plain


@pytest.mark.parametrize("mode,text,description", [
    ("Bogus", "x", "Bad Request: unsupported parse_mode"),
    ("MarkdownV2", "Fin.", "Bad Request: can't parse entities: Character '.' is reserved and must be escaped "
                           "with the preceding '\\'"),
    ("MarkdownV2", "*gras", "Bad Request: can't parse entities: Can't find end of Bold entity at byte offset 0"),
    ("Markdown", "é _ouvert", "Bad Request: can't parse entities: Can't find end of the entity starting at "
                              "byte offset 3"),
    ("HTML", "a <b> c", "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""),
])
def test_parse_modes_refuse_what_telegram_refuses(server, mode, text, description):
    server.add_chat(71)
    assert send(server, 71, text, parse_mode=mode) == (400, {"ok": False, "error_code": 400,
                                                              "description": description})


@pytest.mark.parametrize("text,plain,entities", [
    ("__sous__ ~barré~ ||caché||", "sous barré caché",
     [("underline", 0, 4), ("strikethrough", 5, 5), ("spoiler", 11, 5)]),
    ("*gras _gras italique_*", "gras gras italique", [("bold", 0, 18), ("italic", 5, 13)]),
    ("`co\\`de` et ```python\nx = 1\n```", "co`de et x = 1\n", [("code", 0, 5), ("pre", 9, 6)]),
    (">une citation\n>suite\napres", "une citation\nsuite\napres", [("blockquote", 0, 18)]),
    ("😀 *b*", "😀 b", [("bold", 3, 1)]),
    ("**\\*\\*", "**", []),
])
def test_markdown_v2_entities(text, plain, entities):
    parsed = parse_markdown_v2(text)
    assert parsed.text == plain
    assert [(e["type"], e["offset"], e["length"]) for e in parsed.entities] == entities


@pytest.mark.parametrize("text", ["a-b", "(x)", "#tag", "a = b", "x|y", "{x}", "*a _b* c_", "[lien]", "`x", "a > b"])
def test_markdown_v2_refusals(text):
    with pytest.raises(EntityParseError):
        parse_markdown_v2(text)


def test_legacy_markdown_does_not_nest_and_escapes_outside_entities():
    parsed = parse_markdown("*a _b* \\_c")
    assert parsed.text == "a _b _c" and parsed.entities == [{"type": "bold", "offset": 0, "length": 4}]
    with pytest.raises(EntityParseError):
        parse_markdown("[lien](https://ex.org")
