"""Static checks of a rule's RAW ``match`` data: RE2 refusing a pattern, invalid Matcher patterns,
and the Matcher operators that would run user patterns outside RE2 (REGEX, FUZZY).

WHY separate from the compiler: these run at load time (lint, hot reload) on data pydantic has not
validated yet, and need RE2 / a spaCy vocabulary, not the evaluators.
"""

from __future__ import annotations

from typing import Any

from dementi.rules.conditions import fold_pattern


def static_errors(raw: Any, loc: tuple) -> list[tuple[tuple, str]]:
    """Problems pydantic cannot see: RE2 refusing a pattern, an invalid spaCy Matcher pattern.

    Walks the RAW ``match`` data (not the validated model) so that these errors are reported
    together with the schema errors of the same rule, not only once the schema is fixed.
    """
    import re2

    errors: list[tuple[tuple, str]] = []
    stack: list[tuple[Any, tuple]] = [(raw, loc)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, list):
            stack.extend((item, where + (i,)) for i, item in enumerate(node))
            continue
        if not isinstance(node, dict):
            continue
        for key, value in node.items():
            if key == "regex" and isinstance(value, (str, list)):
                patterns = [value] if isinstance(value, str) else value
                for i, pattern in enumerate(patterns):
                    if not isinstance(pattern, str):
                        continue
                    try:
                        re2.compile("(?i)" + fold_pattern(pattern))
                    except Exception as exc:  # re2.error and friends
                        at = where + (("regex",) if isinstance(value, str) else ("regex", i))
                        errors.append((at, f"RE2 refuses this pattern: {exc}"))
            elif key == "tokens" and isinstance(value, list) and all(isinstance(p, list) for p in value):
                errors.extend(_token_pattern_errors(value, where + ("tokens",)))
            elif isinstance(value, (dict, list)):
                stack.append((value, where + (key,)))
    return sorted(errors)


_VALIDATION_VOCAB = None
# spaCy Matcher operators that user input must not reach: REGEX runs Python's backtracking `re` on
# every token (a pattern like (a+)+$ hangs the worker), FUZZY/FUZZY1..9 an edit-distance compare.
_REFUSED_OPERATORS = {
    "REGEX": "REGEX in a token pattern runs Python's backtracking `re`; use a `regex:` condition (RE2) instead",
    "FUZZY": "FUZZY in a token pattern is refused (unbounded fuzzy matching on every token); list the spellings "
             "with IN, or use a `regex:` condition (RE2)",
}


def _refused_operator(value: Any) -> str | None:
    """The reason to refuse a token's attribute value, if it uses REGEX or FUZZY at any depth."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, inner in node.items():
                name = str(key).upper()
                base = name.rstrip("0123456789") if name.startswith("FUZZY") else name
                if base in _REFUSED_OPERATORS:
                    return _REFUSED_OPERATORS[base]
                stack.append(inner)
        elif isinstance(node, list):
            stack.extend(node)
    return None


def _token_pattern_errors(patterns: list, loc: tuple) -> list[tuple[tuple, str]]:
    global _VALIDATION_VOCAB
    import spacy
    from spacy.matcher import Matcher

    if _VALIDATION_VOCAB is None:
        _VALIDATION_VOCAB = spacy.blank("xx").vocab
    errors = []
    for i, pattern in enumerate(patterns):
        if not all(isinstance(tok, dict) for tok in pattern):
            continue  # the schema reports the shape problem
        refused = [(j, why) for j, tok in enumerate(pattern) if (why := _refused_operator(tok))]
        if refused:
            errors.extend((loc + (i, j), why) for j, why in refused)
            continue
        try:
            Matcher(_VALIDATION_VOCAB, validate=True).add("check", [pattern])
        except Exception as exc:
            message = " ".join(str(exc).split())
            errors.append((loc + (i,), f"invalid spaCy Matcher pattern: {message[:300]}"))
    return errors
