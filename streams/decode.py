"""Turning the raw bytes of an articles-topic record into an ``Article``, or a located reason why not.

The worker sees bytes (faust's raw serializer) so that a bad record never crashes deserialisation
inside faust, where we could not dead-letter it. The fast path is one pydantic-core call
(``model_validate_json``, parsing and validating in Rust); only when that fails do we redo the work
step by step to say precisely WHAT is wrong: not UTF-8 (byte position), not JSON (line/column),
schema violation (field path), body over the size cap, or a schema_version we do not understand.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from pydantic import ValidationError

from dementi.records import SCHEMA_VERSION, Article, validation_summary

# Reasons are stable identifiers: they are metrics labels and what `dementi deadletter` filters on.
NOT_UTF8 = "invalid_utf8"
NOT_JSON = "not_json"
NOT_OBJECT = "not_object"
SCHEMA = "schema"
TOO_LARGE = "body_too_large"
UNSUPPORTED_VERSION = "unsupported_schema_version"
EMPTY = "empty"


@dataclass(frozen=True)
class Rejected(Exception):
    """A record the worker cannot use. ``error`` is a human sentence that locates the problem."""

    reason: str
    error: str

    def __str__(self) -> str:
        return f"{self.reason}: {self.error}"


def decode_article(raw: bytes | bytearray | memoryview | None, max_body_bytes: int) -> Article:
    """Return the Article in ``raw`` or raise ``Rejected`` naming the reason and its location."""
    if raw is None or len(raw) == 0:
        raise Rejected(EMPTY, "record value is empty (tombstone or empty message)")
    try:
        article = Article.model_validate_json(raw)
    except ValidationError:
        raise _explain(bytes(raw)) from None
    _check(article, raw, max_body_bytes)
    return article


def _check(article: Article, raw, max_body_bytes: int) -> None:
    if article.schema_version > SCHEMA_VERSION:
        raise Rejected(UNSUPPORTED_VERSION,
                       f"schema_version {article.schema_version} is newer than supported {SCHEMA_VERSION}")
    # The JSON text of a string is never shorter than its UTF-8 bytes (escapes only lengthen it),
    # so the encode below only runs for records that are large in the first place.
    if len(raw) > max_body_bytes:
        size = len(article.body.encode("utf-8"))
        if size > max_body_bytes:
            raise Rejected(TOO_LARGE, f"body is {size} bytes, over the cap of {max_body_bytes} bytes "
                                      "(DEMENTI_MAX_BODY_BYTES)")


def _explain(raw: bytes) -> Rejected:
    """Slow path: find which layer is broken, for a precise dead-letter reason."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Rejected(NOT_UTF8, f"invalid UTF-8 at byte {exc.start}: {exc.reason}")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return Rejected(NOT_JSON, f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
    except RecursionError:
        return Rejected(NOT_JSON, "not JSON: nesting too deep")
    if not isinstance(data, dict):
        return Rejected(NOT_OBJECT, f"expected a JSON object (an article), got {type(data).__name__}")
    try:
        Article.model_validate(data)
    except ValidationError as exc:
        return Rejected(SCHEMA, validation_summary(exc, limit=5))
    # pydantic's JSON parser refused what the stdlib accepted (e.g. lone surrogates, NaN).
    return Rejected(NOT_JSON, "JSON not accepted by the strict parser (lone surrogate, NaN or similar)")
