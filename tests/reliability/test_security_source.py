"""Security properties checked over the source tree and the rule loader (no broker, no network).

- YAML is only ever loaded safely: no ``yaml.load``/``load_all``/``full_load``/``unsafe_load`` and no
  unsafe Loader class anywhere in the product (``yaml.compose`` builds nodes, never objects: allowed).
- Rule regexes only go through RE2: the stdlib ``re`` module is only ever given LITERAL patterns
  (written by us), so a pattern from a rule file cannot reach a backtracking engine; and the loader
  rejects, with a located error, what only a backtracking engine could run (backreferences).
- Size caps: an oversized rule file is refused with a located error before it is parsed.
- Subscription policy: only ``open`` or ``allowlist``; the allow-list parses from the environment.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from pydantic import ValidationError

from dementi.settings import Settings
from dementi.rules import loader
from dementi.rules.loader import load_dir, load_text

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("dementi", "rules", "streams", "bot")
UNSAFE_YAML_CALLS = {"load", "load_all", "full_load", "full_load_all", "unsafe_load", "unsafe_load_all"}
UNSAFE_LOADERS = {"Loader", "UnsafeLoader", "FullLoader", "CLoader", "CUnsafeLoader", "CFullLoader"}
RE_FUNCS = {"compile", "search", "match", "fullmatch", "findall", "finditer", "sub", "subn", "split"}


def _sources():
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _is_literal(node: ast.AST) -> bool:
    """A pattern we wrote: a string constant, or a concatenation / f-string of constants only."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _is_literal(node.left) and _is_literal(node.right)
    return False


def test_source_tree_is_scanned():
    files = [p.relative_to(ROOT).as_posix() for p, _ in _sources()]
    assert "rules/loader.py" in files and "bot/app.py" in files and len(files) > 50


def test_yaml_is_only_loaded_safely():
    problems = []
    for path, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "yaml":
                if node.attr in UNSAFE_YAML_CALLS or node.attr in UNSAFE_LOADERS:
                    problems.append(f"{path.relative_to(ROOT)}:{node.lineno}: yaml.{node.attr}")
            if isinstance(node, ast.keyword) and node.arg == "Loader":
                name = getattr(node.value, "attr", getattr(node.value, "id", ""))
                if "Safe" not in name:
                    problems.append(f"{path.relative_to(ROOT)}:{node.value.lineno}: Loader={name}")
    assert problems == []


def test_stdlib_re_only_ever_gets_literal_patterns():
    problems = []
    for path, tree in _sources():
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in RE_FUNCS
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "re"):
                pattern = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "pattern"), None)
                if pattern is None or not _is_literal(pattern):
                    problems.append(f"{path.relative_to(ROOT)}:{node.lineno}: re.{node.func.attr}({ast.unparse(pattern) if pattern else ''})")
    assert problems == [], "dynamic patterns must go through RE2:\n" + "\n".join(problems)


def test_rule_regexes_go_through_re2():
    import re2

    from dementi.rules.engine import Engine

    text = ("rules:\n  - id: rx\n    title: Regex\n    languages: [fr]\n"
            "    match: {regex: ['(a+)+$', 'dément(?:i|ent)?']}\n")
    loaded, errors = load_text(text, "rx.yaml")
    assert errors == [] and [lr.rule.id for lr in loaded] == ["rx"]
    engine = Engine([lr.rule for lr in loaded])
    compiled = [obj for obj in _walk_objects(engine._compiled[0].root) if isinstance(obj, re2._Regexp)]
    assert compiled, "the rule's patterns are RE2 objects"
    # a backreference needs backtracking: RE2 cannot run it, so the loader refuses it, located
    _, errors = load_text("rules:\n  - id: br\n    title: B\n    match: {regex: ['(ab)\\1']}\n", "br.yaml")
    assert errors and errors[0].path == "br.yaml" and errors[0].line >= 1


def _walk_objects(obj, depth: int = 0):
    if depth > 6:
        return
    yield obj
    values = obj if isinstance(obj, (list, tuple)) else getattr(obj, "__dict__", {}).values()
    for value in values:
        if not isinstance(value, (str, bytes, int, float)):
            yield from _walk_objects(value, depth + 1)


def test_oversized_rule_file_is_refused_with_a_located_error(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("rules: []\n" + "# padding\n" * (loader.MAX_RULE_FILE_BYTES // 10 + 1), encoding="utf-8")
    (tmp_path / "ok.yaml").write_text("rules:\n  - id: ok\n    title: OK\n    phrase: [dément]\n", encoding="utf-8")
    with pytest.raises(loader.RuleLoadError) as info:
        load_dir(tmp_path)
    messages = [str(e) for e in info.value.errors]
    assert any(m.startswith(f"{big}:1:1") and "larger than" in m for m in messages), messages


def test_subscription_policy_is_open_or_allowlist_only(monkeypatch):
    for key in ("DEMENTI_SUBSCRIPTION_POLICY", "DEMENTI_ALLOWED_CHAT_IDS", "DEMENTI_CONFIG"):
        monkeypatch.delenv(key, raising=False)
    assert Settings().subscription_policy == "open"
    with pytest.raises(ValidationError, match="open.*allowlist"):
        Settings(subscription_policy="everyone")
    monkeypatch.setenv("DEMENTI_SUBSCRIPTION_POLICY", "allowlist")
    monkeypatch.setenv("DEMENTI_ALLOWED_CHAT_IDS", "12, -100345")
    s = Settings()
    assert s.subscription_policy == "allowlist" and s.allowed_chat_ids == [12, -100345]
