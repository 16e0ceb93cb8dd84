"""Hot reload: good -> bad keeps the old set (errors kept, located); delete stops a rule; touch is no change."""

from __future__ import annotations

import os

import pytest

from dementi.records import Article
from dementi.rules.loader import RuleLoadError
from dementi.rules.reload import RuleWatcher

RULE = "id: {id}\ntitle: T\nlanguages: [fr]\nmatch: {{phrase: {phrase}}}\n"


class NoActors:
    """The engine needs no gazetteer for phrase rules: a backend without any actor."""

    def mentions(self, doc):
        return []

    def subject_of(self, token, mentions):
        return None

    def resolve_denier_target(self, *args, **kwargs):
        return None, None

    def extract_quote(self, text):
        return None


def fired(watcher, body):
    return sorted(a.rule_id for a in watcher.engine.alerts(Article(id="x", body=body, lang="fr")))


def bump(path):
    """Make sure the mtime differs even on coarse filesystems."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def test_reload_cycle(tmp_path, fr_pipeline):
    a = tmp_path / "a.yaml"
    a.write_text(RULE.format(id="r.a", phrase="dément"), encoding="utf-8")
    watcher = RuleWatcher(tmp_path, None, backend=NoActors())
    assert fired(watcher, "Moscou dément.") == ["r.a"]
    assert watcher.poll() is False

    # touch without content change: no rebuild
    bump(a)
    assert watcher.poll() is False

    # a new good file is picked up
    b = tmp_path / "b.yaml"
    b.write_text(RULE.format(id="r.b", phrase="rejette"), encoding="utf-8")
    assert watcher.poll() is True
    assert fired(watcher, "Moscou dément et rejette.") == ["r.a", "r.b"]

    # bad edit: previous good set keeps running, errors are located
    good_engine = watcher.engine
    b.write_text("id: r.b\ntitle: T\nmatch: {phrse: rejette}\n", encoding="utf-8")
    bump(b)
    assert watcher.poll() is False
    assert watcher.engine is good_engine
    assert [(e.line, e.field) for e in watcher.errors] == [(3, "match.phrse")]
    assert fired(watcher, "Moscou dément et rejette.") == ["r.a", "r.b"]

    # deleting a rule file stops its alerts
    b.unlink()
    assert watcher.poll() is True and watcher.errors == []
    assert fired(watcher, "Moscou dément et rejette.") == ["r.a"]


def test_initial_bad_set_raises(tmp_path):
    (tmp_path / "x.yaml").write_text("id: X\n", encoding="utf-8")
    with pytest.raises(RuleLoadError):
        RuleWatcher(tmp_path, None, backend=NoActors())


def test_gazetteer_change_reloads_the_engine(tmp_path, fr_pipeline):
    rules_dir, gaz = tmp_path / "rules", tmp_path / "gaz"
    rules_dir.mkdir()
    gaz.mkdir()
    (rules_dir / "r.yaml").write_text(
        "id: g\ntitle: G\nlanguages: [fr]\nmatch:\n  all:\n    - lemma: démentir\n    - actor: {role: any, near: 3}\n",
        encoding="utf-8")
    (gaz / "extra.yaml").write_text("entries: []\n", encoding="utf-8")
    watcher = RuleWatcher(rules_dir, gaz)
    article = Article(id="g1", body="Glacierville dément formellement.", lang="fr")
    assert watcher.engine.alerts(article) == []
    (gaz / "extra.yaml").write_text(
        "entries:\n  - {name: Antarctica, country: ATA, kind: capital, aliases: {fr: [Glacierville]}}\n", encoding="utf-8")
    bump(gaz / "extra.yaml")
    assert watcher.poll() is True
    [alert] = watcher.engine.alerts(article)
    assert alert.denier.country == "ATA" and alert.denier.text == "Glacierville"
