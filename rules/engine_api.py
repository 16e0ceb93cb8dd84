"""What the rest of dementi may ask of a rule engine: the ``DetectionEngine`` protocol.

``rules.engine.Engine`` implements it; the detect worker (streams/) types against it instead of
asking an engine object what it happens to have, so a test fake must implement the same surface
and a change to the engine's API shows up as a type error, not as a silently skipped feature.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from dementi.records import Alert, Article


class RuleLike(Protocol):
    id: str


RuleErrors = list[tuple[str, Exception]]


class DetectionEngine(Protocol):
    @property
    def rules(self) -> Sequence[RuleLike]:
        """The enabled rules."""
        ...

    def has_cue(self, article: Article) -> bool:
        """Stage 1 alone: could any rule match (the prefilter passes)?"""
        ...

    def alerts(self, article: Article, only: Iterable[str] | None = None,
               errors: RuleErrors | None = None) -> list[Alert]:
        """At most one alert per rule; a rule that raises is skipped and reported in ``errors``."""
        ...

    def alerts_batch(self, articles: Sequence[Article], only: Iterable[str] | None = None
                     ) -> list[tuple[list[Alert], RuleErrors]]:
        """``alerts(a, only=only, errors=...)`` for each article, in one pass."""
        ...
