"""Story identity features of an alert, computed in the detect step (pure: no Kafka, no I/O).

Two alerts belong to one story when one denier denies or refuses the same thing. What "the same
thing" is gets compared through features of the claim's text: the headline, the lead (first
sentences of the body) and the evidence sentence. Like EMM's cross-lingual story linking, the
features that survive translation do the linking across languages:

- ``actors``: codes of the states and organisations named, demonyms included ("Norwegian",
  "norvégien", "norwegischen" -> NOR), from the same gazetteer as the rules;
- ``numbers``: quantities ("300 drones", "40 000"), years (y2019), months (m11) and days of a
  month (d14), number words 2..12 in fr/en/es/de;
- ``concepts``: multilingual concept ids (``rules.concepts``: submarine, talks, embassy...);
- ``names``: other proper names, folded ("Tromsø" -> tromso, "Scarborough"): used across
  languages only, since in German every noun is capitalised;
- ``words``: content words of the language, for rewordings of one dispatch in one language.

``assign_story_keys`` files all the alerts of one article under one denier (all alerts of one
article about one event are one story), including the case where two rules read
the same sentence with denier and target swapped.
"""

from __future__ import annotations

from dataclasses import replace

import re
from collections import Counter
from functools import lru_cache
from typing import Iterable

from dementi.records import Alert, StoryFeatures
from dementi.rules.concepts import concept_of, concepts_in
from dementi.rules.folding import fold, fold_loose

LEAD_CHARS = 400        # the lead: first sentences of the body, up to this many characters
MAX_WORDS = 40          # content words kept per alert
MAX_WORD = 24           # letters kept per word (stories compare prefixes, see rules.stories)

_TOKEN = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:[ ,.\u00a0\u202f]\d{3})+|\d+(?:[.,]\d+)?)(?![\d])")
_SENTENCE_END = re.compile(r"(?<=[.!?»\"”])\s+(?=[«\"“A-ZÀ-ÖØ-Þ0-9])")

MONTHS = {
    1: ("january", "jan", "janvier", "enero", "januar", "janner"),
    2: ("february", "feb", "fevrier", "febrero", "februar"),
    3: ("march", "mars", "marzo", "marz"),
    4: ("april", "avril", "abril"),
    5: ("may", "mai", "mayo"),
    6: ("june", "juin", "junio", "juni"),
    7: ("july", "juillet", "julio", "juli"),
    8: ("august", "aout", "agosto"),
    9: ("september", "sept", "septembre", "septiembre", "setiembre"),
    10: ("october", "oct", "octobre", "octubre", "oktober"),
    11: ("november", "nov", "novembre", "noviembre"),
    12: ("december", "dec", "decembre", "diciembre", "dezember"),
}
MONTH_OF = {name: m for m, names in MONTHS.items() for name in names}
NUMBER_WORDS = {
    2: ("two", "deux", "dos", "zwei"), 3: ("three", "trois", "tres", "drei"), 4: ("four", "quatre", "cuatro", "vier"),
    5: ("five", "cinq", "cinco", "funf"), 6: ("six", "seis", "sechs"), 7: ("seven", "sept", "siete", "sieben"),
    8: ("eight", "huit", "ocho", "acht"), 9: ("nine", "neuf", "nueve", "neun"), 10: ("ten", "dix", "diez", "zehn"),
    11: ("eleven", "onze", "once", "elf"), 12: ("twelve", "douze", "doce", "zwolf", "dozen", "douzaine", "docena"),
}
NUMBER_OF = {w: n for n, words in NUMBER_WORDS.items() for w in words}
# "may", "mars", "sept", "dos", "once", "elf" are also ordinary words: counted only where they can be
AMBIGUOUS_MONTHS = {"may": "en", "mars": "fr", "mai": "fr", "sept": "fr", "dec": "en", "oct": "en", "jan": "en"}
AMBIGUOUS_NUMBERS = {"dos": "es", "once": "es", "elf": "de", "sept": "fr", "six": "fr", "neuf": "fr", "acht": "de",
                     "tres": "es", "dix": "fr"}

