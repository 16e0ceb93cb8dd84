"""Speakers across sentences (rules/discourse.py): persons introduced with their office, offices
seen with their state, the state a sentence opens with, the dateline, pronouns. Invented
articles; the engine tests use the real gazetteer and the real French pipeline."""

from __future__ import annotations

import pytest

from dementi.records import Article
from dementi.rules.discourse import Discourse, name_keys
from dementi.rules.segment import paragraphs

DENY_EN = {"all": [{"lemma": ["deny"]}, {"actor": {"role": "subject", "near": 8}}]}
FALSE_EN = {"all": [{"phrase": ["no such meeting", "completely false", "never agreed"]},
                    {"actor": {"role": "subject", "near": 10}}]}
NOT_ATTEND_EN = {"all": [{"negated": {"lemma": ["attend"], "window": 4}}, {"actor": {"role": "subject", "near": 10}}]}
DENY_FR = {"all": [{"lemma": ["démentir"]}, {"actor": {"role": "subject", "near": 8}}]}
BASELESS_FR = {"all": [{"phrase": ["sans fondement", "totalement infondées", "aucune négociation"]},
                       {"actor": {"role": "any", "near": 15}}]}


def deniers(engine, body: str, lang: str, title: str = "") -> list:
    return [(a.denier.code if a.denier else None) for a in engine.alerts(Article(id="d", title=title, body=body,
                                                                                 lang=lang))]


def discourse(backend, body: str, title: str = "") -> Discourse:
    return Discourse(backend.gazetteer, title, body, paragraphs(body))


# ---------------------------------------------------------------- the registry itself
def test_person_introduced_after_a_title_and_referred_to_by_surname(backend):
    d = discourse(backend, "Foreign Ministry spokesman Zhao Ming spoke on Tuesday.\n\nZhao said no such meeting "
                           "took place.", title="Beijing rejects report on Manila talks")
    person, state = d.person("Zhao", 60)
    assert person.name == "Zhao Ming" and state.country == "CHN"


def test_person_in_apposition_before_the_title(backend):
    d = discourse(backend, "Thandi Mokoena, South Africa's foreign minister, spoke on Monday. Mokoena left.")
    person, state = d.person("Mokoena", 70)
    assert state.country == "ZAF" and person.actor.kind == "ministry"


def test_honorific_and_first_family_name(backend):
    d = discourse(backend, "Le porte-parole de la diplomatie chinoise, Li Wei, a été interrogé lundi.")
    assert d.person("Li", 80)[1].country == "CHN"
    assert {"li wei", "li", "wei"} <= name_keys("Li Wei")


def test_inflected_surname_in_russian(backend):
    d = discourse(backend, "Официальный представитель МИД Венгрии Анна Ковач выступила во вторник. "
                           "По словам Ковач, это ложь.")
    assert d.person("Ковач", 90)[1].country == "HUN"


def test_office_learned_where_it_speaks_not_where_it_is_an_object(backend):
    d = discourse(backend, "La présidence de la République du Sénégal a démenti mardi une lettre.")
    assert d.office(("Government",), -1).country == "SEN"
    d = discourse(backend, "Des pirates auraient visé les serveurs du gouvernement paraguayen.")
    assert d.office(("Government",), -1) is None


def test_office_in_a_capital(backend):
    d = discourse(backend, "The Prime Minister's Office in Canberra said the talks were over.")
    assert d.office(("Government",), -1).country == "AUS"


def test_title_state_order_and_dateline(backend):
    body = "NAIROBI, May 4 (Wire) - The government on Sunday dismissed the reports.\nMore follows."
    d = discourse(backend, body)
    assert d.dateline.country == "KEN"
    assert d.title_state(("Government",), 40, 0).country == "KEN"
    d = discourse(backend, "Uganda met its neighbours on Monday. The spokesman denied everything.")
    assert d.title_state(("Spokesperson",), 40, 0).country == "UGA"


def test_topics_reach_for_pronouns(backend):
    body = "Ghana signed the accord. " + "The weather was fine. " * 4 + "She denied it."
    d = discourse(backend, body)
    assert d.topic(len(body) - 5).country == "GHA"
    assert d.topic(len(body) - 5, reach=3) is None


