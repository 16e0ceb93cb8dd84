"""Security review (issue 12), rule loading: YAML merge keys cannot smuggle an expansion past the
size limits, and spaCy token patterns cannot reach Python's ``re`` (REGEX) or fuzzy matching
(FUZZY): RE2, through ``regex:`` conditions, is the only regex engine for user input."""

from __future__ import annotations

import pytest

from dementi.rules.loader import load_text


def _merge_bomb(levels: int) -> str:
    lines = ["a0: &a0 {" + ", ".join(f"k{i}: {i}" for i in range(10)) + "}"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} {{<<: [" + ", ".join([f"*a{i - 1}"] * 10) + "]}")
    return "\n".join(lines) + "\n"


def test_merge_key_expansion_counts_against_the_node_limit():
    text = _merge_bomb(6)  # ~300 bytes; merging expands it to a million key/value pairs
    assert len(text) < 500
    _, errors = load_text(text, "merge-bomb.yaml")
    assert errors and "too large" in errors[0].message, errors


def test_ordinary_merge_keys_still_load():
    text = ("rules:\n  - &r {id: m.one, title: M, severity: high, phrase: [dément]}\n"
            "  - {<<: *r, id: m.two}\n")
    loaded, errors = load_text(text, "m.yaml")
    assert errors == [] and [(lr.rule.id, lr.rule.severity) for lr in loaded] == [("m.one", "high"), ("m.two", "high")]


@pytest.mark.parametrize("operator", ["REGEX", "FUZZY", "FUZZY2"])
@pytest.mark.parametrize("attr", ["TEXT", "LOWER", "LEMMA"])
def test_python_regex_and_fuzzy_in_token_patterns_are_refused(operator, attr):
    text = (f"id: t.rule\ntitle: T\nmatch:\n  tokens:\n    - [{{LOWER: le}}, {{{attr}: {{{operator}: '(a+)+$'}}}}]\n")
    _, errors = load_text(text, "t.yaml")
    assert len(errors) == 1, errors
    assert errors[0].field == "match.tokens.0.1" and errors[0].line == 5
    assert operator.rstrip("0123456789") in errors[0].message and "regex:" in errors[0].message


def test_regex_hidden_in_a_custom_attribute_or_a_list_is_refused():
    text = "id: t.rule\ntitle: T\nmatch:\n  tokens:\n    - [{_: {my_attr: {REGEX: 'x'}}}]\n"
    assert load_text(text, "t.yaml")[1]
    text = "id: t.rule\ntitle: T\nmatch:\n  all:\n    - tokens: [[{LOWER: {IN: [a, b]}}], [{LOWER: {REGEX: 'x'}}]]\n"
    _, errors = load_text(text, "t.yaml")
    assert errors and errors[0].field == "match.all.0.tokens.1.0"


def test_plain_token_patterns_still_load():
    text = "id: t.rule\ntitle: T\nmatch:\n  tokens:\n    - [{LOWER: le}, {LEMMA: {IN: [démentir, nier]}}]\n"
    loaded, errors = load_text(text, "t.yaml")
    assert errors == [] and loaded[0].rule.id == "t.rule"