# Words every denial or refusal report has, whatever the event: they must not make two events look alike.
BOILERPLATE = {
    "en": """deny denies denied denying denial denials reject rejects rejected rejecting dismiss dismissed
        dismisses refuse refused refuses refusal decline declined declines claim claims claimed allegation
        allegations alleged accusation accusations accused accuse report reports reported reporting
        newspaper newspapers media outlet outlets article story stories said says told statement spokesman
        spokeswoman spokesperson official officials ministry minister foreign affairs government office
        department state secretary president prime premier baseless groundless unfounded false fabrication
        invention nonsense inaccurate untrue week weekend today yesterday tuesday wednesday thursday friday
        saturday sunday monday last next month earlier later would could will also again after before
        according calling called call attend join take part sign signed participate boycott boycotts
        boycotted boycotting snub snubs snubbed skip skips decision decided announced announce""",
    "fr": """dement dementi dementent dementait dementir dementis rejette rejete rejeter rejetee refuse refuser
        refus refusee refusent accusation accusations allegation allegations affirmations affirmation
        informations information rapport article journal journaux presse medias media site sites declare
        declaration indique annonce affirme selon lesquelles lequel laquelle lesquels porte-parole ministere
        ministre affaires etrangeres gouvernement bureau president premier sans fondement denue denuee
        denuees fausse faux infonde infondee mensonge invention lundi mardi mercredi jeudi vendredi samedi
        dimanche semaine prochaine dernier derniere hier aujourd'hui encore apres avant aurait auraient serait
        seraient participera participer rendra signer signera joindre boycott boycotter boycottera boudera
        bouder decision decide annonce""",
    "es": """desmiente desmintio desmentir desmentido niega nego negar rechaza rechazo rechazar acusacion
        acusaciones afirmacion afirmaciones informaciones informacion informe periodico diario medios
        articulo segun cual cuales portavoz ministerio ministro asuntos exteriores gobierno oficina
        presidente falso falsa infundado infundada lunes martes miercoles jueves viernes sabado domingo
        semana proxima pasado ayer habria habrian haya hayan tambien participara participar firmara firmar
        boicot boicotear boicoteara decision decidio anuncio""",
    "de": """dementiert dementierte dementi dementieren bestreitet bestritt weist zuruck wies zuruckgewiesen
        lehnt lehnte abgelehnt vorwurf vorwurfe behauptung behauptungen bericht berichte berichten angaben
        medienbericht medienberichte zeitung zeitungen medien sprecher sprecherin ministerium minister
        aussenministerium regierung bundesregierung prasident kanzler falsch haltlos unbegrundet montag
        dienstag mittwoch donnerstag freitag samstag sonntag woche nachste letzte gestern heute wonach sei
        seien habe hatten hatte worden teilte mitteilte erklarte sagte teilnehmen unterzeichnen boykott
        boykottiert boykottieren entscheidung entschieden""",
}
# Cities where diplomacy happens, spelled differently across fr/en/es/de (capitals are actors in
# the gazetteer already): folded spelling -> one name, so "Genève" and "Genf" link.
PLACES = {
    "geneva": ("geneva", "geneve", "ginebra", "genf", "ginevra"), "vienna": ("vienna", "vienne", "viena", "wien"),
    "munich": ("munich", "munchen", "muenchen"), "the hague": ("hague", "haye", "haya", "haag"),
    "brussels": ("brussels", "bruxelles", "bruselas", "brussel"), "strasbourg": ("strasbourg", "estrasburgo", "strassburg"),
    "new york": ("new york", "nueva york"), "istanbul": ("istanbul", "estambul"),
    "aswan": ("aswan", "assouan", "asuan", "assuan"), "bishkek": ("bishkek", "bichkek", "biskek", "bischkek"),
    "muscat": ("muscat", "mascate", "maskat"), "doha": ("doha",),
    "sochi": ("sochi", "sotchi", "sochi", "sotschi"), "minsk": ("minsk",), "astana": ("astana",),
    "jeddah": ("jeddah", "djeddah", "yeda", "dschidda"), "riyadh": ("riyadh", "riyad", "riad"),
    "mecca": ("mecca", "la mecque", "la meca", "mekka"), "cairo": ("cairo", "le caire", "el cairo", "kairo"),
    "kyiv": ("kyiv", "kiev", "kiew"), "belgorod": ("belgorod",), "kharkiv": ("kharkiv", "kharkov", "kharkiv", "charkiw", "jarkov"),
    "crimea": ("crimea", "crimee", "krim"), "gaza": ("gaza", "gasa"), "rafah": ("rafah",),
    "taiwan": ("taiwan", "taiwan"), "hong kong": ("hong kong", "hongkong"), "tromso": ("tromso",),
    "bornholm": ("bornholm",), "zhoushan": ("zhoushan",), "scarborough": ("scarborough",),
}
PLACE_OF = {spelling: name for name, spellings in PLACES.items() for spelling in spellings}
_STOP_CACHE: dict[str, frozenset[str]] = {}
_NOT_NAMES = frozenset(fold(w) for w in """The A An In On At Of For And But Le La Les Un Une Des Du De En Au Aux
    Et El Los Las Del Der Die Das Den Dem Ein Eine Und Im Am Mr Mrs Ms Dr President Prime Minister Ministry
    Foreign Affairs Secretary State Department Office Government Spokesman Spokeswoman Spokesperson
    Ministère Ministre Affaires Étrangères Premier Président Gouvernement Ministerio Ministro Asuntos
    Exteriores Gobierno Presidente Departamento Regierung Ministerium Außenministerium Außenminister Kanzler
    Bundesregierung Monday Tuesday Wednesday Thursday Friday Saturday Sunday Lundi Mardi Mercredi Jeudi
    Vendredi Samedi Dimanche Lunes Martes Miércoles Jueves Viernes Sábado Domingo Montag Dienstag Mittwoch
    Donnerstag Freitag Samstag Sonntag This That These It Its Their He She They We I
    Cooperation Organisation Organization Council Union Conference Summit Forum Committee Commission Agency
    National International Security Republic Federal States United Nations World Group Party Forces Army
    Navy Court Democratic People People's Islamic Kingdom Central Assembly Parliament Senate Congress News
    Agency Press Times Post Journal Daily Reuters AFP Xinhua TASS Sputnik Ministre Ministro Minister""".split())


