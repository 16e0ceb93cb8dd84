"""Writing systems and where a word ends in them: the token-boundary policy shared by the prefilter,
the ``phrase`` condition and the gazetteer.

WHY a module: "at a token boundary" meant "not glued to a letter or digit", which is right for
Latin, Cyrillic, Greek, Arabic and Hebrew (words are separated by spaces), and wrong for Chinese
and Japanese, which have no spaces at all: "外交部" must match inside "中国外交部发言人", and
"否认" inside "否认了". One definition here keeps the three matchers in agreement:

* Han ideographs and hiragana are words of their own: a literal may start or end next to them
  (Chinese and Japanese text is matched without word boundaries).
* Katakana runs are words (foreign names, "ロシア", "マリ"): a katakana literal must not start or
  end inside a longer katakana run ("マリ" is not in "マリア"), but may touch kanji or kana.
* Hangul: words are separated by spaces, but particles and endings attach to the end of a word
  ("외교부는", "부인했다"): the start of a literal needs a boundary, its end does not (rules write
  stems). The gazetteer is stricter: its Korean aliases are generated with their particles
  (rules.declension) and matched with both boundaries.
* Everything else (letters and digits of spaced scripts, "_"): both boundaries, as before.
"""

from __future__ import annotations

NONE, WORD, KATAKANA, HANGUL = 0, 1, 2, 3
_CACHE: dict[str, int] = {}


def _classify(ch: str) -> int:
    o = ord(ch)
    if 0x3040 <= o <= 0x309F:                       # hiragana (and the combining voicing marks)
        return NONE
    if 0x30A0 <= o <= 0x30FF or 0x31F0 <= o <= 0x31FF or 0xFF66 <= o <= 0xFF9F:
        return KATAKANA                              # incl. the long-vowel mark ー and half-width forms
    if (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x3FFFF
            or 0x3000 <= o <= 0x303F):
        return NONE                                  # Han ideographs, CJK symbols and punctuation
    if 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F or 0xA960 <= o <= 0xA97F \
            or 0xD7B0 <= o <= 0xD7FF:
        return HANGUL                                # syllables and (conjoining) jamo: NFD splits syllables
    return WORD if (ch.isalnum() or ch == "_") else NONE


def word_class(ch: str) -> int:
    """NONE (a boundary on both sides), WORD, KATAKANA or HANGUL."""
    if ch < "\x80":
        return WORD if (ch.isalnum() or ch == "_") else NONE
    c = _CACHE.get(ch)
    if c is None:
        c = _CACHE[ch] = _classify(ch)
    return c


def glued(left: str, right: str) -> bool:
    """Do two adjacent characters belong to the same word?"""
    c = word_class(left)
    return c != NONE and c == word_class(right)


def at_token_boundary(text: str, start: int, end: int) -> bool:
    """``text[start:end]`` is not glued to the word before it, nor to the word after it (a Hangul
    ending may follow: "외교부" matches in "외교부는")."""
    if start > 0 and glued(text[start - 1], text[start]):
        return False
    if end < len(text) and glued(text[end - 1], text[end]) and word_class(text[end]) != HANGUL:
        return False
    return True


def has_cjk(text: str) -> bool:
    """Does ``text`` hold Han or kana characters (languages written without spaces)?"""
    return any(0x3040 <= ord(ch) <= 0x30FF or 0x4E00 <= ord(ch) <= 0x9FFF or 0x3400 <= ord(ch) <= 0x4DBF
               for ch in text)
