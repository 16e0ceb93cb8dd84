"""Per-article state of the engine: each field's segments and prefilter candidates, parsed units.

WHY a module of its own: everything here lives for one ``Engine.alerts`` call and is shared by all
rules of that call (segments, candidate units, spaCy docs, gazetteer answers), so each is computed
at most once per article, and lazily: most articles stop at the field scan.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from dementi.rules.units import Unit
from dementi.rules.context import coref_mentions, may_hold_actor
from dementi.rules.discourse import Discourse, UnitResolver
from dementi.rules.nlp import get_pipeline, has_parser, parser_text
from dementi.rules.prefilter import Prefilter, Scan
from dementi.rules.segment import Segment, paragraphs, sentences

if TYPE_CHECKING:
    from dementi.rules.engine import Engine

__all__ = ["FieldText", "Analysis"]


class FieldText:
    """Segments of one field and, lazily, which rules' literals each sentence contains."""

    def __init__(self, name: str, text: str, prefilter: Prefilter, scan: Scan | None = None):
        self.name, self.text = name, text
        self._paragraphs: list[Segment] | None = None
        self._sentences: list[Segment] | None = None
        self._prefilter = prefilter
        self._scan = scan
        self._cands: dict[str, list[tuple[Segment, set[int]]]] = {}
        self._selected: dict[str, set[int]] = {}

    @property
    def paragraphs(self) -> list[Segment]:
        if self._paragraphs is None:
            self._paragraphs = paragraphs(self.text)
        return self._paragraphs

    @property
    def sentences(self) -> list[Segment]:
        if self._sentences is None:  # lazily: most fields only need the candidate paragraphs split
            self._sentences = sentences(self.text, self.paragraphs)
        return self._sentences

    def candidates(self, scope: str) -> list[tuple[Segment, set[int]]]:
        """Units of ``scope`` (sentences, paragraphs or the whole field) where some rule's clauses
        all hold, with those rules.

        WHY paragraph first: the paragraphs are checked first, and only those where some rule is
        complete are split into sentences. A paragraph's literals include those of each of its
        sentences, so no candidate sentence is lost (a paragraph/document may get a few more
        candidates: safe, stage 2 decides). WHY one scan: the field is matched once; when no rule
        is complete in it (most articles), no paragraph can have one and nothing is split; else
        the paragraphs holding the rarest clause of a complete rule are checked
        (``Scan.paragraph_rules``). The document's literals are those of its paragraphs (a phrase
        across a line break is none); computed only when asked (no rule of the pack needs it)."""
        if scope not in self._cands:
            if self._scan is None:
                self._scan = self._prefilter.scan(self.text)
            if scope == "document":
                self._cands[scope] = self._document()
            else:
                self._cands["paragraph"], self._cands["sentence"] = self._paragraphs_and_sentences()
        return self._cands[scope]

    def _paragraphs_and_sentences(self):
        scan = self._scan
        paras: list[tuple[Segment, set[int]]] = []
        sents: list[tuple[Segment, set[int]]] = []
        if not scan.guards and scan.view is not None:
            return paras, sents
        located = scan.paragraph_rules()
        if located is None:  # non-Latin text or ligatures: the literals of every paragraph
            found = scan.segment_rules([(p.start, p.end) for p in self.paragraphs])
            paras = [(para, rules) for para, (_, rules) in zip(self.paragraphs, found) if rules]
        elif located:
            by_span = {(p.start, p.end): p for p in self.paragraphs}
            paras = [(by_span[span], located[span]) for span in sorted(located)]
        for para, rules in paras:
            split = sentences(self.text, [para])
            spans = [(x.start, x.end) for x in split]
            found = ([r for _, r in scan.segment_rules(spans)] if located is None
                     else scan.rules_within(spans, rules))
            sents += [(sent, in_sent) for sent, in_sent in zip(split, found) if in_sent]
        return paras, sents

    def _document(self) -> list[tuple[Segment, set[int]]]:
        scan, pf = self._scan, self._prefilter
        doc = 0
        if scan.guards or scan.view is None:
            for mask, _ in scan.segment_rules([(p.start, p.end) for p in self.paragraphs]):
                doc |= mask
        whole = pf.rules_of(pf.complete_mask(doc)) if doc else set()
        return [(Segment(0, len(self.text), 0), whole)] if whole else []

    def selected(self, scope: str) -> set[int]:
        """Rules with at least one candidate unit of ``scope`` in this field."""
        out = self._selected.get(scope)
        if out is None:
            out = self._selected[scope] = set()
            for _, rules in self.candidates(scope):
                out |= rules
        return out

    def units(self, scope: str, index: int | None) -> list[tuple[Segment, bool]]:
        """(segment, selected by the prefilter) for a scope; ``index=None`` selects everything,
        otherwise only the units selected for rule ``index`` are returned."""
        if index is None:
            segs = {"sentence": self.sentences, "paragraph": self.paragraphs,
                    "document": [Segment(0, len(self.text), 0)]}[scope]
            return [(s, True) for s in segs]
        return [(s, True) for s, rules in self.candidates(scope) if index in rules]


