"""The climb from a cue to its subject: impersonal "il" (expl:subj) is not the one acting ("Pour
Moscou, il n'est pas question de participer"); reflexive infinitives ("se rendre") still reach the
governing verb's subject, and a real non-state subject still blocks."""

import pytest

from tests.rules.conftest import fire

RENDRE = {"all": [{"lemma": ["rendre"]}, {"actor": {"role": "subject"}}]}
PARTICIPER = {"all": [{"lemma": ["participer"]}, {"actor": {"role": "subject"}}]}


@pytest.mark.parametrize("body,code", [
    ("La Norvège a décidé de ne pas se rendre au sommet de Lima.", "NOR"),
    ("Le gouvernement islandais refuse de se rendre à la conférence.", "ISL"),
])
def test_reflexive_infinitive_climbs_to_the_governing_subject(engine_for, body, code):
    (alert,) = fire(engine_for(RENDRE), body)
    assert alert.denier.code == code


def test_impersonal_il_is_not_the_subject(engine_for):
    (alert,) = fire(engine_for(PARTICIPER), "Pour Moscou, il n'est pas question de participer au sommet de Lugano.")
    assert alert.denier.code == "RUS"


@pytest.mark.parametrize("body", [
    "Le club a décidé de ne pas se rendre au tournoi de Lima.",
    "Le syndicat refuse de participer à la réunion avec le gouvernement norvégien.",
])
def test_a_real_subject_still_blocks(engine_for, body):
    rule = RENDRE if "rendre" in body else PARTICIPER
    assert fire(engine_for(rule), body) == []
