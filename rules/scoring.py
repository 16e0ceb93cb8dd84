"""Measure a rule set on a labelled corpus: precision/recall/F1 per language, detection rate per
kind, and the false positives/negatives with the rules that fired.

WHY binary at the article level: a user gets one notification per article and rule; what matters
is whether an article that should alert does (recall) and whether one that should not stays silent
(precision). The alert kind (denial/refusal) is reported beside, not scored, because many real
items are both ("rejects the report and will not attend").

Input: JSONL, one object per line with ``label`` (1/0), optional ``id``, ``lang``, ``kind``,
``title``, ``body``; title + body form the article. A bad line is reported with its number and
skipped, never fatal.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from dementi.jsonl import read_jsonl
from dementi.records import Article

POSITIVE_KINDS = ("denial", "refusal")


@dataclass
class Item:
    id: str
    label: int
    lang: str | None
    kind: str
    title: str
    body: str
    line: int
    denier_codes: tuple[str, ...] = ()     # gold: any of them is a right denier (ISO alpha-3, UN, ...)


@dataclass
class Outcome:
    item: Item
    predicted: bool
    rules: list[str]
    alert_kinds: list[str]
    deniers: list[str]
    denier_codes: list[str | None] = field(default_factory=list)   # one per alert; None = no denier

    @property
    def denier_right(self) -> bool | None:
        """For a detected positive with gold codes: do ALL its alerts name a right denier (an alert
        without a denier is not right)? None when it cannot be judged."""
        if not (self.predicted and self.item.label and self.item.denier_codes):
            return None
        return all(code in self.item.denier_codes for code in self.denier_codes)


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, label: int, predicted: bool) -> None:
        if label and predicted:
            self.tp += 1
        elif label:
            self.fn += 1
        elif predicted:
            self.fp += 1
        else:
            self.tn += 1

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict:
        return {"n": self.n, "tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn,
                "precision": _round(self.precision), "recall": _round(self.recall), "f1": _round(self.f1)}


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def by_language(self) -> dict[str, Counts]:
        out: dict[str, Counts] = defaultdict(Counts)
        for o in self.outcomes:
            out[o.item.lang or "?"].add(o.item.label, o.predicted)
        return dict(sorted(out.items(), key=lambda kv: (-kv[1].n, kv[0])))

    def overall(self) -> Counts:
        c = Counts()
        for o in self.outcomes:
            c.add(o.item.label, o.predicted)
        return c

    def by_kind(self) -> dict[str, dict]:
        """Per gold kind: how many items, how many alerted, and the rate (recall for positive
        kinds, false-positive rate for negative kinds)."""
        groups: dict[str, list[Outcome]] = defaultdict(list)
        for o in self.outcomes:
            groups[o.item.kind or ("positive" if o.item.label else "negative")].append(o)
        out = {}
        for kind, items in sorted(groups.items(), key=lambda kv: (kv[0] not in POSITIVE_KINDS, kv[0])):
            alerted = sum(o.predicted for o in items)
            positive = bool(items[0].item.label)
            out[kind] = {"n": len(items), "alerted": alerted, "positive": positive,
                         "rate": _round(alerted / len(items)),
                         "metric": "recall" if positive else "false_positive_rate",
                         "kind_agrees": sum(1 for o in items if o.predicted and kind in o.alert_kinds)}
        return out

    def by_language_kind(self) -> dict[str, dict[str, dict]]:
        groups: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
        for o in self.outcomes:
            groups[(o.item.lang or "?", o.item.kind)].append(o)
        out: dict[str, dict[str, dict]] = defaultdict(dict)
        for (lang, kind), items in sorted(groups.items()):
            alerted = sum(o.predicted for o in items)
            out[lang][kind] = {"n": len(items), "alerted": alerted, "rate": _round(alerted / len(items))}
        return dict(out)

    def false_positives(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.predicted and not o.item.label]

    def false_negatives(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.item.label and not o.predicted]

    def denier_judged(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.denier_right is not None]

    def denier_accuracy(self) -> float | None:
        """Share of detected positives (with gold ``denier_codes``) whose alerts all name a right
        denier: a wrong denier sends the alert to the wrong ``actor:`` subscribers."""
        judged = self.denier_judged()
        return _round(sum(bool(o.denier_right) for o in judged) / len(judged)) if judged else None

    def wrong_deniers(self) -> list[Outcome]:
        return [o for o in self.denier_judged() if not o.denier_right]

    def hard_negative_fp_rate(self) -> float | None:
        hard = [o for o in self.outcomes if o.item.kind == "hard_negative"]
        return _round(sum(o.predicted for o in hard) / len(hard)) if hard else None

    def to_dict(self) -> dict:
        return {
            "overall": self.overall().to_dict(),
            "languages": {lang: c.to_dict() for lang, c in self.by_language().items()},
            "kinds": self.by_kind(),
            "language_kinds": self.by_language_kind(),
            "hard_negative_fp_rate": self.hard_negative_fp_rate(),
            "denier_accuracy": self.denier_accuracy(),
            "denier_judged": len(self.denier_judged()),
            "wrong_deniers": [{"id": o.item.id, "lang": o.item.lang, "gold": list(o.item.denier_codes),
                               "alerted": o.denier_codes, "rules": o.rules} for o in self.wrong_deniers()],
            "false_positives": [{"id": o.item.id, "lang": o.item.lang, "kind": o.item.kind, "rules": o.rules,
                                 "deniers": o.deniers} for o in self.false_positives()],
            "false_negatives": [{"id": o.item.id, "lang": o.item.lang, "kind": o.item.kind}
                                for o in self.false_negatives()],
            "errors": self.errors,
        }


def load_labelled(path: Path | str) -> tuple[list[Item], list[str]]:
    """Items of a labelled JSONL file, and one located message per bad line."""
    items: list[Item] = []
    errors: list[str] = []
    path = Path(path)
    with path.open(encoding="utf-8") as fh:
        for n, data, problem in read_jsonl(fh):
            if data is None:
                errors.append(f"{path}:{n}: {problem}")
                continue
            label = data.get("label")
            if label not in (0, 1, True, False):
                errors.append(f"{path}:{n}: field 'label' must be 1 or 0 (got {label!r})")
                continue
            title, body = data.get("title") or "", data.get("body") or ""
            if not isinstance(title, str) or not isinstance(body, str) or not (title or body):
                errors.append(f"{path}:{n}: needs a non-empty string 'title' or 'body'")
                continue
            codes = data.get("denier_codes") or []
            if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
                errors.append(f"{path}:{n}: field 'denier_codes' must be a list of strings (got {codes!r})")
                continue
            items.append(Item(id=str(data.get("id") or f"line-{n}"), label=int(label), lang=data.get("lang"),
                              kind=str(data.get("kind") or ""), title=title, body=body, line=n,
                              denier_codes=tuple(c.upper() for c in codes)))
    return items, errors


def to_article(item: Item) -> Article:
    # The body is required by Article; a title-only item becomes its own body-less article.
    return Article(id=item.id, title=item.title, body=item.body or "", lang=item.lang)


def evaluate(engine, items: Iterable[Item], errors: list[str] | None = None,
             on_item: Callable[[Item], None] | None = None) -> Report:
    """Run ``engine.alerts`` on every item. An article that makes the engine raise is reported as
    an error and counted as not alerted (a crash must never look like precision)."""
    report = Report(errors=list(errors or []))
    for item in items:
        try:
            alerts = engine.alerts(to_article(item))
        except Exception as exc:  # noqa: BLE001 - reported, never hidden
            report.errors.append(f"line {item.line} ({item.id}): engine error {type(exc).__name__}: {exc}")
            alerts = []
        report.outcomes.append(Outcome(
            item=item, predicted=bool(alerts), rules=sorted({a.rule_id for a in alerts}),
            alert_kinds=sorted({a.kind for a in alerts if a.kind}),
            deniers=sorted({f"{a.denier.name}/{a.denier.code or '-'}" for a in alerts if a.denier}),
            denier_codes=[a.denier.code if a.denier else None for a in alerts]))
        if on_item:
            on_item(item)
    return report
