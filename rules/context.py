"""Coreference-lite: the state behind a title without one ("the spokeswoman", "le ministre", "la
diplomatie", "the PMO") and the helpers it shares with rules/discourse.py.

WHY: wire copy names the country once ("South Africa will skip the meeting…") and then quotes
"the minister" or "a spokesman" in later sentences; with sentence units the actor condition saw no
state actor there. For TITLE-LIKE words only (gazetteer kinds spokesperson/leader/ministry/office/
diplomat/title without a country, introduced by an article, with no complement such as "du club" /
"of the company"), the state comes from the article (rules.discourse.Discourse.title_state: the
same title seen with its state, else the state the nearest earlier sentence opens with, else the
title, else the dateline). "Opens with" (only determiners before the actor) keeps objects out: in
"Apple denies report on China" China is not the one speaking. Arbitrary subjects ("the club",
"the company") never get a country: they are not gazetteer titles.
"""

from __future__ import annotations

import re
from dataclasses import replace

from dementi.records import Actor
from dementi.rules.folding import fold

TITLE_LIKE_KINDS = frozenset({"spokesperson", "leader", "ministry", "office", "diplomat", "title"})
# Weak gazetteer words that are not titles of ONE person or office speaking for a state.
_GENERIC = frozenset(fold(w) for w in """officials official authorities autorites responsables officiels dirigeants
    leaders leader side camp partie pouvoir regime régime counterpart homologue administration junta junte delegation
    délégation statement communique communiqué comunicado diplomates diplomats diplomat diplomate negociateur negotiator
    funcionarios dirigentes autoridades behorden staatsfuhrung власти""".split())
_DETERMINERS = frozenset("le la l les un une the a an el los las lo der die das den dem ein eine einer il gli i o os "
                         "as um uma its sa son ses".split())
_COMPLEMENT = frozenset("de du des d of for at del von vom der di della do da dos das".split())
_DASH = re.compile(r"\s[-–—]{1,2}\s")
_PUNCT = ".,;:«»\"“”-–—()"


_CAPS_DATELINE = re.compile(r"^[A-Z\u00C0-\u00DE][A-Z\u00C0-\u00DE .'/-]{2,40},\s+[^.:\n]{1,30}?[.:](?:\s|$)")

# "BOGOTÁ (EFE).- ", "LIMA, 4 may (EFE).- ": the agency's dash glued to its bracket
_AGENCY_DATELINE = re.compile(r"^[A-Z\u00C0-\u00DE][A-Za-z\u00C0-\u00FF0-9 ,.'/-]{2,40}\([A-Za-z\u00C0-\u00FF /-]{2,20}\)"
                              r"\s*[.,:]?[-–—]{1,2}\s+")


def dateline_end(text: str) -> int:
    """Where a dateline ends ("MOSCOW, Feb 3 (Agency) - ", "Paris (AFP) – ", "ISLAMABAD, Jan 22: ",
    "LONDON, August 31. "), 0 when there is none: the city there is a place, not the speaker."""
    m = _DASH.search(text, 0, 90)
    if m:
        head = text[:m.start()]
        first = head.split()[0] if head.split() else ""
        if "(" in head or (len(first.strip(",")) >= 3 and first.strip(",").isupper()):
            return m.end()
    caps = _CAPS_DATELINE.match(text) or _AGENCY_DATELINE.match(text)
    return caps.end() if caps else 0


def _body_start(text: str) -> int:
    """Where a sentence starts after a dateline or a kicker ("EXCLUSIVE: ")."""
    end = dateline_end(text)
    if end:
        return end
    colon = text.find(": ", 0, 30)
    return colon + 2 if colon > 0 else 0


def opening_actor(text: str, mentions: list) -> Actor | None:
    """The state actor a sentence or title opens with (at most two determiners before it)."""
    start = _body_start(text)
    for m in sorted(mentions, key=lambda m: m.start_char):
        if m.start_char < start:
            continue  # the dateline's city is a place, not the speaker
        words = [w for w in fold(text[start:m.start_char]).replace("'", " ").split() if w.strip(_PUNCT)]
        if len(words) > 2 or any(w.strip(_PUNCT) not in _DETERMINERS for w in words):
            return None
        if m.actor.country or m.actor.kind == "igo":
            return m.actor
    return None


