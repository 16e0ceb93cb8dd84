"""Story identity: which alerts report the same event (who denies or refuses what), pure logic.

A story is one denier denying or refusing one thing within a window (default 48 h, measured from
the story's first report). Alerts are filed by their story key (the article's lead denier code,
``Alert.story.key``); within a key, a new alert joins the open story it matches best, or starts a
new one. The stream stage (``dementi.streams.stories``) runs exactly this code over a faust Table;
``dementi eval --stories`` runs it over labelled files. Everything depends only on the alerts and
their order within a key (event times, never the wall clock), so a replay, a restart or another
deployment computes the same story ids: ``story_id_for(first alert of the story)``.

Matching, precision first (two events in one message is worse than one event in two):
- the same article: always the same story;
- the window: the alert's event time within ``window`` of the story's first report;
- vetoes: different years, or different quantities (>= 10) on both sides;
- evidence points: shared content words (same language), shared concepts (specific ones count
  double), shared proper names, numbers and other actors (across languages); a specific concept
  on each side with none in common counts against. The best story at or above ``threshold`` wins.
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from datetime import datetime, timezone

from dementi.records import Alert, StorySource, StoryUpdate, story_id_for
from dementi.rules.concepts import GENERIC, concept_of

DEFAULT_WINDOW = 48 * 3600.0
THRESHOLD = 2.5        # points that join a story whatever else the reports say
QUIET_THRESHOLD = 1.5  # points that join a story when nothing speaks against it (see conflicts)
MAX_FINDINGS = 8      # distinct findings kept in a snapshot (what a message shows)
MAX_SOURCES = 300     # sources listed in a snapshot (``version`` still counts every alert)
MAX_PROFILE = 200     # words/names kept per story profile
STEM = 6              # same language, content words sharing their first 6 letters (fermeture/fermetures)
WORD_POINTS = 4.0     # times the share of content words in common (same language)
COGNATE_POINTS = 0.75  # per shared cognate (across languages)
# Languages where a capital inside a sentence marks a proper name (German capitalises every noun,
# Turkish its titles, other scripts have no case): elsewhere, same-language reports compare words only.
NAME_LANGS = frozenset({"en", "fr", "es", "it", "pt", "nl"})
COGNATE = 5           # across languages, content words sharing their first 5 letters (drones/drones, secret/secreta)


def _ts(value: datetime) -> float:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.timestamp()


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, timezone.utc)


@dataclass
class Profile:
    """What a story is about, accumulated over its alerts (serialised in the stage's index)."""

    articles: list[str] = field(default_factory=list)
    actors: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    concepts: list[str] = field(default_factory=list)
    words: dict[str, list[str]] = field(default_factory=dict)  # language -> stems
    targets: list[str] = field(default_factory=list)

    def add(self, alert: Alert) -> None:
        f = alert.story
        _extend(self.articles, [alert.article_id], 10_000)
        if alert.target and alert.target.code:
            _extend(self.targets, [alert.target.code], 50)
        if f is None:
            return
        _extend(self.actors, f.actors, 100)
        _extend(self.names, f.names, MAX_PROFILE)
        _extend(self.numbers, f.numbers, 100)
        _extend(self.concepts, f.concepts, 100)
        _extend(self.words.setdefault(alert.article_lang or "xx", []), f.words, MAX_PROFILE)


def _extend(items: list[str], new, cap: int) -> None:
    have = set(items)
    for item in new:
        if item not in have and len(items) < cap:
            items.append(item)
            have.add(item)


@dataclass
class OpenStory:
    story_id: str
    first_seen: float
    last_seen: float
    count: int
    profile: Profile
    alerts: list[str] = field(default_factory=list)  # ids, to recognise a replayed alert without the snapshot


@dataclass
class Match:
    points: float
    reasons: list[str]
    veto: str = ""
    conflicts: list[str] = field(default_factory=list)  # anchor types where each side names its own thing

    def joins(self, threshold: float, quiet_threshold: float) -> bool:
        """Enough evidence, or some evidence and nothing against it."""
        if self.veto:
            return False
        return self.points >= threshold or (self.points >= quiet_threshold and not self.conflicts)

    def text(self) -> str:
        if self.veto:
            return self.veto
        against = f"; against: {', '.join(self.conflicts)}" if self.conflicts else "; nothing against"
        return f"{self.points:.1f} points: " + ", ".join(self.reasons) + against


def _quantities(numbers) -> set[str]:
    out = set()
    for n in numbers:
        if n.startswith("q"):
            try:
                if float(n[1:]) >= 10:
                    out.add(n)
            except ValueError:
                pass
    return out


def score(alert: Alert, story: OpenStory, key: str = "") -> Match:
    """How strongly ``alert`` reports the same thing as ``story`` (see module docstring)."""
    p = story.profile
    if alert.article_id in p.articles:
        return Match(100.0, ["same article"])
    f = alert.story
    if f is None:
        return Match(0.0, [], "no story features (alert from an older worker)")
    years_a, years_p = {n for n in f.numbers if n.startswith("y")}, {n for n in p.numbers if n.startswith("y")}
    if years_a and years_p and not years_a & years_p:
        return Match(0.0, [], f"different years ({', '.join(sorted(years_a))} vs {', '.join(sorted(years_p))})")
    qa, qp = _quantities(f.numbers), _quantities(p.numbers)
    if qa and qp and not qa & qp:
        return Match(0.0, [], f"different numbers ({', '.join(sorted(qa))} vs {', '.join(sorted(qp))})")
    points, reasons = 0.0, []
    lang = alert.article_lang or "xx"
    same_lang_words = p.words.get(lang)
    if same_lang_words and f.words:
        shared = {w[:STEM] for w in f.words} & {w[:STEM] for w in same_lang_words}
        fewest = min(len(f.words), len(same_lang_words))
        if shared:  # +1: one shared word out of one is weak evidence, not proof
            points += WORD_POINTS * len(shared) / (fewest + 1)
            reasons.append(f"words {len(shared)}/{fewest}")
    shared_concepts = set(f.concepts) & set(p.concepts)
    if shared_concepts:
        gained = min(3.0, sum(0.5 if c in GENERIC else 1.0 for c in shared_concepts))
        points += gained
        reasons.append("concepts " + "+".join(sorted(shared_concepts)))
    specific_a = {c for c in f.concepts if c not in GENERIC}
    specific_p = {c for c in p.concepts if c not in GENERIC}
    if specific_a and specific_p and not specific_a & specific_p:
        points -= 1.5
        reasons.append("no common specific concept")
    other_langs = [w for w_lang, w in p.words.items() if w_lang != lang]
    shared_names = set(f.names) & set(p.names)
    if shared_names and (lang in NAME_LANGS or other_langs):  # capitals mark names there; elsewhere words say it
        points += min(2.0, float(len(shared_names)))
        reasons.append("names " + "+".join(sorted(shared_names)[:4]))
    if other_langs:  # cognates link translations (same language: words do)
        cognates = _cognates(f.words) & {c for words in other_langs for c in _cognates(words)}
        cognates -= {n[:COGNATE] for n in shared_names}
        if cognates:
            points += min(2.0, COGNATE_POINTS * len(cognates))
            reasons.append("cognates " + "+".join(sorted(cognates)[:4]))
    shared_numbers = set(f.numbers) & set(p.numbers)
    if shared_numbers:
        points += min(2.0, sum(0.3 if n.startswith("m") else 1.0 for n in shared_numbers))
        reasons.append("numbers " + "+".join(sorted(shared_numbers)))
    shared_actors = (set(f.actors) & set(p.actors)) - {key}
    if shared_actors:
        points += min(1.5, 0.5 * len(shared_actors))
        reasons.append("actors " + "+".join(sorted(shared_actors)))
    target = alert.target.code if alert.target and alert.target.code else None
    if target and p.targets and target not in p.targets and target not in p.actors:
        points -= 1.0
        reasons.append(f"other target {target}")
    return Match(points, reasons, conflicts=conflicts(alert, p, key, lang))


def conflicts(alert: Alert, p: Profile, key: str, lang: str) -> list[str]:
    """Anchor types where the alert and the story each name something the other does not (other
    actors, specific concepts, quantities, proper names): the sign of two different events, where
    one report merely leaving a detail out is not. (Within one language, names count only where a
    capital marks a proper name: German capitalises every noun, Turkish its titles.)"""
    f = alert.story
    out = []

    def differ(name: str, a: set, b: set) -> None:
        if a - b and b - a:
            out.append(f"{name} {'+'.join(sorted(a - b)[:3])} / {'+'.join(sorted(b - a)[:3])}")

    differ("actors", set(f.actors) - {key}, set(p.actors) - {key})
    differ("concepts", {c for c in f.concepts if c not in GENERIC}, {c for c in p.concepts if c not in GENERIC})
    differ("numbers", _quantities(f.numbers), _quantities(p.numbers))
    if lang in NAME_LANGS or set(p.words) - {lang}:
        differ("names", set(f.names), set(p.names))
    return out


def _cognates(words) -> set[str]:
    """Prefixes of the words that are not already counted as a concept."""
    return {w[:COGNATE] for w in words if len(w) >= COGNATE and concept_of(w) is None}


class StoryIndex:
    """The open stories of one key, serialisable to JSON (one faust Table value)."""

    def __init__(self, stories: list[OpenStory] | None = None, horizon: float = 0.0):
        self.stories = stories or []
        self.horizon = horizon  # latest event time seen for this key

    def to_json(self) -> str:
        return json.dumps({"horizon": self.horizon, "stories": [
            {"id": s.story_id, "first": s.first_seen, "last": s.last_seen, "n": s.count, "p": s.profile.__dict__,
             "a": s.alerts}
            for s in self.stories]}, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, data: str | bytes | None) -> "StoryIndex":
        if not data:
            return cls()
        raw = json.loads(data)
        return cls([OpenStory(s["id"], s["first"], s["last"], s["n"], Profile(**s["p"]), s.get("a", []))
                    for s in raw["stories"]],
                   raw.get("horizon", 0.0))


@dataclass
class Outcome:
    update: StoryUpdate
    new_story: bool
    replayed: bool = False  # the alert was already in its story (a replay): the current snapshot again


class StoryBook:
    """Assigns alerts to stories. ``index`` maps a story key to ``StoryIndex`` JSON, ``snapshots``
    maps a story id to the latest ``StoryUpdate`` JSON: plain dicts offline, faust Tables in the
    stream stage (both are mutable mappings; nothing else is kept between alerts)."""

    def __init__(self, index: MutableMapping | None = None, snapshots: MutableMapping | None = None,
                 window: float = DEFAULT_WINDOW, threshold: float = THRESHOLD,
                 quiet_threshold: float = QUIET_THRESHOLD):
        self.index = index if index is not None else {}
        self.snapshots = snapshots if snapshots is not None else {}
        self.window = window
        self.threshold = threshold
        self.quiet_threshold = quiet_threshold
        # parsed forms of the values this book wrote last (a value read back unchanged is not parsed again)
        self._parsed_index: dict[str, tuple[object, StoryIndex]] = {}
        self._parsed_snapshot: dict[str, tuple[object, StoryUpdate]] = {}

    def _index_of(self, key: str) -> StoryIndex:
        raw = self.index.get(key)
        hit = self._parsed_index.get(key)
        if hit is not None and hit[0] is raw and raw is not None:
            return hit[1]
        return StoryIndex.from_json(raw)

    def add(self, alert: Alert) -> Outcome:
        try:
            return self._add(alert)
        except BaseException:  # a half-updated parsed index must never be reused
            self._parsed_index.clear()
            self._parsed_snapshot.clear()
            raise

    def _add(self, alert: Alert) -> Outcome:
        key = alert.story_key
        idx = self._index_of(key)
        t = _ts(alert.event_time)
        for story in idx.stories:  # a replayed alert: its story's current snapshot, unchanged
            if alert.alert_id in story.alerts:
                snap = self._snapshot(story.story_id)
                if snap is not None:
                    return Outcome(snap, new_story=False, replayed=True)
        best, best_match = None, None
        for story in idx.stories:
            if abs(t - story.first_seen) > self.window:
                continue
            m = score(alert, story, key)
            if not m.joins(self.threshold, self.quiet_threshold):
                continue
            if best_match is None or m.points > best_match.points:
                best, best_match = story, m
        if best is None:
            story = OpenStory(story_id_for(alert.alert_id), t, t, 0, Profile())
            idx.stories.append(story)
            snap, joined = None, "new story"
        else:
            story, snap, joined = best, self._snapshot(best.story_id), f"joined: {best_match.text()}"
        story.profile.add(alert)
        story.count += 1
        if len(story.alerts) < 10_000:
            story.alerts.append(alert.alert_id)
        story.first_seen, story.last_seen = min(story.first_seen, t), max(story.last_seen, t)
        update = build_update(snap, alert, story, key, joined, self.window)
        idx.horizon = max(idx.horizon, t)
        expired = [s for s in idx.stories if s.first_seen < idx.horizon - 2 * self.window]
        idx.stories = [s for s in idx.stories if s not in expired]
        for s in expired:
            self.snapshots.pop(s.story_id, None)
            self._parsed_snapshot.pop(s.story_id, None)
        raw_index, raw_snapshot = idx.to_json(), update.model_dump_json()
        self.index[key] = raw_index
        self.snapshots[story.story_id] = raw_snapshot
        self._parsed_index[key] = (self.index.get(key), idx)
        self._parsed_snapshot[story.story_id] = (self.snapshots.get(story.story_id), update)
        return Outcome(update, new_story=best is None)

    def _snapshot(self, story_id: str) -> StoryUpdate | None:
        raw = self.snapshots.get(story_id)
        hit = self._parsed_snapshot.get(story_id)
        if hit is not None and hit[0] is raw and raw is not None:
            return hit[1].model_copy()
        return StoryUpdate.model_validate_json(raw) if raw else None


def finding_key(alert: Alert) -> str:
    return alert.kind or alert.rule_id


def build_update(previous: StoryUpdate | None, alert: Alert, story: OpenStory, key: str, joined: str,
                 window: float) -> StoryUpdate:
    findings = list(previous.findings) if previous else []
    if len(findings) < MAX_FINDINGS and finding_key(alert) not in {finding_key(a) for a in findings}:
        findings.append(alert)
    sources = list(previous.sources) if previous else []
    if len(sources) < MAX_SOURCES:
        sources.append(StorySource(alert_id=alert.alert_id, article_id=alert.article_id, rule_id=alert.rule_id,
                                   kind=alert.kind, source=alert.article_source, url=alert.article_url,
                                   title=alert.article_title, lang=alert.article_lang,
                                   denier=alert.denier.code if alert.denier else None,
                                   published_at=alert.published_at, detected_at=alert.detected_at))
    languages = list(previous.languages) if previous else []
    if alert.article_lang and alert.article_lang not in languages:
        languages.append(alert.article_lang)
    outlets = list(previous.outlets) if previous else []
    if alert.article_source and alert.article_source not in outlets:
        outlets.append(alert.article_source)
    first = previous.findings[0] if previous and previous.findings else alert
    return StoryUpdate(story_id=story.story_id, version=story.count, key=key, denier=first.denier,
                       target=first.target, alert=alert, joined=joined, findings=findings, sources=sources,
                       languages=languages, outlets=outlets, first_seen=_dt(story.first_seen),
                       last_seen=_dt(story.last_seen), window_seconds=window)