def stop_words(lang: str | None) -> frozenset[str]:
    """spaCy's stop words of ``lang`` (no model needed) plus the boilerplate of denial news, folded."""
    key = lang or "xx"
    cached = _STOP_CACHE.get(key)
    if cached is None:
        words: set[str] = set()
        try:
            import importlib

            module = importlib.import_module(f"spacy.lang.{key}.stop_words")
            words = {fold(w) for w in module.STOP_WORDS}
        except (ImportError, AttributeError):
            pass
        for text in BOILERPLATE.values():  # cue words of any language never count as content
            words.update(text.split())
        cached = _STOP_CACHE[key] = frozenset(words)
    return cached


def lead(body: str, limit: int = LEAD_CHARS) -> str:
    """The first sentences of the body, at most ``limit`` characters (news leads summarise the event)."""
    text = _squeezed_prefix(body, limit * 2)
    out = ""
    for sentence in _SENTENCE_END.split(text):
        if out and len(out) + len(sentence) > limit:
            break
        out = f"{out} {sentence}".strip()
    return out[:limit]


def _squeezed_prefix(body: str, n: int) -> str:
    """``" ".join(body.split())[:n]`` without splitting the whole body (an article is thousands of
    characters, the lead a few hundred): squeezing a prefix of the body gives a prefix of the
    squeezed body (its last word possibly cut), so a long enough raw prefix is enough."""
    raw = 2 * n
    while True:
        squeezed = " ".join(body[:raw].split())
        if len(squeezed) >= n or raw >= len(body):
            return squeezed[:n]
        raw *= 2


