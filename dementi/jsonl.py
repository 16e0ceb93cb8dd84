"""Reading JSONL (one JSON object per line) with located problems: the one reader of article
files (``dementi scan``, rule examples), labelled corpora (``dementi eval``) and the demo file.

A bad line never stops the reading: it comes out as ``(line number, None, problem)`` so the caller
can report ``FILE:LINE: problem`` and go on; blank lines are skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any


def read_jsonl(lines: Iterable[str | bytes]) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """``(line number, object, None)`` for each line holding a JSON object, else ``(line, None, problem)``."""
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            yield lineno, None, f"invalid JSON: {exc.msg} (column {exc.colno})"
            continue
        except (UnicodeDecodeError, RecursionError) as exc:
            yield lineno, None, f"invalid JSON: {type(exc).__name__}"
            continue
        if not isinstance(data, dict):
            yield lineno, None, f"expected a JSON object, got {type(data).__name__}"
            continue
        yield lineno, data, None