# ---------------------------------------------------------------- end to end, one rule
def test_surname_after_a_quote_resolves(engine_for):
    e = engine_for(FALSE_EN, languages=["en"])
    body = 'Foreign Ministry spokesman Zhao Ming spoke at a briefing on Tuesday.\n\n"No such meeting took place," Zhao said.'
    assert deniers(e, body, "en", title="Beijing rejects report on Manila talks") == ["CHN"]


def test_monsieur_surname_in_french(engine_for):
    e = engine_for(BASELESS_FR)
    body = ("Karim Belhaj, ministre marocain des Affaires étrangères, était à Paris mardi.\n"
            "« Il n'y a aucune négociation avec Alger », a déclaré M. Belhaj.")
    assert deniers(e, body, "fr") == ["MAR"]


def test_pronoun_after_a_sentence_naming_the_state(engine_for):
    e = engine_for(NOT_ATTEND_EN, languages=["en"])
    body = "Australia's prime minister met reporters in Canberra.\n\"We will not attend the summit,\" she said."
    assert deniers(e, body, "en") == ["AUS"]
    e = engine_for(DENY_FR)
    assert deniers(e, "Le président polonais a reçu les ambassadeurs. Il a démenti toute négociation secrète "
                      "avec Moscou.", "fr") == ["POL"]


def test_headline_title_resolved_from_the_body(engine_for):
    e = engine_for(DENY_FR)
    body = "La présidence de la République du Sénégal a démenti mardi une fausse lettre."
    assert set(deniers(e, body, "fr", title="La présidence dément")) == {"SEN"}


@pytest.mark.parametrize("title, body", [
    ("", "Le porte-parole a démenti ces informations."),                      # nothing to resolve it with
    ("Rugby : polémique à Toulon", "Jean Martin, président du club, parlait lundi. M. Martin a démenti."),
    ("", "Il a démenti toute négociation."),                                   # a pronoun with no state before
])
def test_no_state_in_the_article_no_denier(engine_for, title, body):
    assert deniers(engine_for(DENY_FR), body, "fr", title=title) == []


def test_an_expletive_il_is_not_the_speaker(engine_for):
    e = engine_for(BASELESS_FR)
    body = "La Tunisie a reçu la délégation. « Il n'y a aucune négociation avec Rome », a déclaré le club."
    assert deniers(e, body, "fr") == []


# ---------------------------------------------------------------- last resorts for a countryless office
def test_nationals_abroad_in_the_ministry_name_give_its_state(backend):
    d = discourse(backend, "Le ministère des Affaires étrangères, de la Coopération et des Maliens de l'extérieur "
                           "a publié un communiqué.")
    assert d.office(("Ministry of foreign affairs",), 200).country == "MLI"
    d = discourse(backend, "The Ministry of Foreign Affairs and Senegalese Abroad issued a statement.")
    assert d.office(("Ministry of foreign affairs",), 200).country == "SEN"


def test_home_state_is_the_one_state_with_institutions(backend):
    body = ("Sources in the government said the story was invented.\n"
            "The report had claimed that the Peruvian presidency was negotiating with Bolivia.")
    assert discourse(backend, body).home_state().country == "PER"
    body = ("Sources in the government said the story was invented.\n"
            "The Peruvian presidency and the Bolivian foreign ministry have not commented.")
    assert discourse(backend, body).home_state() is None          # two states: no guess
    body = "Sources in the government said the story was invented.\nThe Peruvian ambassador left Bolivia."
    assert discourse(backend, body).home_state() is None          # an envoy is abroad: not a home


def test_countryless_office_falls_back_on_the_home_state(engine_for):
    e = engine_for(DENY_FR)
    body = ("Le ministère des Affaires étrangères a démenti mardi toute négociation secrète.\n"
            "Selon la presse, la présidence ivoirienne aurait reçu un émissaire.")
    assert deniers(e, body, "fr") == ["CIV"]


def test_a_bare_title_word_gets_no_home_state(engine_for):
    # "le président" may be anyone's: the one state with an institution here is the claimant's
    e = engine_for(DENY_FR)
    body = ("Le président Jean Dupont a démenti mardi avoir parlé de l'accord.\n"
            "Le ministère chilien des Affaires étrangères l'avait affirmé la veille.")
    assert deniers(e, body, "fr") == []
