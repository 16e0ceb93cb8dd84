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
from dementi.rules.context import TITLE_LIKE_KINDS, _Found, _body_start, dateline_end, opening_actor
from dementi.rules.segment import Segment, sentences
from dementi.rules.folding import fold

__all__ = ["Discourse", "Person", "UnitResolver"]

# A capitalised word (Latin, Latin-1, Cyrillic, Greek capitals), then up to three more, particles
# allowed between them ("Geng Shuang", "Luiz Inácio Lula da Silva", "Мария Захарова"). Written out
# as one literal: stdlib re only gets literal patterns (tests/reliability/test_security_source.py).
NAME = re.compile(r"[A-Z\u00C0-\u00DE\u0400-\u042F\u0391-\u03A9][\w'’\-]*\.?(?:[ \u00A0]+(?:(?:de|da|do|dos|das|van|"
                  r"von|der|den|bin|ibn|ben|al|el|del|di|du|la|le)[ \u00A0]+)?[A-Z\u00C0-\u00DE\u0400-\u042F\u0391-\u03A9]"
                  r"[\w'’\-]*\.?){0,3}")
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
    weak: bool = False  # introduced by a bare title word ("le président X"): no home-state fallback


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


class _Para:
    """One paragraph of the body (or the title), scanned on demand: one gazetteer scan serves
    all its sentences."""

    __slots__ = ("pos", "index", "text", "_folded", "_actors", "_hits", "_sentences")

    def __init__(self, pos: int, index: int, text: str):
        self.pos, self.index, self.text = pos, index, text
        self._folded = self._actors = self._hits = self._sentences = None

    def may_mention(self, gazetteer, names) -> bool:
        return gazetteer.may_mention(names, self.text)

    def actors(self, gazetteer):
        if self._actors is None:
            self._actors = gazetteer.find_actors(self.text)
        return self._actors

    def hits(self, gazetteer):
        if self._hits is None:
            self._hits = gazetteer.find(self.text)
        return self._hits

    def sentences(self) -> list["_Sentence"]:
        if self._sentences is None:
            if self.pos < 0:
                self._sentences = [_Sentence(self, 0, len(self.text))]
            else:
                self._sentences = [_Sentence(self, seg.start, seg.end)
                                   for seg in sentences(self.text, [Segment(0, len(self.text), 0)])]
        return self._sentences


class _Sentence:
    __slots__ = ("para", "start", "end", "_opener")

    def __init__(self, para: _Para, start: int, end: int):
        self.para, self.start, self.end = para, start, end
        self._opener = False

    @property
    def pos(self) -> int:
        return self.para.pos + self.start if self.para.pos >= 0 else -1

    @property
    def paragraph(self) -> int:
        return self.para.index

    @property
    def text(self) -> str:
        return self.para.text[self.start:self.end]

    def actors(self, gazetteer):
        off = self.start
        return [(s - off, e - off, a, w) for s, e, a, w in self.para.actors(gazetteer) if off <= s and e <= self.end]

    def opener(self, gazetteer) -> Actor | None:
        if self._opener is False:
            actors = self.actors(gazetteer)
            self._opener = opening_actor(self.text, [_Found(s, a) for s, _e, a, _w in actors]) if actors else None
        return self._opener


