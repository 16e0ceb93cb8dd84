"""The seed scenario, on our own paraphrase of the seed article (tests/rules/data): the Russian
foreign ministry denies a US Secretary of State's claim, and refuses any coalition without a UN
mandate. Uses the test rules in tests/rules/data/rules and the project's gazetteers."""

from __future__ import annotations

import json

from dementi.records import Article
from dementi.rules.engine import Engine
from tests.rules.conftest import DATA, REPO


def _alerts(fr_pipeline):
    engine = Engine.from_dir(DATA / "rules", REPO / "config" / "gazetteers")
    article = Article(**json.loads((DATA / "seed_paraphrase.json").read_text(encoding="utf-8")))
    return {a.rule_id: a for a in engine.alerts(article)}


def test_seed_denial_and_refusal(fr_pipeline):
    alerts = _alerts(fr_pipeline)
    assert set(alerts) == {"test.fr.denial", "test.fr.refusal.coalition"}

    denial = alerts["test.fr.denial"]
    assert denial.cameo == "016" and denial.kind == "denial"
    assert (denial.denier.name, denial.denier.country) == ("Russia", "RUS")
    assert denial.target is not None and denial.target.country == "USA"
    assert "a démenti" in denial.evidence.sentence
    labels = {s.condition for s in denial.evidence.spans}
    assert any(c.startswith("lemma:") for c in labels) and "actor:Russia" in labels
    for span in denial.evidence.spans:
        assert denial.evidence.sentence[span.start:span.end] == span.text
    assert denial.quote and "coopération renforcée" in denial.quote

    refusal = alerts["test.fr.refusal.coalition"]
    assert refusal.cameo.startswith("12") and refusal.kind == "refusal"
    assert "ne participera à aucune coalition" in refusal.evidence.sentence
    assert refusal.denier.country == "RUS"
    spans = {s.text: s.condition for s in refusal.evidence.spans}
    assert spans.get("participera", "").startswith("negated:") and spans.get("ne") == "negation"


def test_seed_alert_ids_are_deterministic(fr_pipeline):
    first, second = _alerts(fr_pipeline), _alerts(fr_pipeline)
    assert {k: a.alert_id for k, a in first.items()} == {k: a.alert_id for k, a in second.items()}
