"""The dead-letter envelope: what the worker writes for a record it could not use, and how it is read.

An envelope is one JSON object with the stage that failed (``decode`` or ``rules``), a stable
``reason`` id, a human ``error`` that locates the problem, where the record came from (topic,
partition, offset) and the ORIGINAL bytes base64-encoded, so nothing is lost and a fixed record can
be replayed. Records larger than ``MAX_ORIGINAL_BYTES`` keep a prefix plus size and sha256 (a Kafka
cluster rarely accepts multi-megabyte messages on a topic left at default settings).
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
from datetime import datetime, timezone
from typing import Any

STAGE_DECODE = "decode"
STAGE_RULES = "rules"
MAX_ORIGINAL_BYTES = 4 * 1024 * 1024
_HOST = socket.gethostname()


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")


def make_envelope(*, stage: str, reason: str, error: str, topic: str, partition: int | None,
                  offset: int | None, key: bytes | None, value: bytes | None,
                  at: datetime | None = None) -> dict[str, Any]:
    value = b"" if value is None else bytes(value)
    truncated = len(value) > MAX_ORIGINAL_BYTES
    return {
        "stage": stage,
        "reason": reason,
        "error": error,
        "topic": topic,
        "partition": partition,
        "offset": offset,
        "key_b64": _b64(bytes(key) if key is not None else None),
        "original_b64": _b64(value[:MAX_ORIGINAL_BYTES]),
        "original_size": len(value),
        "original_truncated": truncated,
        "original_sha256": hashlib.sha256(value).hexdigest() if truncated else None,
        "at": (at or datetime.now(timezone.utc)).isoformat(),
        "worker": _HOST,
    }


def encode_envelope(envelope: dict[str, Any]) -> bytes:
    return json.dumps(envelope, ensure_ascii=False).encode("utf-8")


def original_bytes(envelope: dict[str, Any]) -> bytes:
    data = envelope.get("original_b64")
    return base64.b64decode(data) if data else b""


def preview(data: bytes, width: int = 100) -> str:
    """A one-line, printable view of arbitrary bytes: text when it is text, else escaped bytes."""
    try:
        text = data.decode("utf-8")
        prefix = ""
    except UnicodeDecodeError as exc:
        text = data.decode("utf-8", errors="backslashreplace")
        prefix = f"(not UTF-8 at byte {exc.start}) "
    text = text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    text = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text[: width * 2])
    if len(text) > width:
        text = text[: width - 1] + "…"
    return prefix + text
