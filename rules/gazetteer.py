"""Actor gazetteer: finds state actors (states, capitals and seats used as metonyms, ministries,
titles, embassies, intergovernmental bodies) in any text, for any spaCy pipeline.

WHY char-level matching instead of a token PhraseMatcher: the same gazetteer must work on
fr_core_news_sm docs, blank pipelines and raw strings, whose tokenisations differ. We match
folded aliases (``rules.folding.fold_name``: lower case, no accents, hyphens as spaces, collapsed
spaces) with Aho-Corasick on the folded text, check word boundaries, and map back to tokens with
``doc.char_span``.

Ambiguity handling (the reason a keyword list is not enough):
- all-caps aliases (US, UN, EU, UE, MFA) are case-sensitive, and ignored in all-caps headlines;
- proper-noun aliases ("Turkey", "Chine") need a capital letter in the text;
- club/company/media compounds ("Spartak Moscou", "Real Madrid", "Washington Post", "Air France")
  are excluded (``exclude``, ``blocked_before``, ``blocked_after`` in the YAML);
- weak titles ("président", "porte-parole", "minister") only count when a neighbouring demonym,
  state or seat gives them a country ("le président russe", "porte-parole du Kremlin"); demonyms
  alone ("le groupe chinois") are never actors.
"""

from __future__ import annotations

import re

from dataclasses import dataclass, field
from pathlib import Path

import ahocorasick
import pycountry
import yaml

from dementi.records import Actor
from dementi.yamlsafe import safe_load
from dementi.rules.scripts import glued
from dementi.rules.folding import fold_name, fold_name_with_map, is_word_char
from dementi.rules.gazetteer_forms import country_name, inflect, state_aliases_from_pycountry

TITLE_KINDS = {"title", "ministry", "leader", "office", "spokesperson", "diplomat"}
PROPER_KINDS = {"state", "capital", "seat", "igo"}
_PRIORITY = {"state": 0, "capital": 0, "seat": 0, "igo": 0, "demonym": 2}
KIND_RANK = ["ministry", "spokesperson", "diplomat", "office", "leader", "title"]
# Words allowed between two parts of one actor: "ministre DES affaires...", "porte-parole DU Kremlin".
CONNECTORS = {"", "de", "du", "des", "d'", "de la", "de l'", "of", "of the", "'s", "'", "del", "de los",
              "de las", "do", "da", "dos", "das", "der", "von", "di", "della", "dell'", "dello", "al", "la",
              "the", "-"}
ARABIC_PREFIXES = set("وبلفك")
_FOUND_CACHE = 256  # texts whose hits Gazetteer.find keeps


def _shouting(text: str) -> bool:  # an all-caps headline: > 60 % of the letters are capitals
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) / len(letters) > 0.6


def _is_arabic(s: str) -> bool:
    return any("\u0600" <= c <= "\u06ff" for c in s)


@dataclass
class Entry:
    name: str
    country: str | None
    kind: str
    org: str | None = None
    weak: bool = False          # a title that needs a country from a neighbour to count
    source: str = "yaml"


@dataclass
class ActorMention:
    start: int                  # token indices in the Doc
    end: int
    actor: Actor
    start_char: int = 0
    end_char: int = 0
    weak: bool = False


@dataclass
class _Hit:
    start: int                  # char offsets in the original text
    end: int
    entry: Entry


@dataclass
class _Patterns:
    exclude: list[str] = field(default_factory=list)
    # folded surface forms generated from an alias (case forms, suffixed forms) and never written
    # as an alias themselves: "rosji", "україни" (rules.roles asks whether a name is declined)
    inflected: set[str] = field(default_factory=set)
    base: set[str] = field(default_factory=set)
    blocked_before: set[str] = field(default_factory=set)
    blocked_after: set[str] = field(default_factory=set)   # words or short phrases


class GazetteerError(ValueError):
    pass


