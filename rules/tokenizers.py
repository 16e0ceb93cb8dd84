"""A script-based tokenizer for languages written without spaces (Chinese, Japanese).

WHY not spaCy's own: ``spacy.blank("ja")`` needs SudachiPy and its dictionary (and "ko" needs
mecab-ko), heavy native dependencies for what the rule engine needs from tokens: distances for
``near`` and ``actor`` windows and spans to report. Rules for these languages match characters
(``phrase``/``regex`` work without word boundaries there, see rules.scripts), so one token per
ideograph or kana is enough, and cheap:

* a Han ideograph or a hiragana character is one token;
* a run of katakana (with its long-vowel mark) is one token: a transcribed name ("ロシア");
* a run of letters/digits of another script is one token ("G20", "Peskov");
* any other non-space character is one token (punctuation, full-width or not).

``spacy.blank("zh")`` segments by character too but splits Latin words into letters; using the
same tokenizer for both languages keeps distances comparable.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc

_TOKEN = re.compile(
    r"[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff\U00020000-\U0003ffff\u3040-\u309f]"   # one ideograph / hiragana
    r"|[\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f]+"                                     # a katakana run
    r"|[^\W\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]+"        # a word of another script
    r"|\S"                                                                             # anything else
)


class ScriptTokenizer:
    """Callable tokenizer (``nlp.tokenizer = ScriptTokenizer(nlp.vocab)``); ``doc.text == text``."""

    def __init__(self, vocab):
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        words: list[str] = []
        spaces: list[bool] = []
        pos = 0
        for m in _TOKEN.finditer(text):
            if m.start() > pos:
                self._whitespace(text[pos:m.start()], words, spaces)
            words.append(m.group())
            spaces.append(False)
            pos = m.end()
        if pos < len(text):
            self._whitespace(text[pos:], words, spaces)
        return Doc(self.vocab, words=words, spaces=spaces)

    @staticmethod
    def _whitespace(gap: str, words: list[str], spaces: list[bool]) -> None:
        """spaCy's convention: one plain space after a token is its ``whitespace_``; any other
        whitespace is a token of its own."""
        if words and not spaces[-1] and gap[0] == " ":
            spaces[-1] = True
            gap = gap[1:]
        if gap:
            words.append(gap)
            spaces.append(False)

    def pipe(self, texts, batch_size: int = 1000):
        for text in texts:
            yield self(text)

    # spaCy serialises pipelines through these; this tokenizer has no state to save
    def to_bytes(self, **_kwargs) -> bytes:
        return b""

    def from_bytes(self, _data: bytes, **_kwargs) -> "ScriptTokenizer":
        return self

    def to_disk(self, _path, **_kwargs) -> None:
        return None

    def from_disk(self, _path, **_kwargs) -> "ScriptTokenizer":
        return self
