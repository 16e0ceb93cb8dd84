"""Leaf conditions evaluated on one unit (sentence, paragraph or document field) of an article.

Every condition returns an :class:`Outcome`: whether it holds, the spans that made it hold (each
labelled with the condition, e.g. ``lemma:démentir``) and its children's outcomes, so the same
evaluation serves alerts (evidence spans) and ``dementi rules explain`` (the whole tree).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from dementi.rules.common_words import literal_rarity
from dementi.rules.inflect import surface_forms
from functools import lru_cache

from dementi.rules.folding import fold, fold_map, original_span
from dementi.rules.scripts import at_token_boundary

# Folded negation words. Window mode (no parse) leaves out words that are mostly not negations
# on their own in running text (fr "plus", "point").
NEGATION_WORDS: dict[str, frozenset[str]] = {
    "fr": frozenset("ne n' n jamais aucun aucune aucuns aucunes nullement guere rien nul nulle ni pas plus point".split()),
    "en": frozenset("not n't never no none neither nor nothing nobody cannot".split()),
    "es": frozenset("no nunca jamas ningun ninguno ninguna ni tampoco".split()),
    "de": frozenset("nicht kein keine keinen keinem keiner keines nie niemals".split()),
    "ru": frozenset("не ни нет никогда".split()),
    "ar": frozenset("لا لن لم ليس".split()),
    "pl": frozenset("nie nigdy zaden zadna zadnego zadnej".split()),
    "uk": frozenset("не ні ніколи жодного жодної жодних".split()),
    "he": frozenset("לא אין מעולם".split()),
    "zh": frozenset("不 没 沒 没有 沒有 未 无 無 非 别 別".split()),  # one token per ideograph (rules/tokenizers.py)
}
_WINDOW_EXCLUDED = frozenset({"plus", "point"})
_ALL_NEGATIONS = frozenset().union(*NEGATION_WORDS.values()) - {"nie"}  # "nie" is also fr "il nie"
_NEG_CARRIER_DEPS = frozenset({"obj", "obl", "obl:arg", "obl:mod", "iobj", "nsubj", "nmod", "obl:agent", "dobj", "pobj", "prep"})


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
        self.text = text
        self.field = field_name
        self.lang = lang
        self.doc = doc
        self.parsed = parsed
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


def _match_field(node, unit: Unit) -> Outcome | None:
    if node.field is not None and node.field != unit.field:
        return Outcome(node.label, False, note=f"only looks at the {node.field}")
    return None


class PhraseNode:
    def __init__(self, phrases: list[str], label: str, field_name: str | None):
        self.label, self.field = label, field_name
        self.phrases = phrases
        import re2

        alts = [r"\s+".join(re2.escape(w) for w in p.split(" "))
                for p in sorted({" ".join(fold(p).split()) for p in phrases}, key=len, reverse=True)]
        # RE2: one DFA for all phrases (Python's re tries every alternative at every position);
        # token boundaries are checked on each match below.
        self.pattern = re2.compile("|".join(alts))
        self._owner = {" ".join(fold(p).split()): p for p in reversed(phrases)}

    def literals(self) -> set[str] | None:
        """One word per phrase (its most distinctive one): robust to line breaks and spacing."""
        out = set()
        for p in self.phrases:
            words = fold(p).split()
            # the rarest word, not the longest: "false report" -> "false" ("report" is everywhere)
            out.add(max(words, key=lambda w: (literal_rarity(w), sum(c.isalnum() for c in w), len(w))))
        return out

    def evaluate(self, unit: Unit, cues=None) -> Outcome:
        skip = _match_field(self, unit)
        if skip:
            return skip
        folded, offsets = unit.folded
        hits = []
        for m in self.pattern.finditer(folded):
            if not at_token_boundary(folded, m.start(), m.end()):
                continue
            s, e = original_span(offsets, m.start(), m.end())
            phrase = self._owner.get(" ".join(folded[m.start():m.end()].split()), "?")
            hits.append(unit.hit_for_chars(s, e, f"phrase:{phrase}"))
        return Outcome(self.label, bool(hits), hits)


class LemmaNode:
    """Token whose model lemma is one of the lemmas, or whose folded surface is a generated form."""

    def __init__(self, lemmas: list[str], languages: tuple[str, ...], label: str, field_name: str | None):
        self.label, self.field = label, field_name
        self.lemmas = frozenset(fold(lemma) for lemma in lemmas)
        forms: set[str] = set()
        self._owner: dict[str, str] = {}  # folded form or lemma -> the lemma as written in the rule
        for lemma in lemmas:
            generated = surface_forms(lemma, languages)
            forms |= generated
            for f in generated | {fold(lemma)}:
                self._owner.setdefault(f, lemma)
        self.forms = frozenset(forms)
        self._key = label.split(":", 1)[0]

    def literals(self) -> set[str] | None:
        return set(self.forms)

    def tokens(self, unit: Unit) -> list[int]:
        return [i for i in range(len(unit.doc))
                if unit.token_folds[i] in self.forms or unit.lemma_folds[i] in self.lemmas]

    def evaluate(self, unit: Unit, cues=None) -> Outcome:
        skip = _match_field(self, unit)
        if skip:
            return skip
        hits = [unit.hit_for_tokens(i, i + 1, self.hit_label(unit, i)) for i in self.tokens(unit)]
        return Outcome(self.label, bool(hits), hits)

    def hit_label(self, unit: Unit, i: int) -> str:
        """``lemma:démentir``: the lemma of the rule that this token is a form of."""
        lemma = self._owner.get(unit.token_folds[i]) or self._owner.get(unit.lemma_folds[i]) or "?"
        return f"{self._key}:{lemma}"


class RegexNode:
    def __init__(self, patterns: list[str], label: str, field_name: str | None):
        import re2

        self.label, self.field = label, field_name
        self.compiled = [re2.compile("(?i)" + fold_pattern(p)) for p in patterns]
        self.patterns = patterns

    def literals(self) -> set[str] | None:
        from dementi.rules.regexlit import necessary_literals

        out: set[str] = set()
        for p in self.patterns:
            lits = necessary_literals(fold_pattern(p))
            if lits is None:
                return None
            out |= lits
        return out

    def clause_sets(self) -> list[list[set[str]]] | None:
        """Per pattern, its independent requirements (all must hold for that pattern to match);
        None when some pattern has none (the node cannot be prefiltered)."""
        from dementi.rules.regexlit import necessary_literal_sets

        per_pattern = [necessary_literal_sets(fold_pattern(p)) for p in self.patterns]
        return per_pattern if all(per_pattern) else None

    def evaluate(self, unit: Unit, cues=None) -> Outcome:
        skip = _match_field(self, unit)
        if skip:
            return skip
        folded, offsets = unit.folded
        hits = []
        for rx in self.compiled:
            for m in rx.finditer(folded):
                if m.end() > m.start():
                    s, e = original_span(offsets, m.start(), m.end())
                    hits.append(unit.hit_for_chars(s, e, self.label))
        return Outcome(self.label, bool(hits), hits)


def fold_pattern(pattern: str) -> str:
    """Fold only non-ASCII characters: accents go, but escapes such as ``\\W`` keep their case."""
    return "".join(c if c.isascii() else fold(c) for c in pattern)


class TokensNode:
    """Raw spaCy Matcher patterns; one Matcher per vocabulary (i.e. per language pipeline)."""

    def __init__(self, patterns: list[list[dict]], languages: tuple[str, ...], label: str, field_name: str | None):
        self.label, self.field = label, field_name
        self.patterns = patterns
        self.languages = languages
        self._matchers: dict[int, Any] = {}

    def literals(self) -> set[str] | None:
        out: set[str] = set()
        for pattern in self.patterns:
            found = None
            for tok in pattern:
                attrs = {str(k).upper(): v for k, v in tok.items()}
                if str(attrs.get("OP", "")) in ("?", "*", "!"):
                    continue
                for key in ("ORTH", "TEXT", "LOWER", "NORM", "LEMMA"):
                    value = attrs.get(key)
                    values = [value] if isinstance(value, str) else (value.get("IN") if isinstance(value, dict) else None)
                    if values and all(isinstance(v, str) for v in values):
                        found = set()
                        for v in values:
                            found |= set(surface_forms(v, self.languages)) if key == "LEMMA" else {fold(v)}
                        break
                if found:
                    break
            if not found:
                return None
            out |= found
        return out

    def evaluate(self, unit: Unit, cues=None) -> Outcome:
        skip = _match_field(self, unit)
        if skip:
            return skip
        matcher = self._matchers.get(id(unit.doc.vocab))
        if matcher is None:
            from spacy.matcher import Matcher

            matcher = Matcher(unit.doc.vocab)
            matcher.add("rule", self.patterns)
            self._matchers[id(unit.doc.vocab)] = matcher
        hits = [unit.hit_for_tokens(s, e, self.label) for _, s, e in matcher(unit.doc)]
        return Outcome(self.label, bool(hits), hits)


class NegatedNode:
    """The verb (by lemma) under a negation: dependency-based when parsed, token window otherwise."""

    def __init__(self, lemmas: list[str], window: int, languages: tuple[str, ...], label: str, field_name: str | None):
        self.label, self.field = label, field_name
        self.lemma = LemmaNode(lemmas, languages, label, None)
        self.window = window
        langs = [lang for lang in languages if lang in NEGATION_WORDS] or list(NEGATION_WORDS)
        self.negation_words = frozenset().union(*(NEGATION_WORDS[lang] for lang in langs))

    def literals(self) -> set[str] | None:
        return self.lemma.literals()

    def evaluate(self, unit: Unit, cues=None) -> Outcome:
        skip = _match_field(self, unit)
        if skip:
            return skip
        negs = NEGATION_WORDS.get(unit.lang, _ALL_NEGATIONS)
        hits: list[Hit] = []
        for i in self.lemma.tokens(unit):
            neg = _dep_negation(unit, i, negs) if unit.parsed else _window_negation(unit, i, negs - _WINDOW_EXCLUDED, self.window)
            if neg is not None:
                hits.append(unit.hit_for_tokens(i, i + 1, self.lemma.hit_label(unit, i)))
                hits.append(unit.hit_for_tokens(neg, neg + 1, "negation"))
        return Outcome(self.label, bool(hits), hits, note="dependency scope" if unit.parsed else f"window {self.window}")


def _is_negation(unit: Unit, tok, negs: frozenset[str]) -> bool:
    return unit.token_folds[tok.i] in negs or "Neg" in tok.morph.get("Polarity")


def _dep_negation(unit: Unit, i: int, negs: frozenset[str]) -> int | None:
    """Index of the negation word that scopes over token ``i``, or None."""
    verb = unit.doc[i]
    heads = [verb]
    if verb.dep_ in ("xcomp", "aux", "aux:tense", "cop") and verb.head is not verb:
        heads.append(verb.head)  # "ne veut pas participer", negation on the governing verb
    # "n'a pas démenti": the parser may hang the negation on the auxiliary
    heads += [c for h in list(heads) for c in h.children if c.dep_.startswith("aux") or c.dep_ == "cop"]
    for head in heads:
        for child in head.children:
            if _is_negation(unit, child, negs):
                return child.i
            if child.dep_ in _NEG_CARRIER_DEPS:  # "participera à aucune coalition"
                for grandchild in child.children:
                    if grandchild.dep_ in ("det", "advmod", "amod") and _is_negation(unit, grandchild, negs):
                        return grandchild.i
    return None


def _window_negation(unit: Unit, i: int, negs: frozenset[str], window: int) -> int | None:
    lo, hi = max(0, i - window), min(len(unit.doc), i + window + 1)
    best = None
    for j in range(lo, hi):
        if j != i and unit.token_folds[j] in negs and (best is None or abs(j - i) < abs(best - i)):
            best = j
    return best
