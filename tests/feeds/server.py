"""A local HTTP server (stdlib, own thread, 127.0.0.1) that serves feeds which change between
polling rounds, with the behaviours a real poller meets: ETag / Last-Modified with 304, HTTP
errors, slow responses, endless streamed bodies, odd charsets. Every request is recorded so
tests can assert what the client sent (conditional headers) and how much it read."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import format_datetime
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "application/rss+xml; charset=utf-8"
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0                 # sleep before answering (timeouts)
    stream_total: int = 0              # > 0: stream this many bytes of filler (size cap)
    send_length: bool = True           # False: chunked-style streaming without Content-Length
    location: str | None = None        # with status 301/302/307/308: redirect target
    bytes_sent: int = 0                # filled by the server while streaming
    headers: dict[str, str] = field(default_factory=dict)  # extra headers on every answer (Retry-After...)
    # Called per request: a feed that changes over time. Returns the body, or (body, headers); an
    # ETag among those headers is honoured like a static one (304 on If-None-Match).
    render: Callable[[], bytes | tuple[bytes, dict[str, str]]] | None = None


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)


class LocalServer:
    """A stdlib HTTP server on 127.0.0.1 (a free port) answering from its own daemon thread."""

    def _serve(self, handler: type[BaseHTTPRequestHandler], name: str,
               server_class: type[ThreadingHTTPServer] = ThreadingHTTPServer) -> None:
        self._httpd = server_class(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=name, daemon=True)

    @property
    def base(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


@dataclass
class FeedServer(LocalServer):
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                server.requests.append(Request(self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = server.routes.get(self.path)
                if route is None:
                    self._send(404, b"not found", "text/plain")
                    return
                if route.delay:
                    time.sleep(route.delay)
                body, extra = route.body, {}
                if route.render is not None:
                    rendered = route.render()
                    body, extra = rendered if isinstance(rendered, tuple) else (rendered, {})
                etag = extra.get("ETag", route.etag)
                if etag and self.headers.get("If-None-Match") == etag or (
                        route.last_modified and self.headers.get("If-Modified-Since") == route.last_modified):
                    self.send_response(304)
                    self.send_header("Content-Length", "0")
                    for key, value in route.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    return
                if route.stream_total:
                    self._stream(route)
                    return
                if route.location:
                    extra["Location"] = route.location
                if route.etag:
                    extra.setdefault("ETag", route.etag)
                if route.last_modified:
                    extra["Last-Modified"] = route.last_modified
                extra.update(route.headers)
                self._send(route.status, body, route.content_type, extra)

            def _send(self, status: int, body: bytes, content_type: str, extra: dict | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for key, value in (extra or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def _stream(self, route: Route) -> None:
                self.send_response(200)
                self.send_header("Content-Type", route.content_type)
                if route.send_length:
                    self.send_header("Content-Length", str(route.stream_total))
                else:
                    self.send_header("Connection", "close")
                self.end_headers()
                chunk = b"<!-- filler -->" * 4096  # ~60 KB, generated once, never the whole body
                try:
                    while route.bytes_sent < route.stream_total:
                        piece = chunk[: route.stream_total - route.bytes_sent]
                        self.wfile.write(piece)
                        route.bytes_sent += len(piece)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True

        class QuietServer(ThreadingHTTPServer):
            def handle_error(self, request, client_address) -> None:
                # Clients hanging up (timeouts, size cap) is the point of several tests.
                pass

        self._serve(Handler, "feed-server", QuietServer)

    def url(self, path: str) -> str:
        return self.base + path

    def requests_for(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]


def http_date(when: datetime | None = None) -> str:
    return format_datetime(when or datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc), usegmt=True)


def rss(items: list[dict], *, title: str = "Test feed", lang: str | None = None, encoding: str = "utf-8",
        channel_extra: str = "") -> bytes:
    """An RSS 2.0 document; ``items``: dicts with title, link, guid, description, content, date.
    ``channel_extra``: raw XML added to the channel (``<ttl>``, ``<sy:updatePeriod>``, ``<atom:link>``)."""
    parts = [f'<?xml version="1.0" encoding="{encoding}"?>',
             '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
             'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/" xmlns:atom="http://www.w3.org/2005/Atom">'
             '<channel>',
             f"<title>{escape(title)}</title><link>http://example.invalid/</link><description>t</description>"]
    if lang:
        parts.append(f"<language>{lang}</language>")
    parts.append(channel_extra)
    for item in items:
        parts.append("<item>")
        parts.append(f"<title>{escape(item['title'])}</title>")
        if item.get("link"):
            parts.append(f"<link>{escape(item['link'])}</link>")
        if item.get("guid"):
            parts.append(f'<guid isPermaLink="false">{escape(item["guid"])}</guid>')
        if item.get("description"):
            parts.append(f"<description>{escape(item['description'])}</description>")
        if item.get("content"):
            parts.append(f"<content:encoded><![CDATA[{item['content']}]]></content:encoded>")
        date = item.get("date", "Sat, 28 Nov 2026 10:00:00 GMT")
        if date is not None:  # None: an undated item
            parts.append(f"<pubDate>{date}</pubDate>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode(encoding)
