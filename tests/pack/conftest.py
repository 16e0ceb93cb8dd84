"""Shared fixtures for the rule-pack tests: the real gazetteer and the real French pipeline,
loaded once per session (they are read-only)."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
GAZETTEERS = REPO / "config" / "gazetteers"
RULES = REPO / "config" / "rules"


@pytest.fixture(scope="session")
def gazetteer():
    from dementi.rules.gazetteer import Gazetteer

    return Gazetteer.load(GAZETTEERS)


@pytest.fixture(scope="session")
def nlp_fr():
    import spacy

    return spacy.load("fr_core_news_sm")
