"""Rule examples and explain trees: what ``dementi rules test|explain`` show (also usable from Python).

WHY examples go through the whole engine (prefilter included): an example that only passes when
the prefilter is bypassed would fail in production; the author must see it fail here.
"""

from __future__ import annotations

from dataclasses import dataclass

from dementi.records import Article
from dementi.rules.units import Outcome


@dataclass
class ExampleResult:
    rule_id: str
    expect: str  # "match" | "no_match"
    text: str
    passed: bool
    source: str = ""
    detail: str = ""


def run_examples(engine, rule_ids: set[str] | None = None) -> list[ExampleResult]:
    """Run the ``examples`` of every enabled rule (or of ``rule_ids``) through ``engine``."""
    results: list[ExampleResult] = []
    for rule in engine.rules:
        if rule_ids is not None and rule.id not in rule_ids:
            continue
        lang = rule.languages[0] if rule.languages else None
        cases = [("match", t) for t in rule.examples.match] + [("no_match", t) for t in rule.examples.no_match]
        for n, (expect, text) in enumerate(cases):
            article = Article(id=f"example-{rule.id}-{n}", body=text, lang=lang)
            alerts = engine.alerts(article, only=[rule.id])
            passed = bool(alerts) == (expect == "match")
            detail = ""
            if not passed and alerts:
                spans = ", ".join(f"{s.condition}={s.text!r}" for s in alerts[0].evidence.spans)
                detail = f"matched: {spans}"
            elif not passed:
                detail = _why_not(engine, rule, article)
            results.append(ExampleResult(rule.id, expect, text, passed, engine.source(rule.id), detail))
    return results


def _why_not(engine, rule, article: Article) -> str:
    missing = engine.missing_clauses(rule.id, article.body)
    if missing:
        shown = "; ".join("none of " + ", ".join(m) for m in missing)
        return f"the prefilter skipped it: {shown}"
    report = engine.explain(rule.id, article.body, lang=article.lang)
    lines: list[str] = []
    for unit in report.units[:3]:
        lines += render_outcome(unit.outcome, unit.text)
    return "\n  ".join(lines)


def render_outcome(outcome: Outcome, text: str, depth: int = 0) -> list[str]:
    """Indented tree: one line per condition, its outcome, matched spans and why it failed."""
    mark = "✓" if outcome.ok else "✗"
    spans = ", ".join(f"'{text[h.start:h.end]}'" + (f"({h.label})" if h.label in ("negation",) or h.label.startswith("actor:") else "")
                      for h in outcome.hits)
    line = "  " * depth + f"{mark} {outcome.label}"
    if spans:
        line += f"  [{spans}]"
    if outcome.note:
        line += f"  — {outcome.note}"
    out = [line]
    for child in outcome.children:
        out += render_outcome(child, text, depth + 1)
    return out
