"""Text folding: every way dementi turns text into the form that rules and gazetteers match on.

One module because the folds must agree wherever they meet (a literal folded one way is looked
for in text folded another way: tests/rules/test_folding.py holds them together). There are three,
for three jobs:

* ``fold`` / ``fold_map`` -- **rule text** (conditions, prefilter literals, lemmas, concepts,
  story features): lower case, canonical decomposition without accents (cedillas, Greek
  breathings...), curly apostrophes -> ``'``, non-breaking spaces -> `` ``, Greek final sigma ->
  sigma, ligatures œ/æ -> oe/ae. Punctuation, hyphens and whitespace are kept as they are, because
  ``regex`` conditions are written against them. ``fold`` is the hot path (every article goes
  through it: C-speed ``lower``/NFD/``replace`` only); ``fold_map`` is its exact, slower twin for
  the few candidate sentences: the same string plus an offset map back to the original text.
  ``fold_loose`` also spells "ø", "ł", "ß"... the ASCII way, to compare names across languages.

* ``word_view`` / ``latin_view`` -- the **prefilter's view**: the rule-text fold with every
  character that is not a letter or a digit turned into a space, so a literal "false report"
  occurs in "false\\treport", "false-report" and "false report" alike. ``latin_view`` is its fast
  path for Latin-1 text (one ``bytes.translate``, padded with a space on each side); ``word_view``
  serves every other script. Both give the same characters on the same text.

* ``fold_name`` / ``fold_name_with_map`` -- **gazetteer names**: compatibility decomposition
  (full-width letters, the ``ﬁ`` ligature), no combining marks at all, every dash and whitespace
  character one space, runs of spaces collapsed, trimmed: "Saudi-Arabia", "Saudi  Arabia" and
  "Saudi\\tArabia" are one alias. WHY not the rule-text fold: names are looked up as whole
  phrases, so their separators carry no meaning, while a rule's regex may depend on them.
"""

from __future__ import annotations

import re
import unicodedata

