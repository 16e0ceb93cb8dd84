"""A small Telegram Bot API server on 127.0.0.1 for tests and benches, as strict as Telegram.

Why our own: the npm emulator is not compatible with python-telegram-bot 22 and validates nothing
(see stack.md). This one speaks ``/bot<TOKEN>/<method>`` with JSON, urlencoded or multipart bodies,
answers with the official envelopes and error wordings, long-polls getUpdates (409 Conflict for
the older of two concurrent polls), validates HTML/MarkdownV2/Markdown like Telegram and counts
length after entity parsing, and lets tests inject updates and faults.

By default it enforces what Telegram does, so a test can fail on it: flood limits with 429 and a
retry_after that holds (limits.py), "chat not found" for chats that never talked to the bot (use
``add_chat`` or a user-side hook first), 403 while the bot is blocked/kicked (``bot_membership``),
migrated groups, one answer per callback query. A test about something else relaxes a limit
explicitly: ``BotApiServer(limits=TELEGRAM.relaxed(per_chat=None))``; ``clock=`` injects time.

It runs in a background thread with its own event loop, so sync tests, async tests (the bot in the
test's loop) and separate bot processes can all talk to it. Standalone:
``python -m tests.botapi.server --port 8081``; test hooks are then reachable over HTTP under
``/_test/`` (see ``_control``).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import threading
import time

from aiohttp import web

from tests.botapi import methods
from tests.botapi.limits import TELEGRAM, UNLIMITED, FloodLimits
from tests.botapi.state import BOT_USERNAME, BotApiState, Fault, Sent

DEFAULT_TOKEN = "123456789:TEST-abcdefghijklmnopqrstuvwxyz0123456"
_JSON_FIELDS = ("reply_markup", "commands", "allowed_updates", "scope", "entities", "link_preview_options",
                "reply_parameters")


class BotApiServer:
    def __init__(self, token: str = DEFAULT_TOKEN, host: str = "127.0.0.1", port: int = 0,
                 limits: FloodLimits = TELEGRAM, clock=time.monotonic):
        self.token = token
        self.host = host
        self.port = port
        self.state = BotApiState(token, limits=limits, clock=clock)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()
        self._wake: asyncio.Event | None = None
        self._sent_cond = threading.Condition()
        self._callback_ids = itertools.count(1)
        self._poll_generation = 0  # the latest getUpdates; an older one still waiting gets 409
        self.waiting_polls = 0  # getUpdates calls waiting for an update right now (tests wait on it)
        self.active_requests = 0  # API calls other than getUpdates being handled right now
        self._closing = False
        self.state.on_update = self._notify_update

    # --- lifecycle -------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """Value for ``Application.builder().base_url(...)`` / DEMENTI_TELEGRAM_API_URL."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    def start(self) -> "BotApiServer":
        self._thread = threading.Thread(target=self._run, name="botapi-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("Bot API test server did not start")
        return self

    def stop(self) -> None:
        self._closing = True
        self._notify_update()  # release pending long polls so the runner can close at once
        if self._loop and self._runner:
            fut = asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop)
            try:
                fut.result(5)
            except Exception:  # pragma: no cover - best effort on teardown
                pass
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread:
            self._thread.join(5)

    def __enter__(self) -> "BotApiServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._wake = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        app.router.add_route("*", "/_test/{op}", self._control)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, self.host, self.port)
        self._loop.run_until_complete(site.start())
        self.port = self._runner.addresses[0][1]
        self._ready.set()
        self._loop.run_forever()
        self._loop.close()

    def _notify_update(self) -> None:
        if self._loop and self._wake:
            self._loop.call_soon_threadsafe(self._wake.set)

    # --- HTTP ------------------------------------------------------------------------------------
    @staticmethod
    async def _params(request: web.Request) -> dict:
        params: dict = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    params.update(body)
            else:
                form = await request.post()
                for key, value in form.items():
                    params[key] = value if isinstance(value, str) else value.file.read()
        for key in _JSON_FIELDS:
            if isinstance(params.get(key), str):
                try:
                    params[key] = json.loads(params[key])
                except ValueError:
                    pass
        return params

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        counted = request.match_info["method"].lower() != "getupdates"  # long polls wait by design
        self.active_requests += counted
        try:
            return await self._handle(request)
        finally:
            self.active_requests -= counted

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            params = await self._params(request)
        except ValueError:
            status, body = methods.error(400, "Bad Request: can't parse JSON")
            return web.json_response(body, status=status)
        with self.state.lock:
            self.state.request_log.append((method, time.time()))
        if method.lower() == "getupdates":
            status, body = await self._long_poll(params)
            return web.json_response(body, status=status)
        return self._call(method, params)

    def _call(self, method: str, params: dict) -> web.Response:
        status, body = methods.dispatch(self.state, method, params)
        if status != 200 and "chat_id" in params:
            with self.state.lock:
                self.state.rejected.append((methods._int(params["chat_id"]), status, body["description"], time.time()))
        if method.lower() == "sendmessage" and status == 200:
            with self._sent_cond:
                self._sent_cond.notify_all()
        return web.json_response(body, status=status)

    async def _long_poll(self, params: dict) -> tuple[int, dict]:
        """getUpdates, waiting up to ``timeout`` seconds for an update. Like Telegram, a newer
        getUpdates terminates one still waiting, which gets 409 Conflict: two pollers on one token
        (two bot instances) see it at once."""
        try:
            timeout = float(params.get("timeout") or 0)
        except ValueError:
            timeout = 0.0
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake.set()  # an older poll still waiting wakes up, sees it is superseded, answers 409
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            self._wake.clear()
            if generation != self._poll_generation:
                return methods.error(409, "Conflict: terminated by other getUpdates request; make sure that only "
                                          "one bot instance is running")
            updates = methods.get_updates(self.state, params)
            remaining = deadline - time.monotonic()
            if updates or remaining <= 0 or self._closing:
                return methods.ok(updates)
            self.waiting_polls += 1
            try:
                await asyncio.wait_for(self._wake.wait(), remaining)
            except asyncio.TimeoutError:
                pass
            finally:
                self.waiting_polls -= 1

    async def _file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        path = request.match_info["path"]
        with self.state.lock:
            match = next((content for (p, content) in self.state.files.values() if p == path), None)
        if match is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        return web.Response(body=match, content_type="application/octet-stream")

    async def _control(self, request: web.Request) -> web.Response:
        """Test hooks over HTTP for bots running in other processes (benches, manual runs)."""
        op = request.match_info["op"]
        p = await request.json() if request.can_read_body else dict(request.query)
        if op == "message":
            result = self.send_message(int(p["chat_id"]), p["text"], user_id=p.get("user_id"),
                                       chat_type=p.get("chat_type"))
        elif op == "limits":  # {"telegram": true} (the default) or {"telegram": false}: no flood limits
            self.set_limits(TELEGRAM if p.get("telegram", True) else UNLIMITED)
            result = True
        elif op == "chat":
            self.add_chat(int(p["chat_id"]), chat_type=p.get("chat_type"), title=p.get("title"))
            result = True
        elif op == "sent":
            chat = p.get("chat_id")
            result = [vars(s) for s in self.messages(int(chat) if chat not in (None, "") else None)]
        elif op == "fault":
            self.fail(int(p["chat_id"]) if p.get("chat_id") is not None else None, str(p["kind"]),
                      times=p.get("times", 1), duration=p.get("duration"), retry_after=p.get("retry_after", 1),
                      migrate_to=p.get("migrate_to"), status=p.get("status", 500))
            result = True
        elif op == "rejected":  # the error codes answered to a chat's calls, in order
            chat = p.get("chat_id")
            result = [code for _, code, _, _ in self.state.rejected_for(int(chat) if chat not in (None, "") else None)]
        elif op == "clear_faults":
            self.state.clear_faults()
            result = True
        else:
            return web.json_response({"ok": False, "description": f"unknown test op {op}"}, status=404)
        return web.json_response({"ok": True, "result": result})

    def set_limits(self, limits: FloodLimits) -> None:
        """Change the flood limits from now on (benches measuring pipeline capacity lift them)."""
        with self.state.lock:
            self.state.flood.limits = limits

    # --- test hooks: user -> bot -------------------------------------------------------------------
    def add_chat(self, chat_id: int, chat_type: str | None = None, title: str | None = None) -> None:
        """The chat exists for the bot without an update to process: a user started the bot, or
        the bot was added to the group, earlier. Sends to a chat nobody introduced get 400
        "chat not found", as on Telegram."""
        self.state.chat(chat_id, chat_type, title)

    def send_message(self, chat_id: int, text: str, user_id: int | None = None, chat_type: str | None = None,
                     sender_chat: bool = False) -> int:
        """A user (or channel) posts ``text`` in ``chat_id``; returns the update_id. A user who had
        blocked the bot and writes to it again has unblocked it: Telegram then delivers a
        my_chat_member update (kicked -> member) before the message. ``sender_chat``: an anonymous
        group admin, who posts as the group itself."""
        known = self.state.known(chat_id)
        if known is not None and known.type == "private" and known.bot_status == "kicked":
            self.bot_membership(chat_id, "member", user_id=user_id, old_status="kicked")
        msg = self.state.message_dict(chat_id, text, user_id, chat_type, sender_chat=sender_chat)
        kind = "channel_post" if msg["chat"]["type"] == "channel" else "message"
        return self.state.push_update({kind: msg})

    def send_command(self, chat_id: int, command: str, *args: str, user_id: int | None = None,
                     chat_type: str | None = None, mention: bool = False) -> int:
        name = command.lstrip("/")
        head = f"/{name}@{BOT_USERNAME}" if mention else f"/{name}"
        return self.send_message(chat_id, " ".join([head, *args]), user_id=user_id, chat_type=chat_type)

    def set_chat_admin(self, chat_id: int, user_id: int) -> None:
        """Make ``user_id`` an administrator of group ``chat_id`` (what getChatMember answers)."""
        self.state.chat(chat_id)
        with self.state.lock:
            self.state.chat_admins.setdefault(chat_id, set()).add(user_id)

    def send_service(self, chat_id: int, user_id: int | None = None, chat_type: str | None = None, **fields) -> int:
        """A service message, e.g. ``migrate_to_chat_id=-100…`` when a group becomes a supergroup."""
        msg = self.state.message_dict(chat_id, None, user_id, chat_type, **fields)
        return self.state.push_update({"message": msg})

    def bot_membership(self, chat_id: int, status: str, user_id: int | None = None, chat_type: str | None = None,
                       old_status: str = "member") -> int:
        """A ``my_chat_member`` update: the bot was blocked/kicked (``kicked``), removed (``left``), or
        (re-)added / unblocked (``member``, ``administrator``). From now on sends to the chat get
        what Telegram answers: 403 while kicked or left, accepted again once back."""
        def member(st: str) -> dict:
            m = {"user": self.state.bot_user(), "status": st}
            if st == "kicked":
                m["until_date"] = 0
            if st == "administrator":
                m.update(can_be_edited=False, is_anonymous=False, can_manage_chat=True, can_delete_messages=True,
                         can_manage_video_chats=True, can_restrict_members=True, can_promote_members=False,
                         can_change_info=True, can_invite_users=True, can_post_stories=False,
                         can_edit_stories=False, can_delete_stories=False)
            return m
        chat = self.state.set_bot_status(chat_id, status, chat_type)
        return self.state.push_update({"my_chat_member": {
            "chat": chat.as_dict(), "from": self.state.user(user_id if user_id is not None else abs(chat_id)),
            "date": int(time.time()), "old_chat_member": member(old_status), "new_chat_member": member(status)}})

    def migrate_group(self, old: int, new: int, user_id: int | None = None) -> None:
        """Group ``old`` becomes supergroup ``new``: Telegram posts the two service messages
        (migrate_to_chat_id in the group, migrate_from_chat_id in the supergroup) and from then on
        answers sends to the old id with 400 and ``migrate_to_chat_id``."""
        self.state.migrate(old, new)
        self.send_service(old, user_id=user_id, chat_type="group", migrate_to_chat_id=new)
        self.send_service(new, user_id=user_id, chat_type="supergroup", migrate_from_chat_id=old)

    def send_document(self, chat_id: int, file_name: str, content: bytes, user_id: int | None = None,
                      caption: str | None = None, chat_type: str | None = None) -> int:
        file_id = f"doc{len(self.state.files) + 1}"
        with self.state.lock:
            self.state.files[file_id] = (f"documents/{file_id}_{file_name}", content)
        document = {"file_id": file_id, "file_unique_id": "u" + file_id, "file_name": file_name,
                    "mime_type": "application/x-yaml", "file_size": len(content)}
        extra = {"document": document}
        if caption:
            extra["caption"] = caption
        msg = self.state.message_dict(chat_id, None, user_id, chat_type, **extra)
        kind = "channel_post" if msg["chat"]["type"] == "channel" else "message"
        return self.state.push_update({kind: msg})

    def press_button(self, chat_id: int, data: str, user_id: int | None = None, message_id: int | None = None) -> str:
        """A user presses an inline button carrying ``data`` under a bot message (default: the last one)."""
        sent = [s for s in self.messages(chat_id) if message_id is None or s.message_id == message_id]
        if not sent:
            raise AssertionError(f"no bot message in chat {chat_id} to press a button on")
        target = sent[-1]
        message = {"message_id": target.message_id, "date": int(target.received_at),
                   "chat": self.state.chat(chat_id).as_dict(), "from": self.state.bot_user(), "text": target.text}
        if target.reply_markup:
            message["reply_markup"] = target.reply_markup
        query_id = str(next(self._callback_ids))
        self.state.new_callback_query(query_id)
        self.state.push_update({"callback_query": {
            "id": query_id, "from": self.state.user(user_id if user_id is not None else abs(chat_id)),
            "message": message, "chat_instance": f"ci{chat_id}", "data": data}})
        return query_id

    # --- test hooks: faults -------------------------------------------------------------------------
    def fail(self, chat_id: int | None, kind: str, times: int | None = 1, duration: float | None = None,
             retry_after: int = 1, migrate_to: int | None = None, status: int = 500) -> None:
        """Next sends to ``chat_id`` (None = any chat) fail with ``kind`` ∈ 429/403/migrate/5xx,
        ``times`` times, or for ``duration`` seconds when given (then ``times`` may be None)."""
        until = self.state.clock() + duration if duration else None
        self.state.add_fault(chat_id, Fault(kind=str(kind), times=None if duration and times in (None, 1) else times,
                                            until=until, retry_after=int(retry_after), migrate_to=migrate_to,
                                            status=int(status)))

    # --- test hooks: bot -> user ----------------------------------------------------------------------
    def messages(self, chat_id: int | None = None) -> list[Sent]:
        return self.state.sent_to(chat_id)

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [s.text for s in self.messages(chat_id)]

    def wait_for_messages(self, chat_id: int | None, count: int, timeout: float = 10.0) -> list[Sent]:
        """Block (in a sync test) until ``count`` messages reached ``chat_id``; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        with self._sent_cond:
            while True:
                got = self.messages(chat_id)
                if len(got) >= count:
                    return got
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"chat {chat_id}: expected {count} messages within {timeout}s, got "
                                         f"{len(got)}: {[s.text[:80] for s in got]}")
                self._sent_cond.wait(min(remaining, 0.2))

    async def await_messages(self, chat_id: int | None, count: int, timeout: float = 10.0) -> list[Sent]:
        """Async twin of wait_for_messages: yields to the loop so an in-process bot keeps running."""
        await self.await_condition(lambda: len(self.messages(chat_id)) >= count, timeout,
                                   lambda: f"chat {chat_id}: expected {count} messages, got "
                                           f"{[s.text[:80] for s in self.messages(chat_id)]}")
        return self.messages(chat_id)

    async def await_reply(self, chat_id: int, after: int, timeout: float = 10.0) -> Sent:
        """Wait for the first message to ``chat_id`` beyond the ``after`` already there."""
        got = await self.await_messages(chat_id, after + 1, timeout)
        return got[after]

    @staticmethod
    async def await_condition(predicate, timeout: float = 10.0, describe=None) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met within {timeout}s" + (f": {describe()}" if describe else ""))
            await asyncio.sleep(0.02)
        return None

    def wait_condition(self, predicate, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met within {timeout}s")
            time.sleep(0.02)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Telegram Bot API test server (tests/benches)")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--no-flood-limits", action="store_true",
                        help="accept any rate (benches of pipeline capacity); default: Telegram's limits")
    args = parser.parse_args(argv)
    server = BotApiServer(token=args.token, host=args.host, port=args.port,
                          limits=UNLIMITED if args.no_flood_limits else TELEGRAM).start()
    print(f"Bot API test server on {server.url}<TOKEN>/  (control: http://{args.host}:{server.port}/_test/)",
          flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
