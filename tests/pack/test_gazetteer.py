"""Gazetteer: metonyms, demonym + title resolution, acronym case, club/company exclusions.
All sentences are invented."""

import spacy

from dementi.rules.folding import fold_name
from dementi.rules.gazetteer import Gazetteer, GazetteerError


def actors(gazetteer, text):
    return [(text[s:e], a.name, a.country, a.kind) for s, e, a, _ in gazetteer.find_actors(text)]


def countries(gazetteer, text):
    return [a.country for _, _, a, _ in gazetteer.find_actors(text)]


def test_fold_removes_accents_case_and_dashes():
    assert fold_name("La  Maison-Blanche DÉMENT") == "la maison blanche dement"
    assert fold_name("d’Orsay") == "d'orsay"


def test_metonyms_resolve_to_their_state(gazetteer):
    assert countries(gazetteer, "Le Kremlin a réagi mardi.") == ["RUS"]
    assert countries(gazetteer, "La Maison Blanche s'est tue.") == ["USA"]
    assert countries(gazetteer, "Le Quai d'Orsay a publié une note.") == ["FRA"]
    assert countries(gazetteer, "Foggy Bottom stayed silent.") == ["USA"]
    assert countries(gazetteer, "Pékin et Kyiv ont répondu.") == ["CHN", "UKR"]
    assert countries(gazetteer, "Downing Street declined to comment.") == ["GBR"]


def test_state_names_come_from_pycountry_in_many_languages(gazetteer):
    assert countries(gazetteer, "Le Burkina Faso a protesté.") == ["BFA"]
    assert countries(gazetteer, "Die Mongolei antwortete.") == ["MNG"]
    assert countries(gazetteer, "Перу ответило.") == ["PER"]


def test_demonym_gives_country_to_a_title(gazetteer):
    found = actors(gazetteer, "Le ministère norvégien des Affaires étrangères a répondu.")
    assert found == [("ministère norvégien des Affaires étrangères", "Norway", "NOR", "ministry")]
    assert countries(gazetteer, "the Chilean foreign minister said") == ["CHL"]
    assert countries(gazetteer, "Peru's foreign ministry said") == ["PER"]
    assert countries(gazetteer, "le porte-parole du Kremlin") == ["RUS"]
    assert countries(gazetteer, "وزير الخارجية التركي") == ["TUR"]
    assert countries(gazetteer, "В МИД России заявили") == ["RUS"]


def test_weak_titles_and_lone_demonyms_are_not_actors(gazetteer):
    assert actors(gazetteer, "Le président du club a démenti.") == []
    assert actors(gazetteer, "Un porte-parole du groupe a démenti.") == []
    assert actors(gazetteer, "Le constructeur japonais dément.") == []
    assert actors(gazetteer, "Le président argentin a démenti.")[0][2] == "ARG"


def test_acronyms_are_case_sensitive(gazetteer):
    assert countries(gazetteer, "The US denied the report.") == ["USA"]
    assert actors(gazetteer, "Let us go, said one of us.") == []
    assert actors(gazetteer, "Il a eu un doute, un seul.") == []
    assert [a[1] for a in actors(gazetteer, "L'ONU et l'UE ont répondu.")] == ["United Nations", "European Union"]


def test_proper_nouns_need_a_capital(gazetteer):
    assert actors(gazetteer, "We ate turkey on Thursday.") == []
    assert countries(gazetteer, "Turkey denied the claim.") == ["TUR"]


def test_club_media_and_company_compounds_are_excluded(gazetteer):
    assert actors(gazetteer, "Le Spartak Moscou dément tout transfert.") == []
    assert actors(gazetteer, "Le Real Madrid dément.") == []
    assert actors(gazetteer, "Le Paris Saint-Germain dément.") == []
    assert actors(gazetteer, "L'équipe de France dément la rumeur.") == []
    assert actors(gazetteer, "The Washington Post reported it.") == []
    assert actors(gazetteer, "Dynamo Kiev denied the bid.") == []
    assert countries(gazetteer, "Moscou dément.") == ["RUS"]


def test_mentions_map_to_tokens_on_blank_and_parsed_docs(gazetteer, nlp_fr):
    text = "Hier, le ministère russe des Affaires étrangères a démenti."
    for nlp in (spacy.blank("fr"), nlp_fr):
        doc = nlp(text)
        [m] = gazetteer.mentions(doc)
        assert doc[m.start:m.end].text == "ministère russe des Affaires étrangères"
        assert m.actor.country == "RUS"
    doc = spacy.blank("en")("First sentence here. Then Moscow denied it.")
    span = doc[4:]
    [m] = gazetteer.mentions(span)
    assert doc[m.start].text == "Moscow"


def test_user_yaml_extends_and_bad_yaml_is_located(tmp_path):
    (tmp_path / "extra.yaml").write_text(
        "entries:\n  - {name: Ruritania, country: AUT, kind: seat, aliases: {en: [Strelsau Palace]}}\n",
        encoding="utf-8")
    g = Gazetteer.load(tmp_path)
    assert [a.country for _, _, a, _ in g.find_actors("Strelsau Palace denied it.")] == ["AUT"]
    (tmp_path / "bad.yaml").write_text("entries:\n  - {name: X, kind: planet}\n", encoding="utf-8")
    try:
        Gazetteer.load(tmp_path)
    except GazetteerError as exc:
        assert "bad.yaml" in str(exc) and "entries[0]" in str(exc) and "planet" in str(exc)
    else:
        raise AssertionError("an unknown kind must be a load error")


def test_city_institutions_are_not_the_state(gazetteer):
    assert actors(gazetteer, "Moscow's mayor denied the report.") == []
    assert actors(gazetteer, "China's central bank denied it.") == []
    assert actors(gazetteer, "Le maire de Kiev a démenti.") == []
    assert countries(gazetteer, "China's foreign ministry denied it.") == ["CHN"]


def test_demonym_and_title_with_adjectives_between(gazetteer):
    assert countries(gazetteer, "Chilean economy and finance minister") == []  # conjunction breaks it
    assert countries(gazetteer, "the Chilean deputy foreign minister said") == ["CHL"]
    assert countries(gazetteer, "Peruvian trade minister Ana Ruiz denied it") == ["PER"]


def test_former_office_holders_are_not_state_actors(gazetteer):
    assert actors(gazetteer, "L'ancien président argentin a démenti.") == []
    assert actors(gazetteer, "Former Chilean foreign minister denied it.") == []
    assert countries(gazetteer, "Le président argentin a démenti.") == ["ARG"]


def test_a_verb_between_demonym_and_title_keeps_them_apart(gazetteer):
    found = actors(gazetteer, "El Gobierno chileno negó que el presidente viajara.")
    assert [f[0] for f in found] == ["Gobierno chileno"]


def test_possessive_country_only_when_the_head_speaks_for_it(gazetteer):
    assert actors(gazetteer, "Austria's largest carmaker denied it.") == []
    assert actors(gazetteer, "Chile's opposition party boycotted the vote.") == []
    assert countries(gazetteer, "Chile's defence ministry denied it.") == ["CHL"]
    assert countries(gazetteer, "Chile's decision surprised Lima.") == ["CHL", "PER"]
