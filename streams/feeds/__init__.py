"""RSS/Atom feeds into the articles topic (``dementi feeds``).

Public interface (imported lazily so that ``bot/handlers/feeds.py`` can use the config helpers
without loading httpx, feedparser, trafilatura and kafka):
- ``load_feeds(path) -> list[FeedConfig]`` (raises ``FeedsConfigError`` naming file/line/entry/field)
- ``poll_once(settings, feeds, bootstrap) -> PollSummary`` / ``await apoll_once(...)``: one round
- ``run_forever(settings, bootstrap, stop_event, feeds_file=None)``: the long-running poller
- ``FeedPoller``: the per-feed machinery, for finer-grained tests
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "FeedConfig": "config", "FeedsConfigError": "config", "add_feed": "config", "load_feeds": "config",
    "remove_feed": "config", "save_feeds": "config",
    "FeedPoller": "poller", "FeedResult": "poller", "PollSummary": "poller",
    "apoll_once": "runner", "poll_once": "runner", "run_forever": "runner",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
