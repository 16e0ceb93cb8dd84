"""Logging set-up shared by every entry point: plain or JSON lines, and secrets never printed.

The bot token appears in Bot API URLs (``.../bot<TOKEN>/sendMessage``) that httpx and PTB log at
debug level; the redaction filter scrubs any token-shaped string and the configured token itself.
"""

from __future__ import annotations

import json
import logging
import re
import sys

_TOKEN_RE = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}\b")
_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    if value:
        _secrets.add(value)


def redact(text: str) -> str:
    for secret in _secrets:
        text = text.replace(secret, "<redacted>")
    return _TOKEN_RE.sub("<redacted-token>", text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            text = redact(str(exc))
            if text != str(exc):
                record.exc_info = None
                record.msg = f"{record.msg} ({type(exc).__name__}: {text})"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_info:
            payload["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False)


def setup_logging(level: str = "INFO", json_lines: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter(
        "%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Client libraries are chatty about reconnects; keep their warnings, drop their info.
    for noisy in ("kafka", "aiokafka", "httpx", "httpcore", "faust", "mode"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
