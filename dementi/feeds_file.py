"""The feeds file (``config/feeds.yaml``): loading with located errors, and safe edits.

On the floor because two sides use it: the feed poller (streams/) reads it, the admin commands
(bot/) edit it, and neither may import the other.

Why a strict model: a typo in a hand-edited YAML file must not silently disable a feed. Every
error names the file, the line, the entry index and the field. Edits from the Telegram admin
commands go through the same validation and are written atomically (temp file + rename under a
file lock), so a crash or two concurrent admins never leave a half-written file behind.
"""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dementi.durations import parse_duration

# Interval of an adaptive feed whose rhythm is not known yet (no dated entry seen).
DEFAULT_INTERVAL = 300.0
# A public Telegram channel's web preview; the poller fetches DEMENTI_TELEGRAM_WEB_URL + channel.
TELEGRAM_WEB = "https://t.me/s/"
_CHANNEL = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
_TME_URL = re.compile(r"^(?:https?://)?(?:www\.)?(?:t|telegram)\.me/(?:s/)?@?([A-Za-z][A-Za-z0-9_]{3,31})/?(?:[?#].*)?$", re.I)

HEADER = """\
# Feeds polled by `dementi feeds` (also started by `dementi run`).
# Each entry: url, name (unique), optional lang (ISO 639-1; detected when absent),
# interval ("auto" by default: follows the feed's own publication rhythm, between
# DEMENTI_FEED_MIN_INTERVAL and DEMENTI_FEED_MAX_INTERVAL; or fixed: "30s" / "5m" / "1h"),
# full_text (fetch the article page when the entry carries only a summary), enabled, max_age
# (entries published longer ago than this, e.g. "2d", are remembered but not published: no
# alerts on a feed's backlog).
# A feed that cannot be fetched is logged and retried with exponential backoff; it never
# stops the others. Edited by the /feed_add and /feed_remove admin commands (comments below
# the header are not preserved by those edits).
"""


class FeedsConfigError(ValueError):
    """A feeds file that cannot be used; the message names file, line, entry and field."""


def telegram_channel(value: str) -> str | None:
    """The channel name in ``@name``, ``name``, ``t.me/name`` or ``https://t.me/s/name``; None if none."""
    value = value.strip()
    match = _TME_URL.match(value)
    if match:
        return match.group(1)
    value = value.removeprefix("@")
    return value if _CHANNEL.fullmatch(value) else None


