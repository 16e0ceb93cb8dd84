"""What a condition is evaluated on and what it answers: one :class:`Unit` of an article
(sentence, paragraph or document field, with its spaCy Doc) in, one :class:`Outcome` out.

WHY apart from the conditions: the engine, the analysis of an article, the actor roles and the
``explain`` renderer all handle units and outcomes without caring which condition made them.
Every outcome says whether the condition holds, the spans that made it hold (each labelled with
the condition, e.g. ``lemma:démentir``) and its children's outcomes, so the same evaluation serves
alerts (evidence spans) and ``dementi rules explain`` (the whole tree).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable

from dementi.rules.folding import fold, fold_map


@lru_cache(maxsize=65536)
def _fold_word(word: str) -> str:
    return fold(word) if word else ""


@dataclass
class Hit:
    """A matched region of the unit: character offsets into the unit text, token offsets in its Doc."""

    start: int
    end: int
    tok_start: int
    tok_end: int
    label: str


@dataclass
class Outcome:
    label: str
    ok: bool
    hits: list[Hit] = field(default_factory=list)
    children: list["Outcome"] = field(default_factory=list)
    note: str = ""
    mention: Any = None  # ActorMention chosen by an actor condition


class Unit:
    """One piece of text to evaluate, with its spaCy Doc and lazily computed helpers."""

    def __init__(self, text: str, field_name: str, lang: str, doc, parsed: bool,
                 mentions_fn: Callable[[Any], list] | None = None):
        self.text, self.field, self.lang = text, field_name, lang
        self.doc, self.parsed = doc, parsed  # parsed: the pipeline has a dependency parser
        self._mentions_fn = mentions_fn
        self._mentions: list | None = None
        # set by the engine: unit -> mentions with bare titles resolved from the article context
        self.coref_fn: Callable[["Unit"], list] | None = None
        self._actor_mentions: list | None = None
        self._folded: tuple[str, list[int]] | None = None
        self.token_folds = [_fold_word(t.text) for t in doc]
        self.lemma_folds = [_fold_word(t.lemma_) for t in doc]

    @property
    def folded(self) -> tuple[str, list[int]]:
        if self._folded is None:
            self._folded = fold_map(self.text)
        return self._folded

    def mentions(self) -> list:
        if self._mentions is None:
            self._mentions = list(self._mentions_fn(self.doc)) if self._mentions_fn else []
        return self._mentions

    def actor_mentions(self) -> list:
        """Mentions for the ``actor`` condition: like :meth:`mentions`, plus the article context for
        bare titles ("the spokeswoman" -> the state the article is about, see rules.context)."""
        if self._actor_mentions is None:
            self._actor_mentions = self.coref_fn(self) if self.coref_fn is not None else self.mentions()
        return self._actor_mentions

    def hit_for_chars(self, start: int, end: int, label: str) -> Hit:
        span = self.doc.char_span(start, end, alignment_mode="expand")
        if span is None:  # offsets inside whitespace: take the nearest token
            idx = next((t.i for t in self.doc if t.idx + len(t.text) > start), len(self.doc) - 1)
            return Hit(start, end, max(idx, 0), max(idx, 0) + 1, label)
        return Hit(start, end, span.start, span.end, label)

    def hit_for_tokens(self, tok_start: int, tok_end: int, label: str) -> Hit:
        first, last = self.doc[tok_start], self.doc[tok_end - 1]
        return Hit(first.idx, last.idx + len(last.text), tok_start, tok_end, label)
