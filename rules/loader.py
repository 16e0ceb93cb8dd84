"""Load rule files with located errors: every problem is reported as ``file:line:col: field: message``.

WHY a node walk: PyYAML gives marks (line/column) on nodes but not on the constructed dicts that
pydantic validates. We compose the node tree once, record the mark of every key and value by path
(``rules.0.match.all.1.lemma``), then translate each pydantic error location back to the closest
recorded mark. All errors of a file are collected, never just the first, and the walk is bounded
(size cap, node cap, depth cap) so a hostile or broken file cannot hang or crash the worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml
from pydantic import ValidationError

from dementi.rules.schema import Rule
from dementi.yamlsafe import SafeLoader

MAX_RULE_FILE_BYTES = 1_000_000
MAX_NODES = 200_000
MAX_DEPTH = 64
RULE_SUFFIXES = (".yaml", ".yml")

Loc = tuple[Any, ...]


@dataclass(frozen=True)
class RuleError:
    path: str
    line: int
    column: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.column}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class RuleLoadError(ValueError):
    """Raised when a rule set cannot be loaded; ``.errors`` lists every located problem."""

    def __init__(self, errors: list[RuleError]):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors) or "rule set could not be loaded")


@dataclass(frozen=True)
class LoadedRule:
    rule: Rule
    path: str
    line: int
    column: int


class _Marks:
    """Path -> (line, column), 1-based, for keys and values of the composed YAML tree."""

    def __init__(self) -> None:
        self.keys: dict[Loc, tuple[int, int]] = {}
        self.values: dict[Loc, tuple[int, int]] = {}

    def locate(self, loc: Loc, prefer_key: bool = False) -> tuple[int, int]:
        for n in range(len(loc), -1, -1):
            prefix = tuple(loc[:n])
            if prefer_key and prefix in self.keys:
                return self.keys[prefix]
            if prefix in self.values:
                return self.values[prefix]
        return (1, 1)


def _pos(mark) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


def _walk(root: yaml.Node, marks: _Marks, problems: list[tuple[Loc, tuple[int, int], str]]) -> bool:
    """Record marks; report duplicate keys and non-scalar keys. False when limits are exceeded."""
    stack: list[tuple[yaml.Node, Loc]] = [(root, ())]
    visited = 0
    while stack:
        node, loc = stack.pop()
        visited += 1
        if visited > MAX_NODES:
            problems.append(((), _pos(root.start_mark), f"document too large (more than {MAX_NODES} nodes after alias expansion)"))
            return False
        if len(loc) > MAX_DEPTH:
            problems.append((loc, _pos(node.start_mark), f"nesting deeper than {MAX_DEPTH} levels"))
            return False
        marks.values.setdefault(loc, _pos(node.start_mark))
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, tuple[int, int]] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    problems.append((loc, _pos(key_node.start_mark), "mapping keys must be plain strings"))
                    continue
                key = key_node.value
                if key == "<<":
                    # Merge key: what it merges counts against the limits like everything else
                    # (PyYAML copies merged pairs into every mapping that merges them: a few
                    # hundred bytes of nested merges expand to millions of pairs). Walked at the
                    # path of the enclosing mapping, whose explicit keys keep their own marks.
                    merged = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                    stack.extend((item, loc) for item in merged)
                    continue
                if key in seen:
                    line, col = seen[key]
                    problems.append((loc + (key,), _pos(key_node.start_mark), f"duplicate key '{key}' (first at line {line}, column {col})"))
                    continue
                seen[key] = _pos(key_node.start_mark)
                marks.keys.setdefault(loc + (key,), _pos(key_node.start_mark))
                stack.append((value_node, loc + (key,)))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                marks.keys.setdefault(loc + (i,), _pos(item.start_mark))
                stack.append((item, loc + (i,)))
    return True


def _field(loc: Loc) -> str:
    return ".".join(str(p) for p in loc)


def _clean(msg: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            return msg[len(prefix):]
    return msg


class _Report:
    """The located errors of one file, in the order found (``load_text`` sorts them)."""

    def __init__(self, path: str):
        self.path = path
        self.errors: list[RuleError] = []

    def __call__(self, loc: Loc, where: tuple[int, int], message: str) -> None:
        self.errors.append(RuleError(self.path, where[0], where[1], _field(loc), message))


_NOTHING = object()  # _compose: the file could not be read as YAML (the errors say why)


def _compose(text: str, err: _Report) -> tuple[Any, _Marks]:
    """The file's data and the marks of its nodes; ``_NOTHING`` as data when it cannot be read
    (too large, not YAML, over the node/depth limits), None for an empty file."""
    marks = _Marks()
    if len(text.encode("utf-8", "surrogatepass")) > MAX_RULE_FILE_BYTES:
        err((), (1, 1), f"rule file larger than {MAX_RULE_FILE_BYTES} bytes")
        return _NOTHING, marks
    try:
        loader = SafeLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None, marks
            problems: list = []
            ok = _walk(node, marks, problems)
            for loc, where, message in problems:
                err(loc, where, message)
            if not ok:
                return _NOTHING, marks
            return loader.construct_document(node), marks
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = _pos(mark) if mark is not None else (1, 1)
        err((), where, "YAML: " + " ".join(str(p) for p in (exc.context, exc.problem) if p))
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        err((), (1, 1), f"YAML: {exc.__class__.__name__}: {exc}")
    return _NOTHING, marks


def _rule_items(data: Any, marks: _Marks, err: _Report) -> list[tuple[Loc, Any]] | None:
    """``(path prefix, raw rule)`` of each rule of a file (one rule, or ``rules: [...]``); None
    when the file is not shaped like either."""
    if isinstance(data, dict) and "rules" in data:
        for k in data:
            if k != "rules":
                err((k,), marks.locate((k,), prefer_key=True), f"unknown top-level key '{k}' (a file holds one rule or 'rules: [...]')")
        raw_rules = data["rules"]
        if not isinstance(raw_rules, list):
            err(("rules",), marks.locate(("rules",)), "'rules' must be a list of rule mappings")
            return None
        return [(("rules", i), raw) for i, raw in enumerate(raw_rules)]
    if isinstance(data, dict):
        return [((), data)]
    err((), marks.locate(()), "a rule file holds one rule (a mapping with 'id') or 'rules: [...]'")
    return None


def _validate(prefix: Loc, raw: Any, marks: _Marks, err: _Report) -> Rule | None:
    """One raw rule as a :class:`Rule`, or None with every problem of it reported: the static
    checks of its conditions (rules.static_checks) and pydantic's, both located."""
    from dementi.rules.static_checks import static_errors  # late import: it imports the condition nodes

    if not isinstance(raw, dict):
        err(prefix, marks.locate(prefix), "a rule must be a mapping")
        return None
    static = static_errors(raw.get("match"), ("match",))
    for loc, message in static:
        err(prefix + loc, marks.locate(prefix + loc), message)
    try:
        rule = Rule.model_validate(raw)
    except ValidationError as exc:
        for e in exc.errors(include_url=False):
            loc = prefix + tuple(e["loc"])
            extra = e["type"] == "extra_forbidden"
            message = _unknown_key(loc[-1]) if extra else _clean(e["msg"])
            err(loc, marks.locate(loc, prefer_key=extra), message)
        return None
    return None if static else rule