class Gazetteer:
    def __init__(self, entries: list[Entry], aliases: list[tuple[str, int]], patterns: _Patterns):
        self.entries = entries
        self.patterns = patterns
        self._ci = ahocorasick.Automaton()
        self._cs = ahocorasick.Automaton()
        # one key may name several entries ("suisse" demonym / "Suisse" state): keep them all,
        # proper nouns first, and pick at scan time the first whose capitalisation fits.
        keyed: dict[tuple[bool, str], list[tuple[int, bool]]] = {}
        for alias, idx in aliases:
            case_sensitive = alias.isupper() and len(alias.replace(".", "")) <= 5 and not _is_arabic(alias)
            key = fold_name(alias, lower=not case_sensitive)
            if not key:
                continue
            needs_capital = (not case_sensitive and entries[idx].kind in PROPER_KINDS
                             and any(c.isupper() for c in alias))
            slot = keyed.setdefault((case_sensitive, key), [])
            if any(entries[i].kind == entries[idx].kind for i, _ in slot):
                continue            # first definition of a kind wins (YAML is loaded before pycountry)
            slot.append((idx, needs_capital))
        # entry name -> its folded keys: lets a caller skip texts that cannot mention an entry
        self.keys_by_name: dict[str, set[tuple[bool, str]]] = {}
        for (case_sensitive, key), slot in keyed.items():
            for idx, _ in slot:
                self.keys_by_name.setdefault(entries[idx].name, set()).add((case_sensitive, key))
            slot.sort(key=lambda c: _PRIORITY.get(entries[c[0]].kind, 1))
            (self._cs if case_sensitive else self._ci).add_word(key, (key, tuple(slot)))
        self._ex = ahocorasick.Automaton()
        for phrase in patterns.exclude:
            key = fold_name(phrase)
            if key:
                self._ex.add_word(key, key)
        for automaton in (self._ci, self._cs, self._ex):
            if len(automaton):
                automaton.make_automaton()
        self.alias_count = len(keyed)
        self._inflected = frozenset(patterns.inflected - patterns.base)
        self._found: dict[str, list[_Hit]] = {}

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, directory: Path | str | None = None) -> "Gazetteer":
        """YAML files of ``directory`` (default: config/gazetteers of the repo), then pycountry."""
        directory = Path(directory) if directory else Path(__file__).resolve().parent.parent / "config" / "gazetteers"
        entries: list[Entry] = []
        aliases: list[tuple[str, int]] = []
        patterns = _Patterns()
        for path in sorted(list(directory.glob("*.yaml")) + list(directory.glob("*.yml"))) if directory.is_dir() else []:
            _load_file(path, entries, aliases, patterns)
        for alpha3, name, lang_aliases in state_aliases_from_pycountry():
            entries.append(Entry(name=name, country=alpha3, kind="state", source="pycountry"))
            idx = len(entries) - 1
            for lang, alias in lang_aliases:
                _register(inflect(alias, "state", lang), idx, aliases, patterns)
        return cls(entries, aliases, patterns)

    # ------------------------------------------------------------------ matching
    def find(self, text: str) -> list[_Hit]:
        """Raw alias hits (char offsets), longest-leftmost, after exclusions. WHY a cache: one
        article's sentence, paragraph, title and lead are scanned by the actor-presence test, the
        unit's mentions, bare titles, the context and the paragraph target (hits are shared)."""
        hits = self._found.get(text)
        if hits is None:
            hits = self._found[text] = self._find(text)
            while len(self._found) > _FOUND_CACHE:
                try:
                    del self._found[next(iter(self._found))]  # oldest first
                except (KeyError, RuntimeError):  # another thread got there first
                    break
        return hits

    def _find(self, text: str) -> list[_Hit]:
        folded, fmap = fold_name_with_map(text)
        hits: list[tuple[int, int, int]] = []   # folded start, folded end (excl), entry
        self._scan(self._ci, folded, hits, lower=True, text=text, fmap=fmap)
        if len(self._cs):
            cased, cmap = fold_name_with_map(text, lower=False)
            cs_hits: list[tuple[int, int, int]] = []
            self._scan(self._cs, cased, cs_hits, lower=False, text=text, fmap=cmap)
            if cs_hits and not _shouting(text):           # all-caps aliases are ignored in all-caps text
                if isinstance(fmap, range) and isinstance(cmap, range):
                    hits.extend(cs_hits)                  # both maps are the identity
                else:                                     # convert through original offsets
                    orig_to_folded = {}
                    for fi, oi in enumerate(fmap):
                        orig_to_folded.setdefault(oi, fi)
                    for s, e, idx in cs_hits:
                        os_, oe = cmap[s], cmap[e - 1]
                        if os_ in orig_to_folded and oe in orig_to_folded:
                            hits.append((orig_to_folded[os_], orig_to_folded[oe] + 1, idx))
        hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
        chosen: list[tuple[int, int, int]] = []
        last_end = -1
        for s, e, idx in hits:
            if s >= last_end:
                chosen.append((s, e, idx))
                last_end = e
        excluded = self._excluded_ranges(folded) if chosen else []
        out = []
        for s, e, idx in chosen:
            if any(s < xe and xs < e for xs, xe in excluded):
                continue
            if self.entries[idx].kind in PROPER_KINDS and self._blocked(folded, s, e):
                continue
            out.append(_Hit(fmap[s], fmap[e - 1] + 1, self.entries[idx]))
        return out

    def _scan(self, automaton, folded, hits, lower, text, fmap):
        if not len(automaton):
            return
        for end, (key, candidates) in automaton.iter(folded):
            start = end - len(key) + 1
            if not self._boundary_ok(folded, start, end + 1, key):
                continue
            original = text[fmap[start]: fmap[end] + 1]
            capitalised = any(c.isupper() for c in original)
            for idx, needs_capital in candidates:
                if needs_capital and not capitalised:
                    continue
                hits.append((start, end + 1, idx))
                break

    @staticmethod
    def _boundary_ok(folded: str, start: int, end: int, key: str) -> bool:
        # word boundaries by script (rules.scripts): none in Chinese/Japanese, katakana runs are words
        if end < len(folded) and glued(key[-1], folded[end]):
            return False
        if start > 0 and glued(folded[start - 1], key[0]):
            if _is_arabic(key) and folded[start - 1] in ARABIC_PREFIXES and (
                    start == 1 or not is_word_char(folded[start - 2])):
                return True
            return False
        return True

    def _excluded_ranges(self, folded: str) -> list[tuple[int, int]]:
        if not len(self._ex):
            return []
        ranges = []
        for end, key in self._ex.iter(folded):
            start = end - len(key) + 1
            if self._boundary_ok(folded, start, end + 1, key):
                ranges.append((start, end + 1))
        return ranges

    def _blocked(self, folded: str, start: int, end: int) -> bool:
        before = folded[:start].split()
        while before and before[-1] in ("de", "du", "d'", "of", "the", "des", "la", "le", "del"):
            before.pop()
        if before:
            word = before[-1].strip(".,;:\"«»()").split("'")[-1] or before[-1].strip("'")
            if word in self.patterns.blocked_before or before[-1].strip(".,;:\"«»()'") in self.patterns.blocked_before:
                return True
        after = folded[end:].lstrip()
        if after.startswith("'s "):                      # "Moscow's mayor", "China's central bank"
            after = after[3:]
        after = after.strip(".,;:'\"«»() ")
        for phrase in self.patterns.blocked_after:
            if after.startswith(phrase) and (len(after) == len(phrase) or not is_word_char(after[len(phrase)])):
                return True
        return False

    def is_inflected(self, text: str) -> bool:
        """Is ``text`` a generated case form of an alias, not one written as such ("Rosji",
        "України": declined; "Rosja", "Chiny": as written)?"""
        return fold_name(text) in self._inflected

    def has_alias(self, text: str) -> bool:
        """Is ``text`` itself an alias (any entry, any case)? Used to tell a prefixed form from a
        name that starts with the same letter (he "בקרמלין" = ב + "קרמלין"; "בריטניה" is a name)."""
        key = fold_name(text)
        return bool(key) and (self._ci.exists(key) or (len(self._cs) > 0 and self._cs.exists(fold_name(text, lower=False))))

    def may_mention(self, names, text: str) -> bool:
        """Cheap test (substring search, no scan): can ``text`` mention one of the entries named
        ``names``? False is certain; True needs :meth:`find` to confirm."""
        lower = cased = None
        for name in names:
            for case_sensitive, key in self.keys_by_name.get(name, ()):
                if case_sensitive:
                    cased = fold_name(text, lower=False) if cased is None else cased
                    if key in cased:
                        return True
                else:
                    lower = fold_name(text) if lower is None else lower
                    if key in lower:
                        return True
        return False

    def find_actors(self, text: str) -> list[tuple[int, int, Actor, bool]]:
        """Merged actor mentions over a plain string: (start_char, end_char, Actor, weak)."""
        hits = self.find(text)
        groups = [g for g in _group(text, hits, self._inflected) if not _former(text, g[0].start)
                  and not _possessive_of_other(text, g) and not _ends_a_name(text, g)]
        return [g for g in (self._resolve(text, group) for group in groups) if g is not None]

    def mentions(self, doc_or_span, text: str | None = None) -> list[ActorMention]:
        """Mentions in a Doc or Span, token indices of the Doc; ``text``: its .text if known (faster)."""
        doc = getattr(doc_or_span, "doc", doc_or_span)
        offset = getattr(doc_or_span, "start_char", 0)
        out = []
        for s, e, actor, weak in self.find_actors(doc_or_span.text if text is None else text):
            span = doc.char_span(offset + s, offset + e, alignment_mode="expand")
            if span is None or len(span) == 0:
                continue
            out.append(ActorMention(span.start, span.end, actor, offset + s, offset + e, weak))
        return out

    def _resolve(self, text: str, group: list[_Hit]):
        entries = [h.entry for h in group]
        kinds = {e.kind for e in entries}
        titles = [e for e in entries if e.kind in TITLE_KINDS]
        propers = [e for e in entries if e.kind in PROPER_KINDS]
        # a state or demonym names the country of the group before a title's own default country
        # ("משרד החוץ הרוסי": the Russian foreign ministry, not Israel's; "중국 외교부")
        country = next((e.country for e in entries if e.country and e.kind not in TITLE_KINDS), None) \
            or next((e.country for e in entries if e.country), None)
        igo = next((e for e in entries if e.kind == "igo"), None)
        if not titles and not propers:
            return None                                  # demonyms alone are never actors
        if not propers and not country and all(t.weak for t in titles):
            return None                                  # "le président" with no country
        if titles:
            kind = min((t.kind for t in titles), key=KIND_RANK.index)
        else:
            kind = propers[0].kind
        if igo is not None:
            name = igo.name
        elif country:
            name = country_name(country)
        else:
            name = titles[0].name if titles else propers[0].name
        if kinds == {"demonym"}:
            return None
        s, e = group[0].start, group[-1].end
        code = igo.org if igo is not None and igo.org else country
        return s, e, Actor(name=name, country=country, kind=kind, text=text[s:e], code=code), False


