"""Every condition primitive on real pipelines (fr_core_news_sm, blank+lookups for en/es/de) and the
real gazetteer. Sentences are invented for these tests."""

from __future__ import annotations

import pytest

from dementi.records import Article

from tests.rules.conftest import fire


def spans(alerts):
    return {(s.text, s.condition) for a in alerts for s in a.evidence.spans}


# ---------------------------------------------------------------- phrase
def test_phrase_is_case_and_accent_insensitive(engine_for):
    e = engine_for({"phrase": "dementi"})
    assert fire(e, "Le porte-parole a opposé un DÉMENTI formel.")
    e = engine_for({"phrase": "DÉMENTI"})
    assert fire(e, "un dementi sans appel, selon le communiqué.")


def test_phrase_needs_token_boundaries(engine_for):
    e = engine_for({"phrase": "dément"})
    assert not fire(e, "Le scénario est démentiel selon les experts.")
    assert fire(e, "Le ministère dément, selon les experts.")


def test_phrase_multiword_apostrophes_and_spaces(engine_for):
    e = engine_for({"phrase": "s'inscrit en faux"})
    [alert] = fire(e, "Le gouvernement s’inscrit   en faux contre ces informations.")
    assert ("s’inscrit   en faux", "phrase:s'inscrit en faux") in spans([alert])


# ---------------------------------------------------------------- lemma
@pytest.mark.parametrize("sentence", [
    "Le Kremlin dément catégoriquement ces informations.",
    "Le Kremlin démentait encore hier ces informations.",
    "Le Kremlin a démenti ces informations.",
    "Le Kremlin démentira ces informations demain.",
])
def test_lemma_matches_inflected_forms(engine_for, sentence):
    assert fire(engine_for({"lemma": "démentir"}), sentence)


def test_lemma_matches_fragments_where_the_model_lemma_is_wrong(engine_for):
    # a bare title fragment: the statistical lemma is unreliable, the surface forms are not
    e = engine_for({"lemma": "démentir"})
    [alert] = fire(e, "", title="Moscou dément")
    assert alert.evidence.field == "title" and ("dément", "lemma:démentir") in spans([alert])


def test_lemma_does_not_match_other_words(engine_for):
    assert not fire(engine_for({"lemma": "démentir"}), "Une hypothèse démentielle, selon le journal.")


@pytest.mark.parametrize("lang,lemma,sentence", [
    ("en", "deny", "The ministry denied the report on Tuesday."),
    ("en", "refuse", "Officials are refusing to comment."),
    ("es", "desmentir", "El ministerio desmintió la información."),
    ("de", "dementieren", "Das Ministerium dementierte den Bericht."),
])
def test_lemma_other_languages(engine_for, lang, lemma, sentence):
    assert fire(engine_for({"lemma": lemma}, languages=[lang]), sentence, lang=lang)


# ---------------------------------------------------------------- regex
def test_regex_is_re2_case_insensitive_on_folded_text(engine_for):
    e = engine_for({"all": [{"phrase": "dément"}, {"regex": r"d[ée]ment\W+(toute?|les?)"}]})
    [alert] = fire(e, "Moscou DÉMENT TOUTE implication.")
    assert ("DÉMENT TOUTE", r"regex:d[ée]ment\W+(toute?|les?)") in spans([alert])


def test_regex_required_substrings_feed_the_prefilter(engine_for):
    e = engine_for({"regex": "rumeurs? infond[ée]es?"})
    assert e.unfilterable_rules == []  # "rumeur" is required by every match
    assert fire(e, "Ce sont des rumeurs infondées, a dit le ministre.")
    assert fire(e, "Ce sont des RUMEURS INFONDÉES.")
    assert not e.has_cue(Article(id="x", body="Des bruits sans fondement.", lang="fr"))


def test_regex_without_literal_is_unfilterable(engine_for):
    e = engine_for({"regex": "[a-z]+ment infond"})
    assert e.unfilterable_rules == []
    e = engine_for({"regex": r"\d+ \w+s\b"})
    assert e.unfilterable_rules == ["t"]
    assert fire(e, "Il y a 3 traitements possibles.")


def test_prefilter_needs_every_clause_of_all(engine_for):
    e = engine_for({"all": [{"lemma": "démentir"}, {"phrase": "accord"}]})
    assert not e.has_cue(Article(id="x", body="Moscou dément.", lang="fr"))
    assert e.has_cue(Article(id="x", body="Moscou dément tout accord.", lang="fr"))


# ---------------------------------------------------------------- tokens
def test_tokens_matcher_patterns(engine_for):
    e = engine_for({"tokens": [[{"LEMMA": "démentir"}, {"LOWER": "catégoriquement"}]]})
    assert fire(e, "Le Kremlin a démenti catégoriquement ces informations.")
    assert not fire(e, "Le Kremlin a démenti ces informations.")
    assert e.unfilterable_rules == []  # the LEMMA gives the prefilter its literals


# ---------------------------------------------------------------- negated
def test_negated_coalition_sentence(engine_for):
    e = engine_for({"negated": {"lemma": "participer"}})
    [alert] = fire(e, "La Russie ne participera à aucune coalition.")
    assert ("ne", "negation") in spans([alert]) and ("participera", "negated:participer") in spans([alert])


@pytest.mark.parametrize("sentence,expected", [
    ("La Russie participera à la coalition.", False),
    ("La France n'a pas démenti ces propos.", True),
    ("Le ministre ne veut pas démentir.", True),
    ("Le Kremlin a démenti, mais ne commente pas la suite.", False),
])
def test_negated_scope_french(engine_for, sentence, expected):
    key = "participer" if "participera" in sentence else "démentir"
    assert bool(fire(engine_for({"negated": {"lemma": key}}), sentence)) is expected