def bare_titles(gazetteer, doc, mentions: list, text: str | None = None) -> list[tuple[int, int, str, str, str]]:
    """(token start, token end, kind, text, entry name) of title-like words with no country that
    the gazetteer did not turn into actors, introduced by an article (or opening the unit) and
    not followed by a complement ("le porte-parole du club"). ``text``: ``doc.text`` if known."""
    if gazetteer is None:
        return []
    taken = {i for m in mentions for i in range(m.start, m.end)}
    out = []
    for hit in gazetteer.find(doc.text if text is None else text):
        entry = hit.entry
        if entry.country or entry.kind not in TITLE_LIKE_KINDS:
            continue
        span = doc.char_span(hit.start, hit.end, alignment_mode="expand")
        if span is None or any(i in taken for i in range(span.start, span.end)):
            continue
        if fold(span.text) in _GENERIC:
            continue
        prev = fold(doc[span.start - 1].text).rstrip("'") if span.start > 0 else ""
        if span.start > 0 and prev not in _DETERMINERS and not doc[span.start - 1].is_punct:
            continue  # "club spokesman", "Apple's president", "l'ancien ministre"
        nxt = fold(doc[span.end].text).rstrip("'") if span.end < len(doc) else ""
        if nxt in _COMPLEMENT or nxt == "'s":
            continue
        out.append((span.start, span.end, entry.kind, span.text, entry.name))
    return out


def title_entries(gazetteer, text: str, start_char: int, end_char: int) -> tuple[str, ...]:
    """Names of the gazetteer titles inside [start_char, end_char) of ``text`` ("Government" for
    "la Présidence", "Ministry of foreign affairs" + "Spokesperson" for "Foreign Ministry
    spokesman"): what a countryless title is, to find it elsewhere in the article."""
    return tuple(h.entry.name for h in gazetteer.find(text)
                 if start_char <= h.start and h.end <= end_char and h.entry.kind in TITLE_LIKE_KINDS)


def coref_mentions(unit, gazetteer, resolver) -> list:
    """The unit's actor mentions with their state resolved from the article where the sentence
    does not give it (``resolver``: rules.discourse.UnitResolver, or None for none):
    - a title without a country ("the PMO", "le ministère des AE") and a bare title word ("the
      spokeswoman", "la présidence") get the state of that title elsewhere in the article, else of
      the context (rules.discourse.Discourse.title_state); bare titles become weak mentions;
    - a person introduced earlier ("M. Li", "Geng") and a subject pronoun ("il", "she") become
      weak mentions of their state.
    Without a resolution, mentions stay as they are (a bare title is never a denier)."""
    mentions = unit.mentions()
    if resolver is None:
        return mentions
    from dementi.rules.gazetteer import ActorMention

    countryless = [m for m in mentions if m.actor.country is None and m.actor.kind in TITLE_LIKE_KINDS]
    bare = bare_titles(gazetteer, unit.doc, mentions, unit.text)
    extra = resolver.people(unit, mentions) + resolver.pronouns(unit, mentions)
    if not countryless and not bare and not extra:
        return mentions
    out = []
    for m in mentions:
        if m in countryless:
            state = resolver.title_state(title_entries(gazetteer, unit.text, m.start_char, m.end_char), m.start_char)
            if state is not None:
                m = replace(m, actor=_resolved(state, m.actor.kind, m.actor.text))
        out.append(m)
    for start, end, kind, text, entry in bare:
        first, last = unit.doc[start], unit.doc[end - 1]
        state = resolver.title_state((entry,), first.idx, home=False)
        if state is not None:
            out.append(ActorMention(start, end, _resolved(state, kind, text), first.idx, last.idx + len(last.text),
                                    weak=True))
    taken = {i for m in out for i in range(m.start, m.end)}
    for start, end, actor in extra:
        if not any(i in taken for i in range(start, end)):
            first, last = unit.doc[start], unit.doc[end - 1]
            out.append(ActorMention(start, end, actor, first.idx, last.idx + len(last.text), weak=True))
    return sorted(out, key=lambda m: m.start)


def _resolved(state: Actor, kind: str, text: str | None) -> Actor:
    return Actor(name=state.name, country=state.country, kind=kind, text=text, code=state.code)


class _Found:
    """A gazetteer hit on a plain string, shaped like a mention for :func:`opening_actor`."""

    __slots__ = ("start_char", "actor")

    def __init__(self, start_char: int, actor: Actor):
        self.start_char, self.actor = start_char, actor


def may_hold_actor(gazetteer, text: str) -> bool:
    """Cheap pre-spaCy test: can an ``actor`` condition hold on ``text``? True when the text has a
    state-actor mention OR a title-like word without country (which the article context may
    resolve, see :func:`coref_mentions`). False means no actor can be found there, whatever the
    context. One gazetteer scan; no tokenisation."""
    if gazetteer is None:
        return True
    hits = gazetteer.find(text)
    if not hits:
        return False
    if any(h.entry.kind in TITLE_LIKE_KINDS and not h.entry.country for h in hits):
        return True
    return bool(gazetteer.find_actors(text))
