"""Checking a rule file uploaded by an admin before it goes live, and dry-running a rule.

Why check in a scratch copy of the rules dir: the worker hot-reloads ``rules_dir``; a file that
fails to lint, clashes with an existing id, or fails its own examples must never reach it. The
rules library's public functions are used when present (``rules.loader.load_text`` gives located
errors), and ``Engine.from_dir`` on the scratch dir is the final word in every case.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from dementi.records import Article

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


def _examples(rule) -> tuple[list[str], list[str]]:
    ex = getattr(rule, "examples", None) or getattr(getattr(rule, "rule", None), "examples", None)
    if ex is None:
        return [], []
    if isinstance(ex, dict):
        return list(ex.get("match") or []), list(ex.get("no_match") or [])
    return list(getattr(ex, "match", []) or []), list(getattr(ex, "no_match", []) or [])


def _fires(engine, rule_id: str, text: str, lang: str | None) -> bool:
    article = Article(url="", title="", body=text, lang=lang, source="rule-example")
    return any(a.rule_id == rule_id for a in engine.alerts(article))


def check_upload(file_name: str, content: bytes, rules_dir: Path, gazetteers_dir: Path | None) -> UploadCheck:
    """Lint + load + examples for an uploaded rule file; nothing is written to ``rules_dir``."""
    name = safe_file_name(file_name)
    result = UploadCheck(file_name=name)
    if not file_name.lower().endswith((".yaml", ".yml")):
        result.errors.append(f"{file_name}: a rule file must be a .yaml or .yml document")
        return result
    if len(content) > MAX_RULE_FILE:
        result.errors.append(f"{name}: {len(content)} bytes is more than the {MAX_RULE_FILE // 1024} KB limit")
        return result
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        result.errors.append(f"{name}: not UTF-8 (byte {exc.start})")
        return result
    try:  # the rules library's located lint, when it exists
        from dementi.rules import loader  # noqa: PLC0415
        load_text = getattr(loader, "load_text", None)
    except ImportError:
        load_text = None
    if load_text is not None:
        try:
            _, errors = load_text(text, name)
            result.errors += [str(e) for e in errors]
        except Exception as exc:  # noqa: BLE001 - a lint crash is reported, not raised
            result.errors.append(f"{name}: {type(exc).__name__}: {exc}")
        if result.errors:
            return result
    with tempfile.TemporaryDirectory(prefix="dementi-rulecheck-") as tmp:
        scratch = Path(tmp) / "rules"
        if Path(rules_dir).is_dir():
            # The whole tree: install() writes rules_dir/<name> only, so that top-level file (if any)
            # is the one being replaced; a file of the same name in a subfolder stays and is checked
            # against (ignore_patterns(name) dropped it at every depth and hid its rule ids).
            shutil.copytree(rules_dir, scratch)
            (scratch / name).unlink(missing_ok=True)
        else:
            scratch.mkdir()
        before = _rule_ids(scratch, gazetteers_dir, result)
        if before is None:
            return result
        (scratch / name).write_text(text, encoding="utf-8")
        try:
            from dementi.rules.engine import Engine  # noqa: PLC0415
            engine = Engine.from_dir(scratch, gazetteers_dir)
        except Exception as exc:  # noqa: BLE001 - RuleLoadError carries file:line:col messages
            result.errors += [line for line in str(exc).splitlines() if line.strip()] or [type(exc).__name__]
            return result
        all_ids = [r.id for r in engine.rules]
        dupes = sorted({i for i in all_ids if all_ids.count(i) > 1})
        if dupes:
            result.errors.append(f"{name}: rule id(s) already defined elsewhere: {', '.join(dupes)}")
        new = [r for r in engine.rules if r.id not in before]
        if not new and not dupes:
            result.errors.append(f"{name}: the file defines no new rule")
        for rule in new:
            result.rules.append((rule.id, getattr(rule, "title", rule.id)))
        if _library_examples(engine, {r.id for r in new}, name, result):
            return result
        for rule in new:
            langs = list(getattr(rule, "languages", None) or getattr(getattr(rule, "rule", None), "languages", [])
                         or [None])
            match, no_match = _examples(rule)
            for text_ in match:
                if _fires(engine, rule.id, text_, langs[0]):
                    result.examples.append(f"✓ {rule.id} matches: {text_[:80]}")
                else:
                    result.errors.append(f"{name}: rule {rule.id}: example should match but does not: {text_[:120]}")
            for text_ in no_match:
                if _fires(engine, rule.id, text_, langs[0]):
                    result.errors.append(f"{name}: rule {rule.id}: example should NOT match but does: {text_[:120]}")
                else:
                    result.examples.append(f"✓ {rule.id} ignores: {text_[:80]}")
    return result


def _library_examples(engine, rule_ids: set[str], name: str, result: UploadCheck) -> bool:
    """Run examples with the rules library's own runner (same path as ``dementi rules test``);
    False when the library has none, so the caller falls back to engine.alerts."""
    try:
        from dementi.rules.testing import run_examples  # noqa: PLC0415
    except ImportError:
        return False
    if not rule_ids:
        return True
    for ex in run_examples(engine, rule_ids):
        label = "matches" if ex.expect == "match" else "ignores"
        if ex.passed:
            result.examples.append(f"✓ {ex.rule_id} {label}: {ex.text[:80]}")
        else:
            should = "should match but does not" if ex.expect == "match" else "should NOT match but does"
            detail = f" ({ex.detail})" if ex.detail else ""
            result.errors.append(f"{name}: rule {ex.rule_id}: example {should}: {ex.text[:120]}{detail}")
    return True


def _rule_ids(scratch: Path, gazetteers_dir, result: UploadCheck) -> set[str] | None:
    try:  # cheap path: the loader alone (no NLP pipeline to build)
        from dementi.rules.loader import load_dir  # noqa: PLC0415

        return {lr.rule.id for lr in load_dir(scratch)}
    except ImportError:
        pass
    except Exception as exc:  # noqa: BLE001
        result.errors.append(f"the current rules directory does not load ({exc}); fix it before uploading")
        return None
    try:
        from dementi.rules.engine import Engine  # noqa: PLC0415
        return {r.id for r in Engine.from_dir(scratch, gazetteers_dir).rules}
    except Exception as exc:  # noqa: BLE001
        result.errors.append(f"the current rules directory does not load ({exc}); fix it before uploading")
        return None


def install(check: UploadCheck, content: bytes, rules_dir: Path) -> Path:
    """Atomically place a checked file in ``rules_dir`` (the worker's hot reload picks it up)."""
    rules_dir = Path(rules_dir)
    rules_dir.mkdir(parents=True, exist_ok=True)
    target = rules_dir / check.file_name
    tmp = rules_dir / f".{check.file_name}.{os.getpid()}.tmp"
    tmp.write_bytes(content)
    os.replace(tmp, target)
    return target


def recent_articles(settings, limit: int = 200, idle: float = 1.5, budget: float = 10.0) -> list[Article]:
    """The last ``limit`` articles on the articles topic (no consumer group: reads, commits nothing),
    read for at most ``budget`` seconds."""
    from collections import deque  # noqa: PLC0415

    from dementi.kafka.options import ClientOptions  # noqa: PLC0415
    from dementi.kafka.reader import TopicReader  # noqa: PLC0415

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


def dry_run(engine, rule_id: str, articles: list[Article]) -> list[tuple[Article, str]]:
    """(article, evidence sentence) for every article where ``rule_id`` fires."""
    hits = []
    for article in articles:
        for alert in engine.alerts(article):
            if alert.rule_id == rule_id:
                hits.append((article, alert.evidence.sentence))
                break
    return hits