class Analysis:
    """Everything computed for one article, shared by all rules (segments, parsed units)."""

    def __init__(self, engine: "Engine", fields: list[tuple[str, str]], lang: str | None,
                 scans: dict[str, Scan] | None = None):
        self.engine, self.lang = engine, lang
        scans = scans or {}
        self.fields = [FieldText(name, text, engine._prefilter, scans.get(name)) for name, text in fields]
        self._units: dict[tuple[str, int, int], Unit] = {}
        self.docs: dict[tuple[FieldText, Segment], object] = {}  # spaCy docs parsed ahead (batch)
        self._actors: dict[tuple[str, int, int], bool] = {}
        self._nlp = None
        self._discourse: Discourse | None = None
        # story features by (evidence sentence, quote): the alerts of one article mostly quote one
        # sentence, and the features depend only on it, the quote and the article
        self.stories: dict[tuple[str, str | None], object] = {}

    @property
    def nlp(self):
        if self._nlp is None:
            self._nlp = get_pipeline(self.lang)
        return self._nlp

    def actor_possible(self, ft: FieldText, seg: Segment) -> bool:
        """Could an ``actor`` condition hold on a unit of this segment (a mention, or a bare title
        the context may resolve)? One gazetteer scan of the text, much cheaper than spaCy."""
        key = (ft.name, seg.start, seg.end)
        found = self._actors.get(key)
        if found is None:
            gazetteer = getattr(self.engine.backend, "gazetteer", None)
            text = seg.text(ft.text)
            found = gazetteer is None or may_hold_actor(gazetteer, text) or \
                self._resolver(ft, seg).may_speak(text)
            self._actors[key] = found
        return found

    def _resolver(self, ft: FieldText, seg: Segment) -> UnitResolver:
        return UnitResolver(self.discourse, ft.name, seg.start, seg.paragraph, self.lang)

    def parse_candidates(self, active) -> list[tuple[FieldText, Segment]]:
        """Units stage 2 may parse for the (prefiltered) ``active`` rules, in order, once each."""
        out: dict[tuple[str, int, int], tuple[FieldText, Segment]] = {}
        unfilterable = self.engine._unfilterable
        for cr in active:
            if cr.index in unfilterable:
                continue  # every unit of the field: left to the lazy path
            for ft in self.fields:
                if ft.name not in cr.rule.fields:
                    continue
                for seg, _ in ft.units(cr.rule.scope, cr.index):
                    key = (ft.name, seg.start, seg.end)
                    if key not in out and key not in self._units and (not cr.actors or self.actor_possible(ft, seg)):
                        out[key] = (ft, seg)
        return list(out.values())

    def key_text(self, key: tuple[FieldText, Segment]) -> str:
        """What spaCy parses for a unit (the same text in the batched and the lazy path)."""
        ft, seg = key
        return parser_text(self.nlp, seg.text(ft.text))

    def unit(self, ft: FieldText, seg: Segment) -> Unit:
        key = (ft.name, seg.start, seg.end)
        unit = self._units.get(key)
        if unit is None:
            text = seg.text(ft.text)
            doc = self.docs.pop((ft, seg), None)  # parsed by Engine.alerts_batch
            if doc is None:
                doc = self.nlp(self.key_text((ft, seg)))
            mentions_fn = self.engine._mentions_fn
            if self.engine._text_mentions:  # the unit's text: spaCy would rebuild it token by token
                mentions_fn = partial(mentions_fn, text=text)
            unit = Unit(text, ft.name, self.lang, doc, has_parser(self.nlp), mentions_fn)
            gazetteer = getattr(self.engine.backend, "gazetteer", None)
            if gazetteer is not None:
                resolver = self._resolver(ft, seg)
                unit.coref_fn = lambda u, resolver=resolver: coref_mentions(u, gazetteer, resolver)
            self._units[key] = unit
        return unit

    def discourse(self) -> Discourse:
        """Who is who in this article (rules.discourse), built on first use."""
        if self._discourse is None:
            body = next((f for f in self.fields if f.name == "body"), None)
            title = next((f.text for f in self.fields if f.name == "title"), "")
            self._discourse = Discourse(self.engine.backend.gazetteer, title, body.text if body else "",
                                        body.paragraphs if body else [])
        return self._discourse
