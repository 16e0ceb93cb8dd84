"""Security review (issue 12): an uploaded rule file named like a file in a SUBFOLDER of the rules
directory (config/rules/fr/denial.yaml ~ an upload "denial.yaml") must be checked against the whole
directory as it will be after install, so it can neither hide a duplicate id nor break the rules
directory the worker loads."""

from __future__ import annotations

from dementi.bot.rule_admin import check_upload, install
from dementi.rules.loader import load_dir

RULE = "rules:\n  - id: {id}\n    title: T {id}\n    phrase: [\"{phrase}\"]\n"


def _rules_dir(tmp_path):
    rules = tmp_path / "rules"
    (rules / "fr").mkdir(parents=True)
    (rules / "fr" / "denial.yaml").write_text(RULE.format(id="fr.a", phrase="dément"), encoding="utf-8")
    (rules / "top.yaml").write_text(RULE.format(id="top.c", phrase="refuse"), encoding="utf-8")
    return rules


def test_upload_named_like_a_subfolder_file_cannot_hide_a_duplicate_id(tmp_path):
    rules = _rules_dir(tmp_path)
    content = RULE.format(id="fr.a", phrase="démenti").encode()
    check = check_upload("denial.yaml", content, rules, None)
    assert not check.ok and any("fr.a" in e for e in check.errors), check.errors
    assert {lr.rule.id for lr in load_dir(rules)} == {"fr.a", "top.c"}  # nothing written


def test_upload_named_like_a_subfolder_file_installs_beside_it(tmp_path):
    rules = _rules_dir(tmp_path)
    content = RULE.format(id="new.b", phrase="rejette").encode()
    check = check_upload("denial.yaml", content, rules, None)
    assert check.ok, check.errors
    install(check, content, rules)
    assert {lr.rule.id for lr in load_dir(rules)} == {"fr.a", "top.c", "new.b"}


def test_upload_with_the_name_of_a_top_level_file_replaces_it(tmp_path):
    rules = _rules_dir(tmp_path)
    content = RULE.format(id="top.c", phrase="refuse catégoriquement").encode()
    check = check_upload("top.yaml", content, rules, None)
    assert check.ok, check.errors
    install(check, content, rules)
    loaded = {lr.rule.id: lr for lr in load_dir(rules)}
    assert set(loaded) == {"fr.a", "top.c"} and loaded["top.c"].rule.match.phrase == ["refuse catégoriquement"]
