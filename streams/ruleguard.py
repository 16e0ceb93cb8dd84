"""Keeps one broken rule from taking the others down: a rule that raises is disabled, the rest run.

WHY here and not in the engine: the engine is a pure library; it skips a rule that raises and,
when asked (``engine.alerts(article, errors=[...])``), reports ``(rule_id, exception)`` pairs. The
worker decides what that means in production:
- some rules raise -> those rules are disabled (logged at ERROR with the exception) until the rule
  set is reloaded (a new Engine object gets a fresh start); the other rules' alerts for this
  article are kept, and the article is dead-lettered (stage ``rules``) for a replay once fixed;
- several rules raise the very same error -> it is the ARTICLE that breaks a shared stage (e.g.
  the language pipeline), not the rules: nothing is disabled, the article is dead-lettered.
An exception out of the engine call itself (a stage every rule shares) is the article's fault too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from dementi.records import Article
from dementi.rules.engine_api import DetectionEngine

log = logging.getLogger(__name__)


class ArticleError(Exception):
    """The article breaks the engine itself; ``original`` is the exception to report."""

    def __init__(self, original: BaseException):
        super().__init__(str(original))
        self.original = original


@dataclass
class Evaluation:
    alerts: list = field(default_factory=list)
    failed_rules: dict[str, str] = field(default_factory=dict)  # rule id -> "ExcType: message"


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


class RuleGuard:
    def __init__(self) -> None:
        self._engine: DetectionEngine | None = None
        self.disabled: dict[str, str] = {}

    def _sync(self, engine: DetectionEngine) -> None:
        if engine is not self._engine:  # a reloaded rule set: every rule gets a fresh chance
            if self.disabled and self._engine is not None:
                log.warning("rules reloaded: re-enabling %d rule(s) disabled after errors: %s",
                            len(self.disabled), ", ".join(sorted(self.disabled)))
            self._engine, self.disabled = engine, {}

    def disabled_count(self) -> int:
        return len(self.disabled)

    def _only(self, engine: DetectionEngine) -> list[str] | None:
        return [r.id for r in engine.rules if r.id not in self.disabled] if self.disabled else None

    def evaluate(self, engine: DetectionEngine, article: Article) -> Evaluation:
        """Alerts of every healthy rule; raises ``ArticleError`` when the article itself is the problem."""
        self._sync(engine)
        only = self._only(engine)
        if only == []:
            return Evaluation()
        errors: list[tuple[str, Exception]] = []
        try:
            alerts = engine.alerts(article, only=only, errors=errors)
        except Exception as exc:  # noqa: BLE001 - a stage every rule shares broke on this article
            raise ArticleError(exc) from exc
        return self._decide(article, Evaluation(alerts, {rid: _describe(exc) for rid, exc in errors}),
                            errors[0][1] if errors else None)

    def evaluate_many(self, engine: DetectionEngine, articles: list[Article]) -> list[Evaluation | ArticleError]:
        """``evaluate`` for each article (an ``ArticleError`` in place of a raise), through the
        engine's ``alerts_batch``: spaCy then parses the candidate sentences of the whole batch in
        one ``nlp.pipe`` (cheaper per sentence than one call each, docs/benchmarks.md).

        Same decisions as one ``evaluate`` per article, in order: a rule disabled because of
        article k contributes neither alerts nor errors to the articles after k, as if it had not
        run on them. If the batch call itself raises, every article is evaluated on its own."""
        self._sync(engine)
        only = self._only(engine)
        if only == []:
            return [Evaluation() for _ in articles]
        results = None
        if len(articles) > 1:
            try:
                results = engine.alerts_batch(articles, only=only)
            except Exception as exc:  # noqa: BLE001 - the per-article path isolates the culprit
                log.warning("batch evaluation failed (%r); evaluating the %d articles one by one",
                            exc, len(articles))
        if results is None:
            return [self._evaluate_one(engine, a) for a in articles]
        out: list[Evaluation | ArticleError] = []
        for article, (alerts, errors) in zip(articles, results):
            if self.disabled:  # by an earlier article of this batch
                alerts = [a for a in alerts if a.rule_id not in self.disabled]
                errors = [(rid, exc) for rid, exc in errors if rid not in self.disabled]
            try:
                out.append(self._decide(article, Evaluation(alerts, {rid: _describe(exc) for rid, exc in errors}),
                                        errors[0][1] if errors else None))
            except ArticleError as err:
                out.append(err)
        return out

    def _evaluate_one(self, engine: DetectionEngine, article: Article) -> Evaluation | ArticleError:
        try:
            return self.evaluate(engine, article)
        except ArticleError as err:
            return err

    def _decide(self, article: Article, result: Evaluation, first: BaseException | None) -> Evaluation:
        failed = result.failed_rules
        if not failed:
            return result
        if len(failed) > 1 and len(set(failed.values())) == 1:
            raise ArticleError(first)  # the same error from every failing rule: a shared stage broke
        for rule_id, error in failed.items():
            self.disabled[rule_id] = error
            log.error("rule %s raised on article %r and is DISABLED until the rules are reloaded: %s",
                      rule_id, article.id, error)  # %r: ids come from producers
        return result
