"""Every rule of the default pack: metadata a user can rely on, and its own examples pass through
the real engine (match -> fires, no_match -> silent)."""

import pytest
import yaml

from dementi.rules.scripts import has_cjk
from tests.pack.conftest import GAZETTEERS, RULES

RULE_FILES = sorted(RULES.rglob("*.yaml"))


def _rules():
    out = []
    for path in RULE_FILES:
        for rule in yaml.safe_load(path.read_text(encoding="utf-8"))["rules"]:
            out.append((path, rule))
    return out


ALL_RULES = _rules()


@pytest.fixture(scope="module")
def engine():
    from dementi.rules.engine import Engine

    return Engine.from_dir(RULES, GAZETTEERS)


def test_pack_is_organised_by_language_and_kind():
    langs = {p.parent.name for p in RULE_FILES}
    assert {"fr", "en", "es", "de", "ru", "ar", "zh", "ja", "ko", "tr", "fa", "pl", "uk", "he"} <= langs
    kinds = {r["kind"] for _, r in ALL_RULES}
    assert kinds == {"denial", "refusal"}


@pytest.mark.parametrize("path,rule", ALL_RULES, ids=[r["id"] for _, r in ALL_RULES])
def test_rule_metadata(path, rule):
    assert rule["id"].startswith(f"{path.parent.name}.{rule['kind']}.")
    assert rule["languages"] == [path.parent.name]
    description = rule["description"]
    # twelve words, or (Chinese, Japanese: no spaces) thirty characters
    assert len(description.split()) >= 12 or (has_cjk(description) and len(description.strip()) >= 30)
    if rule["kind"] == "denial":
        assert rule["cameo"] == "016"
    else:
        assert rule["cameo"].startswith("12")
    assert len(rule["examples"]["match"]) >= 3 and len(rule["examples"]["no_match"]) >= 3


def _fires(engine, rule_id, text, lang):
    """Through engine.alerts (prefilter included, as in production), restricted to one rule."""
    from dementi.records import Article

    return any(a.rule_id == rule_id for a in engine.alerts(Article(body=text, lang=lang), only=[rule_id]))


@pytest.mark.parametrize("path,rule", ALL_RULES, ids=[r["id"] for _, r in ALL_RULES])
def test_rule_examples(engine, path, rule):
    lang = rule["languages"][0]
    for text in rule["examples"]["match"]:
        assert _fires(engine, rule["id"], text, lang), f"{rule['id']} should match: {text}"
    for text in rule["examples"]["no_match"]:
        assert not _fires(engine, rule["id"], text, lang), f"{rule['id']} should not match: {text}"


def test_seed_like_article_alerts_with_denier_and_target(engine):
    """A paraphrase of the walking-skeleton scenario (invented wording)."""
    from dementi.records import Article

    article = Article(
        url="https://example.org/seed-paraphrase", lang="fr",
        title="Moscou et Washington en désaccord sur le renseignement",
        body=("Dans une note publiée mercredi, le ministère russe des Affaires étrangères conteste les propos "
              "du secrétaire d'Etat américain tenus à Rome et leur oppose un démenti.\n\n"
              "« La Russie poursuivra son action mais ne participera à aucune coalition constituée sans "
              "mandat du Conseil de sécurité », ajoute le texte."))
    alerts = {a.kind: a for a in engine.alerts(article)}
    assert alerts["denial"].cameo == "016"
    assert (alerts["denial"].denier.name, alerts["denial"].denier.country) == ("Russia", "RUS")
    assert alerts["denial"].target.country == "USA"
    assert alerts["refusal"].cameo.startswith("12")
    assert alerts["refusal"].denier.country == "RUS"
