"""Bot API method implementations of the test server (pure functions over BotApiState).

Each method returns ``(http_status, body)``; bodies follow the official envelope
``{"ok": true, "result": ...}`` / ``{"ok": false, "error_code": N, "description": ..., "parameters": ...}``.
Faults injected by tests apply to methods that send or edit messages in a chat, which is where a
real server answers 429 / 403 / migrate.
"""

from __future__ import annotations

import re
import time
from typing import Any

from tests.botapi.html_entities import EntityParseError, parse_html, utf16_len
from tests.botapi.state import BotApiState, Sent

MAX_TEXT = 4096
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
        res = error(429, f"Too Many Requests: retry after {fault.retry_after}", retry_after=fault.retry_after)
    elif fault.kind == "403":
        res = error(403, "Forbidden: bot was blocked by the user")
    elif fault.kind == "migrate":
        res = error(400, "Bad Request: group chat was upgraded to a supergroup chat",
                    migrate_to_chat_id=fault.migrate_to)
    else:
        res = error(fault.status, "Internal Server Error" if fault.status == 500 else "Bad Gateway")
    return res


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


def _parse_text(params: dict) -> tuple[str, list[dict]] | tuple[int, dict]:
    text = params.get("text")
    if text is None or str(text) == "":
        return error(400, "Bad Request: message text is empty")
    text = str(text)
    mode = (params.get("parse_mode") or "").lower()
    if mode == "html":
        try:
            parsed = parse_html(text)
        except EntityParseError as exc:
            return error(400, f"Bad Request: can't parse entities: {exc}")
        plain, entities = parsed.text, parsed.entities
    else:
        plain, entities = text, list(params.get("entities") or [])
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


def _checked_text(state: BotApiState, chat_id, params: dict) -> tuple:
    """What sendMessage and editMessageText both check, in Telegram's order: injected faults for
    the chat, then the text (entities, length), then the inline keyboard. Returns (plain, entities)
    or an error response (status, body)."""
    fault = _apply_fault(state, chat_id)
    if fault:
        return fault
    parsed = _parse_text(params)
    if isinstance(parsed[0], int):
        return parsed
    markup_error = _validate_markup(params.get("reply_markup"))
    if markup_error:
        return error(400, markup_error)
    return parsed


def send_message(state: BotApiState, params: dict) -> tuple[int, dict]:
    chat_id = _int(params.get("chat_id"))
    if chat_id in (None, ""):
        return error(400, "Bad Request: chat_id is empty")
    if not isinstance(chat_id, int):
        return error(400, "Bad Request: chat not found")
    checked = _checked_text(state, chat_id, params)
    if isinstance(checked[0], int):
        return checked  # type: ignore[return-value]
    plain, entities = checked
    sent = Sent(chat_id=chat_id, message_id=state.next_message_id(chat_id), text=plain, raw=str(params["text"]),
                entities=entities, parse_mode=params.get("parse_mode"), reply_markup=params.get("reply_markup"),
                received_at=time.time(), disable_notification=str(params.get("disable_notification")).lower() == "true")
    with state.lock:
        state.sent.append(sent)
    return ok(_message_result(state, sent))


def edit_message_text(state: BotApiState, params: dict) -> tuple[int, dict]:
    chat_id, message_id = _int(params.get("chat_id")), _int(params.get("message_id"))
    checked = _checked_text(state, chat_id, params)
    if isinstance(checked[0], int):
        return checked  # type: ignore[return-value]
    plain, entities = checked
    with state.lock:
        target = next((s for s in state.sent if s.chat_id == chat_id and s.message_id == message_id), None)
        if target is None:
            return error(400, "Bad Request: message to edit not found")
        markup = params.get("reply_markup")
        if target.text == plain and target.entities == entities and target.reply_markup == markup:
            return error(400, "Bad Request: message is not modified: specified new message content and reply "
                              "markup are exactly the same as a current content and reply markup of the message")
        target.text, target.raw, target.entities, target.reply_markup = plain, str(params["text"]), entities, markup
        edit = Sent(chat_id=chat_id, message_id=message_id, text=plain, raw=str(params["text"]), entities=entities,
                    parse_mode=params.get("parse_mode"), reply_markup=markup, received_at=time.time(),
                    method="editMessageText")
        state.edits.append(edit)
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
        if chat_id is not None and chat_id not in state.chats:
            return error(400, "Bad Request: chat not found")
        if scope["type"] == "default":
            state.commands = cleaned
        else:
            state.scoped_commands[(scope["type"], chat_id)] = cleaned
    return ok(True)


def answer_callback_query(state: BotApiState, params: dict) -> tuple[int, dict]:
    if not params.get("callback_query_id"):
        return error(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
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
        chat_id = _int(params.get("chat_id"))
        if not isinstance(chat_id, int):
            return error(400, "Bad Request: chat not found")
        return ok({**state.chat(chat_id).as_dict(), "accent_color_id": 0, "max_reaction_count": 11})
    return error(404, "Not Found")
