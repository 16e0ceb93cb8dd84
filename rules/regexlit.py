"""Necessary literals of a regex, so that rules using ``regex`` still go through the prefilter.

WHY: a rule like ``any: [lemma: ..., regex: "n'a (?:jamais|pas) eu lieu"]`` would otherwise be
"unfilterable" and run spaCy on every sentence of every article. For a pattern we compute a set of
strings such that any match must contain one of them (e.g. {" eu lieu"}), choosing the longest
such run. These are substring literals: unlike phrases they are not checked for token boundaries,
since the regex may match inside a word. Patterns Python's parser cannot read (RE2-only syntax such
as ``\\pL``) simply stay unfilterable: the result is ``None``.
"""

from __future__ import annotations

try:  # Python 3.11+: the parser moved to re._parser (sre_parse is a deprecated alias)
    import re._parser as _sre_parse
    from re._constants import (  # type: ignore[attr-defined]
        AT, BRANCH, IN, LITERAL, MAX_REPEAT, MIN_REPEAT, SUBPATTERN,
    )
except ImportError:  # pragma: no cover
    import sre_parse as _sre_parse  # type: ignore[no-redef]
    from sre_constants import AT, BRANCH, IN, LITERAL, MAX_REPEAT, MIN_REPEAT, SUBPATTERN  # type: ignore[no-redef]

import re

from dementi.rules.common_words import clause_rarity
from dementi.rules.folding import fold

MIN_LITERAL = 3
_UNICODE_CLASS = re.compile(r"\\[pP](?:\{\w+\}|\w)")
_HEX_ESCAPE = re.compile(r"\\x\{([0-9a-fA-F]{1,6})\}")


def _weight(ch: str) -> int:
    """A Han ideograph or a kana carries about as much as two letters ("否认", "報道" are words
    selective enough for the prefilter); other letters and digits count one."""
    if not ch.isalnum():
        return 0
    return 2 if ("\u3040" <= ch <= "\u30ff" or "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff") else 1


def _score(lits: set[str] | None) -> int:
    """Selectivity of a literal set: letters/digits of its weakest member (spaces and quotes do
    not make a literal rarer: ' to' is worth 2)."""
    return min((sum(_weight(c) for c in s) for s in lits), default=0) if lits else 0


MAX_ALTERNATIVES = 64


def _exact(op, av) -> set[str] | None:
    """The finite set of strings an item matches when it is purely literal, else None."""
    if op is LITERAL:
        return {fold(chr(av))}
    if op is SUBPATTERN:
        return _exact_seq(av[-1])
    if op is BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            alt = _exact_seq(branch)
            if alt is None:
                return None
            out |= alt
        return out if len(out) <= MAX_ALTERNATIVES else None
    if op is IN:  # a small class of plain characters: [ée], [وف]
        if all(item_op is LITERAL for item_op, _ in av) and len(av) <= 10:
            return {fold(chr(code)) for _, code in av}
        return None
    if op in (MAX_REPEAT, MIN_REPEAT):
        lo, hi, sub = av
        inner = _exact_seq(sub)
        if inner is None or hi > 3:
            return None
        out = {""} if lo == 0 else set()
        for n in range(max(lo, 1), hi + 1):  # "?": optional; x{2}: fixed small counts
            combos = {""}
            for _ in range(n):
                combos = {a + b for a in combos for b in inner}
            out |= combos
        return out if len(out) <= MAX_ALTERNATIVES else None
    return None


def _exact_seq(items) -> set[str] | None:
    cur = {""}
    for op, av in items:
        if op is AT:
            continue
        alt = _exact(op, av)
        if alt is None:
            return None
        cur = {a + b for a in cur for b in alt}
        if len(cur) > MAX_ALTERNATIVES:
            return None
    return cur


def _seq(items, found: list[set[str]] | None = None) -> set[str] | None:
    """Best necessary literal set of a sequence: the most selective contiguous literal segment
    (alternations of literals are expanded: ``sa(?:y|id)`` -> {say, said}) or required sub-item."""
    candidates: list[set[str]] = []
    cur: set[str] = {""}

    def close() -> None:
        nonlocal cur
        if cur != {""}:
            candidates.append(cur)
        cur = {""}

    for op, av in items:
        if op is AT:  # anchors and \b consume nothing
            continue
        exact = _exact(op, av)
        if exact is not None:
            product = {a + b for a in cur for b in exact}
            if len(product) <= MAX_ALTERNATIVES:
                cur = product
                continue
        close()
        if exact is not None:
            cur = exact
            continue
        if op is SUBPATTERN:  # a required group: its own required parts are required too
            sub = _seq(av[-1], found)
            if sub:
                candidates.append(sub)
        elif op is BRANCH:
            alts = [_seq(branch) for branch in av[1]]
            if all(alts):
                candidates.append(set().union(*alts))
        elif op in (MAX_REPEAT, MIN_REPEAT):
            lo, _hi, sub = av
            if lo >= 1:
                inner = _seq(sub)
                if inner:
                    candidates.append(inner)
    close()
    if found is not None:
        found.extend(c for c in candidates if _score(c) >= MIN_LITERAL)
    return _best(candidates)


def _best(candidates: list[set[str]]) -> set[str] | None:
    """The most selective valid candidate: rare words first ("decision" is worth less than
    "dementi"), then length."""
    valid = [c for c in candidates if _score(c) >= MIN_LITERAL]
    return max(valid, key=lambda c: (clause_rarity(c), _score(c)), default=None)


def _parse(pattern: str):
    # RE2's Unicode classes are unknown to Python's parser; for literal extraction \\w is as good
    pattern = _UNICODE_CLASS.sub(r"\\w", pattern)
    # RE2's \x{200c} is Python's \U0000200c
    pattern = _HEX_ESCAPE.sub(lambda m: "\\U%08x" % int(m.group(1), 16), pattern)
    try:
        return list(_sre_parse.parse(pattern))
    except Exception:
        return None


def necessary_literals(pattern: str) -> set[str] | None:
    """Strings one of which every match of ``pattern`` contains (folded), or None if unknown."""
    parsed = _parse(pattern)
    lits = _seq(parsed) if parsed is not None else None
    if lits is None:
        return None
    return {SUBSTRING + s for s in lits}


MAX_SETS = 3


def necessary_literal_sets(pattern: str) -> list[set[str]]:
    """Several independent requirements of ``pattern`` (each a set one of whose strings every match
    contains), most selective first, at most MAX_SETS: "aucune? X (…) n'(?:est|a) (?:en cours|ete)"
    needs "aucun", one of the nouns AND "n'est en cours"/... -- together far more selective than
    any one of them. ``[]`` when nothing is known."""
    parsed = _parse(pattern)
    if parsed is None:
        return []
    found: list[set[str]] = []
    _seq(parsed, found)
    unique: list[set[str]] = []
    for c in sorted(found, key=lambda c: (clause_rarity(c), _score(c)), reverse=True):
        if c not in unique:
            unique.append(c)
    return [{SUBSTRING + s for s in c} for c in unique[:MAX_SETS]]


# Marks a literal the prefilter must find anywhere (no token-boundary check), see prefilter.py.
SUBSTRING = "\x01"