def _number(raw: str) -> float | None:
    s = raw.replace("\u00a0", " ").replace("\u202f", " ")
    if re.fullmatch(r"\d{1,3}(?:[ ,.]\d{3})+", s):
        return float(re.sub(r"[ ,.]", "", s))
    try:
        return float(s.replace(",", "."))
    except ValueError:
        return None


_LONG_MONTHS = tuple(name for name in MONTH_OF if len(name) > 3)  # folded once, not per number


def numbers_in(text: str, words: list[str], lang: str | None) -> set[str]:
    out: set[str] = set()
    months_near: set[int] = set()
    for i, w in enumerate(words):
        month = MONTH_OF.get(w)
        if month and (w not in AMBIGUOUS_MONTHS or AMBIGUOUS_MONTHS[w] == lang):
            out.add(f"m{month}")
            months_near.add(i)
        n = NUMBER_OF.get(w)
        if n and (w not in AMBIGUOUS_NUMBERS or AMBIGUOUS_NUMBERS[w] == lang):
            out.add(f"q{n}")
    for m in _NUMBER.finditer(text):
        value = _number(m.group(1))
        if value is None:
            continue
        after = text[m.end():m.end() + 14].lower()
        before = text[max(0, m.start() - 12):m.start()].lower()
        if value.is_integer() and 1900 <= value <= 2100:
            out.add(f"y{int(value)}")
        elif value.is_integer() and 1 <= value <= 31 and (
                fold(after).lstrip(". ").startswith(_LONG_MONTHS) or fold(before).rstrip(" ,").endswith(_LONG_MONTHS)):
            out.add(f"d{int(value)}")
        else:
            out.add(f"q{value:g}")
    return out


_ELISION = re.compile(r"^(?:l|d|qu|s|n|j|c|m|t|lorsqu|puisqu|jusqu)'")


def _words(folded: str) -> list[str]:
    """Words of a folded text: French elisions dropped (l'envoi -> envoi), hyphenated compounds
    split (U-Boot-Bericht -> u, boot, bericht) as well as kept whole."""
    out: list[str] = []
    for token in _TOKEN.findall(folded):
        out.extend(_token_words(token))
    return out


@lru_cache(maxsize=1 << 16)  # news words repeat: every alert's text is split into words twice
def _token_words(token: str) -> tuple[str, ...]:
    token = token.strip("'’-").replace("’", "'")
    if "'" in token:
        token = _ELISION.sub("", token)
    out = [p for p in token.split("-") if p] if "-" in token else []
    if token:
        out.append(token)
    return tuple(out)


def _hits_by_part(gazetteer, parts: list[str]):
    """Gazetteer hits of "\\n".join(parts), found part by part: the title and the evidence
    sentence were already scanned by the engine (the gazetteer caches hits per text), so only the
    lead and the quote cost a scan here."""
    off = 0
    for part in parts:
        for hit in gazetteer.find(part):
            yield hit if not off else replace(hit, start=hit.start + off, end=hit.end + off)
        off += len(part) + 1


