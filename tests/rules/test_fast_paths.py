"""The engine's fast paths give exactly what the slow, obvious versions give.

Each test compares a hot-path implementation with a reference written the straightforward way
(kept here, so a change to the fast path that alters any answer fails): the gazetteer fold by
``str.translate`` vs the old per-character loop, ``segment.paragraphs`` vs the old regex split, and
``Scan.segment_rules`` (one field scan, literals located per paragraph/sentence) vs one prefilter
pass per segment, on text with ligatures (whose view is longer than the text), non-Latin scripts,
odd whitespace and line breaks inside phrases.
"""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings, strategies as st

from dementi.rules import folding
from dementi.rules.prefilter import Prefilter
from dementi.rules.regexlit import SUBSTRING
from dementi.rules.segment import _add, paragraphs, sentences

# --- the gazetteer fold ---------------------------------------------------------------------------
_APOSTROPHES = {"\u2019", "\u2018", "`", "\u02bc", "\u00b4"}
_DASHES = set("-\u2010\u2011\u2012\u2013\u2014\u2212")


def _reference_fold_with_map(text: str, lower: bool = True) -> tuple[str, list[int]]:
    """The gazetteer's name fold written the obvious way: fold each character on its own, then
    drop every space piece whose character follows another space piece (a character that folds
    to nothing, like a lone combining mark, ends a run of spaces)."""
    pieces: list[str] = []
    for ch in text:
        if ch in _APOSTROPHES:
            pieces.append("'")
        elif ch in _DASHES or ch.isspace():
            pieces.append(" ")
        else:
            pieces.append("".join(c for c in unicodedata.normalize("NFKD", ch.lower() if lower else ch)
                                  if not unicodedata.combining(c)))
    kept = [(c, i) for i, piece in enumerate(pieces) if not (piece == " " and i > 0 and pieces[i - 1] == " ")
            for c in piece]
    return "".join(c for c, _ in kept), [i for _, i in kept]


# characters that fold to 0, 1 or several characters, spaces of all kinds, casing traps
TRICKY = list("aZé É-–—’`'\u00a0\u3000\t\n\rœŒæÆßİıﬁ\u0301\u0308\u0327ÅñÇ²¼Ａ\ufdfa\u00a8\u02ddΣσςРоссияالسابق🙂.,«»")


def _check_fold(text: str) -> None:
    for lower in (True, False):
        expected, expected_map = _reference_fold_with_map(text, lower)
        got, got_map = folding.fold_name_with_map(text, lower)
        assert (got, list(got_map)) == (expected, expected_map), (text, lower)
        assert folding.fold_name(text, lower) == expected.strip()


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(TRICKY), max_size=40))
def test_fold_tables_match_the_per_character_fold_on_tricky_text(text):
    _check_fold(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_fold_tables_match_the_per_character_fold_on_any_unicode(text):
    _check_fold(text)


def test_fold_map_is_the_identity_only_when_offsets_are_one_to_one():
    assert folding.fold_name_with_map("L’État russe")[1] == range(12)
    assert folding.fold_name_with_map("le  cœur") == ("le cœur", [0, 1, 2, 4, 5, 6, 7])  # spaces collapsed
    assert folding.fold_name_with_map("le ﬁn") == ("le fin", [0, 1, 2, 3, 3, 4])  # ligature expanded


# --- paragraphs -----------------------------------------------------------------------------------
_PARA = re.compile(r"\n\s*\n|\r\n\s*\r\n|\n(?=\s*[-–—•*]\s)|\n")


def _reference_paragraphs(text: str):
    out: list = []
    pos = 0
    for m in _PARA.finditer(text):
        _add(text, pos, m.start(), len(out), out)
        pos = m.end()
    _add(text, pos, len(text), len(out), out)
    return out


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab .\n\n\r\t-•*\u2028\u00a0\x85\x1cé")), max_size=40))
def test_paragraphs_match_the_regex_split(text):
    assert paragraphs(text) == _reference_paragraphs(text)


# --- per-segment prefilter answers ----------------------------------------------------------------
REQS = [
    [{"dement", "dementi"}],                                   # 0: one clause
    [{"participera", "participe"}, {"aucune", "ne", "n'"}],    # 1: two clauses
    [{SUBSTRING + "n'a jamais eu lieu", SUBSTRING + "zuruck"}],  # 2: substrings, one spans words
    [{"coeur", "œuvre"}, {"ne"}],                              # 3: ligature + a common word
    [{"опроверг"}],                                            # 4: non-Latin literal
    [{"false report"}],                                        # 5: a phrase (its rarest word)
]
PF = Prefilter(REQS)
WORDS = ["dément", "DÉMENTI", "participera", "ne", "n’", "aucune", "n'a jamais eu lieu", "zurück", "cœur", "Œuvre",
         "œ", "æ", "опроверг", "Москва", "false", "report", "x", "M.", "Il", "«", "»", ",", "—", "ça",
         "n'a jamais", "eu lieu", "n'a"]  # pieces of a multi-word literal, to be split by a line break
SEPS = [" ", " ", "\n", "\n\n", ". ", "! ", "\n - ", "\u00a0", "  ", "\t"]


def _reference(text: str, segments) -> list[set[int]]:
    return [PF.complete(PF.satisfied(text[s:e])) for s, e in segments]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPS)), max_size=30))
