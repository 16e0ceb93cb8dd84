"""RuleGuard.evaluate_many: the batch path (engine.alerts_batch) decides exactly like one
``evaluate`` per article, in order. Pure logic with a fake engine, plus the real engine and pack."""

from __future__ import annotations

from pathlib import Path

import pytest

from dementi.records import Alert, Article, Evidence
from dementi.streams.ruleguard import ArticleError, Evaluation, RuleGuard

ROOT = Path(__file__).resolve().parents[2]


class _Rule:
    def __init__(self, rule_id):
        self.id = rule_id


class _BatchEngine:
    """Rule 'a' fires on 'deny'; rule 'b' fires on 'deny' and raises on 'BOOM'; 'ALL' breaks both
    with the same error (the article, not a rule, is the problem)."""

    rules = [_Rule("a"), _Rule("b")]

    def __init__(self, batch_raises: bool = False):
        self.batch_raises = batch_raises
        self.batch_calls = 0

    def alerts(self, article, only=None, errors=None):
        out = []
        for rule in self.rules:
            if only is not None and rule.id not in only:
                continue
            if "ALL" in article.body:
                errors.append((rule.id, ValueError("tokenizer broke")))
                continue
            if rule.id == "b" and "BOOM" in article.body:
                errors.append(("b", ZeroDivisionError("b divided by zero")))
                continue
            if "deny" in article.body:
                out.append(Alert(rule_id=rule.id, rule_title=rule.id, article_id=article.id,
                                 article_url=article.url, evidence=Evidence(sentence=article.body)))
        return out

    def alerts_batch(self, articles, only=None):
        self.batch_calls += 1
        if self.batch_raises:
            raise RuntimeError("batch broke")
        results = []
        for article in articles:
            errors: list = []
            results.append((self.alerts(article, only=only, errors=errors), errors))
        return results


def _articles(*bodies: str) -> list[Article]:
    return [Article(url=f"https://t.example/{i}", body=body) for i, body in enumerate(bodies)]


def _summary(results) -> list:
    out = []
    for r in results:
        if isinstance(r, ArticleError):
            out.append(("article-error", str(r.original)))
        else:
            assert isinstance(r, Evaluation)
            out.append((sorted(a.rule_id for a in r.alerts), sorted(r.failed_rules)))
    return out


BODIES = ("they deny it", "BOOM deny", "deny again", "ALL deny", "nothing", "deny at last")


def test_batch_decides_like_one_evaluate_per_article():
    one_by_one = RuleGuard()
    engine = _BatchEngine()
    expected = []
    for article in _articles(*BODIES):
        try:
            expected.append(one_by_one.evaluate(engine, article))
        except ArticleError as err:
            expected.append(err)
    batched = RuleGuard()
    got = batched.evaluate_many(engine, _articles(*BODIES))
    assert engine.batch_calls == 1
    assert _summary(got) == _summary(expected)
    # rule b raised on article 1: disabled, so articles 2.. get no alert of b (it did not run on them)
    assert _summary(got)[:3] == [(["a", "b"], []), (["a"], ["b"]), (["a"], [])]
    # with b disabled, 'ALL' breaks only rule a: a is disabled too (one failing rule is the rule's fault)
    assert batched.disabled.keys() == one_by_one.disabled.keys() == {"a", "b"}
    assert _summary(got)[3:] == [([], ["a"]), ([], []), ([], [])]


def test_a_failing_batch_call_falls_back_to_one_by_one():
    engine = _BatchEngine(batch_raises=True)
    got = RuleGuard().evaluate_many(engine, _articles(*BODIES))
    assert engine.batch_calls == 1
    assert _summary(got) == _summary(RuleGuard().evaluate_many(_BatchEngine(), _articles(*BODIES)))


def test_article_error_is_returned_not_raised():
    got = RuleGuard().evaluate_many(_BatchEngine(), _articles("ALL deny", "deny"))
    assert isinstance(got[0], ArticleError) and "tokenizer broke" in str(got[0].original)
    assert _summary(got)[1] == (["a", "b"], [])


@pytest.fixture(scope="module")
def engine():
    from dementi.rules.engine import Engine

    return Engine.from_dir(ROOT / "config" / "rules", ROOT / "config" / "gazetteers")


def test_real_engine_batch_equals_per_article_alerts(engine):
    """The project pack through both paths gives the same alerts (the batch parses with nlp.pipe)."""
    texts = [
        ("fr", "Le ministère norvégien des Affaires étrangères a démenti mardi ces informations."),
        ("fr", "Le club dément tout accord avec le joueur, selon son entraîneur."),
        ("en", "Estonia's foreign ministry flatly denied the reports on Tuesday."),
        ("fr", "La pluie est attendue demain sur la côte."),
        ("en", "The government of Chile said it will not attend the summit in Lima."),
        ("fr", "Le Kremlin rejette en bloc les accusations, a déclaré son porte-parole."),
    ]
    articles = [Article(url=f"https://t.example/real/{i}", title="", body=body, lang=lang)
                for i, (lang, body) in enumerate(texts)]

    def key(alerts):
        return sorted((a.rule_id, a.evidence.sentence, a.denier.name if a.denier else None) for a in alerts)

    single = [key(engine.alerts(a)) for a in articles]
    batched = RuleGuard().evaluate_many(engine, articles)
    assert [key(e.alerts) for e in batched] == single
    assert sum(1 for k in single if k) >= 3, single  # the sample does exercise stage 2
