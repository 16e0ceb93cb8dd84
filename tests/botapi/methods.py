"""Bot API method implementations of the test server (pure functions over BotApiState).

Each method returns ``(http_status, body)``; bodies follow the official envelope
``{"ok": true, "result": ...}`` / ``{"ok": false, "error_code": N, "description": ...,
"parameters": ...}``. Methods that post or edit a message check, in this order: the chat (unknown
-> 400 "chat not found", migrated -> 400 with migrate_to_chat_id, bot blocked/kicked -> 403),
faults injected by tests, the text (parse_mode, entities, length) and keyboard, the message to
edit, and last the flood limits (429 with retry_after): only a message that would be accepted
counts against them.
"""

from __future__ import annotations

import re
import time
from typing import Any

from tests.botapi.html_entities import EntityParseError, ParsedText, parse_html, utf16_len
from tests.botapi.markdown import parse_markdown, parse_markdown_v2
from tests.botapi.state import BotApiState, ChatInfo, Sent

MAX_TEXT = 4096
MAX_CALLBACK_TEXT = 200  # answerCallbackQuery text: 0-200 characters
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")


def ok(result: Any) -> tuple[int, dict]:
    return 200, {"ok": True, "result": result}


def error(code: int, description: str, **parameters) -> tuple[int, dict]:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return code, body


def _int(value: Any) -> Any:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def _apply_fault(state: BotApiState, chat_id: int) -> tuple[int, dict] | None:
    fault = state.take_fault(chat_id)
    if fault is None:
        return None
    if fault.kind == "429":
        res = too_many_requests(fault.retry_after)
    elif fault.kind == "403":
        res = error(403, "Forbidden: bot was blocked by the user")
    elif fault.kind == "migrate":
        if fault.migrate_to is not None:
            state.chat(fault.migrate_to, "supergroup")  # the supergroup exists from now on
        res = error(400, "Bad Request: group chat was upgraded to a supergroup chat",
                    migrate_to_chat_id=fault.migrate_to)
    else:
        res = error(fault.status, "Internal Server Error" if fault.status == 500 else "Bad Gateway")
    return res


def too_many_requests(retry_after: int) -> tuple[int, dict]:
    return error(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


def _validate_markup(markup: Any) -> str | None:
    if markup is None:
        return None
    if not isinstance(markup, dict):
        return "Bad Request: can't parse reply keyboard markup JSON object"
    rows = markup.get("inline_keyboard")
    if rows is None:
        return None  # reply keyboards etc. are accepted without checks
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        return "Bad Request: field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array of Arrays"
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                return "Bad Request: text buttons are unallowed in the inline keyboard"
            data = button.get("callback_data")
            if data is not None and not (1 <= len(str(data).encode()) <= 64):
                return "Bad Request: BUTTON_DATA_INVALID"
            if data is None and not any(k in button for k in ("url", "switch_inline_query", "copy_text",
                                                               "callback_game", "pay", "web_app", "login_url",
                                                               "switch_inline_query_current_chat")):
                return "Bad Request: can't find field \"callback_data\""
    return None


PARSERS = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}


def parse_formatted(text: str, parse_mode: Any) -> ParsedText | tuple[int, dict]:
    """``text`` after Telegram's formatting (case-insensitive parse_mode, as Telegram reads it;
    empty = none), or the 400 Telegram answers for an unknown mode or a text that does not parse."""
    mode = str(parse_mode or "").lower()
    if not mode:
        return ParsedText(text=text, entities=[])
    parser = PARSERS.get(mode)
    if parser is None:
        return error(400, "Bad Request: unsupported parse_mode")
    try:
        return parser(text)
    except EntityParseError as exc:
        return error(400, f"Bad Request: can't parse entities: {exc}")


def _parse_text(params: dict) -> tuple[str, list[dict]] | tuple[int, dict]:
    text = params.get("text")
    if text is None or str(text) == "":
        return error(400, "Bad Request: message text is empty")
    parsed = parse_formatted(str(text), params.get("parse_mode"))
    if isinstance(parsed, tuple):
        return parsed
    plain, entities = parsed.text, parsed.entities
    if not params.get("parse_mode"):
        entities = list(params.get("entities") or [])
    if not plain.strip():
        return error(400, "Bad Request: message text is empty")
    if utf16_len(plain) > MAX_TEXT:
        return error(400, "Bad Request: message is too long")
    return plain, entities


def _message_result(state: BotApiState, sent: Sent) -> dict:
    msg = {"message_id": sent.message_id, "date": int(sent.received_at), "chat": state.chat(sent.chat_id).as_dict(),
           "from": state.bot_user(), "text": sent.text}
    if sent.entities:
        msg["entities"] = sent.entities
    if sent.reply_markup and sent.reply_markup.get("inline_keyboard") is not None:
        msg["reply_markup"] = sent.reply_markup
    return msg


