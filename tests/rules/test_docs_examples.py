"""The rules shown in docs/rules.md behave as the page says (their examples are run)."""

from __future__ import annotations

from dementi.rules.engine import Engine
from dementi.rules.loader import load_paths
from dementi.rules.testing import run_examples
from tests.rules.conftest import DATA


def test_documented_examples_hold(backend, fr_pipeline):
    loaded, errors = load_paths([DATA / "docs_examples.yaml"])
    assert errors == []
    engine = Engine(loaded, backend)
    results = run_examples(engine)
    assert len(results) >= 10
    assert [(r.rule_id, r.text, r.detail) for r in results if not r.passed] == []
    report = engine.explain("fr.denial.kremlin-demo", "Le club dément tout accord avec Moscou.")
    [unit] = report.units
    actor = next(o for o in unit.outcome.children if o.label == "actor:subject")
    assert not actor.ok and actor.note == "the cue's subject is not a state actor"
