"""The finite demo of ``dementi run --demo``: what it publishes, what it must show, when it is done.

Why finite: the README's first command ends with ``dementi run --demo``, and CI runs that line
verbatim. A demo that runs until Ctrl-C would hang CI; one that stops after a fixed sleep proves
nothing. So the demo states its expectation (``config/demo/expected.yaml``: the articles that
must alert) and the supervisor waits, with a deadline, until the console notifier has PRINTED an
alert for each of them. The notifier reports what it printed in a small file (``dementi bot
--shown-file``, written by ``bot/console.py``), one ``alert_id<TAB>article_id`` line per alert:
streams/ and bot/ meet only through records and files, never imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dementi.records import Article
from dementi.settings import PROJECT_ROOT
from dementi.yamlsafe import safe_load

DEMO_DIR = PROJECT_ROOT / "config" / "demo"
DEMO_FILE = DEMO_DIR / "articles.jsonl"
EXPECTED_FILE = DEMO_DIR / "expected.yaml"


@dataclass(frozen=True)
class DemoPlan:
    articles: list[Article]
    expected: dict[str, Article]  # article id -> article that must raise at least one alert

    @classmethod
    def load(cls, articles_file: Path = DEMO_FILE, expected_file: Path = EXPECTED_FILE) -> "DemoPlan":
        articles = [Article.model_validate_json(line) for line in articles_file.read_text(encoding="utf-8").splitlines()
                    if line.strip()]
        wanted = (safe_load(expected_file.read_text(encoding="utf-8")) or {}).get("alert") or []
        by_url = {a.url: a for a in articles}
        unknown = [url for url in wanted if url not in by_url]
        if unknown:
            raise ValueError(f"{expected_file}: not in {articles_file.name}: {', '.join(unknown)}")
        return cls(articles, {by_url[url].id: by_url[url] for url in wanted})

    @property
    def quiet(self) -> list[Article]:
        """The articles that must raise no alert (not state denials or refusals)."""
        return [a for a in self.articles if a.id not in self.expected]

    def missing(self, shown: "Shown") -> list[Article]:
        return [a for article_id, a in self.expected.items() if article_id not in shown.articles]


@dataclass
class Shown:
    """What the console notifier printed so far, read from its ``--shown-file``."""

    alerts: int = 0
    articles: frozenset[str] = frozenset()

    @classmethod
    def read(cls, path: Path) -> "Shown":
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return cls()
        complete = text[: text.rfind("\n") + 1]  # a line being written counts once it is finished
        pairs = [line.split("\t") for line in complete.splitlines() if line.count("\t") == 1]
        return cls(alerts=len({alert_id for alert_id, _ in pairs}),
                   articles=frozenset(article_id for _, article_id in pairs))

