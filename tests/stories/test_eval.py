"""`dementi eval --stories` on the team's invented sets (runs in CI) and, when present, the dev corpora."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

DATA = Path(__file__).parent / "data"
CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"


def _eval(*args) -> dict:
    from dementi.cli.evaluate import eval_cmd

    result = CliRunner().invoke(eval_cmd, ["--stories", *map(str, args), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_invented_sets_meet_the_story_targets():
    data = _eval(DATA / "events.jsonl", DATA / "heldout.jsonl")
    rows = data["rows"]
    assert rows["all article pairs"]["precision"] >= 0.95, data["errors"]
    assert rows["all article pairs"]["recall"] >= 0.85, data["errors"]
    assert rows["across languages"]["tp"] > 50  # translations are in the set, and joined


def test_corpora_with_the_invented_sets_keep_precision_and_report_judged_pairs():
    files = [CORPUS / "dev.jsonl", CORPUS / "dev2.jsonl"]
    if not all(f.exists() for f in files):
        pytest.skip("shared corpus not found beside the checkout")
    data = _eval(DATA / "events.jsonl", *files, "--judged", DATA / "corpus_judged.yaml")
    assert data["rows"]["all article pairs"]["precision"] >= 0.95, data["errors"]
    assert len(data["judged_pairs"]) >= 5


def test_bad_story_file_is_a_located_error(tmp_path):
    from dementi.cli.evaluate import eval_cmd

    bad = tmp_path / "bad.jsonl"
    good = '{"id": "ok", "event": "e", "url": "https://invented.example/1", "body": "Invented body."}'
    bad.write_text('{"id": "x", "event": "e"}\n' + good + '\n{"id": "y", "event": \n'
                   '{"id": "z", "event": "e", "url": "https://invented.example/2", "body": 5}\n', encoding="utf-8")
    result = CliRunner().invoke(eval_cmd, ["--stories", str(bad)])
    assert result.exit_code != 0
    # every bad line, located, with what is wrong; the good line is not reported
    assert "bad.jsonl:1: not a story-labelled article nor a corpus item: missing field 'url'" in result.output
    assert "bad.jsonl:2" not in result.output
    assert "bad.jsonl:3: invalid JSON" in result.output
    assert "bad.jsonl:4: not a story-labelled article nor a corpus item: body: " in result.output