def load_text(text: str, path: str = "<string>") -> tuple[list[LoadedRule], list[RuleError]]:
    """Parse and validate one rule file's text. Never raises on bad input: returns the errors."""
    err = _Report(path)
    data, marks = _compose(text, err)
    if data is None or data is _NOTHING:
        return [], err.errors
    items = _rule_items(data, marks, err)
    if items is None:
        return [], err.errors
    loaded: list[LoadedRule] = []
    for prefix, raw in items:
        rule = _validate(prefix, raw, marks, err)
        if rule is not None:
            line, col = marks.locate(prefix + ("id",))
            loaded.append(LoadedRule(rule, path, line, col))
    err.errors.sort(key=lambda e: (e.line, e.column))
    return loaded, err.errors


def _unknown_key(key: Any) -> str:
    import difflib

    from dementi.rules.schema import KNOWN_KEYS

    close = difflib.get_close_matches(str(key), KNOWN_KEYS, n=1, cutoff=0.75)
    return f"unknown key '{key}'" + (f" (did you mean '{close[0]}'?)" if close else "")


def load_file(path: Path) -> tuple[list[LoadedRule], list[RuleError]]:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_RULE_FILE_BYTES:
            return [], [RuleError(str(path), 1, 1, "", f"rule file larger than {MAX_RULE_FILE_BYTES} bytes ({size})")]
        raw = path.read_bytes()
    except OSError as exc:
        return [], [RuleError(str(path), 1, 1, "", f"cannot read: {exc.strerror or exc}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return [], [RuleError(str(path), line, 1, "", f"not UTF-8 ({exc.reason} at byte {exc.start})")]
    return load_text(text, str(path))


def rule_files(root: Path) -> list[Path]:
    """Rule files under ``root`` (searched recursively; hidden files and dirs skipped), sorted."""
    root = Path(root)
    if root.is_file():
        return [root]
    return sorted(
        p for p in root.rglob("*")
        if p.suffix in RULE_SUFFIXES and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


def load_paths(paths: Iterable[Path]) -> tuple[list[LoadedRule], list[RuleError]]:
    """Load files and directories; ids must be unique across everything loaded."""
    files: list[Path] = []
    errors: list[RuleError] = []
    for p in paths:
        p = Path(p)
        if not p.exists():
            errors.append(RuleError(str(p), 1, 1, "", "no such file or directory"))
            continue
        files.extend(rule_files(p))
    loaded: list[LoadedRule] = []
    first_seen: dict[str, LoadedRule] = {}
    for f in files:
        rules, errs = load_file(f)
        errors.extend(errs)
        for lr in rules:
            prev = first_seen.get(lr.rule.id)
            if prev is not None:
                errors.append(RuleError(lr.path, lr.line, lr.column, "id",
                                        f"duplicate rule id '{lr.rule.id}' (first defined at {prev.path}:{prev.line}:{prev.column})"))
                continue
            first_seen[lr.rule.id] = lr
            loaded.append(lr)
    return loaded, errors


def load_dir(rules_dir: Path) -> list[LoadedRule]:
    """All rules of a directory, or :class:`RuleLoadError` listing every problem."""
    if not Path(rules_dir).is_dir():
        raise RuleLoadError([RuleError(str(rules_dir), 1, 1, "", "rules directory does not exist")])
    loaded, errors = load_paths([Path(rules_dir)])
    if errors:
        raise RuleLoadError(errors)
    return loaded
