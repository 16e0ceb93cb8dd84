"""Text from articles, made safe to print on a terminal (console notifier, ``dementi tail``).

Why: a feed entry is untrusted input, and a terminal interprets what it prints. ESC sequences can
clear the screen, retitle the window, rewrite earlier lines or fake a prompt; C1 controls
(U+009B is a one-byte CSI) and bidi overrides (U+202E) hide or reorder text. Escape sequences are
removed whole, any other control character and the bidi embeddings/overrides/isolates are
dropped (joiners, which Persian and emoji need, stay); line breaks and tabs become spaces (the
caller lays out its own lines).
"""

from __future__ import annotations

import re
import unicodedata

# CSI ... final byte | OSC ... BEL or ST | other two-byte ESC sequences
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]?")
_SPACES = {"\n", "\r", "\t", "\v", "\f", "\u2028", "\u2029"}
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def for_terminal(text: str | None) -> str:
    if not text:
        return ""
    text = _ESCAPES.sub("", text)
    if text.isprintable():
        return text
    return "".join(" " if ch in _SPACES else ch for ch in text
                   if ch in _SPACES or not (unicodedata.category(ch) == "Cc" or ch in _BIDI))
