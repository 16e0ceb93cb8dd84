"""Compile validated rule conditions into evaluators; static checks; prefilter literals.

WHY a compile step: rules are evaluated thousands of times per minute but change rarely, so
phrase regexes, RE2 programs and inflected lemma forms are built once per rule-set load. The
same tree tells the prefilter which literal strings a rule cannot match without
(:func:`requirements`): ``[]`` means "cannot tell" and makes the rule run on every unit.
"""

from __future__ import annotations

import itertools
from typing import Any

from dementi.rules.conditions import (
    Hit, LemmaNode, NegatedNode, Outcome, PhraseNode, RegexNode, TokensNode, Unit,
)
from dementi.rules.common_words import clause_rarity
from dementi.rules.occurrences import occurrences
from dementi.rules.actor_roles import CLAIMANT, CLAUSE_FINAL_LANGS, INSIDE_CLAIM, NEUTRAL, SPEAKER, Role, role_of
from dementi.rules.roles import earliest_first
from dementi.rules.schema import Condition

MAX_NEAR_COMBINATIONS = 20_000
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

    The cue is the set of hits of the sibling conditions in the enclosing ``all``.
    """

    needs_cues = True

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


def _score(clause: set[str]) -> tuple[int, int]:
    """Selectivity of a clause: rarity of its weakest literal (common words count for nothing,
    see rules.common_words), then letters/digits of its weakest literal."""
    if not clause:
        return (0, 0)
    return clause_rarity(clause), min(sum(ch.isalnum() for ch in lit) for lit in clause)


MAX_CLAUSES = 16


def _disjunction(nodes) -> list[set[str]]:
    """Clauses of ``any(nodes)``: distribute (a) or (b and c) = (a or b) and (a or c) while the
    clause count stays small, else one clause made of each node's most selective clause."""
    return _distribute([requirements(n) for n in nodes])


def _distribute(reqs: list[list[set[str]]]) -> list[set[str]]:
    """Clauses of the disjunction of several conjunctions of clauses."""
    if not reqs or any(not r for r in reqs):
        return []
    count = 1
    for r in reqs:
        count *= len(r)
    if count <= MAX_CLAUSES:
        return [set().union(*combo) for combo in itertools.product(*reqs)]
    # Too many combinations: any choice of one clause per alternative is still a valid clause of
    # the disjunction, so take the "diagonal" (the best clause of each, then the second best of
    # each...): several clauses that must ALL hold, instead of only the union of the best ones.
    ranked = [sorted(r, key=_score, reverse=True) for r in reqs]
    out: list[set[str]] = []
    for j in range(min(max(len(r) for r in ranked), MAX_CLAUSES)):
        clause = set().union(*(r[min(j, len(r) - 1)] for r in ranked))
        if clause not in out:
            out.append(clause)
    return out


def requirements(node) -> list[set[str]]:
    """Clauses for the prefilter: each a set of literals one of which must occur; all must hold.

    ``[]`` means no requirement is known (the rule must be evaluated on every unit).
    """
    if isinstance(node, (AllNode, NearNode)):
        return [c for child in node.children for c in requirements(child)]
    if isinstance(node, AnyNode):
        return _disjunction(node.children)
    if isinstance(node, WeightedNode):
        return _disjunction([c for w, c in node.cues if w > 0]) if node.threshold > 0 else []
    if isinstance(node, (NoneNode, ActorNode)):
        return []
    if isinstance(node, NegatedNode):  # the verb form AND a negation word must be present
        return [set(node.literals()), set(node.negation_words)]
    if isinstance(node, RegexNode):  # several patterns: any of them; each needs all its parts
        per_pattern = node.clause_sets()
        return _distribute(per_pattern) if per_pattern else []
    lits = node.literals()
    return [set(lits)] if lits else []


def compile_condition(cond: Condition, languages: tuple[str, ...], backend) -> Any:
    key, value, label, fld = cond.key, cond.value, cond.label(), cond.field
    if key == "phrase":
        return PhraseNode(value, label, fld)
    if key == "lemma":
        return LemmaNode(value, languages, label, fld)
    if key == "regex":
        return RegexNode(value, label, fld)
    if key == "tokens":
        return TokensNode(value, languages, label, fld)
    if key == "negated":
        return NegatedNode(value.lemma, value.window, languages, label, fld)
    if key == "actor":
        return ActorNode(value, backend)
    if key == "all":
        return AllNode([compile_condition(c, languages, backend) for c in value])
    if key == "any":
        return AnyNode([compile_condition(c, languages, backend) for c in value])
    if key == "none":
        return NoneNode([compile_condition(c, languages, backend) for c in value])
    if key == "near":
        return NearNode(value.within, [compile_condition(c, languages, backend) for c in value.of])
    if key == "weighted":
        return WeightedNode(value.threshold, [(c.weight, compile_condition(c, languages, backend)) for c in value.cues])
    raise ValueError(f"unknown condition {key}")  # pragma: no cover - schema forbids it


def static_errors(raw: Any, loc: tuple) -> list[tuple[tuple, str]]:
    """See :func:`rules.static_checks.static_errors` (kept here: the loader imports it from here)."""
    from dementi.rules.static_checks import static_errors as check

    return check(raw, loc)
