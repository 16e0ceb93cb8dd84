"""The fold paths of rules/folding.py agree where they meet.

The prefilter has two paths to the same view of a text: ``latin_view`` (one ``bytes.translate``,
Latin-1 text) and ``word_view(fold(...))`` (every other script). They used to disagree: in a
non-Latin article a tab or a hyphen between two words hid a two-word literal that the same words
showed in a Latin article ("false\\treport"). These tests hold both paths to one answer on tabs,
line breaks, hyphens, apostrophes, accents, ligatures and non-Latin scripts; ``fold`` vs
``fold_map`` is held in tests/rules/test_text.py, the name fold's fast path in test_fast_paths.py.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from dementi.rules.folding import fold, fold_map, fold_name, latin_view, word_view
from dementi.rules.prefilter import Prefilter
from dementi.rules.regexlit import SUBSTRING

# Latin-1 characters and the typographic ones latin_view maps first: letters with and without
# accents, ligatures, digits, every kind of separator (tab, line break, hyphens, apostrophes,
# non-breaking and thin spaces, underscore), symbols
LATIN = list("aeinrstBDÉèçÀüÖßÿµ²ª09 \t\n\r-–—'’‘_.,;«»\u00a0\u2009\u202f\u200bœŒæÆ€…•“”")
WORDS = ["false", "report", "Dément", "dementi", "n'a", "jamais", "eu", "lieu", "cœur", "Œuvre", "non-lieu",
         "aucune", "base", "x", "l’État", "ÉTAT", "etat"]
SEPS = [" ", "\t", "\n", "-", "–", "—", "'", "’", "\u00a0", "\u2009", "_", ". ", ", ", "  ", "\t\t", ""]

REQS = [
    [{"false report"}],                          # 0: two words (bounded)
    [{"dement", "dementi"}],                     # 1: one word
    [{SUBSTRING + "n'a jamais eu lieu"}],        # 2: a regex substring spanning words, with an apostrophe
    [{"coeur", "œuvre"}, {"etat"}],              # 3: ligatures, accents; two clauses
    [{"non-lieu"}],                              # 4: a hyphenated word
    [{SUBSTRING + " sur aucune base"}],          # 5: a substring starting with a space
    [{"l'etat"}],                                # 6: an apostrophe inside a bounded literal
]
PF = Prefilter(REQS)
NON_LATIN = " МИД"  # a word of another script, apart: it holds none of the literals above


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(LATIN), max_size=40))
def test_latin_view_is_the_word_view_of_the_fold(text):
    assert latin_view(text) == " " + word_view(fold(text)) + " "


@settings(max_examples=600, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPS)), max_size=12))
def test_a_non_latin_word_does_not_change_what_the_prefilter_finds(pairs):
    text = "".join(w + s for w, s in pairs)
    assert latin_view(text) is not None and latin_view(text + NON_LATIN) is None  # the two paths
    assert PF.satisfied(text + NON_LATIN) == PF.satisfied(text)
    assert PF.scan(text + NON_LATIN).rules == PF.scan(text).rules


@pytest.mark.parametrize("sep", ["\t", "\n", "-", "–", "’", "_", "\u00a0", "\u2009"])
def test_two_words_are_found_across_any_separator_in_any_script(sep):
    for text in (f"x false{sep}report", f"МИД: false{sep}report", f"外交部 false{sep}report"):
        assert (0, 0) in PF.satisfied(text), text


def test_accents_and_case_fold_alike_in_both_paths():
    for text in ("L’ÉTAT a DÉMENTI", "L’ÉTAT a DÉMENTI — МИД"):
        assert {(1, 0), (6, 0)} <= PF.satisfied(text), text
    assert PF.satisfied("Le CŒUR de l'État") == PF.satisfied("Le CŒUR de l'État, МИД") == {(3, 0), (3, 1), (6, 0)}


def test_boundaries_still_hold_in_both_paths():
    for suffix in ("", NON_LATIN):
        assert not PF.satisfied("falsereport indementi" + suffix)
        assert PF.satisfied("le non-lieu" + suffix) == PF.satisfied("le non lieu" + suffix) == {(4, 0)}


def test_non_latin_literals_keep_their_script_rules():
    pf = Prefilter([[{"外交部"}], [{"опроверг"}], [{"опроверг ложь"}]])
    assert pf.satisfied("中国外交部发言人") == {(0, 0)}                 # no word boundaries in Chinese
    assert pf.satisfied("МИД опроверг-ложь") == {(1, 0), (2, 0)}
    assert pf.satisfied("МИД опровергает") == set()                  # a Cyrillic word keeps its boundary


def test_the_three_folds_on_one_text():
    """What each fold is for, side by side: the rule-text fold keeps separators (regexes see them),
    the prefilter's view turns them into spaces one for one, the name fold collapses them."""
    text = "Saudi-Arabia\tDÉMENTI  l’État"
    assert fold(text) == "saudi-arabia\tdementi  l'etat"
    assert word_view(fold(text)) == "saudi arabia dementi  l etat"
    assert fold_name(text) == "saudi arabia dementi l'etat"
    folded, offsets = fold_map(text)
    assert folded == fold(text) and len(offsets) == len(folded) + 1
