"""Subject detection on parsed French, denier/target resolution, quote extraction (invented text)."""

import spacy

from dementi.rules.actors import extract_quote, resolve_denier_target, subject_of


def _parse(nlp_fr, gazetteer, text):
    doc = nlp_fr(text)
    return doc, gazetteer.mentions(doc)


def _tok(doc, word):
    return next(t for t in doc if t.text == word)


def test_subject_of_perfect_tense(nlp_fr, gazetteer):
    doc, ms = _parse(nlp_fr, gazetteer, "Le ministère suédois des Affaires étrangères a démenti ces informations lundi.")
    m = subject_of(_tok(doc, "démenti"), ms)
    assert m is not None and m.actor.country == "SWE"


def test_subject_of_through_apposition_and_voice(nlp_fr, gazetteer):
    doc, ms = _parse(nlp_fr, gazetteer, "La diplomatie chinoise, par la voix de son porte-parole, a démenti la rumeur.")
    assert subject_of(_tok(doc, "démenti"), ms).actor.country == "CHN"


def test_subject_of_infinitive_complement(nlp_fr, gazetteer):
    doc, ms = _parse(nlp_fr, gazetteer, "Le Premier ministre polonais a refusé de signer le texte.")
    assert subject_of(_tok(doc, "signer"), ms).actor.country == "POL"


def test_subject_that_is_not_an_actor_gives_none(nlp_fr, gazetteer):
    doc, ms = _parse(nlp_fr, gazetteer, "Le club de Lyon dément tout accord avec Moscou pour un transfert.")
    assert ms  # Moscou is there...
    assert subject_of(_tok(doc, "dément"), ms) is None  # ...but it is not the one denying


def test_subject_of_without_parse_is_none(gazetteer):
    doc = spacy.blank("fr")("Moscou dément.")
    assert subject_of(doc[1], gazetteer.mentions(doc)) is None


def test_denier_and_target(nlp_fr, gazetteer):
    text = ("Le ministère russe des Affaires étrangères conteste les propos du secrétaire d'Etat américain "
            "tenus à Berlin et leur oppose un démenti.")
    doc, ms = _parse(nlp_fr, gazetteer, text)
    denier, target = resolve_denier_target(doc[:], [_tok(doc, "démenti").i], ms)
    assert (denier.name, denier.country) == ("Russia", "RUS")
    assert target.country == "USA"


def test_target_falls_back_to_paragraph(nlp_fr, gazetteer):
    doc, ms = _parse(nlp_fr, gazetteer, "Le Japon rejette ces affirmations. La Corée du Sud les avait publiées.")
    first = list(doc.sents)[0]
    denier, target = resolve_denier_target(first, [_tok(doc, "rejette").i], [m for m in ms if m.start < first.end], ms)
    assert denier.country == "JPN" and target.country == "KOR"


def test_denier_is_nearest_actor_without_parse(gazetteer):
    doc = spacy.blank("en")("Tokyo flatly denied the report from Seoul.")
    denier, target = resolve_denier_target(doc[:], [2], gazetteer.mentions(doc))
    assert denier.country == "JPN" and target.country == "KOR"


def test_extract_quote():
    assert extract_quote("Il a dit : « Nous n'avons jamais négocié » hier.") == "Nous n'avons jamais négocié"
    assert extract_quote('He said "no talks took place" and left.') == "no talks took place"
    assert extract_quote("Une information « absurde » selon lui.") is None
    assert extract_quote("Er sagte: „Das ist falsch und erfunden“.") == "Das ist falsch und erfunden"
    assert extract_quote("") is None


def test_a_place_complement_does_not_make_the_subject_an_actor(nlp_fr, gazetteer):
    doc, ms = _parse(nlp_fr, gazetteer, "Le directeur du musée de Pékin dément la fermeture.")
    assert subject_of(_tok(doc, "dément"), ms) is None


def test_pronoun_subject_resolves_to_the_actor_of_the_main_clause(nlp_fr, gazetteer):
    doc, ms = _parse(nlp_fr, gazetteer, "Le gouvernement hongrois a fait savoir qu'il ne signerait pas le texte.")
    assert subject_of(_tok(doc, "signerait"), ms).actor.country == "HUN"
