"""The role of a state actor around ONE cue occurrence: the speaker who denies or refuses, the
claimant whose claim is denied, the content of the claim, or a place.

WHY: the denier is whoever performs the denial, never a state named inside the denied claim nor
the one who made it. In "Le ministère turc a démenti toute vente d'armes à la Libye" Libya is
what the claim is about; in "Pacte gazier avec Alger : démenti de Rome" Rome is the author of the
denial (complement of a noun cue) and Algiers the content; in "Kenya's foreign ministry denied a
pact with Ethiopia" Ethiopia follows a preposition; in "«…», a ajouté M. Zhou" the speaker is the
one the quote is attributed to. Most languages here have no parser, so positions and a few
closed-class words (rules/role_words.py) decide; the French parse adds the grammatical subject
(conditions.ActorNode).

Ranks of a speaker (lower is surer): 0 a quote is attributed to it or a stance marker introduces
it ("selon Moscou"); 1 it is the agent ("denied by"), the complement of a noun cue ("démenti de
Rome"), the owner of a speaking noun ("the spokesman for X"), the parsed subject, or named in an
attribution clause (", said the ministry"); 2 it opens the clause of the cue or stands right
before it. "neutral" (rank 3): before the cue, in no recognisable position: ``role: any`` accepts
it, ``role: subject`` does not. Claimants, content and places are never deniers.
"""

from __future__ import annotations

from dataclasses import dataclass

from dementi.rules import role_words as W
from dementi.rules.roles import CLAIM as CLAIM_CASE
from dementi.rules.roles import NEUTRAL as NEUTRAL_CASE
from dementi.rules.roles import OBLIQUE as OBLIQUE_CASE
from dementi.rules.roles import SUBJECT as SUBJECT_CASE
from dementi.rules.roles import case_role
from dementi.rules.occurrences import claimed_by_earlier_cue

__all__ = ["CLAUSE_FINAL_LANGS", "INSIDE_CLAIM", "Role", "role_of", "cue_bounds", "choose_target", "SPEAKER", "NEUTRAL", "CLAIMANT", "CONTENT", "PLACE"]

SPEAKER, NEUTRAL, CLAIMANT, CONTENT, PLACE = "speaker", "neutral", "claimant", "content", "place"
MAX_ADJACENT = 4          # tokens between an actor and the cue it is the subject of ("Moscow on Monday flatly denied")
MAX_OPENING = 2           # content words between a clause start and its subject ("Late Monday, Russia ...")
MAX_ATTRIBUTION_GAP = 4   # tokens between a closing quote and its speaker (", afirmó la")
MAX_AGENT_GAP = 3         # tokens between a cue and "by X" ("denied on Monday by Beijing")
MAX_LEAD_IN = 6           # tokens between a speaker and the quote it introduces ("X said in a statement:")
VSO_LANGS = frozenset({"ar", "he"})  # the subject follows the verb: "نفت وزارة الخارجية"
V2_LANGS = frozenset({"de"})         # the finite verb second, the other verbs at the clause end
CLAUSE_FINAL_LANGS = frozenset({"de"})


@dataclass(frozen=True)
class Role:
    kind: str
    rank: int       # 0..2 speakers, 3 neutral, 9 never a denier
    gap: int        # tokens between the actor and the cue (or the quote it speaks), compared with `near`
    why: str

    @property
    def speaks(self) -> bool:
        return self.kind == SPEAKER


def cue_bounds(cues) -> tuple[int, int]:
    """[first, last) token range of the cue hits (negation words left out when there are others)."""
    hits = [c for c in cues if c.label != "negation"] or list(cues)
    return min(c.tok_start for c in hits), max(c.tok_end for c in hits)


def _low(doc, i: int) -> str:
    return doc[i].lower_ if 0 <= i < len(doc) else ""


def _is_boundary(doc, i: int, lang: str | None) -> bool:
    text = doc[i].text
    return (len(text) == 1 and text in W.CLAUSE_PUNCT) or doc[i].lower_ in W.CLAUSE_WORDS


