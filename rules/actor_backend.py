"""The actor backend the engine talks to: gazetteer mentions, subject detection, denier/target, quote.

WHY an indirection: the gazetteer and the dependency heuristics are owned by the rule pack
(``rules/gazetteer.py``, ``rules/actors.py``); the engine only needs these four calls. Tests can
pass a small fake with the same methods, and loading the gazetteer (pycountry in many languages:
slow) is cached per directory content, so a rules hot-reload does not pay for it again.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
_cache: dict[tuple[str, str], "ActorBackend"] = {}
_lock = threading.Lock()


class ActorBackend:
    def __init__(self, gazetteer: Any = None):
        from dementi.rules import actors

        self.gazetteer = gazetteer
        self._actors = actors

    def mentions(self, doc_or_span, text: str | None = None) -> list:
        """``text``: ``doc_or_span.text`` when the caller has it (saves spaCy rebuilding it)."""
        return self.gazetteer.mentions(doc_or_span, text) if self.gazetteer is not None else []

    def subject_of(self, token, mentions: list):
        return self._actors.subject_of(token, mentions)

    def resolve_denier_target(self, sent_span, cue_token_indices, mentions, fallback_mentions=None):
        return self._actors.resolve_denier_target(sent_span, cue_token_indices, mentions, fallback_mentions)

    def extract_quote(self, text: str) -> str | None:
        return self._actors.extract_quote(text)


def _fingerprint(directory: Path | None) -> str:
    if directory is None or not Path(directory).is_dir():
        return "-"
    h = hashlib.sha256()
    for p in sorted(Path(directory).glob("*.y*ml")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def load_backend(gazetteers_dir: Path | str | None) -> ActorBackend:
    """The backend for ``gazetteers_dir`` (None: the rule pack's default), cached by content."""
    from dementi.rules.gazetteer import Gazetteer

    directory = Path(gazetteers_dir) if gazetteers_dir else None
    key = (str(directory.resolve()) if directory else "", _fingerprint(directory))
    with _lock:
        backend = _cache.get(key)
        if backend is None:
            backend = ActorBackend(Gazetteer.load(directory))
            while len(_cache) >= 2:  # current + previous gazetteer at most (hot reloads replace them)
                _cache.pop(next(iter(_cache)))
            _cache[key] = backend
    return backend
