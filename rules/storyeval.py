"""Measuring story identity: pairwise precision and recall of "same story" (``dementi eval --stories``).

Input files (JSON lines), two shapes:
- story-labelled articles (the team's invented set, ``tests/stories/data/events.jsonl``): ``id``,
  ``event`` (the gold story), ``lang``, ``source``, ``url``, ``title``, ``body``, ``published_at``;
- the labelled detection corpora (``../shared/corpus/dev*.jsonl``): every item is its own event
  (the corpus README: no two items share an event); an optional pairs file names item pairs
  judged by hand, e.g. near-misses kept apart on purpose, so they are reported on their own.

The real engine turns the articles into alerts (what the detect step does), then ``StoryBook``
files them in event-time order, exactly like the stream stage. Pairs are counted between
ARTICLES that alerted (all alerts of one article are one story by construction, so alert pairs
would only inflate the numbers): a pair is gold-same when both articles report one event, and
predicted-same when their alerts ended in one story. Items without a time (the corpora) all get
the same time: the hardest case, every story is open for every alert.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import combinations
from pathlib import Path

from pydantic import ValidationError

from dementi.jsonl import read_jsonl
from dementi.records import Article, validation_summary
from dementi.rules.scoring import Counts
from dementi.rules.stories import DEFAULT_WINDOW, OpenStory, Profile, StoryBook, score
from dementi.yamlsafe import safe_load

UNDATED = datetime(2026, 1, 1, tzinfo=timezone.utc)


@dataclass
class Item:
    id: str
    event: str
    lang: str
    article: Article
    file: str


@dataclass
class PairError:
    a: str
    b: str
    gold: bool
    why: str


@dataclass
class StoryReport:
    rows: dict[str, Counts] = field(default_factory=dict)
    errors: list[PairError] = field(default_factory=list)
    articles: int = 0
    alerted: int = 0
    events: int = 0
    stories: int = 0
    hard: list[tuple[str, str, bool, bool, str]] = field(default_factory=list)  # judged pairs: a, b, gold, predicted, note

    def as_dict(self) -> dict:
        return {"articles": self.articles, "alerted": self.alerted, "events": self.events, "stories": self.stories,
                "rows": {k: v.to_dict() for k, v in self.rows.items()},
                "errors": [e.__dict__ for e in self.errors],
                "judged_pairs": [dict(zip(("a", "b", "gold_same", "predicted_same", "note"), h)) for h in self.hard]}


def load_items(path: Path) -> tuple[list[Item], list[str]]:
    """Articles with their gold event, from either file shape (see module docstring), and one
    located message (``FILE:LINE: problem``) per line that is neither."""
    items: list[Item] = []
    errors: list[str] = []
    with path.open(encoding="utf-8") as fh:
        for line_no, d, problem in read_jsonl(fh):
            if d is None:
                errors.append(f"{path}:{line_no}: {problem}")
                continue
            try:
                items.append(_item(d, path.name))
            except KeyError as exc:
                errors.append(f"{path}:{line_no}: not a story-labelled article nor a corpus item: missing field {exc}")
            except ValidationError as exc:
                fields = validation_summary(exc, whole="article")
                errors.append(f"{path}:{line_no}: not a story-labelled article nor a corpus item: {fields}")
            except (ValueError, TypeError) as exc:
                errors.append(f"{path}:{line_no}: not a story-labelled article nor a corpus item: {exc}")
    return items, errors


def _item(d: dict, file: str) -> Item:
    if "event" in d:  # story-labelled
        article = Article(url=d["url"], title=d.get("title", ""), body=d["body"], lang=d.get("lang"),
                          source=d.get("source", ""), published_at=d.get("published_at"))
        return Item(str(d["id"]), str(d["event"]), d.get("lang") or "", article, file)
    # detection corpus: one event per item
    article = Article(url=d.get("source_url") or f"corpus:{d['id']}", title=d.get("title", ""), body=d["body"],
                      lang=d.get("lang"), source=_outlet(d.get("source_url", "")), published_at=UNDATED)
    return Item(str(d["id"]), str(d["id"]), d.get("lang") or "", article, file)


def _outlet(url: str) -> str:
    host = url.split("//", 1)[-1].split("/", 1)[0]
    return host[4:] if host.startswith("www.") else host


def load_judged(path: Path | None) -> list[tuple[str, str, bool, str]]:
    """Hand-judged pairs: ``same: [[a, b, note]]`` / ``different: [[a, b, note]]`` (ids only)."""
    if path is None:
        return []
    data = safe_load(path.read_text(encoding="utf-8")) or {}
    out = []
    for label, gold in (("same", True), ("different", False)):
        for entry in data.get(label, []) or []:
            out.append((str(entry[0]), str(entry[1]), gold, str(entry[2]) if len(entry) > 2 else ""))
    return out


def evaluate_stories(engine, items: list[Item], judged_file: Path | None = None, window: float = DEFAULT_WINDOW,
                     progress=None) -> StoryReport:
    """Run ``engine`` over ``items`` (``load_items``), file the alerts into stories, count the pairs."""
    judged = load_judged(judged_file)
    events = {i.id: i.event for i in items}
    for a, b, gold, _ in judged:  # hand-judged "same" merges the two items' events
        if gold and a in events and b in events:
            old, new = events[b], events[a]
            for k, v in list(events.items()):
                if v == old:
                    events[k] = new
    report = StoryReport(articles=len(items))
    item_of = {i.id: i for i in items}
    position = {i.id: n for n, i in enumerate(items)}
    alerts_of: dict[str, list] = {}
    for item in items:
        alerts = engine.alerts(item.article)
        if alerts:
            alerts_of[item.id] = alerts
        if progress:
            progress()
    order = sorted(alerts_of, key=lambda i: (item_of[i].article.published_at or UNDATED, position[i]))
    book = StoryBook(window=window)
    story_of: dict[str, str] = {}
    joined: dict[str, str] = {}  # item -> why its first alert joined its story (or "new story")
    for item_id in order:
        for alert in alerts_of[item_id]:
            update = book.add(alert).update
            story_of[item_id] = update.story_id
            joined.setdefault(item_id, update.joined)
    report.alerted = len(story_of)
    report.events = len({events[i] for i in story_of})
    report.stories = len(set(story_of.values()))
    lang = {i.id: i.lang for i in items}
    for a, b in combinations(order, 2):
        gold, predicted = events[a] == events[b], story_of[a] == story_of[b]
        rows = ["all article pairs", "same language" if lang[a] == lang[b] else "across languages"]
        files = {item_of[a].file, item_of[b].file}
        if len(files) == 1:
            rows.append(f"within {files.pop()}")
        for row in rows:
            report.rows.setdefault(row, Counts()).add(gold, predicted)
        if gold != predicted:
            why = joined[b] if predicted else _why_not(alerts_of[b][0], alerts_of[a], window)
            report.errors.append(PairError(a, b, gold, why))
    for a, b, gold, note in judged:
        if a in story_of and b in story_of:
            report.hard.append((a, b, gold, story_of[a] == story_of[b], note))
    return report


def _why_not(alert, earlier: list, window: float) -> str:
    """Why ``alert`` did not join the story of the ``earlier`` article: its points against a story
    made of that article alone (the story may have grown meanwhile; this is the core reason)."""
    if alert.story_key != earlier[0].story_key:
        return f"different story keys {earlier[0].story_key} / {alert.story_key}"
    profile = Profile()
    for other in earlier:
        profile.add(other)
    t0 = earlier[0].event_time.timestamp()
    if abs(alert.event_time.timestamp() - t0) > window:
        return f"outside the window ({abs(alert.event_time.timestamp() - t0) / 3600:.0f} h apart)"
    return score(alert, OpenStory("", t0, t0, len(earlier), profile), alert.story_key).text()
