"""Cue occurrences (each cue hit tried with its own actor) and quote attributions. Invented sentences."""

from __future__ import annotations

from tests.rules.conftest import fire

NOT_ATTEND_EN = {"all": [
    {"negated": {"lemma": ["attend", "send"], "window": 4}},
    {"actor": {"role": "subject", "near": 10}},
]}


def test_second_cue_occurrence_gets_its_own_actor(engine_for):
    e = engine_for(NOT_ATTEND_EN, languages=["en"])
    text = ('"The minister will not attend," agency spokesman Tom Brill told reporters on Friday, '
            'adding that Norway would not send a delegation of any kind.')
    [alert] = fire(e, text, lang="en")
    assert alert.denier.country == "NOR"


def test_single_occurrence_still_refuses_an_actor_inside_the_predicate(engine_for):
    e = engine_for({"all": [{"lemma": ["deny"]}, {"phrase": ["report", "reports"]},
                            {"actor": {"role": "subject", "near": 10}}]}, languages=["en"])
    assert not fire(e, "Apple denied the Chinese report and later denied the reports again.", lang="en")
    assert not fire(e, "Zentrix denied a report about Norway and denied other reports.", lang="en")


def test_actor_claimed_by_an_earlier_cue_of_the_same_clause(engine_for):
    # "denied the report about Norway as baseless": Norway belongs to the first predicate; the
    # second cue ("baseless") must not take it as its subject
    e = engine_for({"all": [{"any": [{"lemma": ["deny"]}, {"phrase": ["baseless"]}]},
                            {"actor": {"role": "subject", "near": 10}}]}, languages=["en"])
    assert not fire(e, "Zentrix denied the report about Norway as baseless.", lang="en")
    assert fire(e, "Zentrix denied the report, and Norway called it baseless.", lang="en")


def test_two_french_occurrences_parsed(engine_for):
    e = engine_for({"all": [{"negated": {"lemma": ["participer", "envoyer"]}},
                            {"actor": {"role": "subject", "near": 8}}]})
    text = ("Le club ne participera pas au tournoi, tandis que la Norvège ne participera pas "
            "à la conférence de Genève.")
    [alert] = fire(e, text)
    assert alert.denier.country == "NOR"


def test_quote_attribution_counts_as_adjacent(engine_for):
    e = engine_for({"all": [{"phrase": ["falso"]}, {"actor": {"role": "any", "near": 5}}]}, languages=["es"])
    text = ("«Es falso. Nuestro país no ha firmado ningún acuerdo secreto con ninguna potencia extranjera», "
            "afirmó la Cancillería de Chile en un comunicado.")
    [alert] = fire(e, text, lang="es")
    assert alert.denier.country == "CHL"
    # the same words without the quotation: the actor is too far from the cue
    flat = text.replace("«", "").replace("»", "")
    assert not fire(e, flat, lang="es")


def test_quote_attribution_is_a_subject_position(engine_for):
    e = engine_for({"all": [{"phrase": ["fabricated"]}, {"actor": {"role": "subject", "near": 12}}]},
                   languages=["en"])
    assert fire(e, '"This story is fabricated from start to end," Norway\'s foreign ministry said.', lang="en")
    # a quoted word after the cue is not an attribution
    assert not fire(e, 'The club said the "fabricated" story about Norway was absurd.', lang="en")


# ---------------------------------------------------------------- irregular forms, whole engine
import pytest  # noqa: E402


@pytest.mark.parametrize("lang,lemma,sentence", [
    ("fr", "envoyer", "Le Danemark n'enverra aucun ministre à la conférence de Lomé."),
    ("fr", "aller", "La Finlande n'ira pas au sommet régional de la semaine prochaine."),
    ("fr", "se rendre", "Le président letton ne se rendra pas à la cérémonie d'investiture."),
    ("en", "send", "Portugal has not sent an envoy to the ceremony."),
    ("en", "go", "Chile never went to the negotiating table, the ministry said."),
    ("es", "ir", "Uruguay no irá a la cumbre regional de la próxima semana."),
    ("de", "teilnehmen", "Österreich nimmt an dem Gipfeltreffen nicht teil."),
    ("de", "beitreten", "Die Schweiz tritt dem neuen Bündnis nicht bei."),
])
def test_irregular_forms_pass_the_prefilter_and_match(engine_for, lang, lemma, sentence):
    """Prefilter and lemma condition agree: an irregular form is a candidate AND matches."""
    e = engine_for({"negated": {"lemma": [lemma], "window": 6}}, languages=[lang])
    assert fire(e, sentence, lang=lang), f"{lemma}: {sentence}"
