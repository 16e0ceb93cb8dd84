"""State of the Bot API test server: chats, the update queue, what the bot sent, and faults.

Kept apart from the HTTP layer so test hooks (called from any thread) and request handlers (in
the server's event loop) share one lock-protected model. Builders for updates follow the
official object shapes (Message, Chat, User, CallbackQuery, Document) so that python-telegram-bot
de-serialises them exactly as it would real ones.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass
from typing import Any

BOT_USERNAME = "dementi_test_bot"


@dataclass
class Fault:
    """One injected failure for a chat: ``kind`` in 429/403/migrate/5xx, for N calls or until T."""

    kind: str
    times: int | None = 1          # None = unlimited (until ``until``)
    until: float | None = None     # time.time() deadline, None = count-based
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
    def __init__(self, token: str):
        self.token = token
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
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, content)
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
        if chat.type == "channel":
            msg["sender_chat"] = chat.as_dict()
        else:
            msg["from"] = self.user(user_id if user_id is not None else abs(chat_id))
        if text is not None:
            msg["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command.encode("utf-16-le")) // 2}]
        msg.update(extra)
        return msg

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
        now = time.time()
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