class Discourse:
    """Lazy: each question scans only the paragraphs that can answer it (the nearest earlier
    sentences for a topic, paragraphs holding one of a title's aliases for an office, those
    holding a name for a person), so an article costs a few paragraph scans, not a full scan."""

    def __init__(self, gazetteer, title: str, body: str, paragraphs: list):
        self.gazetteer = gazetteer
        self.title, self.body = title, body
        self._paras = [_Para(seg.start, k, body[seg.start:seg.end]) for k, seg in enumerate(paragraphs)]
        self._title = _Para(-1, -1, title) if title else None
        self._offices: dict[tuple[str, ...], list[tuple[int, Actor]]] = {}
        self._persons: dict[str, list[Person]] = {}
        self._dateline: Actor | None | bool = False
        self._home: Actor | None | bool = False

    def _where(self, test) -> list[_Para]:
        """The title and the body paragraphs whose text passes ``test``."""
        return [p for p in ([self._title] if self._title is not None else []) + self._paras if test(p.text)]

    def _earlier(self, pos: int):
        """Body sentences before ``pos``, nearest first."""
        for para in reversed(self._paras):
            if para.pos >= pos:
                continue
            for sent in reversed(para.sentences()):
                if sent.pos < pos:
                    yield sent

    # ------------------------------------------------------------------ topics and dateline
    @property
    def dateline(self) -> Actor | None:
        """The state of a dateline city: "ISLAMABAD, Jan 22:", "LONDON, August 31.", "Paris (AFP) -"."""
        if self._dateline is False:
            self._dateline = None
            if self._paras:
                first = self._paras[0].sentences()[0]
                cut = dateline_end(first.text)
                for s, _e, actor, _w in first.actors(self.gazetteer) if cut else ():
                    if s < cut and actor.country:
                        self._dateline = actor
                        break
        return self._dateline

    def topic(self, pos: int, paragraph: int | None = None, reach: int | None = None) -> Actor | None:
        """The state the nearest earlier sentence opens with (its paragraph first); ``reach``:
        look back at most that many sentences."""
        gaz = self.gazetteer
        later = []
        for n, sent in enumerate(self._earlier(pos)):
            if reach is not None and n >= reach:
                break
            if paragraph is not None and sent.paragraph != paragraph:
                later.append(sent)
                continue
            if sent.opener(gaz) is not None:
                return sent.opener(gaz)
        for sent in later:
            if sent.opener(gaz) is not None:
                return sent.opener(gaz)
        return None

    def first_topic(self) -> Actor | None:
        for para in self._paras:
            for sent in para.sentences():
                if sent.opener(self.gazetteer) is not None:
                    return sent.opener(self.gazetteer)
        return None

    # ------------------------------------------------------------------ offices
    def _office_sightings(self, entries: tuple[str, ...]) -> list[tuple[int, Actor]]:
        found = self._offices.get(entries)
        if found is not None:
            return found
        found = self._offices[entries] = []
        gaz = self.gazetteer
        for para in self._where(lambda text: gaz.may_mention(entries, text)):
            text, actors, hits = para.text, para.actors(gaz), para.hits(gaz)
            for s, e, actor, _w in actors:
                names = {h.entry.name for h in hits if s <= h.start and h.end <= e and h.entry.kind in TITLE_LIKE_KINDS}
                if not names.intersection(entries):
                    continue
                where = para.pos + s if para.pos >= 0 else -1
                if actor.country or actor.kind == "igo":
                    if _speaking_position(text, s):
                        found.append((where, actor))
                else:
                    placed = self._placed(text, e, actors) or self._nationals_abroad(text, e)
                    if placed is not None:
                        found.append((where, _as(placed, actor)))
        return found

    def _nationals_abroad(self, text: str, end: int) -> Actor | None:
        """ "le ministère des Affaires étrangères, de la Migration et des TUNISIENS à l'étranger",
        "Ministry of Foreign Affairs and Senegalese Abroad": the ministry's own name ends on its
        nationals living abroad, whose demonym gives its state."""
        m = _NATIONALS_ABROAD.match(text, end)
        if not m:
            return None
        word = m.group(1)
        for h in self.gazetteer.find(word):
            if h.entry.kind == "demonym" and h.entry.country and h.end - h.start == len(word):
                return Actor(name=h.entry.name, country=h.entry.country, kind="demonym", text=word, code=h.entry.country)
        return None

    def home_state(self) -> Actor | None:
        """The one state whose own institutions (a ministry, office, seat, leader or spokesperson,
        not an envoy abroad) the article names anywhere, in any position: "la Cancillería
        argentina" in the headline, "джерела в Офісі Президента України" at the end. The last
        resort for a countryless title; two such states leave it unresolved."""
        if self._home is False:
            self._home = None
            states: dict[str, Actor] = {}
            for para in ([self._title] if self._title is not None else []) + self._paras:
                for _s, _e, actor, weak in para.actors(self.gazetteer):
                    if actor.country and actor.kind in _HOME_KINDS and not weak:
                        states.setdefault(actor.country, actor)
            if len(states) == 1:
                self._home = next(iter(states.values()))
        return self._home

    @staticmethod
    def _placed(text: str, end: int, actors) -> Actor | None:
        """ "the Prime Minister's Office IN Jerusalem": the capital/seat right after a title."""
        m = re.match(r"\s+(?:in|à|au|en|em)\s+", text[end:end + 6] + " ")
        if not m:
            return None
        for s, _e, actor, _w in actors:
            if s == end + m.end() and actor.kind in ("capital", "seat") and actor.country:
                return actor
        return None

    def office(self, entries, pos: int) -> Actor | None:
        """A title seen with its state elsewhere in the article: nearest earlier, else first later."""
        seen = self._office_sightings(tuple(sorted(entries)))
        if not seen:
            return None
        earlier = [item for item in seen if item[0] <= pos]
        return (max(earlier, key=lambda x: x[0]) if earlier else min(seen, key=lambda x: x[0]))[1]

    def title_state(self, entries, pos: int, paragraph: int | None = None, home: bool = True) -> Actor | None:
        """The state of a title without one ("the spokeswoman", "la présidence"): the same title
        seen with its state in the article, else the nearest earlier sentence opening with a state
        (its paragraph first), else the title, else the dateline. For the title itself: the same
        title in the body, else the first body sentence opening with a state, else the dateline."""
        found = self.office(entries, pos) if entries else None
        if found is None:
            found = self.topic(pos, paragraph) if pos >= 0 else self.first_topic()
        if found is None and pos >= 0 and self._title is not None:
            found = self._title.sentences()[0].opener(self.gazetteer)
        if found is None:
            found = self.dateline
        if found is None and home:
            found = self.home_state()
        return found

    # ------------------------------------------------------------------ persons
    def repeated(self, word: str) -> bool:
        """Cheap gate (no scan): the word occurs at least twice in the article; a person referred
        to by name was introduced somewhere else first."""
        stem = word[:max(4, len(word) - 2)] if not word.isascii() else word
        return self.body.count(stem) + self.title.count(stem) >= 2

    def _persons_named(self, word: str) -> list[Person]:
        """Persons introduced in the article whose name holds ``word`` (scans only the sentences
        where the word occurs)."""
        key = fold(word.strip(".,"))
        found = self._persons.get(key)
        if found is not None:
            return found
        found = self._persons[key] = []
        stem = _stem(key)
        bare = word.strip(".,")
        probe = bare[:max(4, len(bare) - 2)] if not bare.isascii() else bare
        for para in self._where(lambda text: probe in text):
            for person in self._introductions(para):
                keys = name_keys(person.name)
                if key in keys or stem in {_stem(k) for k in keys}:
                    found.append(person)
        return found

    def _introductions(self, para: _Para) -> list[Person]:
        """Persons a paragraph introduces next to an actor mention of a title: "Foreign Ministry
        spokesman Geng Shuang", "le porte-parole de la diplomatie chinoise, Li Wei", "the President
        of Zambia, Dr. Kenneth Kaunda", "Boris Johnson, le Premier ministre britannique"."""
        gaz, text = self.gazetteer, para.text
        actors = para.actors(gaz)
        if not actors:
            return []
        hits = para.hits(gaz)
        out = []
        for s, e, actor, weak in actors:
            entries = tuple(h.entry.name for h in hits if s <= h.start and h.end <= e and h.entry.kind in TITLE_LIKE_KINDS)
            if not entries:
                continue
            where = para.pos + s if para.pos >= 0 else -1
            after = text[e:e + 3]
            skip = len(after) - len(after.lstrip(" ,\u00A0"))
            if 0 < skip <= 2 and after.lstrip(" ,\u00A0")[:1].isupper():
                found = _name_at(text, e + skip)
                if found and not _overlaps(actors, *found):
                    out.append(Person(text[found[0]:found[1]], where, actor, entries, bool(weak)))
            head = text[max(0, s - 60):s]
            m = re.search(r"([^,;:()«»\"“”.!?]+),\s*(?:(?:the|le|la|l'|l’|el|der|die|il|o|a)\s+)?$", head)
            if m:
                name_part = m.group(1).strip()
                start = s - len(head) + head.index(name_part, m.start(1))
                found = _name_at(text, start)
                if found and found == (start, start + len(name_part)) and not _overlaps(actors, *found):
                    out.append(Person(name_part, where, actor, entries, bool(weak)))
        return out

    def state_of(self, person: Person) -> Actor | None:
        """The person's state: their office's country, else the office resolved like a bare title."""
        if person.actor.country or person.actor.kind == "igo":
            return person.actor
        return self.title_state(person.title_entries, person.pos, None, home=not person.weak)

    def person(self, word: str, pos: int) -> tuple[Person, Actor] | None:
        """The person a name or surname refers to (nearest earlier introduction, else the first
        later one) with their resolved state, or None."""
        found = self._persons_named(word)
        if not found:
            return None
        earlier = [p for p in found if p.pos <= pos]
        person = max(earlier, key=lambda p: p.pos) if earlier else min(found, key=lambda p: p.pos)
        state = self.state_of(person)
        return (person, state) if state is not None else None


