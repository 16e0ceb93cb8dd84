"""Checking a rule file uploaded by an admin before it goes live, and dry-running a rule.

Why check in a scratch copy of the rules dir: the worker hot-reloads ``rules_dir``; a file that
fails to lint, clashes with an existing id, or fails its own examples must never reach it. The
check is the rules library's own path: ``rules.loader.load_text`` (located errors), then
``Engine.from_dir`` on the scratch dir (the final word), then ``rules.examples.run_examples`` (the
same runner as ``dementi rules test``).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from dementi.kafka.options import ClientOptions
from dementi.kafka.reader import TopicReader
from dementi.records import Article
from dementi.rules.engine import Engine
from dementi.rules.loader import RuleLoadError, load_dir, load_text
from dementi.rules.schema import Rule
from dementi.rules.examples import ExampleResult, run_examples
from dementi.settings import Settings

log = logging.getLogger(__name__)
MAX_RULE_FILE = 256 * 1024
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass
class UploadCheck:
    file_name: str
    errors: list[str] = field(default_factory=list)
    rules: list[tuple[str, str]] = field(default_factory=list)  # (id, title)
    examples: list[str] = field(default_factory=list)           # human-readable results

    @property
    def ok(self) -> bool:
        return not self.errors


def safe_file_name(name: str) -> str:
    base = _SAFE_NAME.sub("_", Path(name).name).lstrip(".") or "uploaded.yaml"
    return base if base.endswith((".yaml", ".yml")) else base + ".yaml"


def check_upload(file_name: str, content: bytes, rules_dir: Path, gazetteers_dir: Path | None) -> UploadCheck:
    """Lint + load + examples for an uploaded rule file; nothing is written to ``rules_dir``.
    Each step adds its errors to the result; the first step with errors ends the check."""
    result = UploadCheck(file_name=safe_file_name(file_name))
    text = _decoded(file_name, content, result)
    if text is None or not _lint(text, result):
        return result
    with tempfile.TemporaryDirectory(prefix="dementi-rulecheck-") as tmp:
        scratch = _scratch_copy(Path(rules_dir), Path(tmp) / "rules", result.file_name)
        before = _rule_ids(scratch, result)
        if before is None:
            return result
        (scratch / result.file_name).write_text(text, encoding="utf-8")
        engine = _engine(scratch, gazetteers_dir, result)
        if engine is None:
            return result
        new = _new_rules(engine, before, result)
        if new:
            _examples(engine, {r.id for r in new}, result)
    return result


def _decoded(file_name: str, content: bytes, result: UploadCheck) -> str | None:
    """The upload's text: a .yaml/.yml name, within the size limit, UTF-8; else None (and why)."""
    name = result.file_name
    if not file_name.lower().endswith((".yaml", ".yml")):
        result.errors.append(f"{file_name}: a rule file must be a .yaml or .yml document")
    elif len(content) > MAX_RULE_FILE:
        result.errors.append(f"{name}: {len(content)} bytes is more than the {MAX_RULE_FILE // 1024} KB limit")
    else:
        try:
            return content.decode("utf-8")
        except UnicodeDecodeError as exc:
            result.errors.append(f"{name}: not UTF-8 (byte {exc.start})")
    return None


def _lint(text: str, result: UploadCheck) -> bool:
    """The loader's located errors (file:line:col: field: message); True when there are none."""
    try:
        _, errors = load_text(text, result.file_name)
        result.errors += [str(e) for e in errors]
    except Exception as exc:  # noqa: BLE001 - a lint crash is reported to the admin, not raised
        result.errors.append(f"{result.file_name}: {type(exc).__name__}: {exc}")
    return not result.errors


def _scratch_copy(rules_dir: Path, scratch: Path, name: str) -> Path:
    """The rules dir as it will be once ``install`` replaced ``rules_dir/<name>``, minus the upload.
    The whole tree: install() writes rules_dir/<name> only, so that top-level file (if any) is the
    one being replaced; a file of the same name in a subfolder stays and is checked against."""
    if rules_dir.is_dir():
        shutil.copytree(rules_dir, scratch)
        (scratch / name).unlink(missing_ok=True)
    else:
        scratch.mkdir()
    return scratch


