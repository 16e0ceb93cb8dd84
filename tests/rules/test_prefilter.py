"""Prefilter: the fast Latin-1 path and the general folded path agree; clauses; boundaries."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from dementi.rules.folding import latin_view
from dementi.rules.prefilter import Prefilter
from dementi.rules.regexlit import SUBSTRING

REQS = [
    [{"dement", "dementi", "demens"}],                        # rule 0: one clause (lemma forms)
    [{"participera", "participe"}, {"aucune", "ne", "n'"}],  # rule 1: two clauses
    [{SUBSTRING + "n'a jamais eu lieu", SUBSTRING + "zuruck"}],  # rule 2: regex substrings
    [{"coeur", "œuvre"}],                                    # rule 3: ligature
]
PF = Prefilter(REQS)


def test_boundaries_and_clauses():
    assert PF.rules_in("Moscou DÉMENT.") == {0}
    assert PF.rules_in("Un scénario démentiel") == set()        # no token boundary
    assert PF.rules_in("La Russie participera.") == set()        # rule 1 misses its 2nd clause
    assert PF.rules_in("La Russie ne participera à aucune coalition") == {1}
    assert PF.rules_in("L’entretien n’a jamais eu lieu") == {2}  # curly apostrophes
    assert PF.rules_in("Er wies die Vorwürfe zurückhaltend") == {2}  # substring: inside a word is fine
    assert PF.rules_in("Une Œuvre") == {3} and PF.rules_in("le cœur") == {3}


def test_latin_view():
    assert latin_view("L’État DÉMENT.") == " l etat dement  "
    assert latin_view("Москва") is None


def test_non_latin_text_uses_the_folded_path():
    pf = Prefilter([[{"опроверг"}], [{SUBSTRING + "نفى"}]])
    assert pf.rules_in("МИД опроверг сообщения") == {0}
    assert pf.rules_in("МИД опровергает") == set()
    assert pf.rules_in("الوزارة نفى") == {1}


WORDS = ["dément", "DÉMENTI", "démentiel", "participera", "ne", "n’", "aucune", "n'a jamais eu lieu", "zurück",
         "cœur", "œuvre", "Ōsaka", "état", "l’", "—", "«", "»", ",", ".", "x", "ça", "über"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=12), st.lists(st.sampled_from([" ", "", "\n", " - "]), min_size=12, max_size=12))
def test_fast_and_general_paths_agree(words, seps):
    text = "".join(w + s for w, s in zip(words, seps))
    view = latin_view(text)
    if view is not None:
        assert PF._satisfied_latin(view) == PF._satisfied_folded(text)


def test_regex_literal_extraction():
    from dementi.rules.regexlit import necessary_literals

    assert necessary_literals("n'a (?:jamais|pas) eu lieu") == {SUBSTRING + "n'a jamais eu lieu", SUBSTRING + "n'a pas eu lieu"}
    assert necessary_literals("d[ée]ment") == {SUBSTRING + "dement"}
    assert SUBSTRING + 'said "no" to' in necessary_literals('(?:say|says|said) "?no"? to')
    assert necessary_literals("(?:^|[^\\pL])[وف]?نفى") == {SUBSTRING + "نفى", SUBSTRING + "ونفى", SUBSTRING + "فنفى"}
    assert necessary_literals("a+b") is None and necessary_literals(r"\d+ \w+s\b") is None
