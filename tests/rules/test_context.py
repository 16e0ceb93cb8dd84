"""Coreference-lite: a bare title ("the spokeswoman", "le porte-parole", "la diplomatie") takes
the state of the article's context; arbitrary subjects never do. Invented sentences."""

from __future__ import annotations

import pytest

from dementi.records import Article
from dementi.rules.context import opening_actor

NOT_ATTEND_EN = {"all": [{"negated": {"lemma": ["attend"], "window": 4}}, {"actor": {"role": "subject", "near": 10}}]}
DENY_FR = {"all": [{"lemma": ["démentir"]}, {"actor": {"role": "subject", "near": 8}}]}


def alerts(engine, title, body, lang):
    return engine.alerts(Article(id="c1", title=title, body=body, lang=lang))


def test_bare_title_takes_the_country_of_the_title(engine_for):
    e = engine_for(NOT_ATTEND_EN, languages=["en"])
    [alert] = alerts(e, "Norway to skip regional summit",
                     "Ministers met in Bergen on Friday.\n\n\"The minister will not attend,\" the spokeswoman said.", "en")
    assert (alert.denier.country, alert.denier.kind, alert.denier.text) == ("NOR", "spokesperson", "spokeswoman")


def test_bare_title_takes_the_earlier_sentence_of_the_paragraph_first(engine_for):
    e = engine_for(DENY_FR, languages=["fr"])
    body = ("Le Chili a été mis en cause mardi par plusieurs journaux. "
            "Le porte-parole a démenti ces informations dans la soirée.")
    [alert] = alerts(e, "Polémique autour d'un contrat d'armement", body, "fr")
    assert alert.denier.country == "CHL" and alert.denier.kind == "spokesperson"


def test_lead_after_a_dateline(engine_for):
    e = engine_for(NOT_ATTEND_EN, languages=["en"])
    body = ("OSLO, March 3 (Wire) - Norway confirmed its decision on Sunday.\n\n"
            "The minister will not attend the summit, a statement said.")
    [alert] = alerts(e, "Regional summit opens without key guests", body, "en")
    assert alert.denier.country == "NOR"


def test_countryless_ministry_gets_the_context_country(engine_for):
    e = engine_for(DENY_FR, languages=["fr"])
    [alert] = alerts(e, "Le Chili au cœur d'une polémique", "La diplomatie a démenti ces informations.", "fr")
    assert alert.denier.country == "CHL" and alert.denier.kind == "ministry"


@pytest.mark.parametrize("title,body,lang", [
    pytest.param("Tensions au conseil municipal", "Le porte-parole a démenti ces informations.", "fr",
                 id="no state in the context: a bare title stays nobody"),
    pytest.param("Le Chili au cœur d'une polémique", "Le porte-parole du club a démenti ces informations.", "fr",
                 id="a title with a complement is someone else's title"),
    pytest.param("Le Chili au cœur d'une polémique", "Le club a démenti ces informations.", "fr",
                 id="an arbitrary subject is not a title"),
    # "Apple denies ... China" is not about China speaking
    pytest.param("Zentrix denies report on Chile plant", "The spokesman denied the report.", "en",
                 id="the context actor must open the title"),
])
def test_no_context_no_country(engine_for, title, body, lang):
    rule = DENY_FR if lang == "fr" else {"all": [{"lemma": ["deny"]}, {"actor": {"role": "subject", "near": 8}}]}
    e = engine_for(rule, languages=[lang])
    assert not alerts(e, title, body, lang)


def test_possessive_or_noun_before_the_title_is_not_bare(engine_for):
    e = engine_for(NOT_ATTEND_EN, languages=["en"])
    assert not alerts(e, "Norway to skip regional summit", "The club's president will not attend the gala.", "en")
    assert not alerts(e, "Norway to skip regional summit", "A company spokesman will not attend the hearing.", "en")


def test_opening_actor(backend):
    def actor(text):
        found = [type("M", (), {"start_char": s, "actor": a}) for s, _e, a, _w in backend.gazetteer.find_actors(text)]
        got = opening_actor(text, found)
        return got.country if got else None

    assert actor("Norway to skip regional summit") == "NOR"
    assert actor("The Kremlin denies the report") == "RUS"
    assert actor("OSLO, March 3 (Wire) - Chile denied on Sunday") == "CHL"  # the dateline city is skipped
    assert actor("Zentrix denies report on Chile plant") is None
    # an agency dateline with its dash glued to the bracket: the city is a place
    assert actor("LIMA (Wire).- La naviera peruana Zentrix desmintió la venta") is None
    assert actor("QUITO, 4 may (Wire).- Lima desmintió la venta") == "PER"


def test_may_hold_actor_keeps_bare_titles(backend):
    from dementi.rules.context import may_hold_actor

    g = backend.gazetteer
    assert may_hold_actor(g, "The minister will not attend the gala.")      # bare title: context may resolve it
    assert may_hold_actor(g, "Moscou dément ces informations.")
    assert not may_hold_actor(g, "Le club a démenti ces informations.")
    assert not may_hold_actor(g, "The weather was mild on the coast.")
