"""Telegram "MarkdownV2" and legacy "Markdown" parsing, as strict as the Bot API documents them.

Why: a server that takes any ``parse_mode`` and any text would let a bot's wrong escaping pass
until real Telegram refuses it. dementi sends HTML, but the server must refuse what Telegram
refuses whatever the mode (https://core.telegram.org/bots/api#formatting-options):

MarkdownV2 - ``*bold*``, ``_italic_``, ``__underline__``, ``~strike~``, ``||spoiler||``,
``[text](url)``, ``![emoji](tg://emoji?id=N)``, `` `code` ``, fenced pre with an optional
language, ``>`` block quotes (``**>`` ... ``||`` expandable). Every one of
``_*[]()~`>#+-=|{}.!`` outside an entity's syntax must be escaped with a backslash; inside
code/pre only the backtick and the backslash; inside a link's ``(...)`` only ``)`` and the
backslash. ``__`` is read greedily as underline. Entities nest but must close in order.

Markdown (legacy) - ``*bold*``, ``_italic_``, `` `code` ``, fenced pre, ``[text](url)``; no
nesting; a backslash escapes ``_ * ` [`` outside entities.

Errors follow Telegram's wording ("Character '.' is reserved and must be escaped with the
preceding '\\'", "Can't find end of Bold entity at byte offset 0"); the result is the same
``ParsedText`` (plain text + entities with UTF-16 offsets) as the HTML parser's.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.botapi.html_entities import EntityParseError, ParsedText, utf16_len

RESERVED_V2 = set("_*[]()~`>#+-=|{}.!")
_NAMES = {"*": "Bold", "_": "Italic", "__": "Underline", "~": "Strikethrough", "||": "Spoiler",
          "[": "TextUrl", "![": "CustomEmoji", ">": "BlockQuote", "**>": "ExpandableBlockQuote"}
_TYPES = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler"}


@dataclass
class _Open:
    marker: str
    start: int        # utf-16 offset in the plain text
    byte_offset: int  # where the marker is in the source, for errors


class _Builder:
    """Plain text and entities as they are produced, with UTF-16 offsets."""

    def __init__(self, source: str):
        self.source = source
        self.chars: list[str] = []
        self.length = 0
        self.entities: list[dict] = []

    def add(self, text: str) -> None:
        self.chars.append(text)
        self.length += utf16_len(text)

    def entity(self, start: int, end: int | None = None, **fields) -> None:
        end = self.length if end is None else end
        if end > start:  # empty entities are separators, not entities
            self.entities.append({**fields, "offset": start, "length": end - start})

    def byte_offset(self, index: int) -> int:
        return len(self.source[:index].encode())

    def result(self) -> ParsedText:
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return ParsedText(text="".join(self.chars), entities=self.entities)


def _reserved(ch: str) -> EntityParseError:
    return EntityParseError(f"Character '{ch}' is reserved and must be escaped with the preceding '\\'")


def _unclosed(marker: str, byte_offset: int) -> EntityParseError:
    return EntityParseError(f"Can't find end of {_NAMES[marker]} entity at byte offset {byte_offset}")


def _code_span(text: str, i: int, fence: str) -> tuple[str, int] | None:
    """Content of code/pre starting at ``i`` (after the opening fence) up to the closing fence
    (None: no closing fence); only the backtick and the backslash may (must) be escaped inside."""
    out: list[str] = []
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if text.startswith(fence, i):
            return "".join(out), i + len(fence)
        if text[i] == "`":  # a lone backtick inside a pre block, or a stray one
            if fence == "`":
                return "".join(out), i + 1
            raise EntityParseError("Character '`' is reserved and must be escaped with the preceding '\\'")
        out.append(text[i])
        i += 1
    return None


def _link_target(text: str, i: int) -> tuple[str, int] | None:
    """``(url)`` at ``i`` (None: there is none); inside, ``)`` and the backslash must be escaped."""
    if i >= len(text) or text[i] != "(":
        return None
    out: list[str] = []
    i += 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if ch == ")":
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    return None


def parse_markdown_v2(text: str) -> ParsedText:
    b = _Builder(text)
    stack: list[_Open] = []
    quote: _Open | None = None
    i, n = 0, len(text)
    line_start = True
    while i < n:
        ch = text[i]
        if line_start:
            line_start = False
            expandable = text.startswith("**>", i)
            if ch == ">" or expandable:
                if quote is None:
                    marker = "**>" if expandable else ">"
                    quote = _Open(marker, b.length, b.byte_offset(i))
                i += 3 if expandable else 1
                continue
            if quote is not None:
                _close_quote(b, quote, stack)
                quote = None
        if ch == "\\":
            if i + 1 < n and 1 <= ord(text[i + 1]) <= 126:
                b.add(text[i + 1])
                i += 2
                continue
            b.add(ch)
            i += 1
            continue
        if ch == "\n":
            b.add(ch)
            i += 1
            line_start = True
            continue
        if ch == "`":
            fence = "```" if text.startswith("```", i) else "`"
            span = _code_span(text, i + len(fence), fence)
            if span is None:
                kind = "Pre" if fence == "```" else "Code"
                raise EntityParseError(f"Can't find end of {kind} entity at byte offset {b.byte_offset(i)}")
            content, end = span
            language = None
            if fence == "```":
                first, nl, rest = content.partition("\n")
                if nl and first and not any(c.isspace() for c in first):
                    language, content = first, rest
                elif nl and not first:
                    content = rest
            start = b.length
            b.add(content)
            fields = {"type": "pre" if fence == "```" else "code"}
            if language:
                fields["language"] = language
            b.entity(start, **fields)
            i = end
            continue
        if ch == "!" and text.startswith("![", i):
            stack.append(_Open("![", b.length, b.byte_offset(i)))
            i += 2
            continue
        if ch == "[":
            stack.append(_Open("[", b.length, b.byte_offset(i)))
            i += 1
            continue
        if ch == "]":
            if not stack or stack[-1].marker not in ("[", "!["):
                if any(o.marker in ("[", "![") for o in stack):
                    raise _unclosed(stack[-1].marker, stack[-1].byte_offset)
                raise _reserved(ch)
            opened = stack.pop()
            target = _link_target(text, i + 1)
            if target is None:
                raise _unclosed(opened.marker, opened.byte_offset)
            url, end = target
            if opened.marker == "![":
                if not url.startswith("tg://emoji?id="):
                    raise EntityParseError(f"Invalid custom emoji URL at byte offset {opened.byte_offset}")
                b.entity(opened.start, type="custom_emoji", custom_emoji_id=url[len("tg://emoji?id="):])
            else:
                b.entity(opened.start, type="text_link", url=url)
            i = end
            continue
        marker = ("__" if text.startswith("__", i) else "_") if ch == "_" else (
            "||" if text.startswith("||", i) else None) if ch == "|" else ch if ch in "*~" else None
        if marker == "||" and quote is not None and quote.marker == "**>" and _line_ends_after(text, i + 2):
            i += 2  # the expandability mark at the end of an expandable block quote
            continue
        if marker is not None:
            open_index = next((k for k in range(len(stack) - 1, -1, -1) if stack[k].marker == marker), None)
            if open_index is None:
                stack.append(_Open(marker, b.length, b.byte_offset(i)))
            elif open_index != len(stack) - 1:
                raise _unclosed(stack[-1].marker, stack[-1].byte_offset)
            else:
                opened = stack.pop()
                b.entity(opened.start, type=_TYPES[marker])
            i += len(marker)
            continue
        if ch in RESERVED_V2:
            raise _reserved(ch)
        b.add(ch)
        i += 1
    if quote is not None:
        _close_quote(b, quote, stack)
    if stack:
        raise _unclosed(stack[-1].marker, stack[-1].byte_offset)
    return b.result()


def _line_ends_after(text: str, i: int) -> bool:
    return i >= len(text) or text[i] == "\n"


def _close_quote(b: _Builder, quote: _Open, stack: list[_Open]) -> None:
    """A block quote ends with its last ``>`` line; an entity opened inside must be closed by then."""
    inner = [o for o in stack if o.start >= quote.start]
    if inner:
        raise _unclosed(inner[-1].marker, inner[-1].byte_offset)
    end = b.length - 1 if b.chars and b.chars[-1] == "\n" else b.length  # not the line break after it
    b.entity(quote.start, end, type="expandable_blockquote" if quote.marker == "**>" else "blockquote")


def parse_markdown(text: str) -> ParsedText:
    """Legacy Markdown: no nesting, no escaping inside entities."""
    b = _Builder(text)
    i, n = 0, len(text)
    simple = {"*": "bold", "_": "italic"}
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            b.add(text[i + 1])
            i += 2
            continue
        at = b.byte_offset(i)
        unclosed = EntityParseError(f"Can't find end of the entity starting at byte offset {at}")
        if ch in simple:
            end = text.find(ch, i + 1)
            if end < 0:
                raise unclosed
            start = b.length
            b.add(text[i + 1:end])
            b.entity(start, type=simple[ch])
            i = end + 1
            continue
        if ch == "`":
            fence = "```" if text.startswith("```", i) else "`"
            end = text.find(fence, i + len(fence))
            if end < 0:
                raise unclosed
            content = text[i + len(fence):end]
            fields = {"type": "pre" if fence == "```" else "code"}
            if fence == "```":
                first, nl, rest = content.partition("\n")
                if nl and first and not any(c.isspace() for c in first):
                    fields["language"], content = first, rest
            start = b.length
            b.add(content)
            b.entity(start, **fields)
            i = end + len(fence)
            continue
        if ch == "[":
            close = text.find("](", i + 1)
            end = text.find(")", close + 2) if close >= 0 else -1
            if close < 0 or end < 0:
                raise unclosed
            start = b.length
            b.add(text[i + 1:close])
            b.entity(start, type="text_link", url=text[close + 2:end])
            i = end + 1
            continue
        b.add(ch)
        i += 1
    return b.result()
