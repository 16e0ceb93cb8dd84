"""Who is who in one article: persons and offices introduced with their state, the state each
sentence opens with, the dateline. Lets a later sentence's speaker be resolved: "M. Li",
"Geng", "the spokeswoman", "la présidence", "il".

WHY document level: wire copy introduces a speaker once ("Foreign Ministry spokesman Geng Shuang
said on Monday…", "le porte-parole de la diplomatie chinoise, Li Wei") and quotes him by surname
or pronoun afterwards («…», a ajouté M. Li). A list of leaders always ages; the article itself
says who is who. Built lazily, once per article, only when a unit needs it (most alerts name
their state in the sentence), from gazetteer scans of each sentence (cached by the gazetteer).

What is learned (positions are character offsets in the body; the title counts as before it):
- persons: a name right after an actor mention ("Foreign Ministry spokesman Geng Shuang",
  "l'ambassadeur américain Robert Wood", "the President of Zambia, Dr. Kenneth Kaunda") or right
  before one in apposition ("Boris Johnson, le Premier ministre britannique"), keyed by full name,
  first and last word (Chinese names put the family name first);
- offices: a title of the gazetteer seen WITH a state in a speaking position (opening a clause:
  "La Présidence de la République du Sénégal dément", "Pakistan's Foreign Office said") or
  followed by "in <capital>" ("the Prime Minister's Office in Jerusalem");
- topics: the state actor each sentence opens with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dementi.records import Actor
from dementi.rules.context import TITLE_LIKE_KINDS, _Found, _body_start, opening_actor
from dementi.rules.textnorm import fold

__all__ = ["Discourse", "Person", "UnitResolver"]

_UPPER = "A-Z\u00C0-\u00DE\u0400-\u042F\u0391-\u03A9"
_WORD = rf"[{_UPPER}][\w'’\-]*\.?"
_PARTICLE = r"(?:de|da|do|dos|das|van|von|der|den|bin|ibn|ben|al|el|del|di|du|la|le)"
NAME = re.compile(rf"{_WORD}(?:[ \u00A0]+(?:{_PARTICLE}[ \u00A0]+)?{_WORD}){{0,3}}")
_HONORIFIC = re.compile(r"^(?:M\.|MM\.|Mme|Mlle|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Herr|Frau|Sr\.|Sra\.|Sig\.|Pr\.?|Prof\.?"
                        r"|Г-н|Г-жа)[ \u00A0]+")
# Capitalised words that are not names (sentence openers, days, months, common headline words).
_NOT_NAMES = frozenset(fold(w) for w in """
    the a an he she it they we i in on at for but and or if as this that these those his her its their there
    le la les l un une il elle ils elles nous on en au aux du des de ce cette ces son sa ses et mais ou si selon
    el los las lo una ella ellos der die das ein eine er sie es und aber
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
    september october november december lundi mardi mercredi jeudi vendredi samedi dimanche janvier fevrier mars
    avril mai juin juillet aout septembre octobre novembre decembre lunes martes miercoles jueves viernes sabado
    domingo enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre montag
    dienstag mittwoch donnerstag freitag samstag sonntag januar februar marz juni juli oktober dezember
    reuters afp ap tass xinhua interfax ria efe ansa dpa kyodo
