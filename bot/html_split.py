"""Split Telegram HTML into messages of at most 4096 characters AFTER entity parsing.

Why not cut the string: cropping the raw HTML breaks tags and entities (alertmanager#2923) and
counts markup that Telegram does not count. Here the HTML we generated is tokenised into tags and
decoded text; parts are cut on the best boundary available (paragraph, line, sentence, word, then
character, never inside a surrogate pair), open tags are closed at the end of a part and reopened
at the start of the next, and text is re-escaped on output.
"""

from __future__ import annotations

import html
import re

TELEGRAM_LIMIT = 4096
_TOKEN_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>|([^<]+)")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _cut_index(text: str, budget: int) -> int:
    """Largest prefix length (in code points) of ``text`` within ``budget`` UTF-16 units, preferring
    a paragraph, line, sentence or word boundary in the last half of the window."""
    n = 0
    units = 0
    for ch in text:
        w = 2 if ord(ch) > 0xFFFF else 1
        if units + w > budget:
            break
        units += w
        n += 1
    if n >= len(text):
        return n
    window = text[:n]
    floor = n // 2
    for pattern in ("\n\n", "\n", ". ", "! ", "? ", "; ", ", ", " "):
        idx = window.rfind(pattern)
        if idx >= floor and idx > 0:
            return idx + len(pattern)
    return max(n, 1)


def split_html(markup: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Return HTML parts, each valid on its own and each ≤ ``limit`` characters once parsed."""
    tokens: list[tuple[str, str, str]] = []  # (kind, name, raw) kind in open/close/text
    for m in _TOKEN_RE.finditer(markup):
        if m.group(4) is not None:
            tokens.append(("text", "", html.unescape(m.group(4))))
        else:
            tokens.append(("close" if m.group(1) else "open", m.group(2).lower(), m.group(0)))
    parts: list[str] = []
    current: list[str] = []
    used = 0
    stack: list[tuple[str, str]] = []  # (name, opening raw)

    def flush() -> None:
        nonlocal current, used
        closing = "".join(f"</{name}>" for name, _ in reversed(stack))
        text = "".join(current) + closing
        if _has_text(text):
            parts.append(text.strip() if not stack else text)
        current = [raw for _, raw in stack]
        used = 0

    for kind, name, value in tokens:
        if kind == "open":
            stack.append((name, value))
            current.append(value)
        elif kind == "close":
            if stack and stack[-1][0] == name:
                stack.pop()
            current.append(value)
        else:
            remaining = value
            while remaining:
                room = limit - used
                if utf16_len(remaining) <= room:
                    current.append(html.escape(remaining, quote=False))
                    used += utf16_len(remaining)
                    break
                if room <= 0 or (room < 20 and used > 0):
                    flush()
                    continue
                cut = _cut_index(remaining, room)
                head, remaining = remaining[:cut], remaining[cut:]
                current.append(html.escape(head, quote=False))
                used += utf16_len(head)
                flush()
    if current:
        closing = "".join(f"</{name}>" for name, _ in reversed(stack))
        text = "".join(current) + closing
        if _has_text(text):
            parts.append(text)
    return parts or [markup]


def _has_text(part: str) -> bool:
    return bool(re.sub(r"<[^>]*>", "", part).strip())
