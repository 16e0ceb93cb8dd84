"""Text helpers for feed entries: HTML to plain text, and language detection.

Why plain text: the rule engine matches sentences, and feed summaries are HTML fragments
(``<p>``, entities, inline links). Block elements become line breaks so sentences from two
paragraphs are not glued together.

Language: py3langid ships its model inside the wheel (no download), so detection works offline.
It is only asked when neither the feeds file nor the feed itself states a language.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html.parser import HTMLParser

_BLOCK = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
          "blockquote", "section", "article", "header", "footer", "figcaption", "pre", "hr", "dd", "dt"}
_SKIP = {"script", "style", "noscript", "template", "svg", "head", "iframe", "nav", "form", "button"}
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.paragraphs: list[str] = []
        self._current: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _SKIP:
            self._skip += 1
        elif tag in _BLOCK:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK:
            self._break()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._current.append(data)

    def _break(self) -> None:
        text = _SPACES.sub(" ", "".join(self._current)).strip()
        self._current = []
        if text:
            self.paragraphs.append(text)

    def close(self) -> None:
        super().close()
        self._break()


def _paragraphs(html: str) -> list[str]:
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # HTMLParser is lenient; anything else is a broken fragment: keep what we got
        parser._break()
    return parser.paragraphs


def html_to_text(html: str | None) -> str:
    """Plain text of an HTML fragment, one paragraph per line. Plain text passes through."""
    if not html:
        return ""
    if "<" not in html and "&" not in html:
        return _BLANK_LINES.sub("\n", _SPACES.sub(" ", html)).strip()
    return "\n".join(_paragraphs(html))


def main_text_fallback(html: str, min_chars: int = 40) -> str:
    """Readability-style fallback for a page trafilatura finds no article in: its real paragraphs.

    Keeps paragraphs of at least ``min_chars`` characters (menus, bylines and buttons are short).
    """
    return "\n".join(p for p in _paragraphs(html) if len(p) >= min_chars)


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_lang(text: str, min_confidence: float = 0.5) -> str | None:
    """ISO 639-1 code of ``text``, or None when the text is too short or the guess is unsure."""
    sample = " ".join(text.split())[:2000]
    if len(sample) < 20:
        return None
    lang, confidence = _identifier().classify(sample)
    return lang if confidence >= min_confidence else None


def normalise_lang(value: str | None) -> str | None:
    """``'fr-FR'`` / ``'en_us'`` / ``'FR'`` -> ``'fr'`` / ``'en'``; junk -> None."""
    if not value:
        return None
    code = re.split(r"[-_]", value.strip().lower())[0]
    return code if re.fullmatch(r"[a-z]{2,3}", code) else None