def _overlaps(actors, start: int, end: int) -> bool:
    return any(s < end and start < e for s, e, _a, _w in actors)


def _as(state: Actor, title: Actor) -> Actor:
    """The title's actor with the state's country (and organisation code)."""
    return Actor(name=state.name, country=state.country, kind=title.kind, text=title.text, code=state.code)


def _speaking_position(text: str, start: int) -> bool:
    """The mention opens its clause: only a few determiners after the sentence start, the
    dateline or a punctuation mark ("La présidence du Sénégal dément", "In a statement, X said")."""
    cut = _body_start(text)
    head = text[cut:start] if start >= cut else text[:start]
    tail = re.split(r"[,;:«»\"“”()\u2014\u2013.!?]", head)[-1]
    words = [w for w in fold(tail).replace("'", " ").split() if w]
    return len(words) <= 2 and all(w in _OPENING_WORDS for w in words)


_HOME_KINDS = frozenset({"ministry", "office", "seat", "leader", "spokesperson"})
_NATIONALS_ABROAD = re.compile(
    r"(?:,? (?:de la|du|de l'|de l’|des|et de la|et du|et des|and|and of|of|y de|e de)\s[^,.;:!?«»\"]{0,40}?)?"
    r"\s*(?:et des|des|and|and for|y de los|e dos) ([A-ZÀ-Þ][\w’'-]+) (?i:à l'étranger|à l’étranger|de l'extérieur|"
    r"de l’extérieur|résidant à l'étranger|résidant à l’étranger|abroad|overseas|living abroad|en el exterior|"
    r"no exterior|residentes en el exterior)")
