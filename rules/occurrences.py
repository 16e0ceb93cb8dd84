"""Cue occurrences: the hits that make ONE occurrence of a rule's cue in a unit.

WHY: a sentence may hold the cue twice ("'The minister will not attend,' a spokesman said, adding
that Norway would not send a delegation"). Measured from the span of all cue hits together, Norway
sits "inside the predicate" and is refused; each occurrence must be tried with its own subject or
nearest actor. (The roles of the actors around one occurrence, quote attributions included, are in
rules/actor_roles.py.)
"""

from __future__ import annotations

MAX_OCCURRENCES = 6
# Tokens that end a clause: a cue hit before the actor, separated by one of these, belongs to
# another clause ("X will not attend, adding that Norway would not send").
_BOUNDARY_PUNCT = frozenset(',;:«»"“”„()[]—–')
_BOUNDARY_WORDS = frozenset("and but while whereas adding et mais tandis ajoutant y pero mientras und aber "
                            "während e ma mas enquanto".split())


class CueList(list):
    """Hits of one cue occurrence; ``others``: the unit's cue hits that belong to other occurrences."""

    others: list = []


def occurrences(pools: list[list]) -> list[CueList]:
    """Cue occurrences from the hit pools of the sibling conditions of an ``all``.

    With several hits of the first condition (by convention the main cue), one occurrence per hit,
    completed with the nearest hit of every other condition; then all hits together (the behaviour
    before occurrences existed, so that no match is ever lost)."""
    pools = [p for p in pools if p]
    if not pools:
        return []
    every = CueList(h for p in pools for h in p)
    every.others = []
    anchors = sorted({(h.tok_start, h.tok_end): h for h in pools[0]}.values(), key=lambda h: h.tok_start)
    if len(anchors) < 2:
        return [every]
    out: list[CueList] = []
    for anchor in anchors[:MAX_OCCURRENCES]:
        occ = CueList([anchor] + [min(p, key=lambda h: abs(h.tok_start - anchor.tok_start)) for p in pools[1:]])
        mine = {(h.tok_start, h.tok_end) for h in occ}
        occ.others = [h for h in every if (h.tok_start, h.tok_end) not in mine]
        out.append(occ)
    out.append(every)
    return out


def _is_boundary(tok) -> bool:
    text = tok.text
    return (len(text) == 1 and text in _BOUNDARY_PUNCT) or tok.lower_ in _BOUNDARY_WORDS


def claimed_by_earlier_cue(doc, cues: list, m) -> bool:
    """Another occurrence's cue stands before the actor in the same clause: "Apple denied the
    report about China as baseless" -- China belongs to the first predicate, it does not say the
    second cue."""
    others = getattr(cues, "others", None)
    if not others:
        return False
    for h in others:
        if h.tok_end <= m.start and not any(_is_boundary(t) for t in doc[h.tok_end:m.start]):
            return True
    return False