def _is_boundary_between(doc, lo: int, hi: int, lang: str | None) -> bool:
    return any(_is_boundary(doc, i, lang) for i in range(lo, hi))


def _skip_determiners(doc, i: int, lang: str | None) -> int:
    """Index of the first token at or before ``i`` that is not a determiner (-1 at the start)."""
    dets = W.words(W.DETERMINERS, lang)
    while i >= 0 and doc[i].lower_ in dets:
        i -= 1
    return i


_POSTPOSED_GENITIVE = frozenset({"de", "pl", "uk", "ru"})


def _claimant(doc, m, lang: str | None) -> bool:
    """The actor made the claim: "US allegations", "Kyiv's claims", "les accusations de
    Washington", "claims by Beijing", "reports from Moscow"."""
    nxt = _low(doc, m.end)
    if nxt in W.CLAIM_NOUNS or (nxt in ("'s", "’s", "'") and _low(doc, m.end + 1) in W.CLAIM_NOUNS):
        return True
    p = _skip_determiners(doc, m.start - 1, lang)
    if p >= 0 and lang in _POSTPOSED_GENITIVE and doc[p].lower_ in W.CLAIM_NOUNS:
        return True  # "die Vorwürfe Kiews", "zarzuty Rosji"
    if p < 1:
        return False
    link = doc[p].lower_
    if link in W.words(W.GENITIVE, lang) or link in W.words(W.AGENT, lang) or link in ("from", "par", "by"):
        q = p - 1
        for _ in range(3):  # "claims made by", "les accusations formulées par", "allegations of"
            if q < 0 or _is_boundary(doc, q, lang):
                break
            if doc[q].lower_ in W.CLAIM_NOUNS or doc[q].lower_ in W.CLAIM_VERBS:
                return True
            q -= 1
    return False


def _quote_around(unit, char: int) -> tuple[int, int] | None:
    text = unit.text
    if '"' not in text and not any(q in text for q in "«»“„"):
        return None
    from dementi.rules.segment import quoted_ranges

    for qs, qe in quoted_ranges(text):
        if qs <= char < qe:
            return qs, qe
    return None


def _speech_near(doc, lo: int, hi: int, lang: str | None) -> bool:
    speech = W.words(W.SPEECH, lang)
    return any(doc[i].lower_ in speech for i in range(max(lo, 0), min(hi, len(doc))))


def _speaker_start(doc, m, lang: str | None) -> int:
    """Where the speaking phrase of ``m`` starts: the speaking noun it owns ("said A SPOKESPERSON
    for the Chilean ministry", "selon le porte-parole du Kremlin"), else the actor itself."""
    p = _skip_determiners(doc, m.start - 1, lang)
    if p >= 1 and _owner_of_speaking_noun(doc, p, lang):
        return _skip_determiners(doc, _skip_determiners(doc, p - 1, lang) - 1, lang) + 1
    return m.start


def _attribution(unit, quote: tuple[int, int], m, lang: str | None) -> int | None:
    """Gap in tokens when ``m`` is the speaker a quotation is attributed to: after it
    («…», a déclaré Moscou; "…," the ministry said) or before it (The PMO stated: "…")."""
    doc, text = unit.doc, unit.text
    qs, qe = quote
    if m.start_char >= qe:
        after = text[qe:m.start_char]
        if not (text[:qe - 1].rstrip().endswith(",") or after.lstrip()[:1] in (",", "—", "–", "-")):
            return None
        start = _speaker_start(doc, m, lang)
        between = [t for t in doc[:start] if t.idx >= qe and not t.is_punct]
        if len(between) > MAX_ATTRIBUTION_GAP:
            return None
        first = between[0].i if between else start
        if _speech_near(doc, first, start, lang) or _speech_near(doc, m.end, m.end + 2, lang):
            return len(between)
        return None
    if m.end_char <= qs:
        p = _skip_determiners(doc, m.start - 1, lang)
        if p >= 0 and doc[p].lower_ in W.words(W.PREPOSITIONS, lang) and not _owner_of_speaking_noun(doc, p, lang):
            return None  # "the Chinese embassy IN Oslo said ...: "…"": a complement, not the speaker
        lead = [t for t in doc[m.end:] if t.idx < qs]
        words = [t for t in lead if not t.is_punct]
        if len(words) > MAX_LEAD_IN or not (_speech_near(doc, m.end, m.end + len(lead), lang)):
            return None
        if any(t.text in ".;" for t in lead):
            return None
        return len(words)
    return None


