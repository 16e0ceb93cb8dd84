"""The quality targets on the shared labelled dev corpora (real news, never copied into the repo).

CI has a copy of shared/ beside the clone. With ``CI=true`` a missing or truncated corpus FAILS
the run (a quality gate that silently skips is no gate); elsewhere the test is skipped with the
reason. The thresholds are the floor the default pack must hold; docs/quality.md has the tables.
"""

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
EXPECTED_ITEMS = {"dev.jsonl": 121, "dev2.jsonl": 138}

# Floors on dev.jsonl + dev2.jsonl scored together (issue 15 raises them to its targets:
# fr F1 0.95, en F1 0.93, other languages recall 0.80 each, refusal recall 0.90, hard FP 2 %,
# denier accuracy 0.95).
FLOOR = {"fr_f1": 0.97, "en_f1": 0.99, "refusal_recall": 0.95, "hard_fp": 0.01, "denier_accuracy": 0.96}
# Languages whose recall is held at >= 0.80 on the combined set.
LANGS_AT_TARGET = ("ru", "pt", "es", "it", "ar", "zh", "tr", "fa", "pl", "uk", "ja", "de")


def _corpus_files() -> list[Path]:
    files = [CORPUS / name for name in EXPECTED_ITEMS]
    problems = []
    for path in files:
        if not path.exists():
            problems.append(f"{path.resolve()} is missing")
            continue
        n = sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
        if n < EXPECTED_ITEMS[path.name]:
            problems.append(f"{path.resolve()} has {n} items, expected {EXPECTED_ITEMS[path.name]}")
    if problems:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("labelled dev corpora unusable in CI: " + "; ".join(problems))
        pytest.skip("; ".join(problems))
    return files


def _eval(files: list[Path]) -> dict:
    from dementi.cli.evaluate import eval_cmd

    result = CliRunner().invoke(eval_cmd, [*map(str, files), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_dev_corpora_targets():
    data = _eval(_corpus_files())
    langs = data["languages"]
    assert langs["fr"]["f1"] >= FLOOR["fr_f1"], langs["fr"]
    assert langs["en"]["f1"] >= FLOOR["en_f1"], langs["en"]
    for lang in LANGS_AT_TARGET:
        assert langs[lang]["recall"] >= 0.80, (lang, langs[lang])
    assert data["kinds"]["refusal"]["rate"] >= FLOOR["refusal_recall"], data["kinds"]["refusal"]
    assert data["hard_negative_fp_rate"] <= FLOOR["hard_fp"], data["false_positives"]
    assert data["denier_accuracy"] >= FLOOR["denier_accuracy"], data["wrong_deniers"]
