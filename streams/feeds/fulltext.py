"""Full-text extraction of an article page, for feeds whose entries carry only a summary.

Why: a denial often sits in the fourth paragraph, not in the two-line teaser. trafilatura (a
maintained boilerplate remover, a declared dependency) does the work; a small readability-style
fallback only takes over for a page trafilatura finds nothing in. trafilatura that does not import
is an error (``dementi.deps.MissingDependency``), never a silent switch to the weaker fallback.
Extraction is CPU work: callers run it in a thread.
"""

from __future__ import annotations

import logging

from dementi.deps import require
from dementi.streams.feeds.text import main_text_fallback

log = logging.getLogger(__name__)

_trafilatura = None


def extractor_name() -> str:
    """The extractor in use: always "trafilatura" (raises ``MissingDependency`` when it does not import)."""
    _load_trafilatura()
    return "trafilatura"


def _load_trafilatura():
    """Imported on first use: the import is slow and most processes never extract a page."""
    global _trafilatura
    if _trafilatura is None:
        require("trafilatura")
        import trafilatura

        _trafilatura = trafilatura
    return _trafilatura


def _decode(html: bytes | str, encoding: str | None) -> str:
    if isinstance(html, str):
        return html
    for candidate in (encoding, "utf-8"):
        if candidate:
            try:
                return html.decode(candidate)
            except (LookupError, UnicodeDecodeError):
                continue
    return html.decode("windows-1252", errors="replace")


def extract_main_text(html: bytes | str, url: str = "", encoding: str | None = None) -> str:
    """The article text of a page ("" when nothing article-like was found)."""
    text = _decode(html, encoding)
    trafilatura = _load_trafilatura()
    try:
        extracted = trafilatura.extract(text, url=url or None, include_comments=False,
                                        include_tables=False, favor_recall=True)
    except Exception as exc:  # a parser bug on one page must not stop the feed
        log.debug("trafilatura failed on %s: %s", url, exc)
        extracted = None
    if extracted:
        return extracted.strip()
    return main_text_fallback(text)


def charset_of(content_type: str | None) -> str | None:
    """``text/html; charset=ISO-8859-1`` -> ``ISO-8859-1``."""
    if not content_type:
        return None
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return None