_OPENING_WORDS = frozenset("le la l les un une the a an el los las lo der die das den il gli o os as "
                           "and et y und e и".split())




_EXPLETIVE = re.compile(r"\s*(?:y|n'y|ne y|faut|s'agit|s'agirait|existe|n'existe|est|n'est|etait|n'etait|semble|"
                        r"parait|convient|importe|reste|suffit|manque|ne s'agit|ne faut|n'en)(?:\W|$)")
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

    def title_state(self, entries, char: int, home: bool = True) -> Actor | None:
        """``home``: fall back on the article's one home state (Discourse.home_state); not for a
        bare title word ("the president", "le roi"), which may be anyone's."""
        return self.discourse.title_state(entries, self._pos(char), self.paragraph if self.field == "body" else None, home)

    def people(self, unit, mentions) -> list[tuple[int, int, Actor]]:
        """Weak mentions for persons the article introduced: "M. Li", "Geng", "Kaunda"."""
        d = None
        words = []
        for m in _CAPITALISED.finditer(unit.text):
            word = m.group(0).rstrip(".")
            if len(word) < 2 or fold(word) in _NOT_NAMES:
                continue
            d = d or self.discourse
            if d.repeated(word):  # cheap: a name referred to was introduced elsewhere first
                words.append((m.start(), m.start() + len(word)))
        if not words:
            return []
        doc = unit.doc
        taken = {i for m in mentions for i in range(m.start, m.end)}
        next_to = {m.end for m in mentions}   # "US President Donald Trump": the title's mention speaks
        out = []
        for start_char, end_char in words:
            span = doc.char_span(start_char, end_char, alignment_mode="expand")
            if span is None or len(span) != 1 or span.start in taken:
                continue
            tok = span[0]
            if tok.i in next_to or (tok.i - 1 in next_to and doc[tok.i - 1].text == ","):
                next_to.add(tok.i + 1)
                continue
            found = d.person(tok.text, self._pos(tok.idx))
            if found is None:
                continue
            person, state = found
            start = tok.i
            if start > 0 and _HONORIFIC.match(doc[start - 1].text + " "):
                start -= 1
            if out and out[-1][1] >= start:       # "Geng Shuang": one mention for both words
                out[-1] = (out[-1][0], tok.i + 1, out[-1][2])
                continue
            out.append((start, tok.i + 1, _as(state, Actor(name=state.name, kind=person.actor.kind,
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
            if low in ("il", "-il") and _EXPLETIVE.match(fold(unit.text[tok.idx + len(tok.text):tok.idx + 30])):
                continue  # "il n'y a", "il faut", "il est faux": nobody speaks
            state = self._recent_topic(self._pos(tok.idx))
            if state is not None:
                out.append((tok.i, tok.i + 1, _as(state, Actor(name=state.name, kind=state.kind, text=tok.text))))
        return out

    def _recent_topic(self, pos: int) -> Actor | None:
        return self.discourse.topic(pos, None, reach=_PRONOUN_REACH) if pos >= 0 else None

    def may_speak(self, text: str) -> bool:
        """Pre-spaCy test for a unit with no gazetteer hit: could a person introduced earlier or a
        pronoun standing for a recent state speak in it ("…," Zhao said; «…», a ajouté M. Li)?"""
        from dementi.rules.role_words import PRONOUNS, words

        pronouns = words(PRONOUNS, self.lang)
        for m in _WORDS.finditer(text):
            word = m.group(0)
            if word.lower() in pronouns:
                if self._recent_topic(self._pos(m.start())) is not None:
                    return True
            elif word[:1].isupper() and len(word) > 1 and fold(word.rstrip(".")) not in _NOT_NAMES \
                    and self.discourse.repeated(word.rstrip(".")):
                if self.discourse.person(word, self._pos(m.start())) is not None:
                    return True
        return False


_WORDS = re.compile(r"-?[\w'’.-]+")
_CAPITALISED = re.compile(r"(?<![\w'’-])[A-Z\u00C0-\u00DE\u0400-\u042F\u0391-\u03A9][\w'’-]*\.?")
