"""HTTP fetching for feeds and article pages: conditional GET, timeouts, redirects, size cap.

Why streaming with a cap: a feed is untrusted input. A misconfigured or hostile server can send
a 50 MB (or endless) body; we read it chunk by chunk and hang up as soon as the cap is passed,
instead of buffering it. The cap applies to the DECOMPRESSED body and is enforced while inflating
(``BoundedDecoder``): a 60 KB gzip of zeros would otherwise inflate to 60 MB in one chunk first.
Every failure, whatever raised it (an invalid URL, IDNA, an exception group from the network
layer), becomes a ``FetchError`` with a short human message, so the poller can log it per feed
and carry on with the others.
"""

from __future__ import annotations

import asyncio
import zlib
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone

import httpx

from dementi.settings import Settings
from dementi.streams.feeds.guard import AddressPolicy, GuardedBackend

FEED_ACCEPT = ("application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
               "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5")
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
# Only what BoundedDecoder inflates under the cap (httpx would also offer br/zstd when installed).
ACCEPT_ENCODING = "gzip, deflate"


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
    """One pooled client for the poller; redirects followed (bounded), every phase timed out, and
    every connection (first request, each redirect hop, article pages) vetted by the SSRF guard.

    ``trust_env=False`` on the client: an HTTP(S)_PROXY from the environment would get its own
    transport, outside the guard (the transport still reads SSL_CERT_FILE/SSL_CERT_DIR)."""
    limits = httpx.Limits(max_connections=max(4, settings.feed_concurrency * 2))
    transport = httpx.AsyncHTTPTransport(limits=limits)
    pool = transport._pool  # noqa: SLF001 - httpx 0.28 (pinned) builds its httpcore pool here
    if not hasattr(pool, "_network_backend"):  # pragma: no cover - a changed httpx must not skip the guard
        raise RuntimeError("httpx/httpcore internals changed: cannot install the feed SSRF guard")
    pool._network_backend = GuardedBackend(AddressPolicy(settings.feed_internal_hosts))  # noqa: SLF001
    return httpx.AsyncClient(
        transport=transport,
        trust_env=False,
        follow_redirects=True,
        max_redirects=5,
        timeout=httpx.Timeout(settings.feed_timeout),
        headers={"User-Agent": settings.feed_user_agent},
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


class BoundedDecoder:
    """Inflates a gzip/deflate (or identity) body chunk by chunk, never producing more than
    ``max_bytes + 1`` bytes in total: past the cap it raises instead of inflating further."""

    def __init__(self, content_encoding: str | None, max_bytes: int, status: int | None = None):
        codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise FetchError(f"unsupported Content-Encoding {content_encoding!r}", status=status)
        self.coding = codings[0] if codings else None
        self.max_bytes = max_bytes
        self.status = status
        self.size = 0
        self._inflater = self._new() if self.coding else None
        self._raw_deflate_tried = False

    def _new(self):
        # gzip: gzip header; deflate: zlib header in practice (auto-detect also accepts gzip)
        return zlib.decompressobj(16 + zlib.MAX_WBITS if self.coding in ("gzip", "x-gzip") else 32 + zlib.MAX_WBITS)

    def _count(self, data: bytes) -> bytes:
        self.size += len(data)
        if self.size > self.max_bytes:
            raise FetchError(f"response exceeds the {_size(self.max_bytes)} cap; download aborted", status=self.status)
        return data

    def feed(self, chunk: bytes) -> bytes:
        if self._inflater is None:
            return self._count(chunk)
        out = bytearray()
        data = chunk
        while data:
            try:
                piece = self._inflater.decompress(data, self.max_bytes - self.size + 1)
            except zlib.error:
                if self.coding != "deflate" or self._raw_deflate_tried or self.size:
                    raise FetchError("corrupt compressed body", status=self.status) from None
                self._raw_deflate_tried = True  # some servers send raw deflate without the zlib header
                self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                continue
            out += self._count(piece)
            data = self._inflater.unconsumed_tail
            if self._inflater.eof and self._inflater.unused_data:  # concatenated gzip members
                data, self._inflater = self._inflater.unused_data, self._new()
        return bytes(out)

    def flush(self) -> bytes:
        return self._count(self._inflater.flush()) if self._inflater is not None else b""


async def fetch(client: httpx.AsyncClient, url: str, *, max_bytes: int, timeout: float,
                etag: str | None = None, last_modified: str | None = None,
                accept: str = FEED_ACCEPT) -> FetchResult:
    """GET ``url``; 304 is a result (``not_modified``), any other non-2xx a ``FetchError``.

    ``timeout`` bounds the whole exchange too (a server dripping one byte per second would
    otherwise never trip httpx's per-read timeout).
    """
    headers = {"Accept": accept, "Accept-Encoding": ACCEPT_ENCODING}
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
                decoder = BoundedDecoder(response.headers.get("content-encoding"), max_bytes, response.status_code)
                body = bytearray()
                async for chunk in response.aiter_raw():  # raw: we inflate, under the cap
                    body += decoder.feed(chunk)
                body += decoder.flush()
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
    except Exception as exc:  # InvalidURL, IDNAError, exception groups...: one feed's problem, never a crash
        raise FetchError(f"{type(exc).__name__}: {_describe(exc)}") from None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(_describe(e) for e in exc.exceptions[:3]) or type(exc).__name__
    return " ".join(str(exc).split()) or type(exc).__name__
