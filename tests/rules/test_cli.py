"""CLI: rules lint / test / explain and scan (in-process with click's runner; real engine)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from dementi.cli.rules import rules, scan
from tests.rules.conftest import DATA, REPO

GAZ = str(REPO / "config" / "gazetteers")


def run(cmd, args):
    return CliRunner().invoke(cmd, args, catch_exceptions=False)


def test_lint_ok_and_errors(tmp_path):
    ok = run(rules, ["lint", str(DATA / "rules")])
    assert ok.exit_code == 0 and "2 rule(s)" in ok.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntitle: X\nmatch:\n  all:\n    - lemma: démentir\n    - phrse: y\n", encoding="utf-8")
    res = run(rules, ["lint", str(bad)])
    assert res.exit_code == 1
    assert f"{bad}:6:7: match.all.1.phrse: unknown key 'phrse'" in res.output


def test_lint_warns_about_unfilterable_rule(tmp_path):
    (tmp_path / "r.yaml").write_text("id: rx\ntitle: X\nmatch: {regex: 'a+b'}\n", encoding="utf-8")
    res = run(rules, ["lint", str(tmp_path)])
    assert res.exit_code == 0 and "warning" in res.output and "'rx'" in res.output


def test_rules_test_reports_failures(tmp_path, fr_pipeline):
    assert run(rules, ["test", str(DATA / "rules"), "--gazetteers", GAZ]).exit_code == 0
    (tmp_path / "r.yaml").write_text(
        "id: f\ntitle: F\nlanguages: [fr]\nmatch: {lemma: démentir}\n"
        "examples:\n  match: ['Le Kremlin dément.', 'Le Kremlin confirme.']\n  no_match: ['Paris dément.']\n",
        encoding="utf-8")
    res = run(rules, ["test", str(tmp_path), "--gazetteers", GAZ])
    assert res.exit_code == 1
    assert "f .FF" in res.output and "1 passed, 2 failed" in res.output
    assert "Le Kremlin confirme." in res.output and "prefilter" in res.output
    assert "matched: lemma:démentir='dément'" in res.output


def test_explain_shows_each_condition(fr_pipeline):
    res = run(rules, ["explain", "test.fr.denial", "--rules", str(DATA / "rules"), "--gazetteers", GAZ,
                      "La fédération dément tout accord avec Moscou."])
    assert res.exit_code == 1
    assert "✗ actor:subject" in res.output and "the cue's subject is not a state actor" in res.output
    res = run(rules, ["explain", "test.fr.denial", "--rules", str(DATA / "rules"), "--gazetteers", GAZ,
                      "Le Kremlin a démenti tout accord."])
    assert res.exit_code == 0 and "✓ actor:subject  ['Le Kremlin'(actor:Russia)]" in res.output
    res = run(rules, ["explain", "nope", "--rules", str(DATA / "rules"), "x"])
    assert res.exit_code == 2 and "no enabled rule 'nope'" in res.output


def test_scan_writes_alerts_and_skips_bad_lines(tmp_path, fr_pipeline):
    seed = json.loads((DATA / "seed_paraphrase.json").read_text(encoding="utf-8"))
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join([
        json.dumps(seed, ensure_ascii=False),
        "{not json",
        json.dumps({"id": "no-body", "title": "x"}),
        json.dumps({"id": "calm", "body": "Rien à signaler aujourd'hui.", "lang": "fr", "extra": 1}),
    ]) + "\n", encoding="utf-8")
    out = tmp_path / "alerts.jsonl"
    res = run(scan, [str(src), "--rules", str(DATA / "rules"), "--gazetteers", GAZ, "--out", str(out)])
    assert res.exit_code == 0
    assert f"{src}:2: invalid JSON" in res.output and f"{src}:3: body: Field required" in res.output
    assert "2 article(s), 2 alert(s), 2 bad line(s) skipped" in res.output
    alerts = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    by_rule = {a["rule_id"]: a for a in alerts}
    assert set(by_rule) == {"test.fr.denial", "test.fr.refusal.coalition"}
    denial = by_rule["test.fr.denial"]
    assert denial["article_id"] == "seed-paraphrase" and denial["cameo"] == "016"
    assert denial["denier"]["country"] == "RUS" and denial["target"]["country"] == "USA"
    assert "démenti" in denial["evidence"]["sentence"]
