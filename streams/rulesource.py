"""Where the worker gets its rule engine, and how it notices edited rules (hot reload).

The rules library owns reloading (``rules.reload.RuleWatcher``: ``.engine`` and ``.poll()``,
keeping the previous engine when edited rules do not load). This module is the seam the worker
talks to: a ``RuleSource`` protocol, so tests can hand the worker a fixed engine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from dementi.rules.engine_api import DetectionEngine
from dementi.rules.reload import RuleWatcher


class RuleSource(Protocol):
    @property
    def engine(self) -> DetectionEngine: ...

    def poll(self) -> bool: ...


def open_rule_source(rules_dir: Path, gazetteers_dir: Path | None = None) -> RuleSource:
    """The rules library's watcher over the rule and gazetteer directories. Raises RuleLoadError."""
    return RuleWatcher(rules_dir, gazetteers_dir)
