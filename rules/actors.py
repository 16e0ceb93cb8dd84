"""Who denies, and whom: subject detection on the dependency parse, denier/target resolution and
quote extraction.

WHY dependency-based: in "Le club, dont le président est russe, dément" or "le démenti de Moscou
visait le club" a token window sees a state actor next to the cue, but only the subject of the cue
verb is the one denying. Where there is no parse (blank pipelines), callers fall back to proximity.
"""

from __future__ import annotations

import re

from dementi.records import Actor
from dementi.rules.gazetteer import ActorMention

__all__ = ["ActorMention", "subject_of", "resolve_denier_target", "extract_quote", "has_parse"]

SUBJECT_DEPS = {"nsubj", "nsubj:pass", "nsubjpass", "csubj", "agent", "obl:agent", "expl:subj"}
# From the cue climb to the verb that carries the subject: auxiliaries, infinitive complements
# ("a refusé de SIGNER"), coordinated verbs ("a démenti et REJETÉ"), participles used as
# adjectives ("des accusations DÉMENTIES par Washington" -> agent).
CLIMB_DEPS = {"aux", "aux:pass", "aux:tense", "cop", "xcomp", "conj", "ccomp", "advcl", "acl", "mark", "obj", "obl",
              "nmod", "dep"}
# From the subject head to the words that still describe it: "le ministère RUSSE", "Peskov, le
# porte-parole DU KREMLIN" (appos), "la voix DE sa porte-parole".
# No "nmod": in "le maire de Kiev" Kiev describes the mayor, it does not make him a state actor
# (titles that take a complement, "porte-parole du Kremlin", are merged by the gazetteer).
DESCRIBE_DEPS = {"amod", "appos", "flat", "flat:name", "compound", "fixed", "nmod:poss"}
LOCATIVE = {"a", "à", "au", "aux", "en", "in", "at", "en", "dans", "de", "from", "vers", "to", "в", "во", "في"}


def has_parse(doc) -> bool:
    try:
        return doc.has_annotation("DEP")
    except Exception:       # pragma: no cover - very old spaCy
        return False


def _mention_at(i: int, mentions: list[ActorMention]) -> ActorMention | None:
    for m in mentions:
        if m.start <= i < m.end:
            return m
    return None


def _describing(head, depth: int = 2):
    """The head and the tokens that describe it (no relative clauses)."""
    yield head
    if depth == 0:
        return
    for child in head.children:
        if child.dep_ in DESCRIBE_DEPS:
            yield from _describing(child, depth - 1)


def _actor_of_nominal(head, mentions: list[ActorMention]) -> ActorMention | None:
    for tok in _describing(head):
        m = _mention_at(tok.i, mentions)
        if m is not None:
            return m
    return None


def _antecedent(verb, pronoun, mentions: list[ActorMention]) -> ActorMention | None:
    """Resolve a pronoun subject inside the sentence: "qui" -> the noun the relative clause hangs
    on; "il/elle/they" -> the actor subject of a governing verb ("Varsovie a annoncé qu'elle ne
    signerait pas")."""
    if pronoun.lower_ in ("qui", "who", "which", "that", "que", "quien", "que"):
        if verb.dep_.startswith("acl") or verb.dep_ == "relcl":
            return _actor_of_nominal(verb.head, mentions)
        return None
    for ancestor in verb.ancestors:
        for child in ancestor.children:
            if child.dep_ in SUBJECT_DEPS and child.i < pronoun.i:
                found = _actor_of_nominal(child, mentions)
                if found is not None:
                    return found
    # the parser often attaches the main clause oddly ("a fait savoir qu'il"): take the nearest
    # preceding actor of the sentence that is itself a subject.
    sent_start = pronoun.sent.start if pronoun.doc.has_annotation("SENT_START") else 0
    for m in sorted(mentions, key=lambda m: -m.start):
        if sent_start <= m.start and m.end <= pronoun.i and any(
                t.dep_ in SUBJECT_DEPS for t in pronoun.doc[m.start:m.end]):
            return m
    return None


