"""Whatever the article text, the engine returns alerts whose spans point into the evidence."""

from __future__ import annotations

from hypothesis import HealthCheck, event, given, settings, strategies as st

from dementi.records import Article
from dementi.rules.engine import Engine
from tests.rules.conftest import DATA

PIECES = ["Le Kremlin", "a démenti", "dément", "ne", "participera", "à aucune coalition", "Moscou", "Washington",
          "« ", " »", "\n\n", "\n", ". ", "! ", "M. ", "l’", "’", "  ", "ministère russe des Affaires étrangères",
          "club", "DÉMENTI", "Ωμέγα", "Москва опровергла", "نفت", "😀", "\u00a0", "\u200b", "1,5 %", "—"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=30),
       st.sampled_from(["fr", None, "en", "xx"]))
def test_engine_never_crashes_and_spans_are_consistent(backend, fr_pipeline, pieces, lang):
    engine = _engine(backend)
    body = " ".join(pieces)
    alerts = engine.alerts(Article(id="fuzz", title=" ".join(pieces[:3]), body=body or ".", lang=lang))
    event(f"alerts: {bool(alerts)}")
    for alert in alerts:
        sentence = alert.evidence.sentence
        for span in alert.evidence.spans:
            assert 0 <= span.start <= span.end <= len(sentence)
            assert sentence[span.start:span.end] == span.text


_cache: dict = {}


def _engine(backend) -> Engine:
    if "e" not in _cache:
        _cache["e"] = Engine.from_dir(DATA / "rules", backend=backend)
    return _cache["e"]
