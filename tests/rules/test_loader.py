"""Loader: located errors (file:line:col: field: message), all errors of a file, duplicates, caps."""

from __future__ import annotations

import pytest

from dementi.rules.engine import Engine, RuleLoadError
from dementi.rules.loader import MAX_RULE_FILE_BYTES, load_dir, load_paths, load_text

GOOD = """\
rules:
  - id: a.rule
    title: A
    cameo: "016"
    match: {lemma: démentir}
"""


def test_good_file_loads_with_rule_location():
    loaded, errors = load_text(GOOD, "x.yaml")
    assert errors == []
    assert [lr.rule.id for lr in loaded] == ["a.rule"]
    assert (loaded[0].line, loaded[0].column) == (2, 9)


def test_single_rule_file_without_rules_key():
    loaded, errors = load_text("id: one\ntitle: One\nmatch:\n  phrase: dément\n", "one.yaml")
    assert errors == [] and loaded[0].rule.match.phrase == ["dément"]


def test_every_error_of_a_file_is_reported_with_its_location():
    text = """\
rules:
  - id: Bad Id
    title: x
    cameo: 016
    severity: hihg
    match:
      all:
        - lemm: démentir
        - phrase: []
  - id: b
    title: b
    match: {phrase: x, lemma: y}
"""
    loaded, errors = load_text(text, "bad.yaml")
    assert loaded == []
    got = {(e.line, e.column, e.field) for e in errors}
    assert (2, 9, "rules.0.id") in got
    assert (4, 12, "rules.0.cameo") in got
    assert (5, 15, "rules.0.severity") in got
    assert (8, 11, "rules.0.match.all.0.lemm") in got  # points at the unknown key itself
    assert (9, 19, "rules.0.match.all.1.phrase") in got
    assert (12, 12, "rules.1.match") in got
    lemm = next(e for e in errors if e.field.endswith("lemm"))
    assert "unknown key 'lemm'" in lemm.message and "did you mean 'lemma'" in lemm.message
    assert str(lemm).startswith("bad.yaml:8:11: rules.0.match.all.0.lemm: ")
    cameo = next(e for e in errors if e.field.endswith("cameo"))
    assert "quoted" in cameo.message


def test_yaml_syntax_error_is_located():
    _, errors = load_text("rules:\n  - id: a\n    title: [unclosed\n", "s.yaml")
    assert len(errors) == 1 and errors[0].line >= 3 and errors[0].message.startswith("YAML")


def test_duplicate_mapping_key_is_an_error():
    _, errors = load_text("id: a\ntitle: A\ntitle: B\nmatch: {phrase: x}\n", "d.yaml")
    assert [(e.line, e.field) for e in errors] == [(3, "title")]
    assert "duplicate key" in errors[0].message


def test_re2_refusing_a_pattern_is_a_load_error():
    text = "id: r\ntitle: R\nmatch:\n  regex: ['ok', '(?<=look)behind']\n"
    _, errors = load_text(text, "r.yaml")
    assert len(errors) == 1 and errors[0].field == "match.regex.1" and "RE2" in errors[0].message
    assert errors[0].line == 4


def test_invalid_matcher_pattern_is_a_load_error():
    text = "id: t\ntitle: T\nmatch:\n  tokens: [[{LOWERR: x}]]\n"
    _, errors = load_text(text, "t.yaml")
    assert len(errors) == 1 and errors[0].field == "match.tokens.0"


def test_duplicate_ids_across_files(tmp_path):
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.yml").write_text(GOOD, encoding="utf-8")
    loaded, errors = load_paths([tmp_path])
    assert len(loaded) == 1
    assert len(errors) == 1 and "duplicate rule id 'a.rule'" in errors[0].message
    assert errors[0].path.endswith("b.yml") and "a.yaml:2:9" in errors[0].message
    with pytest.raises(RuleLoadError) as exc:
        Engine.from_dir(tmp_path, backend=object())
    assert "duplicate rule id" in str(exc.value)


def test_size_cap(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * MAX_RULE_FILE_BYTES + "\n", encoding="utf-8")
    _, errors = load_paths([big])
    assert len(errors) == 1 and "larger than" in errors[0].message


def test_alias_bomb_is_refused_not_expanded():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 10) + "]")
    _, errors = load_text("\n".join(lines) + "\n", "bomb.yaml")
    assert errors and "too large" in errors[0].message


def test_not_utf8(tmp_path):
    p = tmp_path / "latin1.yaml"
    p.write_bytes(b"id: a\ntitle: \xe9\n")
    _, errors = load_paths([p])
    assert errors[0].line == 2 and "UTF-8" in errors[0].message


def test_legacy_top_level_phrase_still_loads(tmp_path):
    (tmp_path / "old.yaml").write_text("rules:\n  - id: old\n    title: Old\n    phrase: [dément]\n", encoding="utf-8")
    assert load_dir(tmp_path)[0].rule.match.phrase == ["dément"]


def test_missing_dir_raises():
    with pytest.raises(RuleLoadError):
        load_dir("/nonexistent/rules")


def test_unknown_top_level_key():
    _, errors = load_text("rules: []\nrule: x\n", "u.yaml")
    assert [(e.line, e.column) for e in errors] == [(2, 1)]


def test_static_and_schema_errors_are_reported_together():
    text = "id: t\ntitle: T\nmatch:\n  all:\n    - regex: '(?<=x)y'\n    - lemm: x\n    - tokens: [[{LOWERR: x}]]\n"
    _, errors = load_text(text, "t.yaml")
    assert {(e.line, e.field) for e in errors} == {(5, "match.all.0.regex"), (6, "match.all.1.lemm"),
                                                   (7, "match.all.2.tokens.0")}
