"""Evaluation metrics on tiny invented labelled data (fake engine: pure logic), then the real
`dementi eval` command on the team-written labelled set under tests/pack/data."""

import json
from pathlib import Path

from click.testing import CliRunner

from dementi.records import Alert, Evidence
from dementi.rules.scoring import Counts, evaluate, load_labelled

DATA = Path(__file__).parent / "data" / "labelled.jsonl"


class KeywordEngine:
    """Alerts when the body contains 'denies': enough to check the arithmetic."""

    def alerts(self, article):
        if "boom" in article.body:
            raise RuntimeError("engine exploded")
        if "denies" in article.body:
            return [Alert(rule_id="kw", rule_title="kw", kind="denial", article_id=article.id,
                          evidence=Evidence(sentence=article.body))]
        return []


def _write(tmp_path, rows, extra_lines=()):
    path = tmp_path / "set.jsonl"
    lines = [json.dumps(r) for r in rows] + list(extra_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


ROWS = [
    {"id": "a", "lang": "en", "label": 1, "kind": "denial", "title": "", "body": "Ruritania denies it."},
    {"id": "b", "lang": "en", "label": 1, "kind": "refusal", "title": "", "body": "Ruritania will not come."},
    {"id": "c", "lang": "en", "label": 0, "kind": "hard_negative", "title": "", "body": "A club denies it."},
    {"id": "d", "lang": "en", "label": 0, "kind": "other", "title": "Rain", "body": "It rains."},
    {"id": "e", "lang": "fr", "label": 1, "kind": "denial", "title": "", "body": "X denies."},
]


def test_counts_arithmetic():
    c = Counts(tp=3, fp=1, fn=2, tn=4)
    assert c.n == 10
    assert c.precision == 0.75 and c.recall == 0.6
    assert abs(c.f1 - 2 * 0.75 * 0.6 / 1.35) < 1e-9
    assert Counts().precision is None and Counts(fn=1).f1 is None


def test_report_per_language_and_kind(tmp_path):
    items, errors = load_labelled(_write(tmp_path, ROWS))
    assert errors == []
    report = evaluate(KeywordEngine(), items)
    en = report.by_language()["en"]
    assert (en.tp, en.fp, en.fn, en.tn) == (1, 1, 1, 1)
    assert report.by_language()["fr"].recall == 1.0
    kinds = report.by_kind()
    assert kinds["refusal"]["alerted"] == 0 and kinds["hard_negative"]["rate"] == 1.0
    assert kinds["denial"]["kind_agrees"] == 2
    assert [o.item.id for o in report.false_positives()] == ["c"]
    assert report.false_positives()[0].rules == ["kw"]
    assert [o.item.id for o in report.false_negatives()] == ["b"]
    assert report.hard_negative_fp_rate() == 1.0
    data = report.to_dict()
    assert data["overall"]["tp"] == 2 and data["false_positives"][0]["id"] == "c"


def test_bad_lines_are_located_and_skipped(tmp_path):
    path = _write(tmp_path, ROWS[:1], ['{"label": 2, "body": "x"}', "not json", '{"label": 1, "body": ""}'])
    items, errors = load_labelled(path)
    assert [i.id for i in items] == ["a"]
    assert len(errors) == 3
    assert all(str(path) in e for e in errors)
    assert ":2:" in errors[0] and "label" in errors[0]
    assert ":3:" in errors[1] and "invalid JSON" in errors[1]


def test_engine_crash_is_an_error_not_a_silent_negative(tmp_path):
    rows = [{"id": "z", "lang": "en", "label": 0, "kind": "other", "title": "", "body": "boom"}]
    items, _ = load_labelled(_write(tmp_path, rows))
    report = evaluate(KeywordEngine(), items)
    assert report.errors and "engine exploded" in report.errors[0]


def test_eval_command_on_team_labelled_set():
    """Regression guard with the real engine and the real pack on invented sentences."""
    from dementi.cli.evaluate import eval_cmd

    result = CliRunner().invoke(eval_cmd, [str(DATA), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["languages"]["fr"]["f1"] >= 0.93
    assert data["languages"]["en"]["f1"] >= 0.90
    assert data["hard_negative_fp_rate"] <= 0.1
    assert data["overall"]["recall"] >= 0.85
    assert data["denier_accuracy"] >= 0.95, data["wrong_deniers"]  # positives carry denier_codes (issue 15)


def test_eval_command_table_output():
    from dementi.cli.evaluate import eval_cmd

    result = CliRunner().invoke(eval_cmd, [str(DATA)])
    assert result.exit_code == 0, result.output
    assert "By language" in result.output and "False negatives" in result.output


class DenierEngine:
    """One alert per 'CODE:' prefix found in the body, naming that code as the denier ('?' = none)."""

    def alerts(self, article):
        from dementi.records import Actor

        out = []
        for i, word in enumerate(w for w in article.body.split() if w.endswith(":")):
            code = word[:-1]
            denier = None if code == "?" else Actor(name=code, code=code)
            out.append(Alert(rule_id=f"r{i}", rule_title="r", kind="denial", article_id=article.id,
                             evidence=Evidence(sentence=article.body), denier=denier))
        return out


def test_denier_accuracy_needs_every_alert_right(tmp_path):
    rows = [
        {"id": "right", "label": 1, "kind": "denial", "body": "RUS: denies", "denier_codes": ["RUS"]},
        {"id": "one-wrong", "label": 1, "kind": "denial", "body": "RUS: USA: denies", "denier_codes": ["rus"]},
        {"id": "unknown", "label": 1, "kind": "denial", "body": "?: denies", "denier_codes": ["FRA"]},
        {"id": "either", "label": 1, "kind": "refusal", "body": "GBR: CAN: no", "denier_codes": ["CAN", "GBR"]},
        {"id": "missed", "label": 1, "kind": "denial", "body": "nothing", "denier_codes": ["CHN"]},
        {"id": "no-gold", "label": 1, "kind": "denial", "body": "UN: denies"},
        {"id": "negative", "label": 0, "kind": "hard_negative", "body": "FRA: denies"},
    ]
    items, errors = load_labelled(_write(tmp_path, rows))
    assert errors == []
    report = evaluate(DenierEngine(), items)
    assert [o.item.id for o in report.denier_judged()] == ["right", "one-wrong", "unknown", "either"]
    assert report.denier_accuracy() == 0.5
    assert [o.item.id for o in report.wrong_deniers()] == ["one-wrong", "unknown"]
    assert report.to_dict()["wrong_deniers"][1]["alerted"] == [None]


def test_bad_denier_codes_are_reported_with_the_line(tmp_path):
    path = _write(tmp_path, [{"label": 1, "body": "x", "denier_codes": "RUS"}])
    items, errors = load_labelled(path)
    assert items == [] and errors == [f"{path}:1: field 'denier_codes' must be a list of strings (got 'RUS')"]
