"""Issue 15, the right denier every time: with the default pack, invented sentences of each class
name the state that denies or refuses (not the one inside the claim, not the claimant, not a bare
title), and a country or nationality beside a non-state actor is not the state."""

import pytest

from dementi.records import Article


@pytest.fixture(scope="module")
def engine():
    from dementi.rules.engine import Engine
    from tests.pack.conftest import GAZETTEERS, RULES

    return Engine.from_dir(RULES, GAZETTEERS)


def _alerts(engine, lang, text):
    title, _, body = text.partition(" || ")
    if not body:
        title, body = "", title
    return engine.alerts(Article(id="t", title=title, body=body, lang=lang))


RIGHT_DENIER = [
    # by role: the subject, not the state of the claim
    ("fr", "Le ministère turc des Affaires étrangères a démenti toute vente d'armes à la Libye, qualifiant ces "
           "informations de fausses.", "TUR"),
    ("fr", "Le ministère norvégien de la Défense a démenti toute livraison de drones au Soudan.", "NOR"),
    ("en", "Kenya's foreign ministry denied on Tuesday a security pact with Ethiopia, calling the report baseless.", "KEN"),
    ("en", "Ghana's foreign ministry on Friday denied reports of a defence deal with Togo, calling them unfounded.", "GHA"),
    ("de", "Das österreichische Außenministerium wies die Berichte über Gespräche mit Moskau als haltlos zurück.", "AUT"),
    ("es", "La Cancillería chilena desmintió cualquier acuerdo con Bolivia.", "CHL"),
    # German: the subject after the finite verb, the participle or particle at the end
    ("de", "Am Montag wies das Auswärtige Amt die Berichte über Gespräche mit Moskau als haltlos zurück.", "DEU"),
    ("de", "Die Berichte über ein Abkommen mit Kiew dementierte das polnische Außenministerium am Dienstag.", "POL"),
    # Russian impersonal "in <capital> they denied"
    ("ru", "В Астане опровергли информацию о закрытии границы с Россией.", "KAZ"),
    # the complement of a noun cue
    ("fr", "Pacte gazier avec Alger : démenti de Rome", "ITA"),
    ("fr", "Accord de pêche avec Rabat : démenti de Lisbonne", "PRT"),
    # the claimant is never the denier
    ("fr", "Alger dément les accusations de Rabat sur un soutien aux rebelles.", "DZA"),
    ("en", "Egypt's presidency denied a report by an Israeli newspaper that Cairo had agreed to a border deal.", "EGY"),
    ("en", "The claims by Moscow are baseless, a Foreign Office spokesman said.", "GBR"),
    # the speaker a quote is attributed to, and a claim's content before it
    ("en", "Reports that Kuala Lumpur had agreed to host the refugees are false, the Indonesian foreign ministry said.",
     "IDN"),
    ("en", '"There were no talks with Caracas," a spokeswoman for the Brazilian presidency said.', "BRA"),
    ("es", '"Es absolutamente falso", afirmó el canciller argentino sobre un supuesto pacto con Londres.', "ARG"),
    # speakers across sentences: surnames, pronouns, generic titles, the headline's title
    ("fr", "Le porte-parole de la diplomatie chinoise, Li Wei, a été interrogé lundi sur un accord avec Manille.\n"
           "« Ces allégations sont totalement infondées », a ajouté M. Li.", "CHN"),
    ("fr", "Karim Belhaj, ministre marocain des Affaires étrangères, était à Paris mardi.\n"
           "« Il n'y a aucune négociation avec Alger », a déclaré M. Belhaj.", "MAR"),
    ("en", "Thandi Mokoena, South Africa's foreign minister, spoke on Monday.\n"
           '"We have never agreed to such a plan," Mokoena said.', "ZAF"),
    ("en", 'Australia\'s prime minister met reporters in Canberra.\n"We will not attend the summit," she said.', "AUS"),
    ("fr", "Le président polonais a reçu lundi les ambassadeurs européens. Il a démenti toute négociation secrète "
           "avec Moscou.", "POL"),
    ("en", "NAIROBI, May 4 (Wire) - The government on Sunday dismissed reports of a border deal with Uganda as "
           "baseless.", "KEN"),
    ("fr", "La présidence dément || La présidence de la République du Sénégal a démenti mardi une fausse lettre "
           "attribuée au chef de l'État.", "SEN"),
]


@pytest.mark.parametrize("lang, text, code", RIGHT_DENIER)
def test_the_right_denier(engine, lang, text, code):
    alerts = _alerts(engine, lang, text)
    assert alerts, text
    assert {a.denier.code if a.denier else None for a in alerts} == {code}, [
        (a.rule_id, a.denier) for a in alerts]


NOT_A_STATE = [
    ("en", "Separatist militia dismisses truce reports as groundless"),
    ("en", "Oxfam Kenya rejected the accusations as baseless."),
    ("en", "Amnesty International Kenya rejected the accusations as baseless on Tuesday."),
    ("en", "Colombia Rebel Group Rejects Peace Offer From Government"),
    ("en", "Syria rebels deny receiving invitation to peace talks in Astana"),
    ("en", "Kenya's main opposition party rejected the claims as baseless."),
    ("en", "Turkey's ruling party denied the report on Monday."),
    ("en", "Kenya Red Cross dismissed the reports as false."),
    ("en", "The Kenya chapter of Transparency International rejected the allegations as baseless."),
    ("en", "Venezuela's opposition leader rejected the government's offer of talks."),
    ("en", "BOGOTA, Colombia - The smaller of two leftist rebel groups has rejected a government offer of talks."),
    ("fr", "Les rebelles du Soudan démentent toute trêve avec l'armée."),
    ("fr", "Amnesty International France a rejeté ces accusations, les jugeant sans fondement."),
    ("fr", "La milice séparatiste a qualifié de sans fondement les informations sur une trêve."),
    ("fr", "Le porte-parole a démenti ces informations."),                  # a bare title with no state around
    ("en", "The carmaker denied it would move its plant to Peru."),         # the state inside the claim
]


@pytest.mark.parametrize("lang, text", NOT_A_STATE)
def test_not_a_state(engine, lang, text):
    assert [(a.rule_id, a.denier) for a in _alerts(engine, lang, text)] == []
