"""Fixtures for the rules-engine tests. The French statistical pipeline and the gazetteer are
loaded once per session (seconds each) and shared: both are read-only."""

from __future__ import annotations

from pathlib import Path

import pytest

from dementi.records import Alert, Article
from dementi.rules.engine import Engine
from dementi.rules.schema import Rule

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
REPO = HERE.parents[1]


@pytest.fixture(scope="session")
def backend():
    from dementi.rules.actor_backend import load_backend

    return load_backend(REPO / "config" / "gazetteers")


@pytest.fixture(scope="session")
def fr_pipeline():
    from dementi.rules.nlp import get_pipeline

    return get_pipeline("fr")


def make_engine(match: dict, backend=None, **meta) -> Engine:
    """An engine holding one rule ``t`` with the given ``match`` condition (fr unless overridden)."""
    data = {"id": "t", "title": "test rule", "languages": ["fr"], "match": match}
    data.update(meta)
    return Engine([Rule.model_validate(data)], backend)


def fire(engine: Engine, body: str, lang: str | None = "fr", title: str = "") -> list[Alert]:
    return engine.alerts(Article(id="a1", title=title, body=body, lang=lang))


@pytest.fixture
def engine_for(fr_pipeline, backend):
    """``engine_for(match, **meta)`` -> Engine with the real gazetteer; the French model is warm."""

    def build(match: dict, **meta) -> Engine:
        return make_engine(match, backend, **meta)

    return build