def _group(text: str, hits: list[_Hit], inflected: frozenset[str] = frozenset()) -> list[list[_Hit]]:
    """Chain hits separated only by connector words when one side is a title or demonym. A Korean
    particle ends its noun phrase: "대변인은 미국" is the spokesman, then another actor."""
    groups: list[list[_Hit]] = []
    for hit in hits:
        if groups:
            prev = groups[-1][-1]
            if "\uac00" <= text[prev.end - 1] <= "\ud7a3" and fold_name(text[prev.start:prev.end]) in inflected:
                groups.append([hit])
                continue
            raw_gap = text[prev.end:hit.start]
            gap = fold_name(raw_gap) if len(raw_gap) <= 40 else "<far>"
            joinable = {prev.entry.kind, hit.entry.kind} & (TITLE_KINDS | {"demonym"})
            # "Ministério das Relações Exteriores (Itamaraty)": a seat in brackets names the title's state
            bracketed = gap == "(" and prev.entry.kind in TITLE_KINDS and hit.entry.kind in ("seat", "capital", "state")
            if (gap in CONNECTORS and joinable) or bracketed or _adjective_gap(text, prev, hit, gap):
                groups[-1].append(hit)
                continue
        groups.append([hit])
    return groups


_FORMER = {"ancien", "ancienne", "anciens", "anciennes", "ex", "former", "feu", "late", "exministro", "expresidente",
           "ehemalige", "ehemaliger", "ehemaligen", "antiguo", "antigua", "бывший", "бывшего", "السابق"}