def test_segment_rules_match_one_pass_per_segment(pairs):
    text = "".join(w + s for w, s in pairs)
    scan = PF.scan(text)
    assert scan.rules == PF.rules_in(text)
    paras = [(p.start, p.end) for p in paragraphs(text)]
    found = scan.segment_rules(paras)
    expected = _reference(text, paras)
    assert [rules for _, rules in found] == expected  # Latin text: within scan.rules (slices of its view)
    if scan.view is not None:
        assert all(r <= scan.rules for r in expected)
    # the document: rules complete with the literals of its paragraphs together
    union = set()
    for s, e in paras:
        union |= PF.satisfied(text[s:e])
    doc = 0
    for mask, _ in found:
        doc |= mask
    assert PF.rules_of(PF.complete_mask(doc)) == PF.complete(union)
    sents = [(x.start, x.end) for x in sentences(text)]
    assert [rules for _, rules in scan.segment_rules(sents)] == _reference(text, sents)


@settings(max_examples=600, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPS)), max_size=30))
def test_paragraph_shortcut_matches_one_pass_per_paragraph_and_sentence(pairs):
    """Scan.paragraph_rules (anchored on one clause per rule) and Scan.rules_within."""
    text = "".join(w + s for w, s in pairs)
    scan = PF.scan(text)
    located = scan.paragraph_rules()
    if located is None:  # non-Latin text or a ligature: the engine uses segment_rules
        assert scan.view is None or any(lig in text for lig in "œŒæÆ")
        return
    paras = paragraphs(text)
    expected = {(p.start, p.end): r for p, r in zip(paras, _reference(text, [(p.start, p.end) for p in paras])) if r}
    assert located == expected
    for para in paras:
        if (para.start, para.end) in located:
            spans = [(x.start, x.end) for x in sentences(text, [para])]
            assert scan.rules_within(spans, located[(para.start, para.end)]) == _reference(text, spans)


def test_paragraph_shortcut_on_rare_and_frequent_clauses():
    text = "Il ne viendra pas.\n\nLa Russie participera.\nElle ne participera à aucune réunion, ne dément pas."
    located = PF.scan(text).paragraph_rules()
    assert located == {(43, len(text)): {0, 1}}  # "participera" + "ne" in the same line only there


def test_paragraph_shortcut_ignores_a_literal_across_a_line_break():
    text = "Il n'a jamais\neu lieu.\nCela n'a jamais eu lieu."
    scan = PF.scan(text)
    assert scan.rules == {2}
    assert scan.paragraph_rules() == {(23, len(text)): {2}}  # not the first line, whose view ends "jamais eu lieu"


def test_segment_rules_with_ligatures_before_the_segment(monkeypatch):
    text = "Le cœur du sujet.\n\nUne œuvre ne dément pas.\nLe cœur, ne participera à aucune réunion.\nŒuvre ne."
    scan = PF.scan(text)
    paras = [(p.start, p.end) for p in paragraphs(text)]
    monkeypatch.setattr(PF, "satisfied", None)  # the located path, not one pass per segment
    assert [r for _, r in scan.segment_rules(paras)] == [set(), {0, 3}, {1, 3}, {3}]
    sents = [(x.start, x.end) for x in sentences(text)]
    assert [r for _, r in scan.segment_rules(sents)] == [set(), {0, 3}, {1, 3}, {3}]


def test_segment_rules_on_non_latin_text_and_unbounded_segments():
    text = "МИД опроверг.\nLe ministre dément."
    scan = PF.scan(text)
    assert scan.view is None and scan.rules == {0, 4}
    assert [r for _, r in scan.segment_rules([(0, 13), (14, len(text))])] == [{4}, {0}]
    latin = PF.scan("xdément dément")
    assert [r for _, r in latin.segment_rules([(1, 7), (8, 14)])] == [{0}, {0}]  # "dément" cut out of a word


def test_complete_mask_agrees_with_complete():
    pairs = {(1, 0), (1, 1), (3, 0), (0, 0), (5, 0)}
    assert PF.rules_of(PF.complete_mask(PF.mask(pairs))) == PF.complete(pairs) == {0, 1, 5}
    assert PF.complete_mask(0) == 0


# --- gazetteer cache and mentions with the text given ------------------------------------------------
def test_gazetteer_cache_and_text_argument(backend, fr_pipeline):
    gaz = backend.gazetteer
    text = "Le ministère russe des Affaires étrangères a démenti, selon Washington."
    first = [(h.start, h.end, h.entry.name) for h in gaz.find(text)]
    assert [(h.start, h.end, h.entry.name) for h in gaz._find(text)] == first
    assert gaz.find(text) is gaz.find(text)
    doc = fr_pipeline(text)
    assert [(m.start, m.end, m.actor) for m in gaz.mentions(doc, text)] == \
        [(m.start, m.end, m.actor) for m in gaz.mentions(doc)]