def _opens_clause(unit, m, lang: str | None, floor: int = 0, skip: int | None = None) -> bool:
    """Only determiners and at most two other words between the start of the clause (unit start,
    punctuation, a conjunction or complementizer) and the actor: "Russia denied", "On Monday,
    the Kremlin...", "...and Kyiv said"."""
    doc = unit.doc
    dets = W.words(W.DETERMINERS, lang)
    preps = W.words(W.PREPOSITIONS, lang)
    others = 0
    i = m.start - 1 if skip is None else skip - 1
    taken = {k for other in unit.mentions() for k in range(other.start, other.end)}
    while i >= floor:
        if _is_boundary(doc, i, lang):
            return True
        if i in taken:  # another actor opens the clause ("US President Donald Trump")
            return False
        low = doc[i].lower_
        if low not in dets:
            if i == m.start - 1 and low in preps:
                return False
            others += 1
            if others > MAX_OPENING:
                return False
        i -= 1
    return True


def _adjacent(unit, m, first: int, lang: str | None) -> bool:
    """The actor stands right before the cue, with no clause boundary between: "Moscow on Monday
    flatly denied", "Russia said it would not attend"."""
    doc = unit.doc
    between = range(m.end, first)
    if len(between) > MAX_ADJACENT:
        return False
    # a quotation mark is no boundary here: it often wraps the verb phrase ('X "rejected the...')
    return not any(_is_boundary(doc, i, lang) and doc[i].lower_ not in _NOT_BOUNDARIES_HERE for i in between)


_NOT_BOUNDARIES_HERE = frozenset({"that", "que", "qu'", "qu’", "dass", '"', "«", "»", "“", "”", "„"})


def _in_claim(unit, m, first: int, lang: str | None) -> bool:
    """Between a claim noun + opener and the cue: "reports THAT Russia had agreed are false",
    "les informations selon lesquelles Paris..."."""
    doc = unit.doc
    i = m.start - 1
    steps = 0
    while i >= 1 and steps < 12:
        low = doc[i].lower_
        if low in W.CLAIM_OPENERS:
            j = _skip_determiners(doc, i - 1, lang)
            if j >= 1 and doc[j].text == ",":  # "слух, что", "the report, which said that"
                j -= 1
            if j >= 0 and (doc[j].lower_ in W.CLAIM_NOUNS or (doc[j].lower_ in ("selon", "suivant") and j >= 1
                                                            and doc[j - 1].lower_ in W.CLAIM_NOUNS)):
                return True
        if doc[i].text in ".;:()«»“”\"":
            break
        i -= 1
        steps += 1
    return False


def _owner_of_speaking_noun(doc, p: int, lang: str | None) -> bool:
    """``doc[p]`` links a speaking noun to the actor after it: "the spokesman FOR", "la voix DE",
    "officials IN Moscow", "au nom DE"; not "the ambassador TO/IN Japan" (the host country)."""
    q = _skip_determiners(doc, p - 1, lang)
    if q < 0 or doc[q].lower_ not in W.SPEAKER_NOUNS:
        return False
    link = doc[p].lower_
    if link in W.OWNER_LINKS or (link == "to" and doc[q].lower_ in W.AIDE_NOUNS):
        return True
    return link in W.OWNER_PLACES and doc[q].lower_ not in W.HOSTED_NOUNS


