"""demonyms_world.yaml: demonyms of every UN member state (+ Palestine, Taiwan, Holy See) give a
country to a neighbouring title in fr/en/es/de/it/pt ("le ministère letton des Affaires
étrangères" -> LVA). All sentences are invented."""

import shutil
from collections import defaultdict

import pycountry
import pytest
import yaml

from dementi.rules.gazetteer import Gazetteer
from dementi.rules.folding import fold_name
from dementi.rules.gazetteer_forms import NON_STATES, inflect
from tests.pack.conftest import GAZETTEERS

WORLD = GAZETTEERS / "demonyms_world.yaml"


def _entries(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))["entries"]


def countries(gazetteer, text):
    return [a.country for _, _, a, _ in gazetteer.find_actors(text)]


def test_every_entry_is_a_demonym_with_a_valid_iso3_and_a_unique_country():
    entries = _entries(WORLD)
    codes = [e["country"] for e in entries]
    for e in entries:
        assert e["kind"] == "demonym", e["name"]
        assert pycountry.countries.get(alpha_3=e["country"]) is not None, e
        assert set(e["aliases"]) <= {"fr", "en", "es", "de", "it", "pt"}, e["name"]
    assert len(codes) == len(set(codes))


def test_covers_every_sovereign_state_known_to_the_loader():
    """193 UN members + Palestine, Taiwan, Holy See = pycountry minus the territories the loader
    skips (Kosovo has no ISO code in pycountry: see the file's header)."""
    sovereign = {c.alpha_3 for c in pycountry.countries if c.alpha_3 not in NON_STATES}
    covered = {e["country"] for e in _entries(WORLD)}
    assert sovereign - covered == set()
    assert {"PSE", "TWN", "VAT", "LVA", "EST", "MNG", "URY"} <= covered
    assert len(covered) == 196


def test_no_surface_form_names_two_countries():
    """An inflected form pointing at two countries would make the resolved country depend on
    file order; checked across both demonym files."""
    owners = defaultdict(set)
    for path in (GAZETTEERS / "demonyms.yaml", WORLD):
        for e in _entries(path):
            for lang, items in e["aliases"].items():
                for alias in items:
                    for form in inflect(alias, "demonym", lang):
                        owners[fold_name(form)].add(e["country"])
    clashes = {form: sorted(c) for form, c in owners.items() if len(c) > 1}
    assert clashes == {}


def test_the_file_works_on_its_own(tmp_path):
    """Without demonyms.yaml (duplicates there win on load, so they must not hide a gap here)."""
    shutil.copy(WORLD, tmp_path / WORLD.name)
    shutil.copy(GAZETTEERS / "titles.yaml", tmp_path / "titles.yaml")
    g = Gazetteer.load(tmp_path)
    assert countries(g, "Le ministère russe des Affaires étrangères a répondu.") == ["RUS"]
    assert countries(g, "Le gouvernement paraguayen a répondu.") == ["PRY"]


@pytest.mark.parametrize("text, country", [
    # fr: masculine, both feminines, plurals
    ("Le ministère letton des Affaires étrangères a démenti toute négociation.", "LVA"),
    ("La diplomatie lettone a rejeté ces accusations.", "LVA"),
    ("La diplomatie lettonne a rejeté ces accusations.", "LVA"),
    ("Les autorités lettones ont démenti la rumeur.", "LVA"),
    ("Le gouvernement estonien a démenti mardi.", "EST"),
    ("Le porte-parole du gouvernement paraguayen a démenti.", "PRY"),
    ("La présidence nicaraguayenne a démenti.", "NIC"),
    ("Le président centrafricain a démenti.", "CAF"),
    ("Le Premier ministre maltais a démenti.", "MLT"),
    ("Le ministère bissau-guinéen des Affaires étrangères a démenti.", "GNB"),
    # en: demonym before the title, also with an adjective between
    ("The Mongolian foreign ministry denied the report.", "MNG"),
    ("The Latvian government denied it.", "LVA"),
    ("The Kyrgyz foreign minister rejected the claim.", "KGZ"),
    ("The Papua New Guinean government denied it.", "PNG"),
    # es
    ("El gobierno uruguayo negó la versión.", "URY"),
    ("El Gobierno letón negó el acuerdo.", "LVA"),
    ("La cancillería paraguaya negó las acusaciones.", "PRY"),
    ("El ministerio de Exteriores estonio desmintió.", "EST"),
    # de: adjective endings
    ("Die estnische Regierung wies den Bericht zurück.", "EST"),
    ("Das lettische Außenministerium dementierte.", "LVA"),
    ("Ein Sprecher der mongolischen Regierung dementierte.", "MNG"),
    # it: singular and plural
    ("Il governo lettone ha smentito.", "LVA"),
    ("Il ministero degli Esteri estone ha smentito.", "EST"),
    ("Il governo uruguaiano ha smentito.", "URY"),
    # pt: -ão words and their irregular feminine
    ("O governo letão negou.", "LVA"),
    ("O Ministério das Relações Exteriores letão negou.", "LVA"),
    ("O governo uruguaio negou a informação.", "URY"),
    ("O governo afegão negou.", "AFG"),
    # Holy See, Taiwan, Palestine
    ("La diplomatie vaticane a démenti.", "VAT"),
    ("Die taiwanische Regierung dementierte.", "TWN"),
    ("El gobierno palestino negó.", "PSE"),
])
def test_demonym_gives_its_country_to_a_title(gazetteer, text, country):
    assert countries(gazetteer, text) == [country]


def test_a_demonym_alone_is_still_not_an_actor(gazetteer):
    assert countries(gazetteer, "Le groupe letton a démenti tout rachat.") == []
    assert countries(gazetteer, "Die estnische Firma dementierte.") == []
    assert countries(gazetteer, "A Mongolian mining company denied it.") == []


def test_ambiguous_forms_left_out_do_not_give_a_country(gazetteer):
    # es "granadino" = of Granada (Spain) as well as of Grenada
    assert "GRD" not in countries(gazetteer, "El alcalde y el gobierno granadino negaron.")
    # "congolais"/"Congolese" stay with DR Congo (demonyms.yaml), never Congo-Brazzaville
    assert countries(gazetteer, "Le gouvernement congolais a démenti.") == ["COD"]
    # it "giordano" is a common surname
    assert "JOR" not in countries(gazetteer, "Il ministro Giordano ha smentito.")
