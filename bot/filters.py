"""Subscription filters: parsing ``/subscribe`` arguments and matching alerts against them.

A chat holds a list of filters (OR). One filter comes from one ``/subscribe`` command; inside it,
different keys are AND-ed and repeated keys are OR-ed, like Alertmanager matchers:
``/subscribe tag:denial lang:fr lang:en severity>=high`` = denial-tagged, French or English, high+.
Bad arguments raise ``FilterError`` with a message meant for the user; nothing is half-applied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pycountry

from dementi.records import SEVERITIES, Alert

_SEVERITY_RE = re.compile(r"^severity(>=|<=|>|<|=)([a-z]+)$")
_LANG_RE = re.compile(r"^[a-z]{2,3}$")
_ACTOR_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{1,40}$")
_TAG_RE = re.compile(r"^[\w.:-]{1,64}$")


class FilterError(ValueError):
    """Readable reason why a subscription argument is refused."""


@dataclass(frozen=True)
class Filter:
    all: bool = False
    rules: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()
    langs: frozenset[str] = frozenset()
    actors: frozenset[str] = frozenset()
    severity: tuple[str, str] | None = None  # (op, level)

    def canonical(self) -> str:
        if self.all:
            return "all"
        parts = sorted(self.rules)
        parts += [f"tag:{t}" for t in sorted(self.tags)]
        parts += [f"lang:{lang}" for lang in sorted(self.langs)]
        parts += [f"actor:{a}" for a in sorted(self.actors)]
        if self.severity:
            parts.append(f"severity{self.severity[0]}{self.severity[1]}")
        return " ".join(parts)

    def matches(self, alert: Alert) -> bool:
        if self.all:
            return True
        if self.rules and alert.rule_id not in self.rules:
            return False
        if self.tags and not (self.tags & set(alert.tags)):
            return False
        if self.langs and (alert.article_lang or "") not in self.langs:
            return False
        if self.actors and not (self.actors & actor_keys(alert)):
            return False
        if self.severity and not severity_ok(alert.severity, *self.severity):
            return False
        return True


def actor_keys(alert: Alert) -> set[str]:
    """Ways a user may name the denier: its code (ISO country code, UN, NATO, ...), its country or
    its name, case-insensitively."""
    keys: set[str] = set()
    if alert.denier:
        for key in (alert.denier.code, alert.denier.country, alert.denier.name):
            if key:
                keys.add(key.upper())
    return keys


def severity_ok(level: str, op: str, wanted: str) -> bool:
    have, want = SEVERITIES.index(level), SEVERITIES.index(wanted)
    return {">=": have >= want, ">": have > want, "=": have == want, "<=": have <= want, "<": have < want}[op]


@dataclass
class Catalogue:
    """What the parser needs to know to refuse filters that could never match: unknown rule ids and
    tags, languages no rule covers, actor codes no actor carries (``actors``: code -> name). Empty
    = not checked (stored filters are rebuilt that way). ``languages`` holding ``ANY_LANGUAGE``:
    some rule applies to every language, so any real ISO 639-1 code may match."""

    rule_ids: set[str] = field(default_factory=set)
    tags: set[str] = field(default_factory=set)
    languages: set[str] = field(default_factory=set)
    actors: dict[str, str] = field(default_factory=dict)


ANY_LANGUAGE = "*"


def _language(lang: str, token: str, known: Catalogue) -> str:
    if not known.languages:
        return lang
    if ANY_LANGUAGE not in known.languages:
        if lang not in known.languages:
            covered = ", ".join(sorted(known.languages)) or "none"
            raise FilterError(f"no rule covers the language '{lang}', so '{token}' would never match. "
                              f"Languages the rules cover: {covered}")
        return lang
    if len(lang) != 2 or pycountry.languages.get(alpha_2=lang) is None:
        raise FilterError(f"'{token}': '{lang}' is not an ISO 639-1 language code (e.g. lang:fr, lang:en)")
    return lang


def _actor(actor: str, token: str, known: Catalogue) -> str:
    """The actor code ``actor`` names (a code, or a state's or body's name), or a refusal that lists
    the codes (an actor:XYZ nobody carries would silently never match)."""
    code = actor.upper()
    if not known.actors or code in known.actors:
        return code
    by_name = {name.upper().replace(" ", "_"): c for c, name in known.actors.items()}
    if code in by_name:
        return by_name[code]
    country = pycountry.countries.get(alpha_2=code) if len(code) == 2 else None
    hint = (f" Did you mean actor:{country.alpha_3} ({known.actors[country.alpha_3]})?"
            if country is not None and country.alpha_3 in known.actors else "")
    states = sorted(c for c in known.actors if pycountry.countries.get(alpha_3=c) is not None)
    orgs = sorted(set(known.actors) - set(states))
    raise FilterError(f"no actor has the code '{actor}', so '{token}' would never match.{hint} Organisations: "
                      f"{', '.join(orgs)}. States (ISO 3166 alpha-3): {' '.join(states)}")


def parse_filter(tokens: list[str], known: Catalogue) -> Filter:
    """``[]`` or ``['all']`` -> all; else build one filter from the tokens (see module doc)."""
    if not tokens or tokens == ["all"]:
        return Filter(all=True)
    if "all" in tokens:
        raise FilterError("'all' cannot be combined with other filters; use /subscribe all on its own")
    rules, tags, langs, actors = set(), set(), set(), set()
    severity = None
    for token in tokens:
        if token.startswith("tag:"):
            tag = token[4:]
            if not _TAG_RE.match(tag):
                raise FilterError(f"'{token}': a tag looks like tag:denial")
            if known.tags and tag not in known.tags:
                raise FilterError(f"no rule has the tag '{tag}'. Known tags: {', '.join(sorted(known.tags))}")
            tags.add(tag)
        elif token.startswith("lang:"):
            lang = token[5:].lower()
            if not _LANG_RE.match(lang):
                raise FilterError(f"'{token}': a language is an ISO 639-1 code, e.g. lang:fr")
            langs.add(_language(lang, token, known))
        elif token.startswith("actor:"):
            actor = token[6:]
            if not _ACTOR_RE.match(actor):
                raise FilterError(f"'{token}': an actor is a country code or name, e.g. actor:RUS")
            actors.add(_actor(actor, token, known))
        elif token.startswith("severity"):
            m = _SEVERITY_RE.match(token.lower())
            if not m or m.group(2) not in SEVERITIES:
                raise FilterError(f"'{token}': use e.g. severity>=high (levels: {', '.join(SEVERITIES)})")
            if severity:
                raise FilterError("only one severity condition per subscription")
            severity = (m.group(1), m.group(2))
        else:
            if token not in known.rule_ids:
                hint = " Use /rules to see them." if known.rule_ids else ""
                raise FilterError(f"unknown rule id '{token}'.{hint} (Filters: all, RULE_ID, tag:T, lang:fr, "
                                  "actor:RUS, severity>=high)")
            rules.add(token)
    return Filter(rules=frozenset(rules), tags=frozenset(tags), langs=frozenset(langs),
                  actors=frozenset(actors), severity=severity)


def filter_from_spec(spec: str) -> Filter:
    """Rebuild a stored canonical spec without validating against the current rule set, languages
    or actor codes (a rule may have been removed since; its filter then simply matches nothing)."""
    return parse_filter(spec.split(), Catalogue(rule_ids=set(t for t in spec.split() if ":" not in t
                                                             and not t.startswith("severity"))))


def excluded(alert: Alert, exclusions: set[str]) -> bool:
    """Carve-outs made by ``/unsubscribe RULE_ID`` or ``tag:T`` while a broader filter stays."""
    if alert.rule_id in exclusions:
        return True
    return any(f"tag:{t}" in exclusions for t in alert.tags)
