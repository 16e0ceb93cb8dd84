"""The other party of the talks or deal a denial is about is never the denier ("aucun accord avec
la Chine", "no talks with Moscow", "entre Paris et Alger"): it is inside the denied claim."""

import pytest

from tests.rules.conftest import fire

FR = {"all": [{"regex": ["il n'y a (?:eu )?(?:aucun|pas d')"]}, {"actor": {"role": "any", "near": 20}}]}
EN = {"all": [{"regex": ["there (?:have|has) been no"]}, {"actor": {"role": "any", "near": 20}}]}


@pytest.mark.parametrize("rule,lang,body,code", [
    (FR, "fr", "Il n'y a eu aucun contact avec la Chine, a assuré le ministère norvégien des Affaires étrangères.", "NOR"),
    (FR, "fr", "Selon le Kremlin, il n'y a pas d'accord secret entre Paris et Alger.", "RUS"),
    (EN, "en", "There have been no talks with Moscow, the Finnish government said.", "FIN"),
])
def test_the_speaker_not_the_partner(engine_for, rule, lang, body, code):
    (alert,) = fire(engine_for(rule, languages=[lang]), body, lang=lang)
    assert alert.denier.code == code


@pytest.mark.parametrize("rule,lang,body", [
    (FR, "fr", "Il n'y a aucun accord avec la Chine sur ce dossier."),
    (EN, "en", "There have been no contacts with the Kremlin since May."),
])
def test_a_partner_alone_is_no_denier(engine_for, rule, lang, body):
    assert fire(engine_for(rule, languages=[lang]), body, lang=lang) == []
