"""Logging set-up shared by every entry point: plain or JSON lines, and secrets never printed.

The bot token appears in Bot API URLs (``.../bot<TOKEN>/sendMessage``) that httpx and PTB log at
debug level, and in the messages of exceptions raised from them. Redaction (of any token-shaped
string, even glued to ``/bot``, and of every registered secret) is applied to the whole formatted
line, traceback and chained exceptions included, and to the top-level crash path: uncaught
exceptions (main thread and other threads) are logged through the same formatter instead of
Python's default hook printing them raw.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading

# No \b before the digits: in ".../bot123456:AA..." the "t" and "1" are both word characters.
_TOKEN_RE = re.compile(r"(?<![0-9])[0-9]{5,}:[A-Za-z0-9_-]{30,}(?![A-Za-z0-9_-])")
_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    if value:
        _secrets.add(value)


def redact(text: str) -> str:
    for secret in _secrets:
        text = text.replace(secret, "<redacted>")
    return _TOKEN_RE.sub("<redacted-token>", text)


class RedactingFilter(logging.Filter):
    """Scrubs the message itself, so every handler (not only ours) gets it redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class RedactingFormatter(logging.Formatter):
    """Redacts the whole formatted line: tracebacks and chained exceptions carry secrets too."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        if record.exc_info:
            payload["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False)


def _log_uncaught(exc_type, exc, tb) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    logging.getLogger("dementi").critical("uncaught %s, exiting", exc_type.__name__, exc_info=(exc_type, exc, tb))


def _log_uncaught_thread(args) -> None:
    if args.exc_type is SystemExit:
        return
    logging.getLogger("dementi").critical("uncaught %s in thread %s", args.exc_type.__name__,
                                          getattr(args.thread, "name", "?"),
                                          exc_info=(args.exc_type, args.exc_value, args.exc_traceback))


def setup_logging(level: str = "INFO", json_lines: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter() if json_lines else RedactingFormatter(
        "%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    sys.excepthook = _log_uncaught  # the top-level crash path goes through the redacting formatter
    threading.excepthook = _log_uncaught_thread
    # Client libraries are chatty about reconnects; keep their warnings, drop their info.
    for noisy in ("kafka", "aiokafka", "httpx", "httpcore", "faust", "mode"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
