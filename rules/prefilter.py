"""Stage 1: one Aho-Corasick automaton of every enabled rule's literal cues, over folded text.

WHY: most news articles contain no cue at all; for them the whole engine must cost one fold and
one automaton pass (tens of microseconds), never a spaCy call. Literals come from the compiled
rules (phrases, inflected lemma forms, literal tokens of Matcher patterns); a rule whose
condition has no necessary literal (e.g. a lone regex) is "unfilterable" and runs on every unit.
"""

from __future__ import annotations

import ahocorasick

from rules.textnorm import at_token_boundary


class Prefilter:
    def __init__(self, rule_literals: list[set[str] | None]):
        self.unfilterable = frozenset(i for i, lits in enumerate(rule_literals) if lits is None)
        owners: dict[str, set[int]] = {}
        for i, lits in enumerate(rule_literals):
            for lit in lits or ():
                lit = lit.strip()
                if lit:
                    owners.setdefault(lit, set()).add(i)
        self.literal_count = len(owners)
        self._automaton = ahocorasick.Automaton()
        for lit, rule_ids in owners.items():
            self._automaton.add_word(lit, (len(lit), frozenset(rule_ids)))
        self._empty = not owners
        if not self._empty:
            self._automaton.make_automaton()

    def has_cue(self, folded: str) -> bool:
        """True when any literal occurs at token boundaries in the folded text."""
        if self._empty:
            return False
        for end, (length, _) in self._automaton.iter(folded):
            if at_token_boundary(folded, end - length + 1, end + 1):
                return True
        return False

    def rules_in(self, folded: str) -> set[int]:
        """Indices of the rules having at least one literal in ``folded`` (token boundaries)."""
        found: set[int] = set()
        if self._empty:
            return found
        for end, (length, rule_ids) in self._automaton.iter(folded):
            if not rule_ids <= found and at_token_boundary(folded, end - length + 1, end + 1):
                found |= rule_ids
        return found