def _target_chat(state: BotApiState, params: dict) -> ChatInfo | tuple[int, dict]:
    """The chat a message goes to, or Telegram's refusal: unknown chat (never talked to the bot),
    a group that became a supergroup, a chat that blocked/kicked/removed the bot, injected faults."""
    chat_id = _int(params.get("chat_id"))
    if chat_id in (None, ""):
        return error(400, "Bad Request: chat_id is empty")
    chat = state.known(chat_id)
    if chat is None:
        return error(400, "Bad Request: chat not found")
    if chat.migrated_to is not None:
        return error(400, "Bad Request: group chat was upgraded to a supergroup chat",
                     migrate_to_chat_id=chat.migrated_to)
    forbidden = chat.forbidden()
    if forbidden:
        return error(403, forbidden)
    return _apply_fault(state, chat.id) or chat


def _checked_text(params: dict) -> tuple:
    """What sendMessage and editMessageText both check after the chat: the text (parse_mode,
    entities, length), then the inline keyboard. Returns (plain, entities) or an error response."""
    parsed = _parse_text(params)
    if isinstance(parsed[0], int):
        return parsed
    markup_error = _validate_markup(params.get("reply_markup"))
    if markup_error:
        return error(400, markup_error)
    return parsed


def _chat_and_text(state: BotApiState, params: dict) -> tuple:
    """(chat, plain text, entities) of a message to post or edit, or the error response."""
    chat = _target_chat(state, params)
    if isinstance(chat, tuple):
        return chat
    checked = _checked_text(params)
    if isinstance(checked[0], int):
        return checked
    return (chat, *checked)


def _count_message(state: BotApiState, chat: ChatInfo) -> tuple[int, dict] | None:
    """429 if this message would break a flood limit (limits.py); else it counts from now on."""
    retry_after = state.flood.check(chat.id, chat.is_group)
    if retry_after is not None:
        return too_many_requests(retry_after)
    state.flood.record(chat.id, chat.is_group)
    return None


def send_message(state: BotApiState, params: dict) -> tuple[int, dict]:
    with state.lock:
        checked = _chat_and_text(state, params)
        if isinstance(checked[0], int):
            return checked  # type: ignore[return-value]
        chat, plain, entities = checked
        refused = _count_message(state, chat)
        if refused:
            return refused
        sent = Sent(chat_id=chat.id, message_id=state.next_message_id(chat.id), text=plain,
                    raw=str(params["text"]), entities=entities, parse_mode=params.get("parse_mode"),
                    reply_markup=params.get("reply_markup"), received_at=time.time(),
                    disable_notification=str(params.get("disable_notification")).lower() == "true")
        state.sent.append(sent)
        return ok(_message_result(state, sent))


def edit_message_text(state: BotApiState, params: dict) -> tuple[int, dict]:
    """The edited Message on success; "message to edit not found" for an id the bot never sent in
    that chat, "message can't be edited" for a user's message, "message is not modified" when
    text, entities and keyboard are all the same. An accepted edit counts in the flood limits
    (Telegram rate-limits edits too; it publishes no separate number)."""
    with state.lock:
        checked = _chat_and_text(state, params)
        if isinstance(checked[0], int):
            return checked  # type: ignore[return-value]
        chat, plain, entities = checked
        message_id = _int(params.get("message_id"))
        target = next((s for s in state.sent if s.chat_id == chat.id and s.message_id == message_id), None)
        if target is None:
            if (chat.id, message_id) in state.user_messages:
                return error(400, "Bad Request: message can't be edited")
            return error(400, "Bad Request: message to edit not found")
        markup = params.get("reply_markup")
        if target.text == plain and target.entities == entities and target.reply_markup == markup:
            return error(400, "Bad Request: message is not modified: specified new message content and reply "
                              "markup are exactly the same as a current content and reply markup of the message")
        refused = _count_message(state, chat)
        if refused:
            return refused
        target.text, target.raw, target.entities, target.reply_markup = plain, str(params["text"]), entities, markup
        state.edits.append(Sent(chat_id=chat.id, message_id=message_id, text=plain, raw=str(params["text"]),
                                entities=entities, parse_mode=params.get("parse_mode"), reply_markup=markup,
                                received_at=time.time(), method="editMessageText"))
        return ok(_message_result(state, target))


def get_updates(state: BotApiState, params: dict) -> list[dict]:
    offset = _int(params.get("offset"))
    limit = max(1, min(100, _int(params.get("limit") or 100)))
    return state.take_updates(offset if isinstance(offset, int) else None, limit)


