"""What the bot knows about the rules: ids, titles, tags, severity, realert windows, disabled set.

The bot does not detect anything; it needs rule metadata for ``/rules``, for validating
``/subscribe RULE_ID`` / ``tag:T``, and for per-rule realert windows. It reads the rule files with
the rules library's loader (validation only: no NLP pipeline to build) and reloads them when the
files change, so a rule uploaded by an admin shows up in ``/rules`` without a restart. The full engine
(for ``/rule_test``) is built lazily, off the event loop.

Disabled rules (``/rule_disable``) are persisted in ``<data_dir>/rule_overrides.json``
(``{"disabled": {"RULE_ID": {"by": USER_ID, "at": ISO}}}``); the bot drops their alerts at routing.
``disabled_rules(settings)`` is the public reader for other processes (e.g. the worker).
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from dementi.durations import parse_duration
from dementi.rules.actor_codes import actor_codes
from dementi.rules.engine import Engine
from dementi.rules.loader import load_dir
from dementi.rules.schema import Rule

log = logging.getLogger(__name__)

OVERRIDES_FILE = "rule_overrides.json"


@dataclass
class RuleInfo:
    id: str
    title: str
    tags: list[str] = field(default_factory=list)
    severity: str = "medium"
    kind: str | None = None
    languages: list[str] = field(default_factory=list)
    realert: float | None = None  # seconds
    cameo: str | None = None


def rule_info(rule: Rule) -> RuleInfo:
    """The metadata the bot shows and filters on, from a loaded rule (the loader validated every
    field, ``realert`` included)."""
    return RuleInfo(id=rule.id, title=rule.title, tags=list(rule.tags), severity=rule.severity, kind=rule.kind,
                    languages=list(rule.languages),
                    realert=parse_duration(rule.realert) if rule.realert else None, cameo=rule.cameo)


def overrides_path(data_dir: Path) -> Path:
    return Path(data_dir) / OVERRIDES_FILE


def read_overrides(data_dir: Path) -> dict:
    path = overrides_path(data_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except FileNotFoundError:
        return {}
    except ValueError as exc:
        log.error("%s is not valid JSON (%s); treating every rule as enabled", path, exc)
        return {}


def disabled_rules(settings) -> set[str]:
    """Rule ids disabled by an admin (public: any process may honour them)."""
    return set((read_overrides(settings.data_dir).get("disabled") or {}).keys())


def set_rule_disabled(data_dir: Path, rule_id: str, disabled: bool, by: int) -> bool:
    """Atomically update the overrides file; returns False when nothing changed."""
    data = read_overrides(data_dir)
    current = data.setdefault("disabled", {})
    if disabled == (rule_id in current):
        return False
    if disabled:
        current[rule_id] = {"by": by, "at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    else:
        current.pop(rule_id)
    path = overrides_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
    return True


class RuleCatalog:
    def __init__(self, rules_dir: Path, gazetteers_dir: Path | None, data_dir: Path, check_every: float = 2.0):
        self.rules_dir = Path(rules_dir)
        self.gazetteers_dir = gazetteers_dir
        self.data_dir = Path(data_dir)
        self.check_every = check_every
        self._engine: Engine | None = None
        self._engine_stamp: tuple | None = None
        self._disabled: set[str] = set()
        self._disabled_stamp: tuple | None = ("unread",)
        self.error: str | None = None
        self._actor_codes: dict[str, str] | None = None
        self._rules: dict[str, RuleInfo] = {}
        self._stamp: tuple | None = None
        self._checked = 0.0
        self.reload(force=True)

    def _dir_stamp(self) -> tuple:
        try:
            files = sorted(p for p in self.rules_dir.rglob("*") if p.suffix in (".yaml", ".yml"))
            return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
        except OSError:
            return ()

    def reload(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._checked < self.check_every:
            return
        self._checked = now
        stamp = self._dir_stamp()
        if not force and stamp == self._stamp:
            return
        self._stamp = stamp
        try:
            rules = self._load_rules()
        except Exception as exc:  # keep the last good set: a bad file must not blind the bot
            self.error = f"{type(exc).__name__}: {exc}"
            log.error("could not load rules from %s: %s", self.rules_dir, self.error)
            return
        self.error = None
        self._engine, self._engine_stamp = None, None
        self._rules = {}
        for rule in rules:
            info = rule_info(rule)
            self._rules[info.id] = info
        log.info("rule catalog: %d rules from %s", len(self._rules), self.rules_dir)

    def _load_rules(self) -> list[Rule]:
        """The enabled rules, through the loader alone: it validates the same files as the engine
        without building the NLP pipeline, which would block the bot's event loop for seconds."""
        return [lr.rule for lr in load_dir(self.rules_dir) if lr.rule.enabled]

    def get_engine(self) -> Engine:
        """The full engine (for dry runs). Slow to build: call it from a worker thread."""
        if self._engine is None or self._engine_stamp != self._stamp:
            self._engine = Engine.from_dir(self.rules_dir, self.gazetteers_dir)
            self._engine_stamp = self._stamp
        return self._engine

    def rules(self) -> list[RuleInfo]:
        self.reload()
        return sorted(self._rules.values(), key=lambda r: r.id)

    def get(self, rule_id: str) -> RuleInfo | None:
        self.reload()
        return self._rules.get(rule_id)

    def tags(self) -> set[str]:
        return {t for r in self.rules() for t in r.tags}

    def languages(self) -> set[str]:
        """Languages the rules cover, with "*" when some rule has no ``languages:`` (it covers all)."""
        rules = self.rules()
        return {lang for r in rules for lang in r.languages} | ({"*"} if any(not r.languages for r in rules) else set())

    def actor_codes(self) -> dict[str, str]:
        """Actor codes (``actor:RUS``, ``actor:UN``) -> names, from the gazetteers; read once."""
        if self._actor_codes is None:
            self._actor_codes = actor_codes(self.gazetteers_dir)
        return self._actor_codes

    def disabled(self) -> set[str]:
        """Disabled rule ids; re-read only when the overrides file changed (called per delivery)."""
        path = overrides_path(self.data_dir)
        try:
            st = path.stat()
            stamp = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = None
        if stamp != self._disabled_stamp:
            self._disabled = set((read_overrides(self.data_dir).get("disabled") or {}).keys())
            self._disabled_stamp = stamp
        return set(self._disabled)
