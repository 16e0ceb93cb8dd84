"""Case and accent folding, shared by the prefilter, the rule compiler and condition evaluation.

WHY two functions: ``fold`` is the hot path (every article goes through it before anything else),
so it only uses C-speed string operations (``lower``, NFD, a few ``replace``). ``fold_map`` is the
slow, exact twin used on the few candidate sentences: it produces the same string as ``fold`` plus
an offset map from every folded character back to the original text, so spans found in folded text
can be reported on the original sentence.

Both apply the same steps: lower-case, canonical decomposition, removal of combining marks
(accents, cedillas, Greek breathings...), curly apostrophes -> ``'``, non-breaking spaces -> `` ``,
Greek final sigma -> sigma, ligatures œ/æ -> oe/ae. "DÉMENTI" and "dementi" fold to the same string.
"""

from __future__ import annotations

import unicodedata

from dementi.rules.scripts import at_token_boundary as _script_boundary

# Combining marks removed by the fast path: the ones that actually occur on Latin, Greek and
# Cyrillic letters in news text. Other combining marks are removed by fold_map as well (see
# _fold_char) only when they are in this set, so both functions stay identical.
_MARKS: tuple[str, ...] = tuple(
    chr(c)
    for c in (
        0x300, 0x301, 0x302, 0x303, 0x304, 0x306, 0x307, 0x308, 0x30A, 0x30B, 0x30C, 0x30F,
        0x311, 0x313, 0x314, 0x31B, 0x323, 0x326, 0x327, 0x328, 0x331, 0x342, 0x345,
        0x3099, 0x309A,  # kana voicing marks: "が" folds to "か", as in the gazetteer's NFKD folding
    )
)
_MARK_SET = frozenset(_MARKS)
_REPLACE: tuple[tuple[str, str], ...] = (
    ("\u2019", "'"), ("\u2018", "'"), ("\u02bc", "'"), ("\u00b4", "'"), ("\u2032", "'"),
    ("\u00a0", " "), ("\u202f", " "), ("\u2009", " "), ("\u2007", " "),
    ("\u03c2", "\u03c3"), ("\u0153", "oe"), ("\u00e6", "ae"),
)
_REPLACE_MAP = dict(_REPLACE)


def fold(text: str) -> str:
    """Lower-case, accent-free, apostrophe-normalised form of ``text`` (hot path)."""
    s = unicodedata.normalize("NFD", text.lower())
    if s.isascii():
        return s
    for mark in _MARKS:
        if mark in s:
            s = s.replace(mark, "")
    for old, new in _REPLACE:
        if old in s:
            s = s.replace(old, new)
    return s


def _fold_char(ch: str) -> str:
    out = []
    for d in unicodedata.normalize("NFD", ch.lower()):
        if d in _MARK_SET:
            continue
        out.append(_REPLACE_MAP.get(d, d))
    return "".join(out)


def fold_map(text: str) -> tuple[str, list[int]]:
    """``fold(text)`` plus ``offsets`` with ``len(folded) + 1`` entries: ``offsets[i]`` is the index
    in ``text`` of the character that produced folded character ``i`` (last entry = ``len(text)``).

    A folded span ``[a, b)`` maps back to ``text[offsets[a]:offsets[b]]``... except when ``b`` falls
    inside an expansion; use :func:`original_span` which handles that.
    """
    chars: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        if ch.isascii():
            chars.append(ch.lower())
            offsets.append(i)
            continue
        folded = _fold_char(ch)
        chars.append(folded)
        offsets.extend([i] * len(folded))
    offsets.append(len(text))
    return "".join(chars), offsets


def original_span(offsets: list[int], start: int, end: int) -> tuple[int, int]:
    """Original ``[start, end)`` for folded ``[start, end)``, using the map from :func:`fold_map`."""
    if end <= start:
        return offsets[start], offsets[start]
    return offsets[start], offsets[end - 1] + 1


def is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def at_token_boundary(folded: str, start: int, end: int) -> bool:
    """True when ``folded[start:end]`` is not glued to the word before or after it (letters/digits
    of spaced scripts; Chinese and Japanese have no word boundaries: see rules.scripts)."""
    return _script_boundary(folded, start, end)
