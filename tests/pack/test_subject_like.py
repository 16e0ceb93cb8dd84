"""The rule-pack change in rules/conditions.py (ActorNode): `actor: {role: subject}` without a parse only accepts
subject-like positions (invented sentences; blank English pipeline, so no parse)."""

import pytest

from tests.pack.conftest import GAZETTEERS


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    from dementi.rules.engine import Engine

    d = tmp_path_factory.mktemp("rules")
    (d / "r.yaml").write_text(
        "rules:\n"
        "  - id: t.subject\n    title: t\n    languages: [en]\n"
        "    match: {all: [{lemma: deny}, {actor: {role: subject, near: 8}}]}\n"
        "  - id: t.any\n    title: t\n    languages: [en]\n"
        "    match: {all: [{lemma: deny}, {actor: {role: any, near: 8}}]}\n", encoding="utf-8")
    return Engine.from_dir(d, GAZETTEERS)


def fired(engine, rule_id, text):
    return engine.explain(rule_id, text, lang="en").matched


def test_actor_before_the_cue_counts(engine):
    assert fired(engine, "t.subject", "Peru's foreign ministry on Monday denied the report.")


def test_actor_after_the_cue_is_what_is_denied(engine):
    text = "The carmaker denied it would move its plant to Peru."
    assert not fired(engine, "t.subject", text)
    assert not fired(engine, "t.any", text)  # issue 15: an actor inside the denied claim never denies
    assert fired(engine, "t.any", "The carmaker's plan was denied, Peru said.")


def test_agent_and_speech_constructions_after_the_cue_count(engine):
    assert fired(engine, "t.subject", "The reports were denied by Lima on Monday.")
    assert fired(engine, "t.subject", "We deny it, the Peruvian foreign minister said.")


def test_place_after_in_is_ranked_after_the_speaker(engine):
    alert = next(a for a in engine.alerts(__import__("dementi.records", fromlist=["Article"]).Article(
        body="The Chilean embassy in Lima denied the story.", lang="en")) if a.rule_id == "t.subject")
    assert alert.denier.country == "CHL"


def test_noun_cue_with_actor_complement_on_parsed_french(tmp_path):
    from dementi.rules.engine import Engine

    (tmp_path / "r.yaml").write_text(
        "rules:\n  - id: t.fr\n    title: t\n    languages: [fr]\n"
        "    match: {all: [{lemma: [démentir, démenti]}, {actor: {role: subject, near: 8}}]}\n", encoding="utf-8")
    engine = Engine.from_dir(tmp_path, GAZETTEERS)
    assert engine.explain("t.fr", "Nouveau démenti catégorique de Lima sur les livraisons.", lang="fr").matched
    assert not engine.explain("t.fr", "Le club dément les rumeurs venues de Lima.", lang="fr").matched


def test_actor_that_authored_the_claim_is_not_its_denier(engine):
    # the state named before the cue is the accuser: "Peruvian allegations", "claims by Lima"
    assert not fired(engine, "t.subject", "The mining group Andexa, citing Peru's allegations, denied any bribery.")
    assert not fired(engine, "t.subject", "Following claims by Lima, the mining group denied any bribery.")
    assert not fired(engine, "t.subject", "Peru allegations of bribery were denied by the mining group.")
    # ... while the state that speaks is still the subject
    assert fired(engine, "t.subject", "Peru on Monday denied allegations of bribery made by the mining group.")
