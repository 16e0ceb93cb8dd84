"""Story features of invented texts (no corpus text): what survives translation, what does not count."""

from datetime import datetime, timezone

import pytest

from dementi.records import Actor, Alert, Article, Evidence
from dementi.rules.folding import fold_loose
from dementi.rules.storyfeatures import assign_story_keys, features, lead, lead_denier, numbers_in, _words


@pytest.fixture(scope="module")
def gazetteer():
    from dementi.rules.gazetteer import Gazetteer

    return Gazetteer.load("config/gazetteers")


def test_numbers_are_normalised_across_writing_conventions():
    for text in ("40,000 rockets", "40 000 roquettes", "40.000 Raketen", "40\u202f000 cohetes"):
        assert "q40000" in numbers_in(text, _words(fold_loose(text)), None), text
    got = numbers_in("on 14 November 2019, twelve detainees", _words(fold_loose("on 14 November 2019, twelve detainees")), "en")
    assert {"d14", "m11", "y2019", "q12"} <= got
    fr = "le 14 novembre, douze détenus"
    assert {"d14", "m11", "q12"} <= numbers_in(fr, _words(fold_loose(fr)), "fr")


def test_translations_share_actors_concepts_numbers_and_names(gazetteer):
    en = features("Moscow rejects report", "Russia denied that a Russian submarine entered a Norwegian fjord near "
                  "Tromsø on 14 November.", "", None, "en", gazetteer)
    fr = features("Moscou dément", "La Russie a démenti qu'un sous-marin russe soit entré dans un fjord norvégien "
                  "près de Tromsø le 14 novembre.", "", None, "fr", gazetteer)
    de = features("Moskau dementiert", "Russland dementierte, dass ein russisches U-Boot am 14. November in einen "
                  "norwegischen Fjord bei Tromsø eingedrungen sei.", "", None, "de", gazetteer)
    for f in (en, fr, de):
        assert {"RUS", "NOR"} <= set(f.actors)
        assert "SUBMARINE" in f.concepts and "FJORD" in f.concepts
        assert {"d14", "m11"} <= set(f.numbers)
        assert "tromso" in f.names
    assert "deni" not in " ".join(en.words) and "dement" not in " ".join(fr.words)  # cue words are boilerplate


def test_actor_words_are_masked_but_concepts_see_them(gazetteer):
    f = features("", "La France a démenti la fermeture de l'ambassade de France à Alger.", "", None, "fr", gazetteer)
    assert {"FRA", "DZA"} <= set(f.actors)
    assert {"EMBASSY", "CLOSURE"} <= set(f.concepts)
    assert not {"france", "alger"} & set(f.words)


def test_title_case_headlines_give_no_names(gazetteer):
    f = features("Kremlin Rejects Claims Over Submarine Sighting", "", "", None, "en", gazetteer)
    assert f.names == []


def test_lead_is_the_first_sentences_within_the_limit():
    body = "First sentence here. Second one follows. " + "Third is long. " * 50
    assert lead(body, 45) == "First sentence here. Second one follows."


@pytest.mark.parametrize("body", [
    "",
    " \n\t ",
    "One.  Two\u00a0words\n\nthree. " * 300,            # squeezing shortens the text a lot
    "\n" * 5000 + "Spaces first. Then the lead text.",  # the lead starts past the first raw prefix
    "word " * 40 + " " * 3000 + "late sentence. " * 10,
    "x" * 5000,                                          # one long word, cut
])
def test_lead_reads_only_a_prefix_but_sees_the_body_squeezed(body):
    from dementi.rules.storyfeatures import _squeezed_prefix

    for n in (1, 30, 800):
        assert _squeezed_prefix(body, n) == " ".join(body.split())[:n]


def _alert(rule, denier=None, target=None, field="body"):
    return Alert(rule_id=rule, rule_title=rule, article_id="a", evidence=Evidence(sentence="s", field=field),
                 denier=Actor(name=denier, code=denier) if denier else None,
                 target=Actor(name=target, code=target) if target else None)


def test_lead_denier_majority_then_headline():
    assert lead_denier([_alert("r1", "CHN", "USA"), _alert("r2", "USA", "CHN"), _alert("r3", "CHN")]) == "CHN"
    # a tie (two rules read one sentence with denier and target swapped): the headline's reading wins
    assert lead_denier([_alert("r1", "UKR", "RUS"), _alert("r2", "RUS", "UKR", field="title")]) == "RUS"
    assert lead_denier([_alert("r1")]) == ""


def test_every_alert_of_an_article_gets_the_lead_denier_as_story_key():
    alerts = assign_story_keys([_alert("r1", "CHN", "USA", "title"), _alert("r2", "USA", "CHN")])
    assert [a.story_key for a in alerts] == ["CHN", "CHN"]
    assert alerts[1].denier.code == "USA"  # the alert keeps its own reading (filters, denier accuracy)


def test_engine_sets_story_features_and_one_key_per_article():
    from dementi.rules.engine import Engine

    engine = Engine.from_dir("config/rules", "config/gazetteers")
    art = Article(url="https://invented.example/1", lang="en", published_at=datetime(2026, 1, 2, tzinfo=timezone.utc),
                  title="Russia denies submarine entered Norwegian fjord",
                  body="Moscow dismissed as baseless claims that one of its submarines sailed into a fjord near "
                       "Tromsø on 14 November.")
    alerts = engine.alerts(art)
    assert len(alerts) >= 2
    assert {a.story_key for a in alerts} == {"RUS"}
    assert all(a.story is not None and "SUBMARINE" in a.story.concepts for a in alerts)
