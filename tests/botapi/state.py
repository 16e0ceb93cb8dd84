"""State of the Bot API test server: chats, the update queue, what the bot sent, and faults.

Kept apart from the HTTP layer so test hooks (called from any thread) and request handlers (in
the server's event loop) share one lock-protected model. Builders for updates follow the
official object shapes (Message, Chat, User, CallbackQuery, Document) so that python-telegram-bot
de-serialises them exactly as it would real ones.

What the bot may do depends on the chats as Telegram knows them: a chat exists only once it
talked to the bot (a user wrote, the bot was added to the group) - before, sends get "chat not
found"; a user who blocked the bot, or a group that kicked or removed it, gets 403 until the user
is back (a new message in the private chat, or the bot re-added); a migrated group answers with
its supergroup id. Flood limits (limits.py) and callback query ids live here too. Time for all of
it comes from ``clock`` (``time.monotonic`` unless a test injects one).
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass
from typing import Any

from tests.botapi.limits import TELEGRAM, FloodControl, FloodLimits

BOT_USERNAME = "dementi_test_bot"
ANONYMOUS_ADMIN_ID = 1087968824  # Telegram's GroupAnonymousBot


@dataclass
class Fault:
    """One injected failure for a chat: ``kind`` in 429/403/migrate/5xx, for N calls or until T."""

    kind: str
    times: int | None = 1          # None = unlimited (until ``until``)
    until: float | None = None     # deadline on the state's clock, None = count-based
    retry_after: int = 1
    migrate_to: int | None = None
    status: int = 500

    def active(self, now: float) -> bool:
        if self.until is not None and now >= self.until:
            return False
        return self.times is None or self.times > 0


@dataclass
class Sent:
    """A message as the server accepted it (plain text after entity parsing, raw HTML kept)."""

    chat_id: int
    message_id: int
    text: str
    raw: str
    entities: list[dict]
    parse_mode: str | None
    reply_markup: dict | None
    received_at: float
    method: str = "sendMessage"
    disable_notification: bool = False


@dataclass
class ChatInfo:
    id: int
    type: str = "private"
    title: str | None = None
    username: str | None = None
    bot_status: str = "member"        # member | administrator | kicked (blocked by the user) | left
    migrated_to: int | None = None    # a group that became this supergroup

    @property
    def is_group(self) -> bool:
        return self.type != "private"

    def forbidden(self) -> str | None:
        """Telegram's 403 description when the bot may not post here, else None."""
        if self.bot_status == "kicked":
            return ("Forbidden: bot was blocked by the user" if self.type == "private"
                    else f"Forbidden: bot was kicked from the {self.type} chat")
        if self.bot_status == "left":
            return f"Forbidden: bot is not a member of the {self.type} chat"
        return None

    def as_dict(self) -> dict:
        d: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private":
            d["first_name"] = f"User{abs(self.id)}"
        else:
            d["title"] = self.title or f"Chat {self.id}"
        if self.username:
            d["username"] = self.username
        return d


