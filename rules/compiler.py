"""Compile validated rule conditions (rules.schema) into condition nodes (rules.conditions), and
read from the compiled tree the literals the prefilter needs.

WHY a compile step: rules are evaluated thousands of times per minute but change rarely, so
phrase regexes, RE2 programs and inflected lemma forms are built once per rule-set load. The
same tree tells the prefilter which literal strings a rule cannot match without
(:func:`requirements`): ``[]`` means "cannot tell" and makes the rule run on every unit. The
static checks of a rule's conditions live in rules.static_checks.
"""

from __future__ import annotations

import itertools

from dementi.rules.common_words import clause_rarity
from dementi.rules.conditions import (
    ActorNode, AllNode, AnyNode, ConditionNode, LemmaNode, NearNode, NegatedNode, NoneNode, PhraseNode, RegexNode,
    TokensNode, WeightedNode,
)
from dementi.rules.schema import Condition


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


def requirements(node: ConditionNode) -> list[set[str]]:
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


def compile_condition(cond: Condition, languages: tuple[str, ...], backend) -> ConditionNode:
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