def _former(text: str, start: int) -> bool:
    """"l'ancien président américain", "former US president": no longer speaks for a state."""
    before = fold_name(text[max(0, start - 40):start]).replace("'", " ").split()
    return bool(before) and before[-1].strip(".,;:") in _FORMER


# "<Country>'s X" names the country only when X speaks for it; "Germany's largest carmaker",
# "New Zealand's opposition party", "Poland's farmers' unions" are not state actors.
_POSSESSED_OK = {"decision", "refusal", "denial", "response", "position", "statement", "reply", "rejection",
                 "announcement", "move", "stance", "leader", "leaders", "leadership", "delegation", "representative",
                 "representatives", "envoy", "negotiators", "officials", "rulers", "junta", "regime", "cabinet",
                 "foreign", "new", "top", "chief", "acting", "deputy", "senior", "interim", "caretaker", "own",
                 "defence", "defense", "interior", "finance", "economy", "trade", "justice", "health", "energy",
                 "presidential", "military", "state", "national", "permanent", "un", "ambassador",
                 # what a state claims, offers or asks: kept, so that the claimant can be the alert's
                 # target (rules/actor_roles.py never makes it the denier)
                 "claim", "claims", "allegation", "allegations", "accusation", "accusations", "charges",
                 "assertion", "assertions", "demand", "demands", "request", "offer", "proposal", "invitation",
                 "call", "calls", "plan", "initiative", "ultimatum"}