# --- rule text ----------------------------------------------------------------------------------
# Combining marks removed by the fast path: the ones that actually occur on Latin, Greek and
# Cyrillic letters in news text. fold_map removes exactly these too, so both stay identical.
_MARKS: tuple[str, ...] = tuple(
    chr(c)
    for c in (
        0x300, 0x301, 0x302, 0x303, 0x304, 0x306, 0x307, 0x308, 0x30A, 0x30B, 0x30C, 0x30F,
        0x311, 0x313, 0x314, 0x31B, 0x323, 0x326, 0x327, 0x328, 0x331, 0x342, 0x345,
        0x3099, 0x309A,  # kana voicing marks: "が" folds to "か", as in the gazetteer's name fold
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


_UNDECOMPOSED = str.maketrans({"ø": "o", "ß": "ss", "ł": "l", "đ": "d", "ı": "i", "þ": "th", "ð": "d"})


def fold_loose(text: str) -> str:
    """:func:`fold`, and the Latin letters that have no decomposition spelled the ASCII way
    ("Tromsø" -> "tromso", "Łódź" -> "lodz"): for comparing names across languages (story
    features), where "Tromso" in one dispatch is "Tromsø" in another."""
    return fold(text).translate(_UNDECOMPOSED)


def is_word_char(ch: str) -> bool:
    """A letter, a digit or ``_``: what a word is made of in spaced scripts (see rules.scripts)."""
    return ch.isalnum() or ch == "_"


# --- the prefilter's view -----------------------------------------------------------------------
class _WordTable(dict):
    """code point -> itself when it is a letter or digit, else a space (filled on first sight, so
    ``str.translate`` runs at C speed on characters already seen)."""

    def __missing__(self, code: int) -> str:
        piece = chr(code) if chr(code).isalnum() else " "
        if len(self) < _CACHE_LIMIT:
            self[code] = piece
        return piece


_CACHE_LIMIT = 100_000
_WORDS = _WordTable()


def word_view(folded: str) -> str:
    """``folded`` (the output of :func:`fold`) with every character that is not a letter or digit
    replaced by a space, one for one: offsets and token boundaries are those of ``folded``."""
    return folded.translate(_WORDS)


# Typographic characters outside Latin-1 that are common in Latin-script news, replaced by their
# view before the Latin-1 translation (punctuation -> space; the ligature keeps its letters).
_TYPO = (("\u2019", " "), ("\u2018", " "), ("\u201c", " "), ("\u201d", " "), ("\u2013", " "), ("\u2014", " "),
         ("\u2026", " "), ("\u20ac", " "), ("\u2022", " "), ("\u202f", " "), ("\u2009", " "), ("\u200b", " "),
         ("\u0153", "oe"), ("\u0152", "oe"), ("\u00e6", "ae"), ("\u00c6", "ae"))
LIGATURES = tuple(old for old, new in _TYPO if len(new) > 1)  # the only characters whose view is longer


def _latin_table() -> bytes:
    table = bytearray(256)
    for b in range(256):
        view = word_view(fold(chr(b)))
        table[b] = ord(view) if len(view) == 1 and ord(view) < 256 else 32
    return bytes(table)


_LATIN_TABLE = _latin_table()


def latin_view(text: str) -> str | None:
    """``" " + word_view(fold(text)) + " "`` computed with one ``bytes.translate``; None when
    ``text`` is not Latin-1 (after the typographic characters of ``_TYPO``)."""
    s = text
    for old, new in _TYPO:
        if old in s:
            s = s.replace(old, new)
    try:
        raw = s.encode("latin-1")
    except UnicodeEncodeError:
        return None
    return " " + raw.translate(_LATIN_TABLE).decode("latin-1") + " "


# --- gazetteer names ----------------------------------------------------------------------------
_APOSTROPHES = {"\u2019": "'", "\u2018": "'", "`": "'", "\u02bc": "'", "\u00b4": "'"}
_DASHES = set("-\u2010\u2011\u2012\u2013\u2014\u2212")


def _name_piece(ch: str, lower: bool) -> str:
    """The folded piece of one character: "'" for apostrophes, " " for dashes and spaces, else the
    (lower-cased) NFKD decomposition without combining marks (may be "" or several chars)."""
    if ch in _APOSTROPHES:
        return "'"
    if ch in _DASHES or ch.isspace():
        return " "
    piece = ch.lower() if lower else ch
    return "".join(c for c in unicodedata.normalize("NFKD", piece) if not unicodedata.combining(c))


class _NameTable(dict):
    """code point -> folded piece, filled on first sight. WHY a dict subclass: ``str.translate``
    looks every character up here at C speed (``__missing__`` runs once per new character), where a
    Python loop over the characters of a paragraph cost more than spaCy on cue articles."""

    def __init__(self, lower: bool):
        super().__init__()
        self.lower = lower

    def __missing__(self, code: int) -> str:
        piece = _name_piece(chr(code), self.lower)
        if len(self) < _CACHE_LIMIT:
            self[code] = piece
        return piece


class _IrregularTable(dict):
    """code point -> None when the character folds to exactly one character (both cases), else the
    character itself: ``text.translate(_IRREGULAR)`` is empty iff folded offsets are 1:1."""

    def __missing__(self, code: int):
        regular = len(_NAME_TABLES[True][code]) == 1 and len(_NAME_TABLES[False][code]) == 1
        value = None if regular else code
        if len(self) < _CACHE_LIMIT:
            self[code] = value
        return value


_NAME_TABLES = {True: _NameTable(True), False: _NameTable(False)}
_IRREGULAR = _IrregularTable()
_SPACE_RUNS = re.compile(" {2,}")


def _regular(text: str) -> bool:
    """Does every character of ``text`` fold to exactly one character (ASCII always does)?"""
    return text.isascii() or not text.translate(_IRREGULAR)


def fold_name_with_map(text: str, lower: bool = True) -> tuple[str, "list[int] | range"]:
    """Fold a name for matching (lower, no diacritics, ’→', dashes→space, spaces collapsed) and
    return, for every folded char, the index of the original char it came from (a ``range`` when
    that is the identity: no expansion, deletion nor collapsed space).

    Fast path: one ``str.translate`` when every character folds to one character (Latin, Cyrillic,
    Greek news), then the runs of spaces are collapsed with a regex; the per-character loop only
    runs on text with ligatures, combining marks or compatibility characters."""
    table = _NAME_TABLES[lower]
    if _regular(text):
        folded = text.translate(table)
        if "  " not in folded:
            return folded, range(len(folded))
        out: list[str] = []
        index: list[int] = []
        pos = 0
        for m in _SPACE_RUNS.finditer(folded):
            out.append(folded[pos:m.start() + 1])
            index.extend(range(pos, m.start() + 1))
            pos = m.end()
        out.append(folded[pos:])
        index.extend(range(pos, len(folded)))
        return "".join(out), index
    out = []
    index = []
    last_space = False
    for i, ch in enumerate(text):
        folded = table[ord(ch)]
        if folded == " ":
            if last_space:
                continue
            last_space = True
            out.append(" ")
            index.append(i)
            continue
        last_space = False
        for c in folded:
            out.append(c)
            index.append(i)
    return "".join(out), index


def fold_name(text: str, lower: bool = True) -> str:
    """:func:`fold_name_with_map` without the map, trimmed."""
    if _regular(text):
        folded = text.translate(_NAME_TABLES[lower])
        return (_SPACE_RUNS.sub(" ", folded) if "  " in folded else folded).strip()
    return fold_name_with_map(text, lower)[0].strip()