def _noun_cue(unit, first: int, lang: str | None) -> bool:
    """The cue is a noun ("démenti", "denial", "refus"): the parse says so, or a determiner,
    punctuation or the start of the unit stands before it ("Nouveau démenti", a capitalised word
    opening a headline, is taken for an adjective when it is no actor)."""
    doc = unit.doc
    if unit.parsed and doc[first].pos_ not in ("VERB", "AUX"):
        return True
    j = first - 1
    dets = W.words(W.DETERMINERS, lang)
    if j < 0 or doc[j].lower_ in dets or _is_boundary(doc, j, lang):
        return True
    if j >= 1 and doc[j - 1].lower_ in dets and not _is_boundary(doc, j, lang):
        return True  # one adjective between: "la prima smentita", "a flat denial"
    return j == 0 and doc[j].text[:1].isupper() and not any(m.start <= j < m.end for m in unit.mentions())


def _before(unit, cues, m, first: int, lang: str | None) -> Role:
    doc = unit.doc
    gap = first - m.end
    if _claimant(doc, m, lang):
        return Role(CLAIMANT, 9, gap, "made the claim")
    if _low(doc, m.end) == "zufolge":
        return Role(SPEAKER, 0, gap, "stance marker")
    if _headline_topic(unit, m, first, lang):
        return Role(PLACE, 9, gap, "topic before a colon")
    p = _skip_determiners(doc, m.start - 1, lang)
    w = _low(doc, p)
    if _stance_before(doc, p, lang):
        if _stance_opens_clause(doc, p, lang):
            return Role(SPEAKER, 0, gap, "stance marker")
        # "la rébellion, soutenue par le Rwanda SELON l'ONU, a rejeté": the marker qualifies a
        # phrase inside the clause, not the clause's statement
        return Role(NEUTRAL, 3, gap, "stance marker inside a phrase")
    if w in W.STANCE_AT_CLAUSE_START and (p == 0 or _is_boundary(doc, p - 1, lang)):
        return Role(SPEAKER, 0, gap, "stance marker")
    if p >= 0 and w in W.words(W.GENITIVE, lang):
        if _owner_of_speaking_noun(doc, p, lang):
            return Role(SPEAKER, 1, gap, "owns a speaking noun")
        return Role(CONTENT, 9, gap, "complement of a noun")
    if p >= 0 and w in W.SOURCES and _noun_cue(unit, first, lang) and not _is_boundary_between(doc, m.end, first, lang):
        return Role(SPEAKER, 1, gap, "source of a noun cue")  # "da Parigi arriva la prima smentita"
    if p >= 0 and w in W.words(W.AGENT, lang):
        return Role(NEUTRAL, 3, gap, "agent before the cue")
    if p >= 0 and w in W.words(W.PREPOSITIONS, lang):
        if _owner_of_speaking_noun(doc, p, lang):
            return Role(SPEAKER, 1, gap, "owns a speaking noun")
        if w in _LOCATIVE and _institution(m, lang) and _opens_clause(unit, m, lang, skip=p):
            # "В МИД России опровергли", "Au Kremlin, on dément": the speaking institution
            return Role(SPEAKER, 2, gap, "institution that speaks")
        return Role(PLACE if w in _LOCATIVE else CONTENT, 9, gap, "after a preposition")
    if _in_claim(unit, m, first, lang) or claimed_by_earlier_cue(doc, cues, m):
        return Role(CONTENT, 9, gap, INSIDE_CLAIM)
    if _adjacent(unit, m, first, lang) or _opens_clause(unit, m, lang):
        return Role(SPEAKER, 2, gap, "subject position")
    return Role(NEUTRAL, 3, gap, "before the cue")


_INSTITUTION_KINDS = frozenset({"seat", "ministry", "office", "spokesperson"})
_IMPERSONAL_LANGS = frozenset({"ru", "uk", "pl"})  # "в МИД заявили": any actor after "в" speaks


