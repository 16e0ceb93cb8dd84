"""Stage 1: one Aho-Corasick automaton of every enabled rule's literal cues, over folded text.

WHY: most news articles contain no cue at all; for them the whole engine must cost one fold and
one automaton pass (tens of microseconds), never a spaCy call. Each rule contributes a list of
clauses (see ``compiler.requirements``): every clause is a set of literals, one of which must be
present, and all clauses must hold for the rule to be a candidate (``all: [lemma, phrase]`` needs
both a verb form and a phrase). Phrase/lemma/Matcher literals are checked at token boundaries;
required substrings of regexes anywhere. A rule with no clause (e.g. a lone ``regex: "a+b"``) is
"unfilterable" and runs on every unit.
"""

from __future__ import annotations

import ahocorasick

from rules.regexlit import SUBSTRING
from rules.textnorm import at_token_boundary

Clause = tuple[int, int]  # (rule index, clause index)


class Prefilter:
    def __init__(self, rule_requirements: list[list[set[str]]]):
        self.unfilterable = frozenset(i for i, req in enumerate(rule_requirements) if not req)
        self._clauses = {i: len(req) for i, req in enumerate(rule_requirements) if req}
        owners: dict[str, set[Clause]] = {}
        bounded: dict[str, bool] = {}
        for i, req in enumerate(rule_requirements):
            for j, clause in enumerate(req):
                for lit in clause:
                    substring = lit.startswith(SUBSTRING)
                    lit = lit[1:] if substring else lit.strip()
                    if lit:
                        owners.setdefault(lit, set()).add((i, j))
                        # a literal wanted both ways is checked the lenient way (substring)
                        bounded[lit] = bounded.get(lit, True) and not substring
        self.literal_count = len(owners)
        self._automaton = ahocorasick.Automaton()
        for lit, clauses in owners.items():
            self._automaton.add_word(lit, (len(lit), bounded[lit], frozenset(clauses)))
        self._empty = not owners
        if not self._empty:
            self._automaton.make_automaton()

    def satisfied(self, folded: str) -> set[Clause]:
        """The (rule, clause) pairs having a literal in ``folded``."""
        found: set[Clause] = set()
        if self._empty:
            return found
        for end, (length, bounded, clauses) in self._automaton.iter(folded):
            if not clauses <= found and (not bounded or at_token_boundary(folded, end - length + 1, end + 1)):
                found |= clauses
        return found

    def complete(self, pairs: set[Clause]) -> set[int]:
        """Rules all of whose clauses are among ``pairs``."""
        counts: dict[int, int] = {}
        for rule, _ in pairs:
            counts[rule] = counts.get(rule, 0) + 1
        return {rule for rule, n in counts.items() if n == self._clauses[rule]}

    def rules_in(self, folded: str) -> set[int]:
        return self.complete(self.satisfied(folded))