class FeedConfig(BaseModel):
    """One source to poll: an RSS/Atom/RDF feed (``url``) or a public Telegram channel (``telegram``)."""

    model_config = ConfigDict(extra="forbid")

    url: str = ""
    telegram: str | None = Field(default=None, description="public channel read through its t.me/s/ web preview")
    name: str = ""
    lang: str | None = None
    interval: float | None = Field(default=None, description="fixed seconds between polls; None (\"auto\") = adaptive")
    full_text: bool = False
    enabled: bool = True
    max_age: float | None = Field(default=None, description="skip entries published longer ago (s)")

    @model_validator(mode="before")
    @classmethod
    def _source(cls, data: Any) -> Any:
        """Exactly one of url / telegram; a t.me URL given as ``url`` is a Telegram channel."""
        if not isinstance(data, dict):
            return data
        url, channel = str(data.get("url") or "").strip(), data.get("telegram")
        if channel is not None:
            name = telegram_channel(str(channel))
            if name is None:
                raise ValueError(f"field 'telegram': not a public channel name: {channel!r} (4-32 letters, "
                                 f"digits or _, starting with a letter, as in t.me/NAME)")
            if url and telegram_channel(url) != name:
                raise ValueError("give either 'url' (a feed) or 'telegram' (a channel), not both")
            return {**data, "telegram": name, "url": TELEGRAM_WEB + name}
        if not url:
            raise ValueError("field 'url' (a feed) or 'telegram' (a public channel) is required")
        name = telegram_channel(url) if _TME_URL.match(url) else None
        if name is not None:
            return {**data, "telegram": name, "url": TELEGRAM_WEB + name}
        return data

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError(f"must be an http(s) URL, got {value!r}")
        return value

    @field_validator("interval", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> float | None:
        if value is None or (isinstance(value, str) and value.strip().lower() == "auto"):
            return None
        seconds = parse_duration(value)
        if seconds < 1:
            raise ValueError("must be at least 1 second")
        return seconds

    @field_validator("max_age", mode="before")
    @classmethod
    def _max_age(cls, value: Any) -> float | None:
        if value is None:
            return None
        seconds = parse_duration(value)
        if seconds <= 0:
            raise ValueError("must be positive")
        return seconds

    @field_validator("lang")
    @classmethod
    def _lang(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().lower().split("-")[0]
        if not re.fullmatch(r"[a-z]{2,3}", value):
            raise ValueError(f"must be an ISO 639-1 code such as 'fr' or 'en', got {value!r}")
        return value

    @model_validator(mode="after")
    def _default_name(self) -> "FeedConfig":
        default = f"t.me/{self.telegram}" if self.telegram else name_from_url(self.url)
        self.name = self.name.strip() or default
        return self

    @property
    def kind(self) -> str:
        return "telegram" if self.telegram else "feed"

    def to_yaml_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name}
        data.update({"telegram": self.telegram} if self.telegram else {"url": self.url})
        if self.lang:
            data["lang"] = self.lang
        if self.interval is not None:
            data["interval"] = int(self.interval) if self.interval.is_integer() else self.interval
        if self.full_text:
            data["full_text"] = True
        if self.max_age is not None:
            data["max_age"] = int(self.max_age) if self.max_age.is_integer() else self.max_age
        if not self.enabled:
            data["enabled"] = False
        return data


class FeedsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    feeds: list[FeedConfig] = Field(default_factory=list)


def public_url(url: str) -> str:
    """``url`` without its credentials (``https://user:pass@host/`` -> ``https://***@host/``), for
    everything that shows or logs a feed URL; the feeds file keeps the real one."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc="***@" + parts.netloc.rpartition("@")[2]))


def name_from_url(url: str) -> str:
    """A readable default name: host (and port) without ``www.`` nor credentials, plus the first
    path segment."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2].lower().removeprefix("www.")
    segment = next((s for s in parts.path.split("/") if s and not s.startswith("rss") and "." not in s), "")
    return f"{host}/{segment}" if segment else host


def _entry_lines(text: str) -> list[int]:
    """1-based line of each entry under ``feeds:`` (for error messages); empty when unknown."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return []
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if getattr(key, "value", None) == "feeds" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def _locate(path: Path, text: str, data: Any, exc: ValidationError) -> FeedsConfigError:
    lines = _entry_lines(text)
    messages = []
    for error in exc.errors():
        loc = list(error["loc"])
        where = str(path)
        if len(loc) >= 2 and loc[0] == "feeds" and isinstance(loc[1], int):
            index = loc[1]
            if index < len(lines):
                where += f" line {lines[index]}"
            entry = data["feeds"][index] if isinstance(data, dict) else None
            name = entry.get("name") if isinstance(entry, dict) else None
            where += f": feeds[{index}]" + (f" ({name!r})" if name else "")
            field = ".".join(str(p) for p in loc[2:])
        else:
            field = ".".join(str(p) for p in loc)
        message = error["msg"].removeprefix("Value error, ")
        # an entry-level check names its own field(s)
        messages.append(f"{where}: {message}" if not field and message.startswith(("field", "give"))
                        else f"{where}: field '{field or '(entry)'}': {message}")
    return FeedsConfigError("\n".join(messages))


def parse_feeds_text(text: str, path: Path | str = "<feeds>") -> list[FeedConfig]:
    """Validate feeds YAML text; raises ``FeedsConfigError`` naming file, line, entry, field."""
    path = Path(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path} line {mark.line + 1}" if mark else str(path)
        raise FeedsConfigError(f"{where}: invalid YAML: {getattr(exc, 'problem', exc)}") from exc
    if data is None:
        data = {"feeds": []}
    if isinstance(data, list):  # a bare list of feeds is accepted too
        data = {"feeds": data}
    if not isinstance(data, dict):
        raise FeedsConfigError(f"{path}: expected a mapping with a 'feeds:' list")
    try:
        feeds = FeedsFile.model_validate(data).feeds
    except ValidationError as exc:
        raise _locate(path, text, data, exc) from None
    seen: dict[str, int] = {}
    lines = _entry_lines(text)
    for index, feed in enumerate(feeds):
        if feed.name in seen:
            line = f" line {lines[index]}" if index < len(lines) else ""
            raise FeedsConfigError(
                f"{path}{line}: feeds[{index}]: field 'name': duplicate name {feed.name!r} "
                f"(first used by feeds[{seen[feed.name]}])")
        seen[feed.name] = index
    return feeds


def load_feeds(path: Path | str) -> list[FeedConfig]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FeedsConfigError(f"{path}: feeds file not found") from None
    except UnicodeDecodeError as exc:
        raise FeedsConfigError(f"{path}: not UTF-8 ({exc})") from None
    return parse_feeds_text(text, path)


def dump_feeds(feeds: list[FeedConfig]) -> str:
    body = yaml.safe_dump({"feeds": [f.to_yaml_dict() for f in feeds]}, allow_unicode=True,
                          sort_keys=False, width=120)
    return HEADER + "\n" + body


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    lock_path = path.with_name(path.name + ".lock")
    with open(lock_path, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def save_feeds(path: Path | str, feeds: list[FeedConfig]) -> None:
    """Validate then write atomically: readers see the old file or the new one, never half."""
    path = Path(path)
    text = dump_feeds(feeds)
    parse_feeds_text(text, path)  # never write something we could not load back
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _unique_name(base: str, taken: set[str]) -> str:
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    return name


def add_feed(path: Path | str, url: str, lang: str | None = None, name: str | None = None,
             **options: Any) -> FeedConfig:
    """Append a feed (unique name derived from the URL unless given). Raises on a duplicate URL."""
    path = Path(path)
    with _locked(path):
        feeds = load_feeds(path) if path.exists() else []
        try:
            feed = FeedConfig(url=url, lang=lang, name=name or "", **options)
        except ValidationError as exc:
            raise FeedsConfigError("; ".join(
                f"field '{'.'.join(str(p) for p in e['loc'])}': {e['msg'].removeprefix('Value error, ')}"
                for e in exc.errors())) from None
        if any(f.url == feed.url for f in feeds):
            raise FeedsConfigError(f"{path}: a feed with URL {feed.url} already exists")
        taken = {f.name for f in feeds}
        if name and name in taken:
            raise FeedsConfigError(f"{path}: a feed named {name!r} already exists")
        feed.name = _unique_name(feed.name, taken)
        save_feeds(path, [*feeds, feed])
        return feed


def remove_feed(path: Path | str, name: str) -> FeedConfig:
    """Remove the feed with this name (or URL). Raises ``KeyError`` when there is none."""
    path = Path(path)
    with _locked(path):
        feeds = load_feeds(path)
        keep = [f for f in feeds if f.name != name and f.url != name]
        if len(keep) == len(feeds):
            raise KeyError(name)
        removed = next(f for f in feeds if f.name == name or f.url == name)
        save_feeds(path, keep)
        return removed