def _institution(m, lang: str | None) -> bool:
    return m.actor.kind in _INSTITUTION_KINDS or lang in _IMPERSONAL_LANGS


_LOCATIVE = frozenset("in at à au aux en dans a em no na in im nel nella в во у w we في 在 于 於 در".split())


def _inverted_subject(unit, m, first: int, lang: str | None) -> bool:
    """German puts the subject right after the finite verb when something else opens the clause:
    "Am Montag WIES das Auswärtige Amt die Berichte zurück", "Die Berichte DEMENTIERTE Warschau"."""
    if lang not in V2_LANGS or m.start <= first:
        return False
    doc = unit.doc
    dets = W.words(W.DETERMINERS, lang)
    return all(doc[k].lower_ in dets for k in range(first + 1, m.start)) and m.start - first <= 3


def _stance_before(doc, p: int, lang: str | None) -> bool:
    """``doc[p]`` is a stance marker: "selon", "according to", "laut", "d'après"."""
    w = _low(doc, p)
    return w in W.words(W.STANCE, lang) or (w == "to" and _low(doc, p - 1) == "according") or \
        (w == "après" and _low(doc, p - 1) in ("d'", "d’", "d"))


def _stance_opens_clause(doc, p: int, lang: str | None) -> bool:
    """The stance marker at ``doc[p]`` opens its clause ("Selon Moscou, ...", "..., according to
    Kyiv, ..."): only a boundary or the start before it (and "according"/"d'" of its own)."""
    q = p - 1
    if _low(doc, p) == "to" or _low(doc, p) == "après":
        q -= 1
    return q < 0 or _is_boundary(doc, q, lang)


def _headline_topic(unit, m, first: int, lang: str | None) -> bool:
    """ "Nigeria : l'ancien ministre nie", "Georgia: ruling party rejects": a state that opens the
    unit and is followed by a colon names the story's topic; the clause after the colon has its
    own subject when content words stand between the colon and the cue."""
    doc = unit.doc
    if _skip_determiners(doc, m.start - 1, lang) >= 0 or m.end >= first or doc[m.end].text not in (":", "-", "–", "—"):
        return False
    taken = {k for other in unit.mentions() for k in range(other.start, other.end)}
    dets = W.words(W.DETERMINERS, lang)
    words = [k for k in range(m.end + 1, first) if not doc[k].is_punct and doc[k].lower_ not in dets]
    return bool(words) and not any(k in taken for k in words)


