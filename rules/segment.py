"""Paragraph and sentence boundaries without spaCy (character offsets into the original text).

WHY not spaCy's sentencizer: segmentation runs on every article that has a cue, before we know
which sentences need the statistical pipeline, so it must cost microseconds. A punctuation rule
with an abbreviation list is right on news prose; a rare wrong split only shortens a unit.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_PARA = re.compile(r"\n\s*\n|\r\n\s*\r\n|\n(?=\s*[-–—•*]\s)|\n")
# End punctuation, optional closing quotes/brackets, whitespace, then something that starts a sentence.
# Then what may start the next sentence: a capital (Latin incl. Extended-A: Ł Ś Ş İ Ğ; Greek;
# Cyrillic incl. Ґ), a digit, or a letter of a script without case (Arabic/Persian, Hebrew).
# Chinese and Japanese end a sentence with 。！？ and no space: the second alternative.
_SENT_END = re.compile(r"[.!?…]+[\"'»”’)\]]*(?=\s+[\"'«“‘(\[—–-]?\s*[A-Z\u00C0-\u00DE\u0100-\u017F\u0391-\u03A9"
                       r"\u0400-\u042F\u0490\u0590-\u05FF0-9\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF])"
                       r"|[。！？]+[」』”’）)\]]*")
_HAS_QUOTE = re.compile("[«»“„\"‹「『]")
_ABBREV = frozenset(
    "m mm mme mlle dr st mr mrs ms prof gen gén col cpt lt sgt jr sr inc ltd co corp av bd etc art no vol p pp cf ex "
    "janv févr fév sept oct nov déc jan feb mar apr aug sep dec fig".split()
)


class Segment(NamedTuple):
    """[start, end) of a unit in its field. A NamedTuple (immutable, hashable) rather than a frozen
    dataclass: a dozen are built per article on the hot path, and a tuple is much cheaper to create."""

    start: int
    end: int
    paragraph: int  # index of the paragraph holding this segment

    def text(self, source: str) -> str:
        return source[self.start:self.end]


def paragraphs(text: str) -> list[Segment]:
    """Non-empty paragraphs (split on line breaks), stripped of surrounding whitespace.

    Every alternative of ``_PARA`` starts at a "\n" and only swallows whitespace, so this is the
    stripped non-blank lines; computed with ``str.split`` because a regex and a character loop per
    paragraph showed in the engine's hot-path profile (tests/rules/test_fast_paths.py holds the
    two equal)."""
    out: list[Segment] = []
    pos = 0
    for line in text.split("\n"):
        end = pos + len(line)
        core = line.strip()
        if core:
            start = pos + len(line) - len(line.lstrip())
            out.append(Segment(start, start + len(core), len(out)))
        pos = end + 1
    return out


def _add(text: str, start: int, end: int, index: int, out: list[Segment]) -> None:
    if start < end and not text[start].isspace() and not text[end - 1].isspace():
        out.append(Segment(start, end, index))  # nothing to strip (the usual case)
        return
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        out.append(Segment(start, end, index))


def _is_abbreviation(text: str, dot: int) -> bool:
    if text[dot] != ".":
        return False
    j = dot
    while j > 0 and (text[j - 1].isalpha()):
        j -= 1
    word = text[j:dot]
    return len(word) == 1 or word.lower() in _ABBREV


# Quote pairs: opener -> closers. German »…« and „…“ too, Japanese 「…」『…』; ’ is not a quote
# (French apostrophe).
_QUOTE_CLOSERS = {"«": "»", "“": "”", "„": "“”", '"': '"', "»": "«", "‹": "›", "「": "」", "『": "』"}
MAX_QUOTE_CHARS = 600


def quoted_ranges(chunk: str) -> list[tuple[int, int]]:
    """[start, end) of the closed quotations of ``chunk`` that are at most MAX_QUOTE_CHARS long.

    WHY: «Es falso. México no ha autorizado nada», afirmó la cancillería — the cue is inside the
    quote and the speaker after it; splitting at "falso." would put them in different units. An
    opener with no closer within the bound is ignored (a stray or unbalanced quote mark must not
    glue a whole paragraph into one unit)."""
    out: list[tuple[int, int]] = []
    i, n = 0, len(chunk)
    while i < n:
        closers = _QUOTE_CLOSERS.get(chunk[i])
        if closers is None:
            i += 1
            continue
        limit = min(n, i + 1 + MAX_QUOTE_CHARS)
        j = next((k for k in range(i + 1, limit) if chunk[k] in closers), -1)
        if j < 0:
            i += 1
            continue
        out.append((i, j + 1))
        i = j + 1
    return out


def sentences(text: str, paras: list[Segment] | None = None) -> list[Segment]:
    """Sentences of every paragraph, in order, each tagged with its paragraph index.

    A sentence never ends inside a (bounded) quotation: see :func:`quoted_ranges`."""
    out: list[Segment] = []
    for para in paras if paras is not None else paragraphs(text):
        start = para.start
        chunk = text[para.start:para.end]
        quotes = quoted_ranges(chunk) if _HAS_QUOTE.search(chunk) else []
        for m in _SENT_END.finditer(chunk):
            if _is_abbreviation(chunk, m.start()):
                continue
            if quotes and any(qs < m.start() and m.end() < qe for qs, qe in quotes):
                continue
            end = para.start + m.end()
            _add(text, start, end, para.paragraph, out)
            start = end
        _add(text, start, para.end, para.paragraph, out)
    return out
