"""Hot reload of the rule set: poll the rule and gazetteer directories, validate, swap atomically.

WHY polling and not inotify: it works the same on every filesystem (bind mounts, NFS, editors that
replace files) and costs one ``stat`` per file per interval. A change is confirmed by content hash,
so ``touch`` or a rewrite with the same bytes does not rebuild anything. The new Engine is built
completely before one attribute assignment publishes it: a consumer calling ``watcher.engine``
sees either the old or the new set, never a half-built one. An invalid file never replaces a good
set: its located errors are logged and kept in ``.errors`` and the previous engine keeps running.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from dementi.rules.engine import Engine
from dementi.rules.loader import RuleError, RuleLoadError, rule_files

log = logging.getLogger(__name__)


def _files(rules_dir: Path, gazetteers_dir: Path | None) -> list[Path]:
    files = rule_files(rules_dir) if rules_dir.is_dir() else []
    if gazetteers_dir is not None and gazetteers_dir.is_dir():
        files += sorted(p for p in gazetteers_dir.glob("*.y*ml") if p.is_file())
    return files


class RuleWatcher:
    """``.engine`` is the current good Engine; ``.poll()`` reloads it when files changed."""

    def __init__(self, rules_dir, gazetteers_dir=None, backend=None):
        self.rules_dir = Path(rules_dir)
        self.gazetteers_dir = Path(gazetteers_dir) if gazetteers_dir else None
        self._backend = backend
        self.errors: list[RuleError] = []
        self._stats: dict[Path, tuple[int, int]] = {}
        self._hashes: dict[Path, str] = {}
        self._scan()
        self._engine = Engine.from_dir(self.rules_dir, self.gazetteers_dir, backend=backend)  # raises RuleLoadError

    @property
    def engine(self) -> Engine:
        return self._engine

    def _scan(self) -> bool:
        """Refresh stat/hash snapshots; True when some file's content appeared, changed or vanished."""
        stats: dict[Path, tuple[int, int]] = {}
        hashes: dict[Path, str] = {}
        for path in _files(self.rules_dir, self.gazetteers_dir):
            try:
                st = path.stat()
                key = (st.st_mtime_ns, st.st_size)
                if self._stats.get(path) == key and path in self._hashes:
                    digest = self._hashes[path]
                else:
                    digest = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:  # vanished between listing and reading: it is simply gone
                continue
            stats[path], hashes[path] = key, digest
        changed = hashes != self._hashes
        self._stats, self._hashes = stats, hashes
        return changed

    def poll(self) -> bool:
        """Reload when the files changed. True only when a new rule set was swapped in."""
        if not self._scan():
            return False
        try:
            engine = Engine.from_dir(self.rules_dir, self.gazetteers_dir, backend=self._backend)
        except RuleLoadError as exc:
            self.errors = exc.errors
            log.error("rules changed but do not load; keeping the previous %d rule(s):\n%s",
                      len(self._engine.rules), "\n".join(str(e) for e in exc.errors))
            return False
        except Exception as exc:  # a broken gazetteer file, an unreadable dir: keep running
            self.errors = [RuleError(str(self.rules_dir), 1, 1, "", f"{exc.__class__.__name__}: {exc}")]
            log.error("rules changed but do not load (%s); keeping the previous %d rule(s)", exc, len(self._engine.rules))
            return False
        old = {r.id for r in self._engine.rules}
        new = {r.id for r in engine.rules}
        self._engine = engine
        self.errors = []
        log.info("rules reloaded: %d rule(s) (+%d -%d)", len(new), len(new - old), len(old - new))
        return True
