"""The role of each actor around one cue (rules/actor_roles.py), on invented sentences: the speaker
(subject position, quote attribution, stance marker, agent, complement of a noun cue, owner of a
speaking noun) versus the claimant, the content of the claim and places."""

from __future__ import annotations

import pytest

from dementi.rules.actor_roles import CLAIMANT, CONTENT, NEUTRAL, PLACE, SPEAKER, choose_target, role_of
from dementi.rules.units import Hit, Unit
from dementi.rules.nlp import get_pipeline


@pytest.fixture(scope="module")
def gazetteer(backend):
    return backend.gazetteer


def _unit(gazetteer, text: str, lang: str) -> Unit:
    nlp = get_pipeline(lang)
    doc = nlp(text)
    return Unit(text, "body", lang, doc, "parser" in nlp.pipe_names, lambda d: gazetteer.mentions(d, text=text))


def _cue(unit: Unit, word: str) -> list[Hit]:
    start = unit.text.index(word)
    span = unit.doc.char_span(start, start + len(word), alignment_mode="expand")
    return [Hit(start, start + len(word), span.start, span.end, "cue")]


def roles(gazetteer, text: str, cue: str, lang: str = "en") -> dict[str, tuple[str, int]]:
    """{mention text: (role kind, rank)} for every actor mention of ``text`` around ``cue``."""
    unit = _unit(gazetteer, text, lang)
    cues = _cue(unit, cue)
    return {m.actor.text: (r.kind, r.rank) for m in unit.mentions() for r in [role_of(unit, cues, m, gazetteer)]}


@pytest.mark.parametrize("lang, text, cue, expected", [
    # subject position, the state inside the denied claim after a preposition
    ("en", "Kenya's foreign ministry denied on Tuesday a security pact with Ethiopia.", "denied",
     {"Kenya's foreign ministry": SPEAKER, "Ethiopia": CONTENT}),
    ("en", "Oslo on Monday flatly denied any arms deliveries to Sudan.", "denied", {"Oslo": SPEAKER, "Sudan": CONTENT}),
    # the complement of a noun cue speaks; the one after "avec" is what the pact is about
    ("fr", "Pacte gazier avec Alger : démenti de Rome", "démenti", {"Alger": CONTENT, "Rome": SPEAKER}),
    ("en", "Fishing deal with Rabat: a flat denial from Lisbon", "denial", {"Rabat": CONTENT, "Lisbon": SPEAKER}),
    # the agent of a passive; "as claimed by" names the claimant
    ("en", "The reports were denied on Monday by Lima.", "denied", {"Lima": SPEAKER}),
    ("en", "Ghana has denied that it refused talks, as claimed by Togo.", "denied", {"Ghana": SPEAKER, "Togo": CLAIMANT}),
    # claimants: possessive, genitive of a claim noun, claim noun after the name
    ("en", "Quito dismissed Bolivia's claims about the border.", "dismissed", {"Quito": SPEAKER, "Bolivia": CLAIMANT}),
    ("fr", "Alger dément les accusations de Rabat sur un soutien aux rebelles.", "dément",
     {"Alger": SPEAKER, "Rabat": CLAIMANT}),
    # quote attribution after and before the quotation
    ('en', '"No such meeting took place with Lima," the Chilean foreign ministry said.', "No such meeting",
     {"Lima": CONTENT, "Chilean foreign ministry": SPEAKER}),
    ("en", 'The Egyptian presidency stated: "The call with Ankara never happened."', "never happened",
     {"Egyptian presidency": SPEAKER, "Ankara": CONTENT}),
    # stance markers
    ("en", "According to Ankara, the claims about a deal with Athens are false.", "false",
     {"Ankara": SPEAKER, "Athens": CONTENT}),
    ("es", "Según Bogotá, las versiones sobre un pacto con Caracas son falsas.", "falsas",
     {"Bogotá": SPEAKER, "Caracas": CONTENT}),
    # the state a speaking noun speaks for; not the country an envoy is posted to
    ("en", "A spokesman for the Chilean government refuted claims of a secret deal.", "refuted",
     {"Chilean government": SPEAKER}),
    ("en", "The Norwegian ambassador to Japan denied the report.", "denied",
     {"Norwegian ambassador": SPEAKER, "Japan": CONTENT}),
    # inside the content of a reported claim
    ("en", "Reports that Lima had agreed to the deal are false, Quito said.", "false",
     {"Lima": CONTENT, "Quito": SPEAKER}),
    ("fr", "L'information selon laquelle Paris aurait signé est fausse, a déclaré Alger.", "fausse",
     {"Paris": CONTENT, "Alger": SPEAKER}),
    # a reporting clause after the cue speaks, even after a comma that could coordinate
    ("en", "No visit to Hanoi was ever planned, the Thai foreign ministry said.", "ever planned",
     {"Hanoi": CONTENT, "Thai foreign ministry": SPEAKER}),
    ("fr", "Aucun accord n'a été conclu avec Bamako, a indiqué le gouvernement nigérien.", "Aucun accord",
     {"Bamako": CONTENT, "gouvernement nigérien": SPEAKER}),
    # a stance marker after the cue introduces its speaker
    ("fr", "Aucune négociation n'a eu lieu avec Lima, selon la présidence équatorienne.", "Aucune négociation",
     {"Lima": CONTENT, "présidence équatorienne": SPEAKER}),
    ("en", "There were never any contacts with Minsk, according to the Latvian government.", "never any contacts",
     {"Minsk": CONTENT, "Latvian government": SPEAKER}),
    # the state of a speaking noun after the reporting verb ("said a spokesperson for X")
    ('en', '"That is pure fiction," said a senior adviser to the Peruvian president.', "pure fiction",
     {"Peruvian president": SPEAKER}),
    ('en', '"We never received any offer," said the spokeswoman for the Danish government.', "never received",
     {"Danish government": SPEAKER}),
    # the cue is the claim itself: its author (after "of"/"by"/"de") made it, and is no denier
    ("fr", "Le parti a rejeté les accusations de Bruxelles sur la fraude.", "accusations", {"Bruxelles": CLAIMANT}),
    ("en", "The firm rejected allegations by the Peruvian trade ministry.", "allegations",
     {"Peruvian trade ministry": CLAIMANT}),
    # a stance marker inside a phrase qualifies that phrase, not the clause
    ("fr", "La milice, armée par l'Ouganda selon Kigali, a rejeté la trêve.", "rejeté", {"Kigali": NEUTRAL}),
    ("fr", "Selon Kigali, la milice a rejeté la trêve.", "rejeté", {"Kigali": SPEAKER}),
    # a headline's "Country :" topic is no speaker when the clause after the colon has its own subject
    ("fr", "Gabon : l'ancien préfet dément tout détournement", "dément", {"Gabon": PLACE}),
    ("en", "Malawi: the opposition party rejects the budget", "rejects", {"Malawi": PLACE}),
    ("fr", "Gabon : Libreville dément tout accord", "dément", {"Libreville": SPEAKER}),
    # a complement before a quotation does not speak it
    ('en', 'The Peruvian embassy in Quito said that Lima "rejects these lies".', "rejects these lies",
     {"Quito": PLACE}),
    # coordinated actors share a role
    ("en", "Rome denied talks between Athens and Ankara.", "denied",
     {"Rome": SPEAKER, "Athens": CONTENT, "Ankara": CONTENT}),
    # a capital after "in" is a place; the dateline city is a place
    ("en", "The Chilean embassy in Lima denied the story.", "denied", {"Chilean embassy": SPEAKER, "Lima": PLACE}),
    ("en", "LIMA, May 4 (Wire) - The rebel group rejected the offer from Quito.", "rejected", {"LIMA": PLACE}),
])
def test_roles(gazetteer, lang, text, cue, expected):
    got = roles(gazetteer, text, cue, lang)
    for mention, kind in expected.items():
        assert got[mention][0] == kind, (mention, got)