def _possessive_of_other(text: str, group: list[_Hit]) -> bool:
    if any(h.entry.kind in TITLE_KINDS for h in group):
        return False                                  # "Japan's foreign minister" was merged
    after = fold_name(text[group[-1].end:group[-1].end + 40])
    if not after.startswith("'s ") and not after.startswith("' "):
        return False
    words = after.split()
    return len(words) > 1 and words[1].strip(".,;:\"") not in _POSSESSED_OK


def _ends_a_name(text: str, group: list[_Hit]) -> bool:
    """ "Save the Children Kenya", "Transparency International Brasil", "Human Rights Watch
    Nigeria": a country name right after a capitalised word inside a sentence (not its first word,
    not a weekday or month, not another hit) ends an organisation's name. Not in title-case
    headlines, where every word is capitalised, nor in German, where every noun is."""
    if len(group) != 1 or group[0].entry.kind not in ("state", "capital"):
        return False
    before = text[max(0, group[0].start - 40):group[0].start]
    m = _NAME_WORD_BEFORE.search(before)
    if m is None or fold_name(m.group(2)) in _NOT_NAME_WORDS:
        return False
    lead = m.group(1)
    if lead == "" or lead.rstrip()[-1:] in ".!?:;\"«“—–-(" or not lead.rstrip():
        return False                                  # the word opens the sentence: anything can
    start = group[0].start
    around = text[max(0, start - 120):start + 120]
    words = [w for w in around.split() if w[:1].isalpha()]
    capitals = sum(1 for w in words if w[:1].isupper())
    if len(words) >= 4 and capitals >= 0.7 * len(words):
        return False                                  # Title Case Headline
    return _GERMAN.search(around) is None             # German capitalises every noun


_NAME_WORD_BEFORE = re.compile(r"(^|.*\S\s)([A-Z][a-z]+)\s$", re.S)
_GERMAN = re.compile(r"\b(?:der|die|das|den|dem|des|und|nicht|ist|hat|wird)\b")
_NOT_NAME_WORDS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july august "
    "september october november december lundi mardi mercredi jeudi vendredi samedi dimanche janvier fevrier mars "
    "avril mai juin juillet aout septembre octobre novembre decembre lunes martes miercoles jueves viernes sabado "
    "domingo enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre "
    "and but or et ou mais y pero e ma the le la les el los las".split())


_GAP_STOP = {"and", "or", "et", "ou", "y", "und", "former", "ex", "ancien", "ancienne", "said", "says", "the", "a", "an",
             "that", "to", "with", "for", "by", "on", "in", "at", "told", "asked", "met", "whose", "who", "which"}


