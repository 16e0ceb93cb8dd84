"""Stage 1: which rules' literal cues occur in a text (an RE2 set over Latin text, Aho-Corasick over
any other script), before anything costly runs.

WHY: most news articles contain no cue at all; for them the whole engine must cost one fold and
one matcher pass, never a spaCy call (rates: docs/benchmarks.md). Each rule contributes a list of
clauses (see ``compiler.requirements``): every clause is a set of literals, one of which must be
present, and all clauses must hold for the rule to be a candidate (``all: [lemma, phrase]`` needs
both a verb form and a phrase). Phrase/lemma/Matcher literals must sit at token boundaries;
required substrings of regexes may occur anywhere. A rule with no clause (e.g. a lone
``regex: "a+b"``) is "unfilterable" and runs on every unit.

Both paths match the same view of the text (``rules.folding``: folded, every character that is
not a letter or digit a space, padded with a space), so they give the same answer:
  * Latin-1 text (fr/en/es/de/it/pt news, after mapping a few typographic characters) gets its
    view from ``folding.latin_view`` (one ``bytes.translate``); token-bounded literals are stored
    as `` word ``, so the matcher itself enforces boundaries. The matcher is an RE2 ``Set`` (one
    DFA pass that reports which literals occur); when RE2 cannot build it, an Aho-Corasick
    automaton of the same keys.
  * Any other text gets it from ``folding.word_view``, is matched by an Aho-Corasick automaton,
    and token boundaries are checked per hit (``rules.scripts``: Chinese and Japanese have none).

Per-segment answers without one pass per segment (``Prefilter.scan`` + ``Scan.segment_rules``):
the whole field is matched once; when some rule is complete there, only the literals of those
rules are located in the field's view (``str.find``) and each occurrence is assigned to the
paragraph or sentence holding it. A segment's own view is a slice of the field's view (the
characters around a segment are spaces, checked), so the answer is the one a pass over the
segment would give. Clause sets are ints (one bit per clause, a guard bit per rule): "every
clause of some rule holds" is one addition and one ``&``.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

import ahocorasick

from dementi.rules.folding import LIGATURES, fold, latin_view, word_view
from dementi.rules.regexlit import SUBSTRING
from dementi.rules.scripts import at_token_boundary

Clause = tuple[int, int]  # (rule index, clause index)

class Prefilter:
    def __init__(self, rule_requirements: list[list[set[str]]]):
        self.unfilterable = frozenset(i for i, req in enumerate(rule_requirements) if not req)
        self._clauses = {i: len(req) for i, req in enumerate(rule_requirements) if req}
        owners: dict[tuple[str, bool], set[Clause]] = {}
        for i, req in enumerate(rule_requirements):
            for j, clause in enumerate(req):
                for lit in clause:
                    substring = lit.startswith(SUBSTRING)
                    lit = fold(lit[1:] if substring else lit.strip())
                    if lit:
                        owners.setdefault((lit, not substring), set()).add((i, j))
        # both paths look for a literal's view (word_view: not a letter or digit -> a space), so
        # they answer alike: "false report" is in "false\treport" whatever the script around it
        uni: dict[tuple[str, bool], set[Clause]] = {}
        for (lit, bounded), clauses in owners.items():
            key = word_view(lit)
            if key.strip():
                uni.setdefault((key, bounded), set()).update(clauses)
        self._uni = self._automaton(uni)
        self.literal_count = len(owners)
        latin: dict[tuple[str, bool], set[Clause]] = {}
        for (lit, bounded), clauses in owners.items():
            view = latin_view(lit)
            if view is None:
                continue  # non-Latin literal: only non-Latin text can contain it (slow path)
            core = view[1:-1]
            if bounded:
                core = (" " if lit[0].isalnum() else "") + core + (" " if lit[-1].isalnum() else "")
            if core.strip():
                latin.setdefault((core, False), set()).update(clauses)
        self._latin = self._automaton(latin)
        self._latin_keys = [(key, frozenset(clauses)) for (key, _), clauses in latin.items()]
        self._set = self._re2_set([key for key, _ in self._latin_keys])
        # bit layout: rule i owns bits offset_i .. offset_i + k_i - 1 (its clauses) and the guard bit
        # offset_i + k_i; adding LOW carries into a guard bit iff all clauses of that rule are set
        self._bit: dict[Clause, int] = {}
        self._low = self._guard = 0
        self._rule_of_guard: dict[int, int] = {}
        self._clause_bits: dict[int, int] = {}  # rule -> its clause bits
        offset = 0
        for i, req in enumerate(rule_requirements):
            if not req:
                continue
            for j in range(len(req)):
                self._bit[(i, j)] = 1 << (offset + j)
            self._low |= 1 << offset
            self._guard |= 1 << (offset + len(req))
            self._rule_of_guard[offset + len(req)] = i
            self._clause_bits[i] = ((1 << len(req)) - 1) << offset
            offset += len(req) + 1
        self._key_mask = [self.mask(clauses) for _, clauses in self._latin_keys]

    @staticmethod
    def _re2_set(keys: list[str]):
        if not keys:
            return None
        try:
            import re2

            rset = re2.Set.SearchSet(re2.Options())
            for key in keys:
                rset.Add(re2.escape(key))
            rset.Compile()
            return rset
        except Exception:  # pragma: no cover - RE2 out of memory on a huge pack: use Aho-Corasick
            return None

    @staticmethod
    def _automaton(keys: dict[tuple[str, bool], set[Clause]]):
        merged: dict[str, tuple[bool, set[Clause]]] = {}
        for (key, bounded), clauses in keys.items():
            old_bounded, old = merged.get(key, (True, set()))
            # a key wanted both ways is checked the lenient way (substring)
            merged[key] = (old_bounded and bounded, old | clauses)
        if not merged:
            return None
        automaton = ahocorasick.Automaton()
        for key, (bounded, clauses) in merged.items():
            automaton.add_word(key, (len(key), bounded, frozenset(clauses)))
        automaton.make_automaton()
        return automaton

    def satisfied(self, text: str) -> set[Clause]:
        """The (rule, clause) pairs having a literal in ``text`` (raw text: folded here)."""
        view = latin_view(text)
        return self._satisfied_latin(view) if view is not None else self._satisfied_folded(text)

    def _satisfied_latin(self, view: str) -> set[Clause]:
        found: set[Clause] = set()
        if self._set is not None:
            for idx in self._set.Match(view) or ():
                found |= self._latin_keys[idx][1]
        elif self._latin is not None:
            for _, (_, _, clauses) in self._latin.iter(view):
                found |= clauses
        return found

    def _satisfied_folded(self, text: str) -> set[Clause]:
        found: set[Clause] = set()
        if self._uni is None:
            return found
        view = " " + word_view(fold(text)) + " "  # padded like latin_view: a literal may start with a space
        for end, (length, bounded, clauses) in self._uni.iter(view):
            if not clauses <= found and (not bounded or at_token_boundary(view, end - length + 1, end + 1)):
                found |= clauses
        return found

    def complete(self, pairs: set[Clause]) -> set[int]:
        """Rules all of whose clauses are among ``pairs``."""
        counts: dict[int, int] = {}
        for rule, _ in pairs:
            counts[rule] = counts.get(rule, 0) + 1
        return {rule for rule, n in counts.items() if n == self._clauses[rule]}

    def rules_in(self, text: str) -> set[int]:
        return self.complete(self.satisfied(text))

    # ------------------------------------------------------------------ bit masks and localisation
    def mask(self, pairs) -> int:
        """(rule, clause) pairs as a bit mask."""
        bit = self._bit
        out = 0
        for pair in pairs:
            out |= bit[pair]
        return out

    def complete_mask(self, mask: int) -> int:
        """Guard bits of the rules all of whose clauses are in ``mask`` (0: none)."""
        return (mask + self._low) & self._guard

    def rules_of(self, guards: int) -> set[int]:
        out = set()
        while guards:
            low = guards & -guards
            out.add(self._rule_of_guard[low.bit_length() - 1])
            guards ^= low
        return out

    def scan(self, text: str) -> "Scan":
        """One pass over a whole field: the clauses it satisfies, and what :meth:`Scan.segment_rules`
        needs to answer for its paragraphs and sentences."""
        view = latin_view(text)
        if view is None or self._set is None:
            return Scan(self, text, None, (), self.mask(self.satisfied(text)))
        keys = self._set.Match(view) or ()
        mask = 0
        key_mask = self._key_mask
        for idx in keys:
            mask |= key_mask[idx]
        return Scan(self, text, view, keys, mask)


class Scan:
    """A field matched once (see :meth:`Prefilter.scan`). ``rules``: rules complete in the field."""

    def __init__(self, pf: Prefilter, text: str, view: str | None, keys, mask: int):
        self.pf, self.text, self.view, self.keys, self.mask = pf, text, view, keys, mask
        self.guards = pf.complete_mask(mask)
        self._located: tuple[int, list[tuple[int, int, int]]] | None = None
        self._ligatures: list[int] | None = None
        self._by_clause: dict[Clause, list[str]] | bool | None = None

    @property
    def rules(self) -> set[int]:
        return self.pf.rules_of(self.guards) if self.guards else set()

    def _occurrences(self) -> tuple[int, list[tuple[int, int, int]]]:
        """(clause bits of the rules complete in the field, sorted (view start, view end, clause
        bits) of every occurrence of their literals)."""
        if self._located is None:
            pf, view = self.pf, self.view
            relevant = 0
            for rule in self.rules:
                relevant |= pf._clause_bits[rule]
            occ = []
            for idx in self.keys:
                bits = pf._key_mask[idx] & relevant
                if not bits:
                    continue
                key = pf._latin_keys[idx][0]
                n = len(key)
                pos = view.find(key)
                while pos >= 0:
                    occ.append((pos, pos + n, bits))
                    pos = view.find(key, pos + 1)
            occ.sort()
            self._located = (relevant, occ)
        return self._located

    def _view_index(self, i: int) -> int:
        """Index in the view of the first character produced by text[i] (ligatures take two)."""
        return i + 1 + bisect_left(self._ligatures, i)

    def segment_rules(self, segments: list[tuple[int, int]]) -> list[tuple[int, set[int]]]:
        """For sorted, disjoint [start, end) segments of the field: (clause mask, complete rules) of
        each, exactly as ``complete(satisfied(text[start:end]))`` (on Latin text the mask is
        restricted to the rules complete in the whole field: no other rule can be complete in a
        part of it; a non-Latin field has no view to slice, so each of its segments is matched on
        its own)."""
        pf = self.pf
        if not self.guards and self.view is not None:  # Latin: a segment's view is a slice of the field's
            return [(0, set()) for _ in segments]
        view = self.view
        ranges = []
        if view is not None:
            if self._ligatures is None:
                self._ligatures = sorted(i for lig in LIGATURES if lig in self.text for i in _all_positions(self.text, lig))
            for start, end in segments:
                if self._ligatures:
                    lo, hi = self._view_index(start) - 1, self._view_index(end) + 1  # with the padding spaces
                else:
                    lo, hi = start, end + 2
                if view[lo] != " " or view[hi - 1] != " ":
                    view = None  # a segment not bounded by spaces (never the case for segment.py's)
                    break
                ranges.append((lo, hi))
        if view is None:  # non-Latin text: one pass per segment
            out = []
            for start, end in segments:
                m = pf.mask(pf.satisfied(self.text[start:end]))
                out.append((m, pf.rules_of(pf.complete_mask(m))))
            return out
        _, occ = self._occurrences()
        starts = [lo for lo, _ in ranges]
        masks = [0] * len(segments)
        for s, e, bits in occ:
            k = bisect_right(starts, s) - 1
            if k >= 0 and e <= ranges[k][1]:
                masks[k] |= bits
        return [(m, pf.rules_of(pf.complete_mask(m)) if m else set()) for m in masks]


    # --- shortcut for paragraphs and sentences (Latin text without ligatures: view index = i + 1) --
    def _clause_keys(self) -> dict[Clause, list[str]] | None:
        """Matched literals of each clause of the rules complete in the field; None when the view
        is not the text shifted by one (non-Latin text, ligatures)."""
        if self._by_clause is None:
            if self.view is None or any(lig in self.text for lig in LIGATURES):
                self._by_clause = False
            else:
                pf = self.pf
                rules, latin, key_mask = self.rules, pf._latin_keys, pf._key_mask
                relevant = 0
                for rule in rules:
                    relevant |= pf._clause_bits[rule]
                by_clause: dict[Clause, list[str]] = {}
                for idx in self.keys:
                    if key_mask[idx] & relevant:  # most matched literals serve none of these rules
                        for pair in latin[idx][1]:
                            if pair[0] in rules:
                                by_clause.setdefault(pair, []).append(latin[idx][0])
                self._by_clause = by_clause
        return None if self._by_clause is False else self._by_clause

    def paragraph_rules(self) -> dict[tuple[int, int], set[int]] | None:
        """{(start, end) of a paragraph (stripped non-blank line): its complete rules} for the
        paragraphs where some rule is complete, exactly as one pass per paragraph would say; None
        when this shortcut does not apply (then use :meth:`segment_rules`).

        WHY: each rule is anchored on one clause (the one with the fewest distinct literals found, a
        cheap proxy for the fewest occurrences; any choice gives the same answer): only the lines
        holding an anchor are looked at, the other clauses checked inside them with
        ``str.find(key, lo, hi)``. A French negation clause ("ne", "pas", "plus", "n") occurs dozens
        of times per article; the verb it must meet, once or twice."""
        by_clause = self._clause_keys()
        if by_clause is None:
            return None
        view, text, clauses = self.view, self.text, self.pf._clauses
        out: dict[tuple[int, int], set[int]] = {}
        for rule in self.rules:
            k = clauses[rule]
            anchor = min(range(k), key=lambda j: len(by_clause[(rule, j)]))  # fewest literals found
            others = [by_clause[(rule, j)] for j in range(k) if j != anchor]
            done: set[tuple[int, int]] = set()
            for key in by_clause[(rule, anchor)]:
                n, lead = len(key), len(key) - len(key.lstrip(" "))
                pos = view.find(key)
                while pos >= 0:
                    t = pos + lead - 1  # a letter of the key: its line is the only paragraph that can hold it
                    ps = text.rfind("\n", 0, t) + 1
                    pe = text.find("\n", t)
                    pe = len(text) if pe < 0 else pe
                    while text[ps].isspace():  # the paragraph is the stripped line (segment.paragraphs)
                        ps += 1
                    while text[pe - 1].isspace():
                        pe -= 1
                    if (ps, pe) not in done and ps <= pos and pos + n <= pe + 2:
                        done.add((ps, pe))
                        if all(any(view.find(key2, ps, pe + 2) >= 0 for key2 in keys) for keys in others):
                            out.setdefault((ps, pe), set()).add(rule)
                    pos = view.find(key, pos + 1)
        return out

    def rules_within(self, segments: list[tuple[int, int]], rules: set[int]) -> list[set[int]]:
        """Complete rules among ``rules`` in each [start, end) segment of a paragraph found by
        :meth:`paragraph_rules` (same shortcut; a segment not bounded by spaces gets one pass)."""
        by_clause, view, pf = self._clause_keys(), self.view, self.pf
        out = []
        for start, end in segments:
            lo, hi = start, end + 2
            if view[lo] != " " or view[hi - 1] != " ":
                out.append(pf.complete(pf.satisfied(self.text[start:end])))
                continue
            found = set()
            for r in rules:
                for j in range(pf._clauses[r]):
                    for key in by_clause[(r, j)]:
                        if view.find(key, lo, hi) >= 0:
                            break
                    else:
                        break  # clause j has no literal in the segment
                else:
                    found.add(r)
            out.append(found)
        return out


def _all_positions(text: str, ch: str) -> list[int]:
    out = []
    pos = text.find(ch)
    while pos >= 0:
        out.append(pos)
        pos = text.find(ch, pos + 1)
    return out
