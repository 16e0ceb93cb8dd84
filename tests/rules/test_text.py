"""Folding with offsets, sentence segmentation, inflection."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from dementi.rules.inflect import surface_forms
from dementi.rules.segment import paragraphs, sentences
from dementi.rules.folding import fold, fold_map, original_span


def test_fold_basics():
    assert fold("DÉMENTI l’a Démenti") == "dementi l'a dementi"
    assert fold("Ἀθῆναι ΟΔΟΣ") == "αθηναι οδοσ"
    assert fold("МОСКВА") == "москва"


@given(st.text(max_size=60))
def test_fold_map_agrees_with_fold_and_maps_back(text):
    folded, offsets = fold_map(text)
    assert folded == fold(text)
    assert len(offsets) == len(folded) + 1
    assert all(0 <= o <= len(text) for o in offsets) and offsets == sorted(offsets)


def test_original_span_recovers_accented_text():
    text = "Le Kremlin a DÉMENTI hier"
    folded, offsets = fold_map(text)
    i = folded.index("dementi")
    s, e = original_span(offsets, i, i + len("dementi"))
    assert text[s:e] == "DÉMENTI"


def test_sentences_keep_abbreviations_and_quotes():
    text = "M. Kerry a parlé à Paris. « Nous refusons », a dit Moscou.\n\nNouveau paragraphe ici."
    got = [s.text(text) for s in sentences(text)]
    assert got == ["M. Kerry a parlé à Paris.", "« Nous refusons », a dit Moscou.", "Nouveau paragraphe ici."]
    assert [s.paragraph for s in sentences(text)] == [0, 0, 1]
    assert len(paragraphs(text)) == 2


@pytest.mark.parametrize("lemma,lang,forms", [
    ("démentir", "fr", ["dement", "dementait", "dementi", "dementira", "dementent", "demens"]),
    ("participer", "fr", ["participera", "participe", "participaient", "participant"]),
    ("rejeter", "fr", ["rejette", "rejettent", "rejete", "rejetait"]),
    ("contredire", "fr", ["contredit", "contredisent"]),
    ("s'opposer", "fr", ["oppose", "opposent"]),
    ("deny", "en", ["denies", "denied", "denying"]),
    ("refuse", "en", ["refuses", "refused", "refusing"]),
    ("desmentir", "es", ["desmiente", "desmintio", "desmentido"]),
    ("rechazar", "es", ["rechaza", "rechazo", "rechace"]),
    ("ablehnen", "de", ["lehnt", "abgelehnt", "ablehnt"]),
    ("zurückweisen", "de", ["weist", "zuruckgewiesen", "wies"]),
    # irregular verbs that refusal rules use (prefilter and lemma conditions must agree on them)
    ("envoyer", "fr", ["enverra", "enverrait", "enverront", "envoie", "envoyé".replace("é", "e")]),
    ("renvoyer", "fr", ["renverra", "renvoie"]),
    ("aller", "fr", ["va", "vont", "ira", "irait", "iront", "alle"]),
    ("dire", "fr", ["dit", "disent", "dira"]),
    ("faire", "fr", ["fait", "font", "fera", "ferait"]),
    ("voir", "fr", ["voit", "verra", "vu"]),
    ("prévoir", "fr", ["prevoit", "prevoira", "prevu"]),
    ("venir", "fr", ["vient", "viendra", "venu"]),
    ("tenir", "fr", ["tient", "tiendra", "tiendront"]),
    ("prendre", "fr", ["prend", "prennent", "prendra", "pris"]),
    ("mettre", "fr", ["met", "mettra", "mis"]),
    ("se rendre", "fr", ["rend", "rendra", "rendrait", "rendu"]),
    ("take", "en", ["took", "taken"]),
    ("send", "en", ["sent"]),
    ("go", "en", ["went", "gone", "goes"]),
    ("say", "en", ["said"]),
    ("undertake", "en", ["undertook", "undertaken"]),
    ("decir", "es", ["dijo", "dice", "dicho"]),
    ("hacer", "es", ["hizo", "hara"]),
    ("ir", "es", ["va", "van", "ira", "fue"]),
    ("oponerse", "es", ["opone", "opuso"]),
    ("asistir", "es", ["asistira", "asistio"]),
    ("teilnehmen", "de", ["nimmt", "nahm", "teilgenommen"]),
    ("beitreten", "de", ["tritt", "trat", "beigetreten"]),
    ("fernbleiben", "de", ["bleibt", "blieb", "ferngeblieben"]),
    ("unterzeichnen", "de", ["unterzeichnet", "unterzeichnete"]),
])
def test_inflection(lemma, lang, forms):
    got = surface_forms(lemma, (lang,))
    missing = [f for f in forms if f not in got]
    assert not missing


def test_inflection_stays_in_language():
    assert "dementiring" not in surface_forms("démentir", ("fr",))
    assert "dementiring" in surface_forms("démentir", ())  # no languages: every generator


@pytest.mark.parametrize("text,expected", [
    # the cue inside the quote and the speaker after it stay in one unit
    ("«C'est faux. La Norvège n'a rien signé», a déclaré la diplomatie. Autre phrase ici.",
     ["«C'est faux. La Norvège n'a rien signé», a déclaré la diplomatie.", "Autre phrase ici."]),
    ('He said: "We refuse." The envoy left. "Never. Not now," she added.',
     ['He said: "We refuse."', "The envoy left.", '"Never. Not now," she added.']),
    ("„Das ist falsch. Berlin hat nichts unterschrieben“, sagte der Sprecher. Neu hier.",
     ["„Das ist falsch. Berlin hat nichts unterschrieben“, sagte der Sprecher.", "Neu hier."]),
    ("Er nannte das »frei erfunden. Absurd« und ging. Danach kam nichts.",
     ["Er nannte das »frei erfunden. Absurd« und ging.", "Danach kam nichts."]),
    # an opener that never closes does not glue the paragraph together
    ("Une « citation jamais fermée. Deuxième phrase. Troisième.",
     ["Une « citation jamais fermée.", "Deuxième phrase.", "Troisième."]),
])
def test_sentences_do_not_split_inside_quotes(text, expected):
    assert [s.text(text) for s in sentences(text)] == expected


def test_overlong_quote_is_split_normally():
    long_quote = "« " + " ".join(["Phrase numéro %d." % i for i in range(80)]) + " », dit-il."
    assert len(sentences(long_quote)) > 10
