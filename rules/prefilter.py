"""Stage 1: Aho-Corasick automata of every enabled rule's literal cues, over folded text.

WHY: most news articles contain no cue at all; for them the whole engine must cost one fold and
one automaton pass (tens of microseconds), never a spaCy call. Each rule contributes a list of
clauses (see ``compiler.requirements``): every clause is a set of literals, one of which must be
present, and all clauses must hold for the rule to be a candidate (``all: [lemma, phrase]`` needs
both a verb form and a phrase). Phrase/lemma/Matcher literals must sit at token boundaries;
required substrings of regexes may occur anywhere. A rule with no clause (e.g. a lone
``regex: "a+b"``) is "unfilterable" and runs on every unit.

Two paths give the same answer:
  * Latin-1 text (fr/en/es/de/it/pt news, after mapping a few typographic characters) goes through
    ``bytes.translate`` with a 256-entry table that folds case and accents and turns every
    non-alphanumeric byte into a space; token-bounded literals are stored as `` word ``, so the
    matcher itself enforces boundaries. The matcher is an RE2 ``Set`` (one DFA pass that reports
    which literals occur, ~100k articles/s), with the Aho-Corasick automaton as fallback.
  * Any other text is folded with ``textnorm.fold`` and boundaries are checked per hit.
"""

from __future__ import annotations

import ahocorasick

from rules.regexlit import SUBSTRING
from rules.textnorm import at_token_boundary, fold

Clause = tuple[int, int]  # (rule index, clause index)

# Typographic characters outside Latin-1 that are common in Latin-script news, mapped as the
# table would map their fold (punctuation -> space; the ligature keeps its letters).
_TYPO = (("\u2019", " "), ("\u2018", " "), ("\u201c", " "), ("\u201d", " "), ("\u2013", " "), ("\u2014", " "),
         ("\u2026", " "), ("\u20ac", " "), ("\u2022", " "), ("\u202f", " "), ("\u2009", " "), ("\u200b", " "),
         ("\u0153", "oe"), ("\u0152", "oe"), ("\u00e6", "ae"), ("\u00c6", "ae"))


def _build_table() -> bytes:
    table = bytearray(256)
    for b in range(256):
        f = fold(chr(b))
        table[b] = ord(f) if len(f) == 1 and f.isalnum() and ord(f) < 256 else 32
    return bytes(table)


_TABLE = _build_table()


def latin_view(text: str) -> str | None:
    """Folded, space-separated, space-padded view of ``text``; None when it is not Latin-1."""
    s = text
    for old, new in _TYPO:
        if old in s:
            s = s.replace(old, new)
    try:
        raw = s.encode("latin-1")
    except UnicodeEncodeError:
        return None
    return " " + raw.translate(_TABLE).decode("latin-1") + " "


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
        self.literal_count = len(owners)
        self._uni = self._automaton({(lit, bounded): c for (lit, bounded), c in owners.items()})
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
        folded = fold(text)
        for end, (length, bounded, clauses) in self._uni.iter(folded):
            if not clauses <= found and (not bounded or at_token_boundary(folded, end - length + 1, end + 1)):
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
