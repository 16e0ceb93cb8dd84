"""Condition nodes: what a compiled rule is made of (rules.compiler builds them from the schema).

Every node is a :class:`ConditionNode`: a label, and ``evaluate(unit, cues)`` -> :class:`Outcome`
on one unit of an article (rules.units). Three families:

* leaves look at the text -- ``phrase``, ``lemma``, ``regex``, ``tokens``, ``negated`` -- and tell
  the prefilter which literals they cannot match without (``literals``); a leaf may be limited to
  one field (``title``/``body``);
* ``actor`` looks for a state actor speaking the cue: the cue is the hits of its sibling
  conditions in the enclosing ``all`` (``cues``), its role around them comes from rules.actor_roles;
* ``all``, ``any``, ``none``, ``near`` and ``weighted`` combine other nodes.
"""

from __future__ import annotations

import itertools
import re
from typing import Any, Protocol

from dementi.rules.actor_roles import CLAIMANT, CLAUSE_FINAL_LANGS, INSIDE_CLAIM, NEUTRAL, SPEAKER, Role, role_of
from dementi.rules.common_words import literal_rarity
from dementi.rules.folding import fold, original_span
from dementi.rules.inflect import surface_forms
from dementi.rules.occurrences import occurrences
from dementi.rules.roles import earliest_first
from dementi.rules.scripts import at_token_boundary
from dementi.rules.units import Hit, Outcome, Unit

MAX_NEAR_COMBINATIONS = 20_000

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



class ConditionNode(Protocol):
    """A compiled condition. ``cues``: the hits of the sibling conditions of the enclosing ``all``
    (only ``actor`` uses them, to anchor on the cue; the others pass them down)."""

    label: str

    def evaluate(self, unit: Unit, cues: list[Hit] | None = None) -> Outcome: ...


class LeafNode:
    """A condition on the text itself, optionally limited to one field: ``evaluate`` checks the
    field, :meth:`match` looks at the text."""

    label: str
    field: str | None

    def evaluate(self, unit: Unit, cues: list[Hit] | None = None) -> Outcome:
        if self.field is not None and self.field != unit.field:
            return Outcome(self.label, False, note=f"only looks at the {self.field}")
        return self.match(unit)

    def match(self, unit: Unit) -> Outcome:  # pragma: no cover - every leaf defines it
        raise NotImplementedError

    def literals(self) -> set[str] | None:  # pragma: no cover - every leaf defines it
        raise NotImplementedError


class PhraseNode(LeafNode):
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

    def match(self, unit: Unit) -> Outcome:
        folded, offsets = unit.folded
        hits = []
        for m in self.pattern.finditer(folded):
            if not at_token_boundary(folded, m.start(), m.end()):
                continue
            s, e = original_span(offsets, m.start(), m.end())
            phrase = self._owner.get(" ".join(folded[m.start():m.end()].split()), "?")
            hits.append(unit.hit_for_chars(s, e, f"phrase:{phrase}"))
        return Outcome(self.label, bool(hits), hits)


class LemmaNode(LeafNode):
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

    def match(self, unit: Unit) -> Outcome:
        hits = [unit.hit_for_tokens(i, i + 1, self.hit_label(unit, i)) for i in self.tokens(unit)]
        return Outcome(self.label, bool(hits), hits)

    def hit_label(self, unit: Unit, i: int) -> str:
        """``lemma:démentir``: the lemma of the rule that this token is a form of."""
        lemma = self._owner.get(unit.token_folds[i]) or self._owner.get(unit.lemma_folds[i]) or "?"
        return f"{self._key}:{lemma}"


class RegexNode(LeafNode):
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

    def match(self, unit: Unit) -> Outcome:
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


class TokensNode(LeafNode):
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

    def match(self, unit: Unit) -> Outcome:
        matcher = self._matchers.get(id(unit.doc.vocab))
        if matcher is None:
            from spacy.matcher import Matcher

            matcher = Matcher(unit.doc.vocab)
            matcher.add("rule", self.patterns)
            self._matchers[id(unit.doc.vocab)] = matcher
        hits = [unit.hit_for_tokens(s, e, self.label) for _, s, e in matcher(unit.doc)]
        return Outcome(self.label, bool(hits), hits)


class NegatedNode(LeafNode):
    """The verb (by lemma) under a negation: dependency-based when parsed, token window otherwise."""

    def __init__(self, lemmas: list[str], window: int, languages: tuple[str, ...], label: str, field_name: str | None):
        self.label, self.field = label, field_name
        self.lemma = LemmaNode(lemmas, languages, label, None)
        self.window = window
        langs = [lang for lang in languages if lang in NEGATION_WORDS] or list(NEGATION_WORDS)
        self.negation_words = frozenset().union(*(NEGATION_WORDS[lang] for lang in langs))

    def literals(self) -> set[str] | None:
        return self.lemma.literals()

    def match(self, unit: Unit) -> Outcome:
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


