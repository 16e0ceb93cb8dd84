"""MINIMAL placeholder engine (walking skeleton): accent/case-insensitive phrase rules.

Interface that the rest of dementi relies on (keep it when replacing the internals):
    Engine.from_dir(rules_dir, gazetteers_dir=None) -> Engine      (raises RuleLoadError)
    engine.rules -> list of loaded rules (each has .id, .title)
    engine.alerts(article: Article) -> list[Alert]                  (pure, no I/O)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from dementi.records import Alert, Article, Evidence, Span


class RuleLoadError(ValueError):
    pass


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass
class PhraseRule:
    id: str
    title: str
    phrases: list[str]
    severity: str = "medium"
    tags: list[str] = field(default_factory=list)
    cameo: str | None = None
    kind: str | None = None


_SENT = re.compile(r"(?<=[.!?»\"])\s+|\n+")


class Engine:
    def __init__(self, rules: list[PhraseRule]):
        self.rules = rules

    @classmethod
    def from_dir(cls, rules_dir, gazetteers_dir=None) -> "Engine":
        rules = []
        for path in sorted(Path(rules_dir).rglob("*.yaml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for raw in data.get("rules", []):
                rules.append(PhraseRule(id=raw["id"], title=raw["title"], phrases=raw.get("phrase", []),
                                        severity=raw.get("severity", "medium"), tags=raw.get("tags", []),
                                        cameo=raw.get("cameo"), kind=raw.get("kind")))
        return cls(rules)

    def alerts(self, article: Article) -> list[Alert]:
        out = []
        for rule in self.rules:
            for fname, text in (("title", article.title), ("body", article.body)):
                hit = self._first(rule, text)
                if hit:
                    sentence, start, end = hit
                    out.append(Alert(rule_id=rule.id, rule_title=rule.title, severity=rule.severity,
                                     tags=rule.tags, cameo=rule.cameo, kind=rule.kind,
                                     article_id=article.id, article_url=article.url,
                                     article_title=article.title, article_source=article.source,
                                     article_lang=article.lang, published_at=article.published_at,
                                     evidence=Evidence(sentence=sentence, field=fname,
                                                       spans=[Span(start=start, end=end, text=sentence[start:end],
                                                                   condition="phrase")])))
                    break
        return out

    @staticmethod
    def _first(rule: PhraseRule, text: str):
        for sentence in _SENT.split(text):
            folded = fold(sentence)
            for phrase in rule.phrases:
                m = re.search(r"(?<!\w)" + re.escape(fold(phrase)) + r"(?!\w)", folded)
                if m:
                    return sentence, m.start(), m.end()
        return None