""".split())
MAX_NAME_WORDS = 4


@dataclass(frozen=True)
class Person:
    name: str
    pos: int            # where the article introduces them (body offset; -1: the title)
    actor: Actor        # the actor mention that gives their office (its country may be None)
    title_entries: tuple[str, ...]


def _name_at(text: str, start: int) -> tuple[int, int] | None:
    """[start, end) of a person name starting at ``start`` (an honorific is skipped), or None."""
    h = _HONORIFIC.match(text, start)
    begin = h.end() if h else start
    m = NAME.match(text, begin)
    if not m:
        return None
    words = list(re.finditer(r"\S+", m.group(0)))
    # trailing words that are not names ("Geng Shuang Monday") are cut
    while words and fold(words[-1].group(0).rstrip(".")) in _NOT_NAMES:
        words.pop()
    if not words or fold(words[0].group(0).rstrip(".")) in _NOT_NAMES or len(words) > MAX_NAME_WORDS:
        return None
    return begin, begin + words[-1].end()


def name_keys(name: str) -> set[str]:
    """Keys a later mention may use: the full name, its first and last words (folded)."""
    words = [fold(w.strip(".,")) for w in name.split()]
    words = [w for w in words if w and w not in _NOT_NAMES]
    keys = {" ".join(words)} if words else set()
    if len(words) >= 2:
        keys |= {words[0], words[-1]}
    return {k for k in keys if len(k) >= 2}


def _stem(word: str) -> str:
    """Crude stem for inflected surnames (Захаровой -> захаров)."""
    w = fold(word)
    if len(w) >= 6 and not w.isascii():
        return w[:-2]
    return w


class Discourse:
    def __init__(self, gazetteer, title: str, body: str, sentences: list):
        self.gazetteer = gazetteer
        self.title, self.body = title, body
        self.sentences = sentences          # body Segments, in order
        self.persons: dict[str, list[Person]] = {}
        self.offices: dict[str, list[tuple[int, Actor]]] = {}
        self.topics: list[tuple[int, int, Actor]] = []   # (sentence start, paragraph, actor)
        self.dateline: Actor | None = None
        self._stems: dict[str, list[Person]] = {}
        self._build()

    # ------------------------------------------------------------------ building
    def _units(self):
        if self.title:
            yield -1, -1, self.title
        for seg in self.sentences:
            yield seg.start, seg.paragraph, self.body[seg.start:seg.end]

    def _build(self) -> None:
        gaz = self.gazetteer
        first_body = True
        for pos, para, text in self._units():
            actors = gaz.find_actors(text)
            if pos >= 0 and first_body:
                first_body = False
                self.dateline = self._dateline(text, actors)
            if not actors:
                continue
            opener = opening_actor(text, [_Found(s, a) for s, _e, a, _w in actors])
            if opener is not None and pos >= 0:
                self.topics.append((pos, para, opener))
            hits = gaz.find(text)
            for s, e, actor, _w in actors:
                entries = tuple(h.entry.name for h in hits
                                if s <= h.start and h.end <= e and h.entry.kind in TITLE_LIKE_KINDS)
                here = pos if pos >= 0 else -1
                self._learn_person(text, s, e, actor, entries, here)
                if not entries:
                    continue
                known = actor if (actor.country or actor.kind == "igo") else self._placed(text, e, actors)
                if known is not None and (known is not actor or _speaking_position(text, s)):
                    for entry in entries:
                        self.offices.setdefault(entry, []).append((here, _as(known, actor)))

    @staticmethod
    def _placed(text: str, end: int, actors) -> Actor | None:
        """ "the Prime Minister's Office IN Jerusalem": the capital/seat right after a title."""
        rest = text[end:end + 6]
        m = re.match(r"\s+(?:in|à|au|en|em)\s+", rest + " ")
        if not m:
            return None
        for s, _e, actor, _w in actors:
            if s == end + m.end() and actor.kind in ("capital", "seat") and actor.country:
                return actor
        return None

    def _dateline(self, text: str, actors) -> Actor | None:
        """The state of a dateline city: "ISLAMABAD, Jan 22:", "LONDON, August 31.", "Paris (AFP) -"."""
        cut = _body_start(text)
        for s, _e, actor, _w in actors:
            if s < cut and actor.country:
                return actor
        return None

    def _learn_person(self, text: str, s: int, e: int, actor: Actor, entries: tuple[str, ...], pos: int) -> None:
        if not entries and actor.kind not in ("leader", "diplomat", "spokesperson", "ministry"):
            return  # a state name ("Kenya, Uganda") is not a person's office
        # after the mention: "spokesman Geng Shuang", "chinoise, Li Wei", "of Zambia, Dr. Kenneth Kaunda"
        after = text[e:e + 3]
        skip = len(after) - len(after.lstrip(" ,\u00A0"))
        if 0 < skip <= 2 and after.lstrip(" ,\u00A0")[:1].isupper():
            found = _name_at(text, e + skip)
            if found and not self._overlaps_actor(text, *found):
                self._add_person(text[found[0]:found[1]], pos, actor, entries)
        # before it, in apposition: "Boris Johnson, le Premier ministre britannique"
        head = text[max(0, s - 60):s]
        m = re.search(r"([^,;:()«»\"“”]+),\s*(?:(?:the|le|la|l'|l’|el|la|der|die|il|o|a)\s+)?$", head)
        if m and entries:
            name_part = m.group(1).strip()
            words = name_part.split()
            if 1 <= len(words) <= MAX_NAME_WORDS and all(w[:1].isupper() for w in words if w.lower() not in
                                                         ("de", "da", "van", "von", "bin", "al", "el", "ben")):
                start = s - len(head) + head.index(name_part, m.start(1))
                found = _name_at(text, start)
                if found and found[1] == start + len(name_part) and not self._overlaps_actor(text, *found):
                    self._add_person(name_part, pos, actor, entries)

    def _overlaps_actor(self, text: str, start: int, end: int) -> bool:
        return any(s < end and start < e for s, e, _a, _w in self.gazetteer.find_actors(text))

    def _add_person(self, name: str, pos: int, actor: Actor, entries: tuple[str, ...]) -> None:
        person = Person(name, pos, actor, entries)
        for key in name_keys(name):
            self.persons.setdefault(key, []).append(person)
            self._stems.setdefault(_stem(key), []).append(person)

    # ------------------------------------------------------------------ resolving
    def state_of(self, person: Person, pos: int | None = None) -> Actor | None:
        """The person's state: their office's country, else the office resolved like a bare title."""
        if person.actor.country or person.actor.kind == "igo":
            return person.actor
        return self.title_state(person.title_entries, person.pos, person.pos)

    def person(self, words: str, pos: int) -> tuple[Person, Actor] | None:
        """The person a name or surname refers to (nearest earlier introduction, else the first
        later one) with their resolved state, or None."""
        key = fold(words.strip(".,"))
        found = self.persons.get(key) or self._stems.get(_stem(key))
        if not found:
            return None
        earlier = [p for p in found if p.pos <= pos]
        person = max(earlier, key=lambda p: p.pos) if earlier else min(found, key=lambda p: p.pos)
        state = self.state_of(person, pos)
        return (person, state) if state is not None else None

    def office(self, entries, pos: int) -> Actor | None:
        """A title seen with its state elsewhere in the article: nearest earlier, else first later."""
        seen = [item for entry in entries for item in self.offices.get(entry, [])]
        if not seen:
            return None
        earlier = [item for item in seen if item[0] <= pos]
        return (max(earlier, key=lambda x: x[0]) if earlier else min(seen, key=lambda x: x[0]))[1]

    def topic(self, pos: int, paragraph: int | None = None) -> Actor | None:
        """The state the nearest earlier sentence opens with (same paragraph first)."""
        earlier = [t for t in self.topics if t[0] < pos]
        if paragraph is not None:
            same = [t for t in earlier if t[1] == paragraph]
            if same:
                return same[-1][2]
        return earlier[-1][2] if earlier else None

    def title_state(self, entries, pos: int, paragraph: int | None = None) -> Actor | None:
        """The state of a title without one ("the spokeswoman", "la présidence"): the same title
        seen with its state in the article, else the nearest earlier sentence opening with a state
        (its paragraph first), else the title, else the dateline. For the title itself: the same
        title in the body, else the first body sentence opening with a state, else the dateline."""
        found = self.office(entries, pos) if entries else None
        if found is None:
            if pos >= 0:
                found = self.topic(pos, paragraph)
            elif self.topics:
                found = self.topics[0][2]
        if found is None and pos >= 0 and self.title:
            found = self._title_opener()
        if found is None:
            found = self.dateline
        return found

    def _title_opener(self) -> Actor | None:
        actors = self.gazetteer.find_actors(self.title)
        return opening_actor(self.title, [_Found(s, a) for s, _e, a, _w in actors]) if actors else None


def _as(state: Actor, title: Actor) -> Actor:
    """The title's actor with the state's country (and organisation code)."""
    return Actor(name=state.name, country=state.country, kind=title.kind, text=title.text, code=state.code)


def _speaking_position(text: str, start: int) -> bool:
    """The mention opens its clause: only a few determiners after the sentence start, the
    dateline or a punctuation mark ("La présidence du Sénégal dément", "In a statement, X said")."""
    cut = _body_start(text)
    head = text[cut:start] if start >= cut else text[:start]
    tail = re.split(r"[,;:«»\"“”()\u2014\u2013]", head)[-1]
    words = [w for w in fold(tail).replace("'", " ").split() if w]
    return len(words) <= 2 and all(w in _OPENING_WORDS for w in words)


_OPENING_WORDS = frozenset("le la l les un une the a an el los las lo der die das den il gli o os as "
                           "and et y und e и".split())




_EXPLETIVE_AFTER = frozenset(fold(w) for w in """y n'y n’y faut s'agit s’agit s'agirait s’agirait existe n'existe n’existe
    est n'est n’est etait n'etait n’etait semble parait convient importe reste suffit manque""".split())
_PRONOUN_REACH = 3  # a pronoun refers to a state opening one of the last sentences, not to any earlier one


class UnitResolver:
    """The article's discourse seen from one unit: unit-local character offsets in, states out.
    ``discourse_fn()`` builds the article's :class:`Discourse` on first use."""

    def __init__(self, discourse_fn, field: str, start: int, paragraph: int, lang: str | None):
        self._discourse_fn, self.field, self.start, self.paragraph, self.lang = discourse_fn, field, start, paragraph, lang
        self._d: Discourse | None = None

    @property
    def discourse(self) -> Discourse:
        if self._d is None:
            self._d = self._discourse_fn()
        return self._d

    def _pos(self, char: int) -> int:
        return self.start + char if self.field == "body" else -1

    def title_state(self, entries, char: int) -> Actor | None:
        return self.discourse.title_state(entries, self._pos(char), self.paragraph if self.field == "body" else None)

    def people(self, unit, mentions) -> list[tuple[int, int, Actor]]:
        """Weak mentions for persons the article introduced: "M. Li", "Geng", "Kaunda"."""
        doc = unit.doc
        taken = {i for m in mentions for i in range(m.start, m.end)}
        candidates = [t for t in doc if t.text[:1].isupper() and t.i not in taken and len(t.text) > 1
                      and fold(t.text.rstrip(".")) not in _NOT_NAMES]
        if not candidates:
            return []
        persons = self.discourse.persons
        if not persons:
            return []
        next_to = {m.end for m in mentions}   # "US President Donald Trump": the title's mention speaks
        out = []
        for tok in candidates:
            if tok.i in next_to or (tok.i - 1 in next_to and doc[tok.i - 1].text == ","):
                next_to.add(tok.i + 1)
                continue
            found = self.discourse.person(tok.text, self._pos(tok.idx))
            if found is None:
                continue
            _person, state = found
            start = tok.i
            if start > 0 and _HONORIFIC.match(doc[start - 1].text + " "):
                start -= 1
            if out and out[-1][1] >= start:       # "Geng Shuang": one mention for both words
                out[-1] = (out[-1][0], tok.i + 1, out[-1][2])
                continue
            out.append((start, tok.i + 1, _as(state, Actor(name=state.name, kind=_person.actor.kind,
                                                          text=doc[start:tok.i + 1].text))))
        return out

    def pronouns(self, unit, mentions) -> list[tuple[int, int, Actor]]:
        """Weak mentions for subject pronouns standing for the state an earlier sentence opened
        with ("Il a démenti…", "…," she said), when the unit names no actor before them."""
        from dementi.rules.role_words import PRONOUNS, words

        pronouns = words(PRONOUNS, self.lang)
        doc = unit.doc
        out = []
        for tok in doc:
            low = tok.lower_
            if low not in pronouns:
                continue
            if any(m.start < tok.i for m in mentions):
                continue  # an actor earlier in the sentence: the parse or the positions decide
            nxt = fold(doc[tok.i + 1].text) if tok.i + 1 < len(doc) else ""
            if low in ("il", "-il") and (nxt in _EXPLETIVE_AFTER or nxt.startswith(("n'y", "n’y"))):
                continue
            state = self._recent_topic(self._pos(tok.idx))
            if state is not None:
                out.append((tok.i, tok.i + 1, _as(state, Actor(name=state.name, kind=state.kind, text=tok.text))))
        return out

    def _recent_topic(self, pos: int) -> Actor | None:
        if pos < 0:
            return None
        d = self.discourse
        earlier = [t for t in d.topics if t[0] < pos]
        if not earlier:
            return None
        starts = [s.start for s in d.sentences]
        here = sum(1 for s in starts if s <= pos)
        there = sum(1 for s in starts if s <= earlier[-1][0])
        return earlier[-1][2] if here - there <= _PRONOUN_REACH else None