# --- the actor condition -------------------------------------------------------------------------
_CLIMB_DEPS = frozenset({"conj", "xcomp", "obj", "obl", "obl:arg", "obl:mod", "nmod", "ccomp", "advcl", "acl", "dobj", "pobj", "dep", "flat:name", "appos"})


def _is_subject(dep: str) -> bool:
    """A child with this relation is the verb's subject: the climb from the cue stops there.
    Reflexive clitics ("se rendre": expl:comp, expl:pv, expl:pass) and the impersonal "il" ("il
    n'est pas question de participer": expl:subj) are not the one acting: the climb goes on to
    the governing verb, else the subject-like fallback looks for the actor ("Pour Moscou, il n'est
    pas question de ...")."""
    return dep.startswith(("nsubj", "csubj")) or dep == "expl"


class ActorNode:
    """A state actor is the subject of the cue (role subject) or within ``near`` tokens (role any).

    The cue is the set of hits of the sibling conditions in the enclosing ``all`` (which evaluates
    it after them: see ``_needs_cues``).
    """

    def __init__(self, spec, backend):
        self.spec, self.backend = spec, backend
        self._lexicon = getattr(backend, "gazetteer", None)  # declined and prefixed names (rules.roles)
        self.label = f"actor:{spec.role}"
        self.field = None

    def literals(self) -> set[str] | None:
        return None

    def _eligible(self, unit: Unit) -> list:
        out = []
        for m in unit.actor_mentions():
            actor = m.actor
            if self.spec.kinds and actor.kind not in self.spec.kinds:
                continue
            if self.spec.countries and actor.country not in self.spec.countries:
                continue
            out.append(m)
        return out

    def evaluate(self, unit: Unit, cues: list[Hit] | None = None) -> Outcome:
        mentions = self._eligible(unit)
        if not mentions:
            return Outcome(self.label, False, note="no state actor in this unit")
        if not cues:
            m = mentions[0]
            return self._ok(unit, m, "no cue to anchor on: any actor in the unit")
        subject, any_subject = None, False
        if unit.parsed:
            subject, any_subject = self._subject(unit, cues, mentions)
        best, best_key, best_role = None, None, None
        first = min(c.tok_start for c in cues)
        verb_final = earliest_first(unit.lang)
        clause_final = verb_final or unit.lang in CLAUSE_FINAL_LANGS
        for m in mentions:
            role = role_of(unit, cues, m, self._lexicon)
            if m is subject and role.kind != CLAIMANT and role.why != INSIDE_CLAIM:  # the parse says so: no distance bound
                role = Role(SPEAKER, min(role.rank, 1), 0, "subject of the cue")
            if not self._accepts(role, m, clause_final and m.end <= first):
                continue
            # in verb-final languages the subject opens the clause: the first actor, not the nearest
            order = (0, m.start) if verb_final and m.end <= first else (1, role.gap)
            key = (role.rank, order, getattr(m, "weak", False), m.start)
            if best_key is None or key < best_key:
                best, best_key, best_role = m, key, role
        if best is None:
            if any_subject and self.spec.role == "subject":
                return Outcome(self.label, False, note="the cue's subject is not a state actor")
            return Outcome(self.label, False, note=f"no state actor speaking within {self.spec.near} tokens of the cue")
        if any_subject and subject is None and self.spec.role == "subject" and best_role.rank > 0:
            # the parse gives the cue a subject that is not an actor ("Le club dément"): only a
            # quote attribution or a stance marker can still name the speaker
            return Outcome(self.label, False, note="the cue's subject is not a state actor")
        return self._ok(unit, best, best_role.why)

    def _accepts(self, role: Role, m, opens_verb_final: bool = False) -> bool:
        """Speakers within ``near`` (quote attributions have their own bound, and so has the
        subject of a verb-final clause, or of a German one ending on its participle or particle:
        the object and the claim stand between it and the verb);
        ``role: any`` also takes an actor in a neutral position before the cue. A bare title
        resolved from the context ("the spokeswoman") only ever counts as a speaker."""
        if role.kind == SPEAKER:
            return role.rank == 0 or role.gap <= self.spec.near or opens_verb_final
        return (role.kind == NEUTRAL and self.spec.role == "any" and not getattr(m, "weak", False)
                and role.gap <= self.spec.near)

    def _ok(self, unit: Unit, mention, note: str) -> Outcome:
        hit = unit.hit_for_tokens(mention.start, mention.end, f"actor:{mention.actor.name}")
        return Outcome(self.label, True, [hit], note=note, mention=mention)

    def _subject(self, unit: Unit, cues: list[Hit], mentions: list):
        """Climb from each cue token to its governing verbs; ask the actor backend for the subject."""
        any_subject = False
        for cue in cues:
            if cue.label == "negation":
                continue
            for tok in unit.doc[cue.tok_start:cue.tok_end]:
                current, steps = tok, 0
                while True:
                    mention = self.backend.subject_of(current, mentions)
                    if mention is not None:
                        return mention, True
                    if any(_is_subject(c.dep_) for c in current.children):
                        any_subject = True
                        break
                    if current.head is current or current.dep_ not in _CLIMB_DEPS or steps >= 3:
                        break
                    current, steps = current.head, steps + 1
        return None, any_subject