class BotApiState:
    def __init__(self, token: str, limits: FloodLimits = TELEGRAM, clock=time.monotonic):
        self.token = token
        self.clock = clock
        self.flood = FloodControl(limits, clock)
        self.bot_id = int(token.split(":", 1)[0])
        self.lock = threading.RLock()
        self.updates: list[dict] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count] = {}
        self.chats: dict[int, ChatInfo] = {}
        self.sent: list[Sent] = []
        self.edits: list[Sent] = []
        self.rejected: list[tuple[int, int, str, float]] = []  # (chat_id, code, description, at)
        self.faults: dict[int | None, list[Fault]] = {}
        self.commands: list[dict] = []  # setMyCommands, default scope
        self.scoped_commands: dict[tuple[str, int | None], list[dict]] = {}  # (scope type, chat_id) -> commands
        self.callback_answers: list[dict] = []
        self.callback_queries: dict[str, bool] = {}  # query id -> answered
        self.user_messages: set[tuple[int, int]] = set()  # (chat_id, message_id) posted by users
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, content)
        self.chat_admins: dict[int, set[int]] = {}  # chat_id -> user ids that are its administrators
        self.request_log: list[tuple[str, float]] = []
        self.on_update = None  # set by the server: wakes long pollers

    # --- identities ----------------------------------------------------------------------------
    def bot_user(self) -> dict:
        return {"id": self.bot_id, "is_bot": True, "first_name": "dementi test", "username": BOT_USERNAME,
                "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False,
                "can_connect_to_business": False, "has_main_web_app": False}

    @staticmethod
    def user(user_id: int) -> dict:
        return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}", "language_code": "fr"}

    def chat(self, chat_id: int, chat_type: str | None = None, title: str | None = None) -> ChatInfo:
        """The chat, created if it did not exist: for user-side hooks (a user writes, the bot is added)."""
        with self.lock:
            info = self.chats.get(chat_id)
            if info is None:
                if chat_type is None:
                    chat_type = "private" if chat_id > 0 else ("supergroup" if chat_id < -1_000_000_000_000
                                                              else "group")
                info = self.chats[chat_id] = ChatInfo(id=chat_id, type=chat_type, title=title)
            elif chat_type and info.type != chat_type:
                info.type = chat_type
            return info

    def known(self, chat_id: Any) -> ChatInfo | None:
        """The chat as Telegram knows it, or None ("chat not found") if it never talked to the bot."""
        with self.lock:
            return self.chats.get(chat_id) if isinstance(chat_id, int) else None

    def next_message_id(self, chat_id: int) -> int:
        with self.lock:
            counter = self._message_ids.setdefault(chat_id, itertools.count(1))
            return next(counter)

    # --- updates -------------------------------------------------------------------------------
    def push_update(self, payload: dict) -> int:
        with self.lock:
            update_id = next(self._update_ids)
            self.updates.append({"update_id": update_id, **payload})
        if self.on_update:
            self.on_update()
        return update_id

    def take_updates(self, offset: int | None, limit: int) -> list[dict]:
        with self.lock:
            if offset is not None and offset > 0:
                # Confirms (forgets) every update with an id lower than offset, as Telegram does.
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
            return list(self.updates[:limit])

    def message_dict(self, chat_id: int, text: str | None, user_id: int | None, chat_type: str | None,
                     **extra) -> dict:
        chat = self.chat(chat_id, chat_type)
        msg: dict[str, Any] = {"message_id": self.next_message_id(chat_id), "date": int(time.time()),
                               "chat": chat.as_dict()}
        with self.lock:
            self.user_messages.add((chat_id, msg["message_id"]))
        anonymous_admin = extra.pop("sender_chat", False)
        if chat.type == "channel":
            msg["sender_chat"] = chat.as_dict()
        elif anonymous_admin:  # an anonymous group admin posts as the group itself
            msg["sender_chat"] = chat.as_dict()
            msg["from"] = {"id": ANONYMOUS_ADMIN_ID, "is_bot": True, "first_name": "Group",
                           "username": "GroupAnonymousBot"}
        else:
            msg["from"] = self.user(user_id if user_id is not None else abs(chat_id))
        if text is not None:
            msg["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command.encode("utf-16-le")) // 2}]
        msg.update(extra)
        return msg

    def new_callback_query(self, query_id: str) -> None:
        with self.lock:
            self.callback_queries[query_id] = False

    def callback_pending(self, query_id: str) -> bool:
        """True for a query the server issued and nobody answered yet (Telegram takes one answer)."""
        with self.lock:
            return self.callback_queries.get(query_id) is False

    def answer_callback_query(self, query_id: str) -> None:
        with self.lock:
            self.callback_queries[query_id] = True

    # --- chats as the bot sees them ---------------------------------------------------------------
    def set_bot_status(self, chat_id: int, status: str, chat_type: str | None = None) -> ChatInfo:
        """The bot's membership changed (blocked/kicked, removed, (re-)added, unblocked)."""
        with self.lock:
            chat = self.chat(chat_id, chat_type)
            chat.bot_status = status
            return chat

    def migrate(self, old: int, new: int) -> ChatInfo:
        """A group became supergroup ``new``: the old id answers with migrate_to_chat_id from now on."""
        with self.lock:
            group = self.chat(old, "group")
            group.migrated_to = new
            return self.chat(new, "supergroup", title=group.title)

    # --- faults --------------------------------------------------------------------------------
    def add_fault(self, chat_id: int | None, fault: Fault) -> None:
        with self.lock:
            self.faults.setdefault(chat_id, []).append(fault)

    def clear_faults(self, chat_id: int | None = None) -> None:
        with self.lock:
            if chat_id is None:
                self.faults.clear()
            else:
                self.faults.pop(chat_id, None)

    def take_fault(self, chat_id: int | None) -> Fault | None:
        """The fault to apply to this call (consumes one use), chat-specific first, then global."""
        now = self.clock()
        with self.lock:
            for key in (chat_id, None):
                faults = self.faults.get(key, [])
                faults[:] = [f for f in faults if f.active(now)]
                if faults:
                    fault = faults[0]
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    # --- reading what the bot did ---------------------------------------------------------------
    def sent_to(self, chat_id: int | None = None) -> list[Sent]:
        with self.lock:
            return [s for s in self.sent if chat_id is None or s.chat_id == chat_id]

    def rejected_for(self, chat_id: int | None = None, code: int | None = None) -> list[tuple]:
        with self.lock:
            return [r for r in self.rejected if (chat_id is None or r[0] == chat_id) and (code is None or r[1] == code)]