def subject_of(token, mentions: list[ActorMention]) -> ActorMention | None:
    """The actor mention that is the (nominal) subject — or passive agent — of the verb ``token``.

    Climbs from the cue to the verb that carries a subject (auxiliaries, ``xcomp``, ``conj``,
    participial ``acl``) for at most 3 steps. Returns None when the doc has no parse or the subject
    is not an actor (a pronoun, a club, a company).
    """
    if token is None or not has_parse(token.doc):
        return None
    current = token
    for _ in range(4):
        subjects = [c for c in current.children if c.dep_ in SUBJECT_DEPS]
        for subj in subjects:
            found = _actor_of_nominal(subj, mentions)
            if found is None and subj.pos_ == "PRON":
                found = _antecedent(current, subj, mentions)
            if found is not None:
                return found
        if [c for c in current.children if c.dep_ in ("nsubj", "nsubj:pass", "nsubjpass")]:
            return None                      # a real subject that is not an actor: stop here
        if current.dep_ in CLIMB_DEPS and current.head is not current:
            current = current.head
            continue
        break
    return None


def _distance(m: ActorMention, positions: list[int]) -> int:
    return min(min(abs(p - m.start), abs(p - (m.end - 1))) for p in positions) if positions else 0


def _locative(m: ActorMention, doc) -> bool:
    """'à Paris', 'in Moscow': a capital used as a place, not as a government."""
    if m.actor.kind not in ("capital",) or m.start == 0:
        return False
    return doc[m.start - 1].lower_ in LOCATIVE


def resolve_denier_target(sent_span, cue_token_indices, mentions: list[ActorMention],
                          fallback_mentions: list[ActorMention] | None = None) -> tuple[Actor | None, Actor | None]:
    """(denier, target). Denier: subject actor of a cue, else the actor nearest to the cues.
    Target: another actor with a different country (e.g. USA when Russia denies), nearest to the
    cues, capitals used as places last; searched in the sentence, then in ``fallback_mentions``
    (the paragraph) if given."""
    cues = sorted(set(cue_token_indices or []))
    doc = sent_span.doc
    inside = [m for m in mentions if sent_span.start <= m.start < sent_span.end] or list(mentions)
    denier_m = None
    for i in cues:
        if 0 <= i < len(doc):
            denier_m = subject_of(doc[i], inside)
            if denier_m is not None:
                break
    if denier_m is None and inside:
        denier_m = min(inside, key=lambda m: (_locative(m, doc), _distance(m, cues), m.start))
    if denier_m is None:
        return None, None
    denier = denier_m.actor

    def other(m: ActorMention) -> bool:
        if m is denier_m or (m.start, m.end) == (denier_m.start, denier_m.end):
            return False
        if denier.country:
            return bool(m.actor.country) and m.actor.country != denier.country
        return m.actor.name != denier.name and bool(m.actor.country or m.actor.kind == "igo")

    for pool in (inside, fallback_mentions or []):
        candidates = [m for m in pool if other(m)]
        if candidates:
            best = min(candidates, key=lambda m: (_locative(m, doc), _distance(m, cues), m.start))
            return denier, best.actor
    return denier, None


_QUOTES = [
    re.compile(r"«\s*([^«»]{3,600}?)\s*»"),
    re.compile(r"“([^“”]{3,600}?)”"),
    re.compile(r"„([^„“”]{3,600}?)[“”]"),
    re.compile(r'"([^"]{3,600}?)"'),
    re.compile(r"‹\s*([^‹›]{3,600}?)\s*›"),
]


def extract_quote(text: str) -> str | None:
    """The longest quoted statement of at least two words (« … », “ … ”, „ … “, " … "), or None.
    WHY the longest: short quotes are usually scare quotes around one word ("absurdes")."""
    if not text:
        return None
    found: list[str] = []
    for pattern in _QUOTES:
        found += [m.group(1).strip() for m in pattern.finditer(text)]
    found = [q for q in found if len(q.split()) >= 2]
    if not found:
        return None
    return max(found, key=len)