# --- combinations --------------------------------------------------------------------------------
def _needs_cues(node) -> bool:
    if isinstance(node, ActorNode):
        return True
    if isinstance(node, (AnyNode, NoneNode, NearNode)):  # near: "an actor within N of X", anchored too
        return any(_needs_cues(c) for c in node.children)
    if isinstance(node, WeightedNode):
        return any(_needs_cues(c) for _, c in node.cues)
    return False


class AllNode:
    def __init__(self, children: list, label: str = "all"):
        self.children, self.label = children, label
        self.plain = [c for c in children if not _needs_cues(c)]
        self.anchored = [c for c in children if _needs_cues(c)]

    def evaluate(self, unit: Unit, cues: list[Hit] | None = None) -> Outcome:
        outcomes: dict[int, Outcome] = {}
        hits: list[Hit] = []
        ok = True
        for c in self.plain:  # no short-circuit: explain shows every condition (parsing dominates cost)
            o = c.evaluate(unit, cues)
            outcomes[id(c)] = o
            ok = ok and o.ok
            hits.extend(o.hits)
        pools = [[h for h in outcomes[id(c)].hits if h.label != "negation"] for c in self.plain]
        occs = occurrences(pools) or ([cues] if cues else [[]])
        if self.anchored and (ok or any(occs)):  # with a cue, explain shows the actor check even on a veto
            # each cue occurrence is tried with its own actor; the first where every anchored child
            # holds wins (the last one, "all hits together", reports otherwise)
            for occ in occs:
                tried = {id(c): c.evaluate(unit, occ) for c in self.anchored}
                if all(o.ok for o in tried.values()):
                    break
            outcomes.update(tried)
            for o in tried.values():
                ok = ok and o.ok
                hits.extend(o.hits)
        children = [outcomes.get(id(c)) or Outcome(c.label, False, note="not evaluated (the cue conditions failed)")
                    for c in self.children]
        mention = next((o.mention for o in children if o.mention is not None), None)
        return Outcome(self.label, ok, hits if ok else [], children, mention=mention)


class AnyNode:
    def __init__(self, children: list):
        self.children, self.label = children, "any"

    def evaluate(self, unit: Unit, cues=None) -> Outcome:
        children = [c.evaluate(unit, cues) for c in self.children]
        hits = [h for o in children if o.ok for h in o.hits]
        mention = next((o.mention for o in children if o.ok and o.mention is not None), None)
        return Outcome(self.label, any(o.ok for o in children), hits, children, mention=mention)


class NoneNode:
    def __init__(self, children: list):
        self.children, self.label = children, "none"

    def evaluate(self, unit: Unit, cues=None) -> Outcome:
        children = [c.evaluate(unit, cues) for c in self.children]
        return Outcome(self.label, not any(o.ok for o in children), [], children)


class NearNode:
    def __init__(self, within: int, children: list):
        self.within, self.children = within, children
        self.label = f"near:{within}"

    def evaluate(self, unit: Unit, cues=None) -> Outcome:
        children = [c.evaluate(unit, cues) for c in self.children]
        if not all(o.ok and o.hits for o in children):
            return Outcome(self.label, False, [], children, note="not every condition matched")
        pools = [o.hits for o in children]
        for n, combo in enumerate(itertools.product(*pools)):
            if n >= MAX_NEAR_COMBINATIONS:
                break
            if max(h.tok_start for h in combo) - min(h.tok_end for h in combo) <= self.within:
                # the actor an inner ``actor`` condition chose is the alert's denier, as in all/any
                mention = next((o.mention for o in children if o.mention is not None), None)
                return Outcome(self.label, True, list(combo), children, mention=mention)
        return Outcome(self.label, False, [], children, note=f"matches are more than {self.within} tokens apart")


class WeightedNode:
    def __init__(self, threshold: float, cues: list[tuple[float, Any]]):
        self.threshold, self.cues = threshold, cues
        self.children = [c for _, c in cues]
        self.label = f"weighted:{threshold:g}"

    def evaluate(self, unit: Unit, cues=None) -> Outcome:
        total, hits, children = 0.0, [], []
        for weight, c in self.cues:
            o = c.evaluate(unit, cues)
            o.note = (o.note + "; " if o.note else "") + f"weight {weight:+g}"
            children.append(o)
            if o.ok:
                total += weight
                if weight > 0:
                    hits.extend(o.hits)
        ok = total >= self.threshold
        return Outcome(self.label, ok, hits if ok else [], children, note=f"score {total:g} / threshold {self.threshold:g}")