def _after(unit, cues, m, first: int, last: int, lang: str | None) -> Role:
    doc = unit.doc
    gap = m.start - last
    between = range(last, m.start)
    p = _skip_determiners(doc, m.start - 1, lang)
    w = _low(doc, p)
    if _inverted_subject(unit, m, first, lang):
        return Role(SPEAKER, 2, gap, "subject after the finite verb")
    claim_cue = doc[last - 1].lower_ in W.CLAIM_NOUNS
    if claim_cue and p >= last and p - last <= MAX_AGENT_GAP and (
            w in W.words(W.AGENT, lang) or w in W.words(W.GENITIVE, lang) or w == "from"):
        # the cue is the claim itself ("rejected the ACCUSATIONS of Brussels", "allegations BY
        # the U.S."): its author made the claim, the denier is elsewhere
        return Role(CLAIMANT, 9, gap, "made the claim")
    if p >= last and w in W.words(W.AGENT, lang):
        before = {doc[k].lower_ for k in range(max(last, p - 3), p)}
        if before & (W.CLAIM_NOUNS | W.CLAIM_VERBS):
            return Role(CLAIMANT, 9, gap, "made the claim")  # "a report BY Kyodo", "as claimed BY"
        if p - last <= MAX_AGENT_GAP:  # "denied on Monday by Beijing", not "a coalition led by"
            return Role(SPEAKER, 1, gap, "agent of the cue")
    if gap <= 3 and _noun_cue(unit, first, lang) and all(
            doc[k].lower_ in W.words(W.GENITIVE, lang) or doc[k].lower_ in ("from", "formel", "catégorique", "net",
                                                                          "officiel", "ferme", "sec", "cinglant")
            or doc[k].lower_ in W.words(W.DETERMINERS, lang) for k in between) and gap >= 1:
        return Role(SPEAKER, 1, gap, "complement of a noun cue")
    punct = any(doc[k].text in W.CLAUSE_PUNCT for k in between)
    start = _speaker_start(doc, m, lang)
    s = _skip_determiners(doc, start - 1, lang)
    if punct and s >= last and _stance_before(doc, s, lang) and (s == 0 or _is_boundary(doc, s - 1, lang)
                                                                 or _low(doc, s - 1) == "according"):
        # a reporting clause after the cue: "..., selon la présidence lituanienne", "..., according to Kyiv"
        return Role(SPEAKER, 1, gap, "stance marker after the cue")
    if punct and (_speech_near(doc, max(last, start - MAX_ATTRIBUTION_GAP), start, lang)
                  or _speech_near(doc, m.end, m.end + 2, lang)):
        return Role(SPEAKER, 1, gap, "attribution clause")
    if gap <= MAX_ATTRIBUTION_GAP and _speech_near(doc, last - 1, last, lang):
        # the rule's cue ends on the reporting verb: "Про це заявило джерело на Банковій"
        return Role(SPEAKER, 1, gap, "attribution clause")
    if lang in VSO_LANGS and gap <= 2 and not punct:
        return Role(SPEAKER, 1, gap, "subject after the verb")
    if _claimant(doc, m, lang):
        return Role(CLAIMANT, 9, gap, "made the claim")
    if p >= 0 and w in W.words(W.PREPOSITIONS, lang) and w in _LOCATIVE:
        return Role(PLACE, 9, gap, "after a preposition")
    return Role(CONTENT, 9, gap, "after the cue")


INSIDE_CLAIM = "inside the denied claim"


def _coordinated(unit, m, lang: str | None):
    """The actor that ``m`` is coordinated with ("between Xi AND Trump", "Russia AND China"), or None."""
    doc = unit.doc
    p = _skip_determiners(doc, m.start - 1, lang)
    if p < 1 or doc[p].lower_ not in W.COORDINATORS:
        return None
    if doc[p].text == "," and _speech_near(doc, m.end, m.end + 2, lang):
        return None  # "no talks with Moscow, the Finnish government said": a reporting clause
    for other in unit.actor_mentions():
        if other.end == p or (other.end == p - 1 and doc[p - 1].text == ","):
            return other
    return None


def _dateline_end(unit) -> int:
    """Characters of the unit taken by a dateline ("BOGOTA, Colombia - "): cached on the unit."""
    end = getattr(unit, "_dateline_end", None)
    if end is None:
        from dementi.rules.context import dateline_end

        end = dateline_end(unit.text) if unit.text[:1].isupper() else 0
        try:
            unit._dateline_end = end
        except AttributeError:  # a unit type without a __dict__: recompute next time
            pass
    return end


def _case_marked(unit, cues, m, lang: str | None, lexicon) -> Role | None:
    """What the particles, suffixes and prepositions of the languages with case marking say
    (rules.roles: ja/ko/tr/fa/zh/he/pl/uk/ru/ar), or None when they say nothing."""
    case = case_role(lang, unit.text, m.start_char, m.end_char, lexicon)
    if case == NEUTRAL_CASE:
        return None
    first, last = cue_bounds(cues)
    gap = max(m.start - last, first - m.end, 0)
    if case == CLAIM_CASE:
        return Role(CONTENT, 9, gap, INSIDE_CLAIM)
    if case == OBLIQUE_CASE:
        return Role(CONTENT, 9, gap, "object by its case marking")
    if case == SUBJECT_CASE:
        return Role(SPEAKER, 1, gap, "subject by its case marking")
    # a place ("בקרמלין הכחישו": in the Kremlin they denied) speaks when it opens the clause
    if m.end <= first and _opens_clause(unit, m, lang):
        return Role(SPEAKER, 2, gap, "institution that speaks")
    return Role(PLACE, 9, gap, "a place by its case marking")


