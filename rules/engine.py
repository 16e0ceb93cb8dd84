"""The two-stage rule engine: a literal prefilter over folded text, then spaCy on candidate units.

Interface the rest of dementi relies on (stable):
    Engine.from_dir(rules_dir, gazetteers_dir=None) -> Engine      (raises RuleLoadError)
    engine.rules -> enabled rules (pydantic ``Rule``: .id, .title, .severity, .cameo, .realert ...)
    engine.alerts(article: Article) -> list[Alert]                  (pure, no I/O)
    engine.alerts_batch(articles, only=None) -> [(alerts, errors)]  (same results, spaCy batched)
    engine.explain(rule_id, text, lang=None) -> Explanation         (every unit, every condition)

WHY two stages: spaCy's parser is hundreds of times slower than the literal prefilter (rates in
docs/benchmarks.md). Stage 1
finds the sentences that contain a literal cue of some rule (a phrase, an inflected lemma form);
only those sentences (or their paragraph / field for wider scopes) are parsed and evaluated.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from dementi.records import Actor, Alert, Article, Evidence, Span
from dementi.rules.analysis import Analysis, FieldText
from dementi.rules.actor_backend import ActorBackend
from dementi.rules.compiler import compile_condition, requirements
from dementi.rules.conditions import ActorNode, AllNode, NearNode
from dementi.rules.units import Hit, Outcome, Unit
from dementi.rules.loader import LoadedRule, RuleError, RuleLoadError, load_dir
from dementi.rules.nlp import detect_language
from dementi.rules.prefilter import Prefilter
from dementi.rules.actor_roles import choose_target
from dementi.rules.schema import Rule
from dementi.rules.segment import Segment
from dementi.rules.storyfeatures import assign_story_keys, features as story_features
from dementi.rules.folding import fold

__all__ = ["Engine", "RuleLoadError", "RuleError", "Explanation", "UnitReport"]
log = logging.getLogger(__name__)
_LOCATIVE = frozenset({"a", "au", "aux", "en", "in", "at", "dans", "from", "vers", "to"})


def required_actors(node) -> list:
    """Actor conditions that must hold for ``node`` to match (reached through all/near only)."""
    if isinstance(node, ActorNode):
        return [node]
    if isinstance(node, (AllNode, NearNode)):
        return [a for child in node.children for a in required_actors(child)]
    return []


@dataclass
class CompiledRule:
    index: int
    rule: Rule
    root: object
    literals: list[set[str]]  # prefilter clauses (see compiler.requirements)
    source: str = ""
    actors: list = field(default_factory=list)  # actor conditions it requires (required_actors)

    def applies_to(self, lang: str) -> bool:
        return not self.rule.languages or lang in self.rule.languages


@dataclass
class UnitReport:
    field: str
    text: str
    candidate: bool  # did the prefilter select this unit for this rule?
    outcome: Outcome


@dataclass
class Explanation:
    rule_id: str
    lang: str
    units: list[UnitReport] = field(default_factory=list)

    @property
    def matched(self) -> bool:
        return any(u.outcome.ok for u in self.units)


class Engine:
    def __init__(self, rules: Sequence[Rule | LoadedRule], backend=None):
        self.backend = backend
        self.all_rules: list[Rule] = []
        self._compiled: list[CompiledRule] = []
        for item in rules:
            rule, source = (item.rule, f"{item.path}:{item.line}") if isinstance(item, LoadedRule) else (item, "")
            self.all_rules.append(rule)
            if not rule.enabled:
                continue
            root = compile_condition(rule.match, tuple(rule.languages), backend)
            self._compiled.append(CompiledRule(len(self._compiled), rule, root, requirements(root), source,
                                               required_actors(root)))
        self._by_id = {c.rule.id: c for c in self._compiled}
        self._prefilter = Prefilter([c.literals for c in self._compiled])
        self._unfilterable = frozenset(self._prefilter.unfilterable)
        self._scopes = sorted({c.rule.scope for c in self._compiled})  # the candidate lists stage 2 reads
        self._mentions_fn = backend.mentions if backend is not None else None
        self._text_mentions = isinstance(backend, ActorBackend)  # its mentions() take the doc's text
        # counters for benchmarks and metrics: articles seen, articles / units that reached spaCy
        self.stats = {"articles": 0, "stage2_articles": 0, "stage2_units": 0}

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_dir(cls, rules_dir, gazetteers_dir=None, backend=None) -> "Engine":
        """Load and compile every rule under ``rules_dir``; raises :class:`RuleLoadError`."""
        loaded = load_dir(Path(rules_dir))
        if backend is None:
            from dementi.rules.actor_backend import load_backend

            try:
                backend = load_backend(gazetteers_dir)
            except (OSError, ValueError) as exc:  # GazetteerError is a ValueError naming file/line
                where = str(gazetteers_dir or "config/gazetteers")
                raise RuleLoadError([RuleError(where, 1, 1, "", f"gazetteers do not load: {exc}")]) from exc
        return cls(loaded, backend)

    @property
    def rules(self) -> list[Rule]:
        return [c.rule for c in self._compiled]

    def rule(self, rule_id: str) -> Rule | None:
        c = self._by_id.get(rule_id)
        return c.rule if c else None

    def source(self, rule_id: str) -> str:
        """``file:line`` where the rule was defined ("" for rules built in code)."""
        c = self._by_id.get(rule_id)
        return c.source if c else ""

    @property
    def unfilterable_rules(self) -> list[str]:
        """Ids of rules the prefilter cannot skip (they run spaCy on every unit): a lint warning."""
        return [self._compiled[i].rule.id for i in sorted(self._unfilterable)]

    # ------------------------------------------------------------------ stage 1
    def has_cue(self, article: Article) -> bool:
        """Stage 1 alone: does a field hold every literal clause of some enabled rule?"""
        pf = self._prefilter
        return any(pf.scan(t).guards for t in (article.title, article.body) if t)

    def missing_clauses(self, rule_id: str, text: str) -> list[list[str]]:
        """Prefilter clauses of ``rule_id`` with no literal in ``text`` (a few literals of each, for
        humans: "the prefilter skipped this because none of dement, dementi... occurs")."""
        cr = self._by_id[rule_id]
        pairs = self._prefilter.satisfied(text)
        return [sorted(lit.lstrip("\x01").strip() for lit in clause)[:6]
                for j, clause in enumerate(cr.literals) if (cr.index, j) not in pairs]

    # ------------------------------------------------------------------ stage 2
    def alerts(self, article: Article, only: Iterable[str] | None = None,
               errors: list[tuple[str, Exception]] | None = None, prefilter: bool = True) -> list[Alert]:
        """Alerts for ``article``: at most one per rule (the first unit that matches).

        A rule that raises is skipped (the others still run); with ``errors`` given, each such
        ``(rule_id, exception)`` is appended there for the caller to act on (the worker disables
        the rule and dead-letters the article), otherwise it is logged.
        ``prefilter=False`` evaluates every rule on every unit: slow, the reference the prefilter
        must agree with (tests/rules/test_equivalence.py)."""
        prepared = self._prepare(article, only, prefilter)
        return self._evaluate(article, *prepared, errors, prefilter) if prepared else []

    def alerts_batch(self, articles: Sequence[Article], only: Iterable[str] | None = None
                     ) -> list[tuple[list[Alert], list[tuple[str, Exception]]]]:
        """``[(alerts, errors)]``, exactly ``alerts(a, only=only, errors=errors)`` for each article,
        with the spaCy units of all the articles parsed together.

        WHY: for a sentence, fr_core_news_sm spends more in per-call overhead than in arithmetic;
        ``nlp.pipe`` shares that overhead across the batch (measured: docs/benchmarks.md). Units are those stage 2 may parse (prefilter candidates of the active rules that
        pass the actor-presence test); a unit after a rule's first match may be parsed for nothing.
        The docs are the ones ``nlp(text)`` gives (spaCy runs each doc through the same layers)."""
        only = list(only) if only is not None else None
        prepared = [self._prepare(a, only, True) for a in articles]
        by_lang: dict[str, list[tuple[Analysis, tuple]]] = {}
        for item in prepared:
            if item:
                analysis, active = item
                for key in analysis.parse_candidates(active):
                    by_lang.setdefault(analysis.lang, []).append((analysis, key))
        for wanted in by_lang.values():
            analysis0 = wanted[0][0]
            try:
                docs = list(analysis0.nlp.pipe([a.key_text(k) for a, k in wanted], batch_size=32))
            except Exception:  # odd text: each unit is parsed (and fails) on its own in stage 2
                continue
            for (analysis, key), doc in zip(wanted, docs):
                analysis.docs[key] = doc
        out = []
        for article, item in zip(articles, prepared):
            errors: list[tuple[str, Exception]] = []
            out.append((self._evaluate(article, *item, errors, True) if item else [], errors))
        return out

    def _prepare(self, article: Article, only, prefilter: bool) -> tuple[Analysis, list[CompiledRule]] | None:
        """Stage 1: the article's analysis and the rules that have candidate units (None: no alert)."""
        if not self._compiled:
            return None
        self.stats["articles"] += 1
        scans = None
        if prefilter and not self._unfilterable:  # stage 1 (has_cue), keeping each field's scan
            pf = self._prefilter
            scans = {n: pf.scan(t) for n, t in (("title", article.title), ("body", article.body)) if t}
            if not any(scan.guards for scan in scans.values()):
                return None
        fields = [(n, t) for n, t in (("title", article.title), ("body", article.body)) if t and t.strip()]
        analysis = Analysis(self, fields, None, scans)
        if prefilter and not self._unfilterable and not any(
                ft.candidates(scope) for ft in analysis.fields for scope in self._scopes):
            return None  # a cue in the field, but no paragraph (nor the paragraphs together) holds one
        lang = analysis.lang = article.lang or detect_language(f"{article.title}\n{article.body[:1500]}")
        wanted = set(only) if only is not None else None
        rules = self._compiled
        if prefilter:  # only the rules with a candidate unit somewhere (or that cannot be prefiltered)
            some = set(self._unfilterable).union(*(ft.selected(scope) for ft in analysis.fields
                                                   for scope in self._scopes))
            rules = [c for c in rules if c.index in some and (c.index in self._unfilterable or any(
                ft.name in c.rule.fields and c.index in ft.selected(c.rule.scope) for ft in analysis.fields))]
        active = [c for c in rules if c.applies_to(lang) and (wanted is None or c.rule.id in wanted)]
        return (analysis, active) if active else None

    def _evaluate(self, article: Article, analysis: Analysis, active: list[CompiledRule],
                  errors: list[tuple[str, Exception]] | None, prefilter: bool) -> list[Alert]:
        """Stage 2: each active rule on its candidate units, in order."""
        out = []
        for cr in active:
            try:
                alert = self._first_match(cr, analysis, article, prefilter)
            except Exception as exc:  # one rule (or odd text) must not cost the other rules' alerts
                if errors is not None:
                    errors.append((cr.rule.id, exc))
                else:
                    log.exception("rule %s failed on article %s", cr.rule.id, article.id)
                continue
            if alert is not None:
                out.append(alert)
        if out:
            assign_story_keys(out)  # one article, one story key (its lead denier)
        if analysis._units:
            self.stats["stage2_articles"] += 1
            self.stats["stage2_units"] += len(analysis._units)
        return out

    def _first_match(self, cr: CompiledRule, analysis: Analysis, article: Article,
                     prefilter: bool = True) -> Alert | None:
        unfilterable = cr.index in self._unfilterable or not prefilter
        for ft in analysis.fields:
            if ft.name not in cr.rule.fields:
                continue
            for seg, selected in ft.units(cr.rule.scope, None if unfilterable else cr.index):
                if not selected:
                    continue
                if prefilter and cr.actors and not analysis.actor_possible(ft, seg):
                    continue  # no state actor in this unit: the rule cannot match, skip spaCy
                unit = analysis.unit(ft, seg)
                outcome = cr.root.evaluate(unit)
                if outcome.ok:
                    return self._alert(cr, analysis, ft, seg, unit, outcome, article)
        return None

    def _alert(self, cr, analysis: Analysis, ft: FieldText, seg: Segment, unit: Unit,
               outcome: Outcome, article: Article) -> Alert:
        hits = sorted({(h.start, h.end, h.label): h for h in outcome.hits}.values(), key=lambda h: (h.start, h.end))
        # evidence sentence: the unit itself for sentence scope, else the sentence holding the first
        # hit of the first condition (by convention the main cue of the rule)
        sent = seg
        if cr.rule.scope != "sentence" and outcome.hits:
            first = seg.start + outcome.hits[0].start
            sent = next((s for s in ft.sentences if s.start <= first < s.end), seg)
        rel_start, rel_end = sent.start - seg.start, sent.end - seg.start
        spans = [Span(start=h.start - rel_start, end=h.end - rel_start, text=unit.text[h.start:h.end], condition=h.label)
                 for h in hits if rel_start <= h.start and h.end <= rel_end]
        sentence_text = sent.text(ft.text)
        denier, target = self._actors(unit, hits, rel_start, rel_end, outcome, analysis, ft, sent)
        quote = None
        if self.backend is not None:
            para = ft.paragraphs[sent.paragraph].text(ft.text) if ft.paragraphs else sentence_text
            quote = self.backend.extract_quote(sentence_text) or self.backend.extract_quote(para)
        rule = cr.rule
        gazetteer = getattr(self.backend, "gazetteer", None)
        return Alert(rule_id=rule.id, rule_title=rule.title, severity=rule.severity, tags=list(rule.tags),
                     kind=rule.kind, cameo=rule.cameo, article_id=article.id, article_url=article.url,
                     article_title=article.title, article_source=article.source, article_lang=analysis.lang,
                     published_at=article.published_at,
                     evidence=Evidence(sentence=sentence_text, field=ft.name, spans=spans),
                     denier=denier, target=target, quote=quote,
                     story=self._story(analysis, article, sentence_text, quote, gazetteer))

    @staticmethod
    def _story(analysis: Analysis, article: Article, sentence: str, quote: str | None, gazetteer):
        """The story features of an alert, computed once per article for each (sentence, quote);
        each alert gets its own copy, since ``assign_story_keys`` sets ``key`` on it."""
        cached = analysis.stories.get((sentence, quote))
        if cached is None:
            cached = analysis.stories[(sentence, quote)] = story_features(
                article.title, sentence, article.body, quote, analysis.lang, gazetteer)
        return cached.model_copy()

    def _actors(self, unit: Unit, hits: list[Hit], rel_start: int, rel_end: int, outcome: Outcome,
                analysis: Analysis, ft: FieldText, sent: Segment) -> tuple[Actor | None, Actor | None]:
        if self.backend is None:
            return None, None
        sent_span = unit.doc.char_span(rel_start, rel_end, alignment_mode="expand") or unit.doc[:]
        cue_tokens = sorted({i for h in hits if not h.label.startswith("actor:") and h.label != "negation"
                             for i in range(h.tok_start, h.tok_end)})
        mentions = unit.actor_mentions()
        chosen = outcome.mention
        if chosen is None:  # a rule without an actor condition: nearest actor, as the backend sees it
            denier, target = self.backend.resolve_denier_target(sent_span, cue_tokens, mentions)
        else:
            denier = chosen.actor
            cue_hits = [h for h in hits if not h.label.startswith("actor:") and h.label != "negation"
                        and sent_span.start <= h.tok_start < sent_span.end]
            inside = [m for m in mentions if sent_span.start <= m.start < sent_span.end]
            target = choose_target(unit, cue_hits, inside, chosen, getattr(self.backend, "gazetteer", None))
        if denier is not None and target is None and ft.paragraphs:
            target = self._paragraph_target(analysis, ft.paragraphs[sent.paragraph].text(ft.text), denier)
        return denier, target

    def _paragraph_target(self, analysis: Analysis, paragraph: str, denier: Actor) -> Actor | None:
        """Another state actor of the paragraph (tokenizer-only doc: cheap) when the sentence has none."""
        def other(a: Actor) -> bool:
            return bool(a.country or a.kind == "igo") and not (denier.country and a.country == denier.country) \
                and a.name != denier.name

        if self._text_mentions and self.backend.gazetteer is not None and not any(
                other(a) for _s, _e, a, _w in self.backend.gazetteer.find_actors(paragraph)):
            return None  # mentions() are these actors (minus unaligned ones): no need to tokenize
        doc = analysis.nlp.make_doc(paragraph)
        for m in (self.backend.mentions(doc, text=paragraph) if self._text_mentions else self.backend.mentions(doc)):
            a = m.actor
            if not other(a):
                continue
            if a.kind == "capital" and m.start > 0 and fold(doc[m.start - 1].text) in _LOCATIVE:
                continue  # "à Paris": a place, not a government
            return a
        return None

    # ------------------------------------------------------------------ explain
    def explain(self, rule_id: str, text: str, lang: str | None = None, title: str = "") -> Explanation:
        """Evaluate one rule on every unit of ``text`` (prefilter ignored but reported)."""
        cr = self._by_id.get(rule_id)
        if cr is None:
            raise KeyError(rule_id)
        lang = lang or (cr.rule.languages[0] if len(cr.rule.languages) == 1 else detect_language(f"{title}\n{text}"))
        fields = [(n, t) for n, t in (("title", title), ("body", text)) if t and t.strip()]
        analysis = Analysis(self, fields, lang)
        report = Explanation(rule_id, lang)
        unfilterable = cr.index in self._unfilterable
        for ft in analysis.fields:
            if ft.name not in cr.rule.fields:
                continue
            selected_map = dict(ft.units(cr.rule.scope, cr.index))
            for seg, _ in ft.units(cr.rule.scope, None):
                unit = analysis.unit(ft, seg)
                report.units.append(UnitReport(ft.name, unit.text, unfilterable or selected_map.get(seg, False),
                                               cr.root.evaluate(unit)))
        return report
