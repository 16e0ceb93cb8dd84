"""``dementi scan --jobs``: the same alerts in the same order whatever the number of worker
processes, bad lines reported with their own line numbers, and an engine failure on one article
located without losing the others (the worker pool is real: forked processes)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from dementi.cli.rules import scan
from dementi.jsonl import read_jsonl
from dementi.records import Alert, Evidence
from dementi.rules.batch_scan import Scanner, chunked, evaluate_chunk
from tests.rules.conftest import DATA, REPO

GAZ = str(REPO / "config" / "gazetteers")
STATES = ["Le Kremlin", "Pékin", "La Norvège", "Le Quai d'Orsay", "Ankara", "Le gouvernement chilien"]


def _lines() -> tuple[list[str], dict[int, str]]:
    """Invented articles: denials, refusals, calm news, club denials; bad lines at known places."""
    lines, bad = [], {}
    for i in range(60):
        state = STATES[i % len(STATES)]
        kind = i % 4
        if kind == 0:
            body = f"{state} a démenti mardi avoir livré des drones à la junte voisine."
        elif kind == 1:
            body = f"{state} ne participera à aucune coalition montée sans mandat."
        elif kind == 2:
            body = "Le club dément tout accord avec l'attaquant brésilien."
        else:
            body = "Le conseil municipal a voté le budget des écoles."
        lines.append(json.dumps({"id": f"a{i}", "title": "", "body": body, "lang": "fr"}, ensure_ascii=False))
        if i % 17 == 5:
            lines.append("{not json")
            bad[len(lines)] = "invalid JSON"
        if i % 23 == 9:
            lines.append("")  # blank lines are skipped silently
        if i % 29 == 11:
            lines.append(json.dumps({"id": f"nobody{i}", "title": "x"}))
            bad[len(lines)] = "body: Field required"
    return lines, bad


def _scan(tmp_path, lines, *args):
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / f"out{'-'.join(args)}.jsonl"
    res = CliRunner().invoke(scan, [str(src), "--rules", str(DATA / "rules"), "--gazetteers", GAZ,
                                    "--out", str(out), *args], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    alerts = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    for a in alerts:
        a.pop("detected_at", None)
    return alerts, res.output, src


def test_jobs_give_the_same_alerts_in_input_order(tmp_path, fr_pipeline):
    lines, bad = _lines()
    one, out1, src = _scan(tmp_path, lines, "--jobs", "1", "--chunk", "7")
    two, out2, _ = _scan(tmp_path, lines, "--jobs", "2", "--chunk", "7")
    assert one == two
    order = [int(a["article_id"][1:]) for a in one]
    assert order == sorted(order)  # input order, not completion order
    fired = {a["article_id"] for a in one}
    assert fired == {f"a{i}" for i in range(60) if i % 4 in (0, 1)}
    for output in (out1, out2):
        for lineno, problem in bad.items():
            assert f"{src}:{lineno}: {problem}" in output
        assert f"60 article(s), {len(one)} alert(s), {len(bad)} bad line(s) skipped" in output


def test_default_jobs_is_every_core(tmp_path, fr_pipeline, monkeypatch):
    import dementi.rules.batch_scan as batch_scan

    seen = []
    real = batch_scan.Scanner.__init__

    def spy(self, engine, jobs, *args, **kwargs):
        seen.append(jobs)
        real(self, engine, jobs, *args, **kwargs)

    monkeypatch.setattr(batch_scan.Scanner, "__init__", spy)
    monkeypatch.setattr(batch_scan, "default_jobs", lambda: 3)
    lines, _ = _lines()
    alerts, _, _ = _scan(tmp_path, lines[:10])
    assert seen == [3] and alerts


class FlakyEngine:
    """Pure-logic stand-in: the batch call fails, and so does the article whose body says 'boom';
    the article saying 'rule' has a rule that raised (the other rules' alert survives)."""

    def alerts_batch(self, articles):
        raise RuntimeError("batch broke")

    def alerts(self, article, errors=None):
        if "boom" in article.body:
            raise ValueError("odd text")
        if "rule" in article.body:
            errors.append(("r.bad", KeyError("x")))
        return [Alert(rule_id="r.ok", rule_title="ok", article_id=article.id, evidence=Evidence(sentence=article.body))]


def test_engine_failure_is_located_and_the_rest_kept():
    rows = [json.dumps({"id": "a", "body": "fine"}), json.dumps({"id": "b", "body": "boom"}), "[1]",
            json.dumps({"id": "c", "body": "rule"})]
    (chunk,) = list(chunked(read_jsonl(rows), size=10))
    results = evaluate_chunk(FlakyEngine(), chunk)
    assert [r.lineno for r in results] == [1, 2, 3, 4]
    assert results[0].alerts and results[0].error is None
    assert results[1].error == "ValueError: odd text" and results[1].alerts == []
    assert results[2].problem == "expected a JSON object, got list"
    assert results[3].alerts and results[3].rule_errors == ["r.bad: KeyError: 'x'"]


def test_languages_of_the_head_are_found():
    from dementi.rules.batch_scan import languages_of

    rows = [json.dumps({"id": "a", "body": "x", "lang": "de"}), "{bad", "",
            json.dumps({"id": "b", "body": "The foreign ministry denied the report on Tuesday evening."})]
    assert languages_of(rows) == {"de", "en"}


def test_in_process_scanner_keeps_chunk_order():
    rows = [json.dumps({"id": str(i), "body": "fine"}) for i in range(25)]
    with Scanner(FlakyEngine(), 1) as scanner:
        got = [r.lineno for results in scanner.run(chunked(read_jsonl(rows), size=4)) for r in results]
    assert got == list(range(1, 26))
