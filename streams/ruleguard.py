"""Keeps one broken rule from taking the others down: a rule that raises is disabled, the rest run.

WHY here and not in the engine: the engine is a pure library that reports errors by raising; the
worker decides what a raise means in production. When ``engine.alerts(article)`` raises, each
still-enabled rule is evaluated alone (``only=[rule_id]``) to find the culprit(s):
- some rules raise, others do not -> the raising rules are disabled (logged at ERROR with the
  exception) until the rule set is reloaded (a new Engine object gets a fresh start), and the
  other rules' alerts for this article are kept;
- every rule raises -> it is the ARTICLE that breaks the engine (e.g. the language pipeline), not
  a rule: nothing is disabled and the caller dead-letters the article.
Isolating costs one engine call per rule, but only for the article that raised: afterwards the
disabled rules are simply left out (``only=active``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


class ArticleError(Exception):
    """Every rule failed on this article: the original exception is ``__cause__``/``original``."""

    def __init__(self, original: BaseException):
        super().__init__(str(original))
        self.original = original


@dataclass
class Evaluation:
    alerts: list = field(default_factory=list)
    failed_rules: dict[str, str] = field(default_factory=dict)  # rule id -> "ExcType: message"


class RuleGuard:
    def __init__(self) -> None:
        self._engine = None
        self.disabled: dict[str, str] = {}

    def _sync(self, engine) -> None:
        if engine is not self._engine:  # a reloaded rule set: every rule gets a fresh chance
            if self.disabled and self._engine is not None:
                log.warning("rules reloaded: re-enabling %d rule(s) disabled after errors: %s",
                            len(self.disabled), ", ".join(sorted(self.disabled)))
            self._engine, self.disabled = engine, {}

    def disabled_count(self) -> int:
        return len(self.disabled)

    def evaluate(self, engine, article) -> Evaluation:
        """Alerts of every healthy rule; raises ``ArticleError`` when the article breaks all of them."""
        self._sync(engine)
        try:
            if not self.disabled:
                return Evaluation(engine.alerts(article))
            active = [r.id for r in engine.rules if r.id not in self.disabled]
            return Evaluation(engine.alerts(article, only=active) if active else [])
        except Exception as exc:  # noqa: BLE001 - isolated below
            first = exc
        return self._isolate(engine, article, first)

    def _isolate(self, engine, article, first: BaseException) -> Evaluation:
        result = Evaluation()
        candidates = [r.id for r in engine.rules if r.id not in self.disabled]
        for rule_id in candidates:
            try:
                result.alerts.extend(engine.alerts(article, only=[rule_id]))
            except Exception as exc:  # noqa: BLE001
                result.failed_rules[rule_id] = f"{type(exc).__name__}: {exc}"
        if len(candidates) <= 1 or len(result.failed_rules) == len(candidates):
            raise ArticleError(first)
        for rule_id, error in result.failed_rules.items():
            self.disabled[rule_id] = error
            log.error("rule %s raised on article %s and is DISABLED until the rules are reloaded: %s",
                      rule_id, getattr(article, "id", "?"), error)
        return result