def features(title: str, sentence: str, body: str, quote: str | None, lang: str | None,
             gazetteer=None) -> StoryFeatures:
    """The story features of one alert (``key`` is set per article by ``assign_story_keys``)."""
    parts = list(dict.fromkeys(p for p in (title, sentence if sentence not in (title, "") else "", lead(body),
                                           quote or "") if p))
    text = "\n".join(parts)  # the evidence is often the lead: once is enough
    actors: set[str] = set()
    people: set[str] = set()  # leaders the gazetteer knows ("Lavrov") are names too: they link translations
    masked = text
    if gazetteer is not None:
        chars = list(text)
        for hit in _hits_by_part(gazetteer, parts):
            code = hit.entry.org or hit.entry.country
            if code:
                actors.add(code)
            if hit.entry.kind == "leader":
                surname = _words(fold_loose(text[hit.start:hit.end]))
                if surname and len(surname[-1]) >= 3 and surname[-1] not in _NOT_NAMES:
                    people.add(surname[-1])
            for i in range(hit.start, hit.end):  # actor words are neither names nor content words
                chars[i] = " "
        masked = "".join(chars)
    folded = fold_loose(masked)
    words = _words(folded)
    full = fold_loose(text)
    full_words = _words(full)
    stop = stop_words(lang)
    content = [w for w in words if len(w) >= 4 and w not in stop and not w.isdigit()
               and w not in MONTH_OF and w not in NUMBER_OF]
    stems = list(dict.fromkeys(w[:MAX_WORD] for w in content))[:MAX_WORDS]
    concepts = concepts_in(full, full_words, lang)
    names = ({n for n in proper_names(masked, title) if concept_of(n, lang) is None} | places_in(full, full_words)
             | people)
    # concepts from the whole text: "l'ambassade de France" is an actor AND names an embassy
    return StoryFeatures(actors=sorted(actors), names=sorted(names),
                         numbers=sorted(numbers_in(text, full_words, lang)),
                         concepts=sorted(concepts), words=stems)


def places_in(folded: str, words: list[str]) -> set[str]:
    found = {PLACE_OF[w] for w in words if w in PLACE_OF}
    for spelling, name in PLACE_OF.items():
        if " " in spelling and spelling in folded:
            found.add(name)
    return found


def proper_names(text: str, title: str) -> set[str]:
    """Capitalised words that do not start a sentence (nor a Title-Case headline), folded."""
    out: set[str] = set()
    title_case = bool(title) and _title_case(title)
    for line_no, line in enumerate(text.split("\n")):
        if line_no == 0 and title_case:  # the title is the first line when there is one
            continue
        for sentence in _SENTENCE_END.split(line):
            tokens = _TOKEN.findall(sentence)
            for i, token in enumerate(tokens):
                if i == 0 or not token[0].isupper() or len(token) < 3:
                    continue
                for part in token.split("-"):
                    name = _name_of(part)
                    if name:
                        out.add(name)
    return out


@lru_cache(maxsize=1 << 16)  # capitalised words repeat across alerts
def _name_of(part: str) -> str | None:
    """The folded name a capitalised word part stands for (a place's one spelling), None if it is none."""
    name = _ELISION.sub("", fold_loose(part).strip("'’").replace("’", "'"))
    if name.endswith("'s"):
        name = name[:-2]
    if (len(name) >= 3 and part[:1].isupper() and name not in _NOT_NAMES
            and name.rstrip("s") not in _NOT_NAMES and name not in MONTH_OF):
        return PLACE_OF.get(name, name)
    return None


def _title_case(title: str) -> bool:
    words = [w for w in _TOKEN.findall(title) if len(w) > 3]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) / len(words) > 0.6


def lead_denier(alerts: Iterable[Alert]) -> str:
    """The denier code an article's alerts are filed under: the code most of them name, ties broken
    by the alert read first (title before body, then rule order): the headline names who speaks.
    A minority reading (two rules on one sentence, denier and target swapped) follows the lead."""
    alerts = list(alerts)
    votes: Counter = Counter()
    first: dict[str, int] = {}
    order = sorted(range(len(alerts)), key=lambda i: (alerts[i].evidence.field != "title", i))
    for rank, i in enumerate(order):
        a = alerts[i]
        code = a.denier.code if a.denier and a.denier.code else ""
        if not code:
            continue
        votes[code] += 1
        first.setdefault(code, rank)
    if not votes:
        return ""
    return min(votes, key=lambda c: (-votes[c], first[c]))


def assign_story_keys(alerts: list[Alert]) -> list[Alert]:
    """Set ``story.key`` on every alert of ONE article to the article's lead denier (in place)."""
    key = lead_denier(alerts)
    for alert in alerts:
        if alert.story is None:
            alert.story = StoryFeatures()
        alert.story.key = key
    return alerts
