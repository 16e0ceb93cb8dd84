"""Telegram "HTML style" parsing, as strict as the Bot API documents it.

Why this exists: the bot's whole escaping and splitting logic is only worth something if a wrong
message is REJECTED the way Telegram rejects it (400 "can't parse entities: ..."), and if length is
measured the way Telegram measures it (after entity parsing, in UTF-16 code units).

Rules enforced (https://core.telegram.org/bots/api#html-style):
- only b/strong, i/em, u/ins, s/strike/del, a href, code, pre, tg-spoiler, span class="tg-spoiler",
  blockquote [expandable], tg-emoji emoji-id; tags properly nested and closed;
- every ``<``, ``>`` and ``&`` that is not part of a tag or an entity must be escaped; named
  entities limited to &lt; &gt; &amp; &quot;, numeric entities (&#NN; &#xHH;) allowed;
- ``pre``/``code`` cannot contain other entities (except ``code`` directly inside ``pre``),
  blockquotes cannot be nested.
The result is the plain text plus MessageEntity dicts with UTF-16 offsets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});")
_TAG_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_ATTR_RE = re.compile(r"\s*([A-Za-z][A-Za-z0-9_-]*)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>\"']+))?")

# tag name -> entity type (span/a/pre/code/blockquote/tg-emoji decided with attributes)
_SIMPLE = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "tg-spoiler": "spoiler",
}
_ALLOWED = set(_SIMPLE) | {"a", "code", "pre", "span", "blockquote", "tg-emoji"}


class EntityParseError(ValueError):
    """Message text is not valid Telegram HTML; ``str(exc)`` follows Telegram's wording."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Open:
    tag: str
    entity: dict
    start: int  # utf-16 offset in the plain text
    children: int = 0


@dataclass
class ParsedText:
    text: str
    entities: list[dict] = field(default_factory=list)

    @property
    def length(self) -> int:
        return utf16_len(self.text)


def _decode_entities(raw: str, byte_offset: int) -> str:
    """Decode ``&...;`` in ``raw`` (text or attribute value); bare ``&``/``<``/``>`` are errors."""
    out: list[str] = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "&":
            m = _ENTITY_RE.match(raw, i)
            if not m:
                raise EntityParseError(f"Unescaped '&' at byte offset {byte_offset + len(raw[:i].encode())}; "
                                       "use &amp;")
            name = m.group(1)
            if name.startswith("#"):
                code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
                if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                    raise EntityParseError(f"Invalid numeric entity &{name}; at byte offset "
                                           f"{byte_offset + len(raw[:i].encode())}")
                out.append(chr(code))
            elif name in _NAMED:
                out.append(_NAMED[name])
            else:
                raise EntityParseError(f"Unsupported HTML entity &{name}; at byte offset "
                                       f"{byte_offset + len(raw[:i].encode())}")
            i = m.end()
            continue
        if ch == ">":
            raise EntityParseError(f"Unescaped '>' at byte offset {byte_offset + len(raw[:i].encode())}; use &gt;")
        out.append(ch)
        i += 1
    return "".join(out)


def _entity_for(tag: str, attrs: dict[str, str], at: int) -> dict:
    if tag in _SIMPLE:
        return {"type": _SIMPLE[tag]}
    if tag == "a":
        href = attrs.get("href")
        if not href:
            raise EntityParseError(f'Tag "a" must have attribute "href" at byte offset {at}')
        return {"type": "text_link", "url": href}
    if tag == "span":
        if attrs.get("class") != "tg-spoiler":
            raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
        return {"type": "spoiler"}
    if tag == "code":
        entity = {"type": "code"}
        if attrs.get("class", "").startswith("language-"):
            entity["language"] = attrs["class"][len("language-"):]
        return entity
    if tag == "pre":
        return {"type": "pre"}
    if tag == "blockquote":
        return {"type": "expandable_blockquote" if "expandable" in attrs else "blockquote"}
    if tag == "tg-emoji":
        if "emoji-id" not in attrs:
            raise EntityParseError(f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {at}')
        return {"type": "custom_emoji", "custom_emoji_id": attrs["emoji-id"]}
    raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {at}')  # pragma: no cover


def parse_html(html: str) -> ParsedText:
    """Parse Telegram HTML; raises EntityParseError with Telegram-like wording on bad markup."""
    plain: list[str] = []
    plain_len = 0  # utf-16 units so far
    entities: list[dict] = []
    stack: list[_Open] = []
    pos = 0
    n = len(html)
    while pos < n:
        lt = html.find("<", pos)
        chunk = html[pos:lt if lt >= 0 else n]
        if chunk:
            text = _decode_entities(chunk, len(html[:pos].encode()))
            plain.append(text)
            plain_len += utf16_len(text)
        if lt < 0:
            break
        at = len(html[:lt].encode())
        gt = html.find(">", lt)
        if gt < 0:
            raise EntityParseError(f"Unclosed start tag at byte offset {at}")
        inner = html[lt + 1:gt]
        if inner.startswith("/"):
            name = inner[1:].strip().lower()
            if not stack:
                raise EntityParseError(f'Unexpected end tag "{name}" at byte offset {at}')
            top = stack.pop()
            if top.tag != name:
                raise EntityParseError(f'Unmatched end tag at byte offset {at}, expected "</{top.tag}>", '
                                       f'found "</{name}>"')
            length = plain_len - top.start
            if length > 0:
                top.entity.update(offset=top.start, length=length)
                entities.append(top.entity)
            pos = gt + 1
            continue
        m = _TAG_NAME_RE.match(inner)
        if not m:
            raise EntityParseError(f"Unsupported start tag at byte offset {at}; escape '<' as &lt;")
        tag = m.group(0).lower()
        if tag not in _ALLOWED:
            raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {at}')
        rest = inner[m.end():].rstrip()
        if rest.endswith("/"):
            raise EntityParseError(f'Unsupported self-closing tag "{tag}" at byte offset {at}')
        attrs: dict[str, str] = {}
        apos = 0
        while apos < len(rest):
            am = _ATTR_RE.match(rest, apos)
            if not am or am.end() == apos:
                raise EntityParseError(f'Invalid attribute in tag "{tag}" at byte offset {at}')
            value = am.group(2) or ""
            if value[:1] in "\"'":
                value = value[1:-1]
            attrs[am.group(1).lower()] = _decode_entities(value, at)
            apos = am.end()
            if not rest[apos:].strip():
                break
        if stack and stack[-1].tag in ("pre", "code") and not (stack[-1].tag == "pre" and tag == "code"):
            raise EntityParseError(f'Tag "{tag}" can\'t be nested in "{stack[-1].tag}" at byte offset {at}')
        if tag == "blockquote" and any(o.tag == "blockquote" for o in stack):
            raise EntityParseError(f"Blockquotes can't be nested at byte offset {at}")
        entity = _entity_for(tag, attrs, at)
        if tag == "code" and stack and stack[-1].tag == "pre":
            # <pre><code class="language-x"> gives one pre entity with a language.
            if "language" in entity:
                stack[-1].entity["language"] = entity.pop("language")
            entity = {"type": "_merged"}
        stack.append(_Open(tag=tag, entity=entity, start=plain_len))
        pos = gt + 1
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities = [e for e in entities if e["type"] != "_merged"]
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return ParsedText(text="".join(plain), entities=entities)
