"""Property tests: whatever the YAML, the loader returns rules or located errors, never raises."""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from dementi.rules.loader import load_text
from dementi.rules.schema import CONDITION_KEYS

KEYS = ["id", "title", "match", "rules", "cameo", "severity", "scope", "fields", "languages", "within", "of",
        "threshold", "cues", "weight", "role", "near", "window", "examples", *CONDITION_KEYS]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=True),
                    st.text(max_size=12), st.sampled_from(["démentir", "fr", "016", "(a", "sentence", "title"]))
trees = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=6)), children, max_size=5)),
    max_leaves=25,
)


def check(text: str) -> None:
    loaded, errors = load_text(text, "f.yaml")
    for e in errors:
        assert e.path == "f.yaml" and e.line >= 1 and e.column >= 1 and e.message
        assert str(e).startswith(f"f.yaml:{e.line}:{e.column}: ")
    if not errors:
        for lr in loaded:
            assert lr.rule.id and lr.line >= 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_arbitrary_text_never_crashes(text):
    check(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees)
def test_arbitrary_yaml_structures_never_crash(tree):
    check(yaml.safe_dump(tree, allow_unicode=True))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(KEYS), trees, max_size=6))
def test_rule_shaped_documents_never_crash(extra):
    doc = {"rules": [{"id": "r", "title": "R", "match": {"all": [{"lemma": "x"}, extra]}}, extra]}
    check(yaml.safe_dump(doc, allow_unicode=True))


def test_yaml_tags_and_weird_documents():
    for text in ["!!python/object:os.system x", "--- a\n--- b\n", "? [a]\n: b\n", "[[[[[[", "\t- x", "*unknown",
                 "id: &a x\ntitle: *a\nmatch: {phrase: *a}\n", "\x00", "key: !!binary 'bad'", "- " * 200, "[" * 5000, "&a [*a]",
                 "a:\n" + "".join("  " * i + "b:\n" for i in range(1, 300))]:
        check(text)