def _rule_ids(scratch: Path, result: UploadCheck) -> set[str] | None:
    """Ids of the rules already installed (the loader alone: no NLP pipeline to build); None when
    the current rules do not load, which the admin must fix first."""
    try:
        return {lr.rule.id for lr in load_dir(scratch)}
    except (RuleLoadError, OSError) as exc:
        result.errors.append(f"the current rules directory does not load ({exc}); fix it before uploading")
        return None


def _engine(scratch: Path, gazetteers_dir: Path | None, result: UploadCheck) -> Engine | None:
    """The engine the worker would build from the scratch dir; None (and its errors) when it fails."""
    try:
        return Engine.from_dir(scratch, gazetteers_dir)
    except Exception as exc:  # noqa: BLE001 - RuleLoadError carries file:line:col messages
        result.errors += [line for line in str(exc).splitlines() if line.strip()] or [type(exc).__name__]
        return None


def _new_rules(engine: Engine, before: set[str], result: UploadCheck) -> list[Rule]:
    """The rules the upload adds; an id defined twice, or no new rule at all, is an error."""
    name = result.file_name
    all_ids = [r.id for r in engine.rules]
    dupes = sorted({i for i in all_ids if all_ids.count(i) > 1})
    if dupes:
        result.errors.append(f"{name}: rule id(s) already defined elsewhere: {', '.join(dupes)}")
    new = [r for r in engine.rules if r.id not in before]
    if not new and not dupes:
        result.errors.append(f"{name}: the file defines no new rule")
    result.rules += [(rule.id, rule.title) for rule in new]
    return new


def example_line(ex: ExampleResult) -> str:
    """One example's outcome as the admin reads it."""
    if ex.passed:
        return f"✓ {ex.rule_id} {'matches' if ex.expect == 'match' else 'ignores'}: {ex.text[:80]}"
    should = "should match but does not" if ex.expect == "match" else "should NOT match but does"
    detail = f" ({ex.detail})" if ex.detail else ""
    return f"rule {ex.rule_id}: example {should}: {ex.text[:120]}{detail}"


def _examples(engine: Engine, rule_ids: set[str], result: UploadCheck) -> None:
    """The new rules' own examples, through the whole engine (prefilter included)."""
    for ex in run_examples(engine, rule_ids):
        if ex.passed:
            result.examples.append(example_line(ex))
        else:
            result.errors.append(f"{result.file_name}: {example_line(ex)}")


def install(check: UploadCheck, content: bytes, rules_dir: Path) -> Path:
    """Atomically place a checked file in ``rules_dir`` (the worker's hot reload picks it up)."""
    rules_dir = Path(rules_dir)
    rules_dir.mkdir(parents=True, exist_ok=True)
    target = rules_dir / check.file_name
    tmp = rules_dir / f".{check.file_name}.{os.getpid()}.tmp"
    tmp.write_bytes(content)
    os.replace(tmp, target)
    return target


def recent_articles(settings: Settings, limit: int = 200, idle: float = 1.5, budget: float = 10.0) -> list[Article]:
    """The last ``limit`` articles on the articles topic (no consumer group: reads, commits nothing),
    read for at most ``budget`` seconds."""
    if not settings.kafka_bootstrap:
        return []
    keep: deque[Article] = deque(maxlen=limit)
    deadline = time.monotonic() + budget
    with TopicReader(ClientOptions.from_settings(settings), settings.articles_topic, "dementi-bot-dry-run") as reader:
        if not reader.open():
            return []
        for rec in reader.records(idle=idle, stop=lambda: time.monotonic() > deadline):
            try:
                keep.append(Article.from_bytes(rec.value))
            except ValueError:  # not an article (pydantic ValidationError): the dead-letter topic's business
                continue
    return list(keep)


def dry_run(engine: Engine, rule_id: str, articles: list[Article]) -> list[tuple[Article, str]]:
    """(article, evidence sentence) for every article where ``rule_id`` fires."""
    hits = []
    for article in articles:
        for alert in engine.alerts(article):
            if alert.rule_id == rule_id:
                hits.append((article, alert.evidence.sentence))
                break
    return hits
