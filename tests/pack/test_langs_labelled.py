"""The eight newer languages (zh, ja, ko, tr, fa, pl, uk, he) on the team's invented labelled set
(tests/pack/data/labelled.jsonl): the real engine and pack find their denials and refusals, stay
silent on clubs, companies, parties and "neither confirmed nor denied", and name the right denier.
ko and he have no real-news items in the shared corpora: this set is their only measure."""

import json
from pathlib import Path

from click.testing import CliRunner

DATA = Path(__file__).parent / "data" / "labelled.jsonl"
NEW_LANGS = ("zh", "ja", "ko", "tr", "fa", "pl", "uk", "he")


def test_new_languages_on_the_team_set():
    from dementi.cli.evaluate import eval_cmd

    result = CliRunner().invoke(eval_cmd, [str(DATA), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    for lang in NEW_LANGS:
        scores = data["languages"][lang]
        assert scores["recall"] >= 0.8, (lang, scores, data["false_negatives"])
        assert scores["fp"] == 0, (lang, data["false_positives"])
    wrong = [w for w in data["wrong_deniers"] if w["lang"] in NEW_LANGS]
    assert len(wrong) <= 2, wrong
