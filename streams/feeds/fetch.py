"""HTTP fetching for feeds and article pages: conditional GET, timeouts, redirects, size cap.

Why streaming with a cap: a feed is untrusted input. A misconfigured or hostile server can send
a 50 MB (or endless) body; we read it chunk by chunk and hang up as soon as the cap is passed,
instead of buffering it. Every failure becomes a ``FetchError`` with a short human message, so
the poller can log it per feed and carry on with the others.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone

import httpx

from dementi.settings import Settings

FEED_ACCEPT = ("application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
               "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5")
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


class FetchError(Exception):
    """A fetch that produced no usable body. ``retry_after`` is the server's hint, in seconds."""

    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


@dataclass
class FetchResult:
    status: int
    url: str
    content: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def make_client(settings: Settings) -> httpx.AsyncClient:
    """One pooled client for the poller; redirects followed (bounded), every phase timed out."""
    return httpx.AsyncClient(
        follow_redirects=True,
        max_redirects=5,
        timeout=httpx.Timeout(settings.feed_timeout),
        headers={"User-Agent": settings.feed_user_agent},
        limits=httpx.Limits(max_connections=max(4, settings.feed_concurrency * 2)),
    )


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{n} bytes"


async def fetch(client: httpx.AsyncClient, url: str, *, max_bytes: int, timeout: float,
                etag: str | None = None, last_modified: str | None = None,
                accept: str = FEED_ACCEPT) -> FetchResult:
    """GET ``url``; 304 is a result (``not_modified``), any other non-2xx a ``FetchError``.

    ``timeout`` bounds the whole exchange too (a server dripping one byte per second would
    otherwise never trip httpx's per-read timeout).
    """
    headers = {"Accept": accept}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        async with asyncio.timeout(timeout):
            async with client.stream("GET", url, headers=headers) as response:
                final_url = str(response.url)
                if response.status_code == 304:
                    return FetchResult(304, final_url, b"", dict(response.headers))
                if response.status_code >= 400 or response.status_code < 200:
                    raise FetchError(f"HTTP {response.status_code} {response.reason_phrase}".strip(),
                                     status=response.status_code,
                                     retry_after=_retry_after(response.headers.get("retry-after")))
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise FetchError(f"response of {_size(int(declared))} exceeds the {_size(max_bytes)} cap",
                                     status=response.status_code)
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > max_bytes:
                        raise FetchError(f"response exceeds the {_size(max_bytes)} cap; download aborted",
                                         status=response.status_code)
                return FetchResult(response.status_code, final_url, bytes(body), dict(response.headers))
    except FetchError:
        raise
    except (TimeoutError, httpx.TimeoutException):
        raise FetchError(f"timed out after {timeout:g}s") from None
    except httpx.TooManyRedirects:
        raise FetchError("too many redirects") from None
    except httpx.HTTPError as exc:
        detail = str(exc) or type(exc).__name__
        raise FetchError(f"{type(exc).__name__}: {detail}") from None
