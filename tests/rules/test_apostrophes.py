"""Typographic apostrophes (’) are parsed like straight ones, and alerts still point into the
original text. fr_core_news_sm learned elision on "'": on "L’Islande refuse" it made "L’" a proper
noun subject, so the state was no longer the subject of the cue."""

import pytest

from tests.rules.conftest import fire

SUBJECT_RULE = {"all": [{"lemma": ["refuser", "démentir"]}, {"actor": {"role": "subject"}}]}


@pytest.mark.parametrize("body", [
    "L’Islande refuse de signer la déclaration commune des ministres.",
    "L’ambassade de Norvège dément toute participation à la réunion.",
    "Selon le gouvernement, l’Uruguay refuse d’endosser le texte final.",
])
def test_curly_apostrophe_subject_is_found(engine_for, body):
    alerts = fire(engine_for(SUBJECT_RULE), body)
    assert len(alerts) == 1, body
    straight = fire(engine_for(SUBJECT_RULE), body.replace("’", "'"))
    assert alerts[0].denier.code == straight[0].denier.code


def test_evidence_keeps_the_original_characters(engine_for):
    body = "Le maire a inauguré l’école. L’Islande refuse d’adhérer à l’initiative."
    (alert,) = fire(engine_for(SUBJECT_RULE), body)
    assert alert.evidence.sentence == "L’Islande refuse d’adhérer à l’initiative."
    for span in alert.evidence.spans:
        assert alert.evidence.sentence[span.start:span.end] == span.text
    assert any(s.text == "L’Islande" or s.text == "Islande" for s in alert.evidence.spans)


def test_batched_and_single_paths_agree(engine_for):
    from dementi.records import Article

    engine = engine_for(SUBJECT_RULE)
    arts = [Article(id=f"a{i}", title="", body=b, lang="fr") for i, b in enumerate([
        "L’Islande refuse de signer la déclaration commune.", "Le club refuse l’offre du rival.",
        "L’ambassade de Norvège dément toute participation."])]
    def dump(alerts):
        return [a.model_dump(exclude={"detected_at"}) for a in alerts]

    batched = [dump(alerts) for alerts, _ in engine.alerts_batch(arts)]
    single = [dump(engine.alerts(art)) for art in arts]
    assert batched == single
    assert [len(x) for x in single] == [1, 0, 1]