def set_my_commands(state: BotApiState, params: dict) -> tuple[int, dict]:
    commands = params.get("commands")
    if not isinstance(commands, list):
        return error(400, "Bad Request: can't parse commands JSON object")
    for cmd in commands:
        if not isinstance(cmd, dict) or not _COMMAND_RE.match(str(cmd.get("command", ""))):
            return error(400, "Bad Request: BOT_COMMAND_INVALID")
        if not (1 <= len(str(cmd.get("description", ""))) <= 256):
            return error(400, "Bad Request: command description is empty" if not cmd.get("description")
                         else "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
    scope = params.get("scope") or {"type": "default"}
    if not isinstance(scope, dict) or not scope.get("type"):
        return error(400, "Bad Request: can't parse BotCommandScope JSON object")
    chat_id = _int(scope.get("chat_id")) if "chat_id" in scope else None
    cleaned = [{"command": c["command"], "description": c["description"]} for c in commands]
    with state.lock:
        # Like Telegram: a chat scope needs a chat the bot knows (a user who never wrote to the bot -> 400)
        if chat_id is not None and state.known(chat_id) is None:
            return error(400, "Bad Request: chat not found")
        if scope["type"] == "default":
            state.commands = cleaned
        else:
            state.scoped_commands[(scope["type"], chat_id)] = cleaned
    return ok(True)


def answer_callback_query(state: BotApiState, params: dict) -> tuple[int, dict]:
    """One answer per query the server issued (press_button); the text is at most 200 characters."""
    query_id = str(params.get("callback_query_id") or "")
    if not state.callback_pending(query_id):
        return error(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
    if utf16_len(str(params.get("text") or "")) > MAX_CALLBACK_TEXT:
        return error(400, "Bad Request: MESSAGE_TOO_LONG")
    state.answer_callback_query(query_id)
    with state.lock:
        state.callback_answers.append({"id": str(params["callback_query_id"]), "text": params.get("text"),
                                       "show_alert": params.get("show_alert")})
    return ok(True)


def get_file(state: BotApiState, params: dict) -> tuple[int, dict]:
    file_id = str(params.get("file_id") or "")
    with state.lock:
        entry = state.files.get(file_id)
    if entry is None:
        return error(400, "Bad Request: invalid file_id")
    path, content = entry
    return ok({"file_id": file_id, "file_unique_id": "u" + file_id, "file_size": len(content), "file_path": path})


def get_chat_member(state: BotApiState, params: dict) -> tuple[int, dict]:
    """ChatMember of a user: ``administrator`` when a test made them one (``set_chat_admin``),
    ``member`` otherwise; the chat must be known."""
    chat_id, user_id = _int(params.get("chat_id")), _int(params.get("user_id"))
    if state.known(chat_id) is None:
        return error(400, "Bad Request: chat not found")
    with state.lock:
        admin = user_id in state.chat_admins.get(chat_id, set())
    member: dict = {"user": state.user(user_id), "status": "administrator" if admin else "member"}
    if admin:
        member.update(can_be_edited=False, is_anonymous=False, can_manage_chat=True, can_delete_messages=True,
                      can_manage_video_chats=True, can_restrict_members=True, can_promote_members=False,
                      can_change_info=True, can_invite_users=True, can_post_stories=False, can_edit_stories=False,
                      can_delete_stories=False)
    return ok(member)


def dispatch(state: BotApiState, method: str, params: dict) -> tuple[int, dict]:
    """Every method except getUpdates (which needs the event loop for long polling)."""
    m = method.lower()
    if m == "getme":
        return ok(state.bot_user())
    if m == "sendmessage":
        return send_message(state, params)
    if m == "editmessagetext":
        return edit_message_text(state, params)
    if m == "answercallbackquery":
        return answer_callback_query(state, params)
    if m == "getchatmember":
        return get_chat_member(state, params)
    if m == "setmycommands":
        return set_my_commands(state, params)
    if m == "getmycommands":
        with state.lock:
            return ok(list(state.commands))
    if m == "deletemycommands":
        with state.lock:
            state.commands = []
        return ok(True)
    if m in ("deletewebhook", "close", "logout"):
        return ok(True)
    if m == "getwebhookinfo":
        with state.lock:
            pending = len(state.updates)
        return ok({"url": "", "has_custom_certificate": False, "pending_update_count": pending})
    if m == "getfile":
        return get_file(state, params)
    if m == "getchat":
        chat = state.known(_int(params.get("chat_id")))
        if chat is None:
            return error(400, "Bad Request: chat not found")
        return ok({**chat.as_dict(), "accent_color_id": 0, "max_reaction_count": 11})
    return error(404, "Not Found")