def test_negated_window_without_parse(engine_for):
    e = engine_for({"negated": {"lemma": "join", "window": 3}}, languages=["en"])
    assert fire(e, "Moscow will not join the coalition.", lang="en")
    assert not fire(e, "Moscow will join the coalition, not the talks about the border issue.", lang="en")


# ---------------------------------------------------------------- actor
def test_actor_subject_rejects_a_club(engine_for):
    e = engine_for({"all": [{"lemma": "démentir"}, {"actor": {"role": "subject"}}]})
    assert not fire(e, "Le club dément tout accord avec l'attaquant russe.")
    [alert] = fire(e, "Le Kremlin a démenti tout accord avec Washington.")
    assert alert.denier.country == "RUS" and alert.target.country == "USA"


def test_actor_role_any_near(engine_for):
    e = engine_for({"all": [{"phrase": "démenti"}, {"actor": {"role": "any", "near": 3}}]})
    assert fire(e, "Nouveau démenti de Pékin sur ce dossier.")
    assert not fire(e, "Nouveau démenti publié hier soir dans un long texte à propos du dossier de Pékin.")


def test_actor_countries_and_kinds_filters(engine_for):
    base = [{"lemma": "démentir"}]
    e = engine_for({"all": base + [{"actor": {"role": "subject", "countries": ["CHN"]}}]})
    assert not fire(e, "Le Kremlin a démenti ces informations.")
    e = engine_for({"all": base + [{"actor": {"role": "subject", "kinds": ["ministry"]}}]})
    assert fire(e, "Le ministère russe des Affaires étrangères a démenti ces informations.")
    assert not fire(e, "Le Kremlin a démenti ces informations.")


# ---------------------------------------------------------------- combinators
def test_all_any_none(engine_for):
    e = engine_for({"all": [{"any": [{"lemma": "démentir"}, {"phrase": "dénué de tout fondement"}]},
                            {"none": [{"phrase": ["entraîneur", "transfert"]}]}]})
    assert fire(e, "Un texte dénué de tout fondement, selon Berlin.")
    assert fire(e, "Berlin dément.")
    assert not fire(e, "L'entraîneur dément le transfert.")


def test_near_within_tokens(engine_for):
    e = engine_for({"near": {"within": 2, "of": [{"lemma": "démentir"}, {"phrase": "accord"}]}})
    assert fire(e, "Moscou dément tout accord.")
    assert not fire(e, "Moscou dément avoir signé hier à Genève le moindre accord.")


def test_weighted_threshold_and_negative_weights(engine_for):
    cues = [{"weight": 2, "lemma": "démentir"}, {"weight": 1, "phrase": "ministère"},
            {"weight": -5, "phrase": "club"}]
    e = engine_for({"weighted": {"threshold": 3, "cues": cues}})
    assert fire(e, "Le ministère dément ces informations.")
    assert not fire(e, "Le porte-parole dément ces informations.")  # 2 < 3
    assert not fire(e, "Le ministère du club dément ces informations.")  # 3 - 5


# ---------------------------------------------------------------- scopes and fields
PARA = "Le ministère a publié un long texte mercredi. Il y dément ces informations."


def test_sentence_scope_vs_paragraph_scope(engine_for):
    match = {"all": [{"lemma": "démentir"}, {"phrase": "ministère"}]}
    assert not fire(engine_for(match), PARA)
    [alert] = fire(engine_for(match, scope="paragraph"), PARA)
    assert alert.evidence.sentence == "Il y dément ces informations."  # sentence of the first cue
    assert not fire(engine_for(match, scope="paragraph"), PARA.replace(". Il", ".\n\nIl"))
    assert fire(engine_for(match, scope="document"), PARA.replace(". Il", ".\n\nIl"))


def test_rule_fields_and_leaf_field(engine_for):
    e = engine_for({"lemma": "démentir"}, fields=["title"])
    assert not fire(e, "Le Kremlin dément.", title="Rencontre à Genève")
    assert fire(e, "Rien ici.", title="Le Kremlin dément")
    e = engine_for({"all": [{"lemma": "démentir"}, {"phrase": "kremlin", "field": "title"}]})
    assert not fire(e, "Le Kremlin dément.", title="Autre sujet")


def test_languages_filter(engine_for):
    e = engine_for({"lemma": "deny"}, languages=["en"])
    assert not fire(e, "Moscow denies it.", lang="fr")
    assert fire(e, "Moscow denies it.", lang="en")


def test_language_detected_when_absent(engine_for):
    e = engine_for({"lemma": "démentir"})
    [alert] = fire(e, "Le gouvernement dément formellement ces informations publiées hier.", lang=None)
    assert alert.article_lang == "fr"


def test_no_cue_article_never_touches_spacy(engine_for, monkeypatch):
    from dementi.rules import analysis, engine as engine_module

    e = engine_for({"all": [{"lemma": "démentir"}, {"actor": {"role": "subject"}}]})

    def boom(lang):
        raise AssertionError("spaCy pipeline requested for an article without cues")

    monkeypatch.setattr(analysis, "get_pipeline", boom)
    monkeypatch.setattr(engine_module, "detect_language", boom)
    assert fire(e, "Le gouvernement a présenté un budget rapidement adopté.", lang=None) == []
    with pytest.raises(AssertionError):
        fire(e, "Le gouvernement dément.", lang=None)


def test_disabled_rule_is_not_active(engine_for):
    e = engine_for({"lemma": "démentir"}, enabled=False)
    assert e.rules == [] and fire(e, "Le Kremlin dément.") == []
