"""Where the worker gets its rule engine, and how it notices edited rules (hot reload).

The rules library owns reloading (``rules.reload.RuleWatcher``: ``.engine`` and ``.poll()``). This
module is the seam the worker talks to, so the worker does not care whether that class exists in
this build: when it does not, ``_MtimeWatcher`` rebuilds the engine when a file's mtime/size changes
and keeps the previous engine if the new rules fail to load (a typo must not stop detection).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol

from dementi.rules.engine import Engine, RuleLoadError

log = logging.getLogger(__name__)


class RuleSource(Protocol):
    engine: Engine

    def poll(self) -> bool: ...


def _snapshot(*dirs: Path | None) -> dict[str, tuple[float, int]]:
    state: dict[str, tuple[float, int]] = {}
    for directory in dirs:
        if directory is None or not Path(directory).exists():
            continue
        for path in Path(directory).rglob("*"):
            if path.is_file():
                st = path.stat()
                state[str(path)] = (st.st_mtime, st.st_size)
    return state


class _MtimeWatcher:
    """Fallback reloader: rebuild when any file under the rule/gazetteer dirs changes."""

    def __init__(self, rules_dir: Path, gazetteers_dir: Path | None = None):
        self.rules_dir, self.gazetteers_dir = Path(rules_dir), gazetteers_dir
        self._state = _snapshot(self.rules_dir, self.gazetteers_dir)
        self.engine = Engine.from_dir(self.rules_dir, self.gazetteers_dir)

    def poll(self) -> bool:
        state = _snapshot(self.rules_dir, self.gazetteers_dir)
        if state == self._state:
            return False
        self._state = state
        try:
            engine = Engine.from_dir(self.rules_dir, self.gazetteers_dir)
        except (RuleLoadError, OSError, ValueError) as exc:
            log.error("rules changed but do not load (%s); keeping the previous %d rule(s)",
                      exc, len(self.engine.rules))
            return False
        self.engine = engine
        log.info("rules reloaded: %d rule(s)", len(engine.rules))
        return True


def open_rule_source(rules_dir: Path, gazetteers_dir: Path | None = None) -> RuleSource:
    """The rules library's watcher when available, else the mtime fallback. Raises RuleLoadError."""
    try:
        from dementi.rules.reload import RuleWatcher  # written by the rules engineer
    except ImportError:
        return _MtimeWatcher(rules_dir, gazetteers_dir)
    return RuleWatcher(rules_dir, gazetteers_dir)
