"""The Bot API test server must be faithful where the bot's correctness depends on it: envelopes,
401, HTML entity validation, length after parsing, long polling, faults, and the real PTB client.
The strict parts (flood limits, unknown chats, blocked bots, 409, edits, callback answers,
parse modes) are in test_strict.py."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
import telegram
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, RetryAfter
from dementi.bot.notify.sender import retry_after_seconds

from tests.botapi.html_entities import EntityParseError, parse_html
from tests.botapi.limits import TELEGRAM
from tests.botapi.server import DEFAULT_TOKEN, BotApiServer


@pytest.fixture(scope="module")
def server():
    # These tests are about envelopes, parsing and faults and send several messages to one chat at
    # once: the per-chat flood limit is off here (test_strict.py checks it).
    with BotApiServer(limits=TELEGRAM.relaxed(per_chat=None)) as srv:
        for chat in (1, 2, 3, 77, 500, 501, 502, 600, 601, 603, 9):
            srv.add_chat(chat)
        srv.add_chat(-503, "group")
        srv.add_chat(-602, "group")
        yield srv


def call(server, method, **params):
    r = httpx.post(f"{server.url}{DEFAULT_TOKEN}/{method}", json=params, timeout=10)
    return r.status_code, r.json()


def test_wrong_token_is_unauthorized(server):
    r = httpx.post(f"{server.url}999:nope/getMe", timeout=5)
    assert r.status_code == 401
    assert r.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


def test_get_me_and_form_bodies(server):
    status, body = call(server, "getMe")
    assert status == 200 and body["ok"] and body["result"]["is_bot"] is True
    r = httpx.post(f"{server.url}{DEFAULT_TOKEN}/sendMessage", data={"chat_id": "77", "text": "a &amp; b",
                                                                    "parse_mode": "HTML"}, timeout=5)
    assert r.status_code == 200
    result = r.json()["result"]
    assert result["text"] == "a & b" and isinstance(result["date"], int) and result["date"] < 10**10


@pytest.mark.parametrize("html,fragment", [
    ("<script>x</script>", 'Unsupported start tag "script"'),
    ("a & b", "Unescaped '&'"),
    ("a < b", "start tag at byte offset 2"),
    ("a > b", "Unescaped '>'"),
    ("<b>open", "Can't find end tag"),
    ("<b><i>x</b></i>", "Unmatched end tag"),
    ("x &nbsp; y", "Unsupported HTML entity"),
    ("<a>no href</a>", 'must have attribute "href"'),
    ("<code><b>x</b></code>", "can't be nested"),
    ("</b>", "Unexpected end tag"),
])
def test_malformed_html_is_rejected_like_telegram(server, html, fragment):
    status, body = call(server, "sendMessage", chat_id=1, text=html, parse_mode="HTML")
    assert status == 400
    assert body["description"].startswith("Bad Request: can't parse entities: ")
    assert fragment in body["description"]


def test_entities_and_utf16_offsets():
    parsed = parse_html('😀 <b>gras</b> <a href="https://x.org/?a=1&amp;b=2">lien</a> &#233;&#x41;&quot;')
    assert parsed.text == '😀 gras lien éA"'
    bold, link = parsed.entities
    assert bold == {"type": "bold", "offset": 3, "length": 4}  # the emoji is 2 UTF-16 units
    assert link["type"] == "text_link" and link["url"] == "https://x.org/?a=1&b=2"
    pre = parse_html('<pre><code class="language-python">x = 1</code></pre>').entities
    assert pre == [{"type": "pre", "offset": 0, "length": 5, "language": "python"}]
    with pytest.raises(EntityParseError):
        parse_html("<blockquote><blockquote>x</blockquote></blockquote>")


def test_length_counted_after_parsing_in_utf16(server):
    status, _ = call(server, "sendMessage", chat_id=2, text="<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    assert status == 200  # tags do not count
    status, body = call(server, "sendMessage", chat_id=2, text="&amp;" * 4097, parse_mode="HTML")
    assert (status, body["description"]) == (400, "Bad Request: message is too long")
    status, body = call(server, "sendMessage", chat_id=2, text="😀" * 2049)  # 4098 UTF-16 units
    assert (status, body["description"]) == (400, "Bad Request: message is too long")
    status, body = call(server, "sendMessage", chat_id=2, text="<b> </b>", parse_mode="HTML")
    assert (status, body["description"]) == (400, "Bad Request: message text is empty")


def test_inline_keyboard_validation(server):
    markup = {"inline_keyboard": [[{"text": "ok", "callback_data": "x" * 65}]]}
    status, body = call(server, "sendMessage", chat_id=3, text="hi", reply_markup=markup)
    assert (status, body["description"]) == (400, "Bad Request: BUTTON_DATA_INVALID")


def test_long_polling_waits_then_returns_injected_update(server):
    call(server, "getUpdates", offset=10**6)  # confirm anything left by other tests
    result = {}

    def poll():
        result["body"] = call(server, "getUpdates", timeout=5)[1]
        result["returned_at"] = time.monotonic()

    t = threading.Thread(target=poll)
    t.start()
    server.wait_condition(lambda: server.waiting_polls == 1, 5)  # the poll is parked on the server
    assert "body" not in result, "with nothing to deliver, getUpdates waits"
    injected_at = time.monotonic()
    server.send_command(42, "start")
    t.join(10)
    waited_after_update = result["returned_at"] - injected_at
    assert 0 <= waited_after_update < 4, "answered when the update came, not at the 5 s timeout"
    updates = result["body"]["result"]
    assert len(updates) == 1 and updates[0]["message"]["text"] == "/start"
    assert updates[0]["message"]["entities"][0]["type"] == "bot_command"
    # confirmed by offset: gone afterwards
    _, body = call(server, "getUpdates", offset=updates[0]["update_id"] + 1, timeout=0)
    assert body["result"] == []


def test_faults_are_per_chat_and_counted(server):
    server.fail(500, "429", times=2, retry_after=3)
    for _ in range(2):
        status, body = call(server, "sendMessage", chat_id=500, text="x")
        assert status == 429 and body["parameters"] == {"retry_after": 3}
    assert call(server, "sendMessage", chat_id=501, text="other chat")[0] == 200
    assert call(server, "sendMessage", chat_id=500, text="after")[0] == 200
    server.fail(502, "403")
    status, body = call(server, "sendMessage", chat_id=502, text="x")
    assert (status, body["description"]) == (403, "Forbidden: bot was blocked by the user")
    server.fail(-503, "migrate", migrate_to=-100503)
    status, body = call(server, "sendMessage", chat_id=-503, text="x")
    assert status == 400 and body["parameters"]["migrate_to_chat_id"] == -100503
    assert call(server, "sendMessage", chat_id=-100503, text="the supergroup exists now")[0] == 200
    assert len(server.state.rejected_for(500, 429)) == 2


async def test_real_ptb_client_against_server(server):
    bot = telegram.Bot(DEFAULT_TOKEN, base_url=server.url, base_file_url=server.file_url)
    async with bot:
        me = await bot.get_me()
        assert me.is_bot and me.username
        msg = await bot.send_message(600, "<b>Hi</b> &lt;x&gt;", parse_mode="HTML")
        assert msg.text == "Hi <x>" and msg.entities[0].type == "bold" and msg.date.year >= 2024
        server.fail(600, "429", retry_after=2)
        with pytest.raises(RetryAfter) as exc:
            await bot.send_message(600, "x")
        assert retry_after_seconds(exc.value) == 2
        server.fail(601, "403")
        with pytest.raises(Forbidden):
            await bot.send_message(601, "x")
        server.fail(-602, "migrate", migrate_to=-100602)
        with pytest.raises(ChatMigrated) as mig:
            await bot.send_message(-602, "x")
        assert mig.value.new_chat_id == -100602
        server.fail(603, "5xx", status=500)
        with pytest.raises(NetworkError):
            await bot.send_message(603, "x")
        with pytest.raises(BadRequest, match="parse entities"):
            await bot.send_message(603, "<b>", parse_mode="HTML")
        edited = await bot.edit_message_text("<i>new</i>", chat_id=600, message_id=msg.message_id, parse_mode="HTML")
        assert edited.text == "new"
        assert await bot.set_my_commands([("start", "Start"), ("help", "Help")])
        assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
        server.send_document(604, "rule.yaml", b"rules: []\n", user_id=9)
        updates = await bot.get_updates(timeout=1)
        doc = updates[-1].message.document
        f = await bot.get_file(doc.file_id)
        assert bytes(await f.download_as_bytearray()) == b"rules: []\n"
    with pytest.raises(InvalidToken):
        async with telegram.Bot("1:wrong", base_url=server.url) as bad:
            await bad.get_me()


def test_standalone_server_and_http_test_hooks(tmp_path):
    """`python -m tests.botapi.server --port N` for benches; hooks reachable under /_test/."""
    import subprocess
    import sys
    from pathlib import Path

    from dementi.streams.broker import free_port

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "tests.botapi.server", "--port", str(port)],
                            cwd=Path(__file__).resolve().parents[2], stdout=subprocess.PIPE, text=True)
    try:
        assert "Bot API test server" in proc.stdout.readline()
        base = f"http://127.0.0.1:{port}"
        r = httpx.post(f"{base}/bot{DEFAULT_TOKEN}/sendMessage", json={"chat_id": 9, "text": "x"}, timeout=5)
        assert (r.status_code, r.json()["description"]) == (400, "Bad Request: chat not found")
        httpx.post(f"{base}/_test/chat", json={"chat_id": 9}, timeout=5)
        httpx.post(f"{base}/_test/fault", json={"chat_id": 9, "kind": "429", "retry_after": 4}, timeout=5)
        r = httpx.post(f"{base}/bot{DEFAULT_TOKEN}/sendMessage", json={"chat_id": 9, "text": "x"}, timeout=5)
        assert r.status_code == 429 and r.json()["parameters"]["retry_after"] == 4
        assert httpx.post(f"{base}/bot{DEFAULT_TOKEN}/sendMessage", json={"chat_id": 9, "text": "<i>ok</i>",
                                                                         "parse_mode": "HTML"}, timeout=5).is_success
        sent = httpx.get(f"{base}/_test/sent", params={"chat_id": 9}, timeout=5).json()["result"]
        assert [s["text"] for s in sent] == ["ok"] and sent[0]["received_at"] > 0
        httpx.post(f"{base}/_test/message", json={"chat_id": 9, "text": "/start"}, timeout=5)
        updates = httpx.post(f"{base}/bot{DEFAULT_TOKEN}/getUpdates", json={"timeout": 1}, timeout=5).json()
        assert updates["result"][0]["message"]["text"] == "/start"
    finally:
        proc.terminate()
        proc.wait(10)