def role_of(unit, cues, m, lexicon=None, _depth: int = 0) -> Role:
    """Role of mention ``m`` for the cue occurrence ``cues`` (a list of Hits of one unit).
    ``lexicon``: the gazetteer, which tells declined and prefixed names (rules.roles)."""
    lang = getattr(unit, "lang", None)
    if m.end_char <= _dateline_end(unit):
        return Role(PLACE, 9, 0, "dateline")
    if _depth < 3:
        head = _coordinated(unit, m, lang)
        if head is not None and (head.end <= cue_bounds(cues)[0] or head.start >= cue_bounds(cues)[1]):
            role = role_of(unit, cues, head, lexicon, _depth + 1)
            gap = max(m.start - cue_bounds(cues)[1], cue_bounds(cues)[0] - m.end, 0)
            return Role(role.kind, role.rank, min(gap, role.gap), role.why + " (coordinated)")
    first, last = cue_bounds(cues)
    doc = unit.doc
    quote = _quote_around(unit, doc[first].idx) if len(doc) else None
    if quote is not None and not (quote[0] <= m.start_char < quote[1]):
        gap = _attribution(unit, quote, m, lang)
        if gap is not None:
            return Role(SPEAKER, 0, gap, "speaker of the quote")
    marked = _case_marked(unit, cues, m, lang, lexicon)
    if marked is not None:
        return marked
    if m.end <= first:
        return _before(unit, cues, m, first, lang)
    if m.start >= last:
        return _after(unit, cues, m, first, last, lang)
    if _claimant(doc, m, lang):
        return Role(CLAIMANT, 9, 0, "made the claim")
    if any(h.tok_start <= m.start and m.end <= h.tok_end for h in cues if h.label != "negation"):
        # one pattern spans the subject and its verb ("nessun rappresentante del governo X sarà
        # presente"): the actor stands before the rest of the cue
        role = _before(unit, cues, m, m.end, lang)
        return Role(role.kind, role.rank, 0, role.why + " (inside the cue's pattern)")
    if lang in VSO_LANGS and m.start - first <= 3:  # one pattern spans verb and subject: "رفضت الحكومة … التوقيع"
        return Role(SPEAKER, 1, 0, "subject after the verb")
    if _inverted_subject(unit, m, first, lang):  # "wies das Auswärtige Amt die Berichte zurück"
        return Role(SPEAKER, 2, 0, "subject after the finite verb")
    return Role(CONTENT, 9, 0, "inside the predicate")


_TARGET_ORDER = {CLAIMANT: 0, CONTENT: 1, NEUTRAL: 2, PLACE: 3, SPEAKER: 4}


def choose_target(unit, cues, mentions, denier_m, lexicon=None):
    """The state the denial answers: the claimant when named ("US allegations"), else a state
    inside the claim, else another actor of the sentence; never one of the denier's country."""
    denier = denier_m.actor
    code = denier.code or denier.country

    def other(m) -> bool:
        if (m.start, m.end) == (denier_m.start, denier_m.end) or getattr(m, "weak", False):
            return False
        theirs = m.actor.code or m.actor.country
        if code:
            return bool(theirs) and theirs != code
        return m.actor.name != denier.name and bool(theirs)

    candidates = [m for m in mentions if other(m)]
    if not candidates:
        return None
    if not cues:
        return candidates[0].actor
    first, last = cue_bounds(cues)

    def key(m):
        role = role_of(unit, cues, m, lexicon)
        distance = max(m.start - last, first - m.end, 0)
        return _TARGET_ORDER.get(role.kind, 5), distance, m.start

    return min(candidates, key=key).actor