def test_quote_attribution_outranks_the_subject_inside_the_quote(gazetteer):
    got = roles(gazetteer, '"Peru will not attend," the Chilean foreign minister said.', "will not attend")
    assert got["Chilean foreign minister"] == (SPEAKER, 0)
    assert got["Peru"][0] == SPEAKER and got["Peru"][1] > 0


def test_an_actor_before_the_cue_in_no_known_position_is_neutral(gazetteer):
    # before the cue, neither opening its clause nor right before it: role any takes it, subject does not
    got = roles(gazetteer, "Officials familiar with the matter said the US Embassy had earlier called the reports "
                           "fabrications.", "fabrications")
    assert got["US Embassy"][0] == NEUTRAL


def test_a_state_inside_the_denied_charges_is_content(gazetteer):
    got = roles(gazetteer, "Islamabad on Thursday denied charges of a plot to blow up the US Embassy and called "
                           "the reports sinister fabrications.", "fabrications")
    assert got["US Embassy"][0] == CONTENT


def test_institution_after_a_locative_speaks_in_russian(gazetteer):
    got = roles(gazetteer, "В МИД России опровергли сообщения о переговорах с Киевом.", "опровергли", "ru")
    assert got["МИД России"][0] == SPEAKER


def test_one_pattern_spanning_subject_and_verb(gazetteer):
    unit = _unit(gazetteer, "Nessun rappresentante del governo austriaco sarà presente a Ginevra.", "it")
    span = unit.doc[0:6]
    cues = [Hit(span.start_char, span.end_char, 0, 6, "regex")]
    [m] = [m for m in unit.mentions() if m.actor.country == "AUT"]
    assert role_of(unit, cues, m, gazetteer).kind == SPEAKER


def test_target_is_the_claimant_first(gazetteer):
    unit = _unit(gazetteer, "Quito rejected Bolivia's claims of a secret pact with Lima.", "en")
    cues = _cue(unit, "rejected")
    mentions = unit.mentions()
    denier = next(m for m in mentions if m.actor.country == "ECU")
    assert choose_target(unit, cues, mentions, denier, gazetteer).country == "BOL"


@pytest.mark.parametrize("text, expected", [
    # a country name ending an organisation's name is no actor
    ("NAIROBI (Wire) - Save the Children Malawi on Monday rejected the figures.", {"NAIROBI"}),
    ("Transparency International Peru rejected the report.", set()),
    # a non-state noun between "<Country>'s" and a title keeps them apart
    ("Peru's Shining Path rebels reject government offer", {"government"}),
    # the media that published the claim
    ("A U.S. news website reported the call.", set()),
    # ... but a weekday, a sentence start or a title-case headline do not hide the state
    ("On Monday Malawi rejected the figures.", {"Malawi"}),
    ("Why Malawi Rejects The New Figures", {"Malawi"}),
    ("Peru's foreign ministry rejected the report.", {"Peru's foreign ministry"}),
])
def test_non_state_names_around_a_country(gazetteer, text, expected):
    assert {text[s:e] for s, e, _a, _w in gazetteer.find_actors(text)} == expected