def _adjective_gap(text: str, prev: _Hit, hit: _Hit, gap: str) -> bool:
    """English-style "Japanese economic revitalization minister": a capitalised demonym, up to
    three plain words, then a title, with no punctuation, conjunction or function word between.
    (Romance demonyms follow the noun and are lower case: "Gobierno colombiano negó que el
    presidente" must not become one actor.)"""
    if prev.entry.kind not in ("demonym", "state", "capital") or hit.entry.kind not in TITLE_KINDS \
            or not text[prev.start:prev.start + 1].isupper():
        return False
    if prev.entry.kind != "demonym":                  # "China's defence ministry"
        if not gap.startswith("'s "):
            return False
        gap = gap[3:]
    words = gap.split()
    return 0 < len(words) <= 3 and all(w.isalpha() and w not in _GAP_STOP and w not in _NON_STATE_NOUNS
                                       and not (w.endswith("s") and w[:-1] in _VERBS_3SG) for w in words)


# Words between "<Country>'s" and a title that make the phrase a non-state actor's ("Colombia's ELN
# rebels reject government ..."), or a verb ending the subject before a title object.
_NON_STATE_NOUNS = frozenset(
    "rebel rebels militia militias militants militant insurgents separatists guerrillas guerrilla opposition party "
    "parties union unions company companies firm club clubs federation court courts group groups movement church "
    "bank airline league team players".split())
_VERBS_3SG = frozenset("reject deny refuse dismiss slam accuse urge call say tell warn ask block".split())


_ENTRY_KEYS = {"name", "country", "org", "kind", "aliases", "weak"}
_KINDS = PROPER_KINDS | TITLE_KINDS | {"demonym"}


def _register(forms: list[str], idx: int, aliases: list[tuple[str, int]], patterns: _Patterns) -> None:
    """The forms of one alias for entry ``idx``; the first is the alias as written."""
    for n, form in enumerate(forms):
        aliases.append((form, idx))
        (patterns.inflected if n else patterns.base).add(fold_name(form))


def _load_file(path: Path, entries: list[Entry], aliases: list[tuple[str, int]], patterns: _Patterns) -> None:
    try:
        data = safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise GazetteerError(f"{path}: invalid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise GazetteerError(f"{path}: top level must be a mapping")
    unknown = set(data) - {"entries", "exclude", "blocked_before", "blocked_after"}
    if unknown:
        raise GazetteerError(f"{path}: unknown top-level keys {sorted(unknown)}")
    patterns.exclude.extend(data.get("exclude") or [])
    patterns.blocked_before.update(fold_name(w) for w in data.get("blocked_before") or [])
    patterns.blocked_after.update(fold_name(w) for w in data.get("blocked_after") or [])
    for n, raw in enumerate(data.get("entries") or []):
        where = f"{path}: entries[{n}]"
        if not isinstance(raw, dict) or "name" not in raw or "kind" not in raw:
            raise GazetteerError(f"{where}: needs at least 'name' and 'kind'")
        bad = set(raw) - _ENTRY_KEYS
        if bad:
            raise GazetteerError(f"{where} ({raw.get('name')}): unknown keys {sorted(bad)}")
        if raw["kind"] not in _KINDS:
            raise GazetteerError(f"{where} ({raw['name']}): kind {raw['kind']!r} not in {sorted(_KINDS)}")
        country = raw.get("country")
        if country is not None and pycountry.countries.get(alpha_3=str(country)) is None:
            raise GazetteerError(f"{where} ({raw['name']}): country {country!r} is not ISO 3166 alpha-3")
        entries.append(Entry(name=str(raw["name"]), country=country, kind=raw["kind"], org=raw.get("org"),
                             weak=bool(raw.get("weak", False))))
        idx = len(entries) - 1
        lang_map = raw.get("aliases") or {}
        if not isinstance(lang_map, dict):
            raise GazetteerError(f"{where} ({raw['name']}): aliases must map language -> list")
        for lang, items in lang_map.items():
            for alias in ([items] if isinstance(items, str) else items or []):
                _register(inflect(str(alias), raw["kind"], str(lang)), idx, aliases, patterns)
