"""A small WebSub hub for the tests (stdlib server in its own thread, 127.0.0.1), following the W3C
Recommendation: subscribe/unsubscribe requests answered 202 then verified by a GET with a
``hub.challenge`` that the subscriber must echo; leases (the hub may grant a shorter one than
asked: tests use that for renewals); publish pings (``hub.mode=publish``, ``hub.url``) that make
the hub fetch the topic and deliver it to every verified, unexpired subscriber, signed with the
subscription's secret (``X-Hub-Signature``) and with ``Link`` headers. Tests can also send raw,
unsigned or wrongly signed deliveries, and a denial."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlencode

import httpx

from dementi.streams.feeds.websub import sign
from tests.feeds.server import LocalServer


@dataclass
class HubSubscription:
    callback: str
    topic: str
    secret: str | None
    lease: float
    expires_at: float


@dataclass
class Delivery:
    callback: str
    status: int
    started: float  # time.time() when the POST started
    took: float


@dataclass
class Hub(LocalServer):
    lease_seconds: float | None = None  # grant this lease whatever is asked (short leases in tests)
    fail_subscribe: int = 0  # answer this many subscribe requests with 500
    verify: bool = True  # False: accept requests but never verify them (a broken hub)
    subscriptions: dict[tuple[str, str], HubSubscription] = field(default_factory=dict)  # (callback, topic)
    requests: list[dict[str, str]] = field(default_factory=list)  # every form the hub received
    verifications: list[tuple[str, str, int, bool]] = field(default_factory=list)  # (mode, callback, status, echoed)
    deliveries: list[Delivery] = field(default_factory=list)
    # each verified subscribe: (when, end of the lease it replaced or None when there was none live)
    leases: list[tuple[float, float | None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        hub = self
        self._changed = threading.Condition()
        self._client = httpx.Client(timeout=10)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                with hub._changed:
                    hub.requests.append(form)
                    hub._changed.notify_all()
                status, text = hub._request(form)
                body = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._serve(Handler, "websub-hub")

    @property
    def url(self) -> str:
        return self.base + "/"

    def stop(self) -> None:
        super().stop()
        self._client.close()

    # --- the hub's side of the protocol ----------------------------------------------------------
    def _request(self, form: dict[str, str]) -> tuple[int, str]:
        mode = form.get("hub.mode")
        if mode == "publish":
            topic = form.get("hub.url") or form.get("hub.topic")
            threading.Thread(target=self.publish, args=(topic,), daemon=True).start()
            return 202, "publishing\n"
        if mode not in ("subscribe", "unsubscribe") or not form.get("hub.callback") or not form.get("hub.topic"):
            return 400, "hub.mode, hub.callback and hub.topic are required\n"
        if mode == "subscribe" and self.fail_subscribe > 0:
            self.fail_subscribe -= 1
            return 500, "hub overloaded\n"
        if self.verify:
            threading.Thread(target=self._verify, args=(mode, form), daemon=True).start()
        return 202, "accepted\n"

    def _verify(self, mode: str, form: dict[str, str]) -> None:
        callback, topic = form["hub.callback"], form["hub.topic"]
        challenge = secrets.token_urlsafe(16)
        asked = float(form.get("hub.lease_seconds") or 864000)
        lease = self.lease_seconds if self.lease_seconds is not None else asked
        query = {"hub.mode": mode, "hub.topic": topic, "hub.challenge": challenge}
        if mode == "subscribe":
            query["hub.lease_seconds"] = str(int(lease) if float(lease).is_integer() else lease)
        try:
            response = self._client.get(callback, params=query)
            status, echoed = response.status_code, response.text == challenge
        except httpx.HTTPError:
            status, echoed = 0, False
        with self._changed:
            self.verifications.append((mode, callback, status, echoed))
            if 200 <= status < 300 and echoed:
                if mode == "subscribe":
                    now, previous = time.time(), self.subscriptions.get((callback, topic))
                    self.leases.append((now, previous.expires_at if previous and previous.expires_at > now else None))
                    self.subscriptions[(callback, topic)] = HubSubscription(
                        callback, topic, form.get("hub.secret"), lease, time.time() + lease)
                else:
                    self.subscriptions.pop((callback, topic), None)
            self._changed.notify_all()

    def deny(self, callback: str, topic: str, reason: str = "not allowed") -> int:
        self.subscriptions.pop((callback, topic), None)
        return self._client.get(callback, params={"hub.mode": "denied", "hub.topic": topic,
                                                  "hub.reason": reason}).status_code

    def live(self, topic: str) -> list[HubSubscription]:
        now = time.time()
        return [s for s in self.subscriptions.values() if s.topic == topic and s.expires_at > now]

    def publish(self, topic: str) -> list[Delivery]:
        """Fetch the topic (as a publish ping makes a hub do) and deliver it to its subscribers."""
        response = self._client.get(topic)
        return self.distribute(topic, response.content, response.headers.get("content-type", "application/rss+xml"))

    def distribute(self, topic: str, body: bytes, content_type: str = "application/rss+xml",
                   method: str = "sha256") -> list[Delivery]:
        results = []
        for sub in self.live(topic):
            headers = {"Content-Type": content_type, "Link": f'<{self.url}>; rel="hub", <{topic}>; rel="self"'}
            if sub.secret:
                headers["X-Hub-Signature"] = sign(sub.secret, body, method)
            results.append(self.push_raw(sub.callback, body, headers))
        return results

    def push_raw(self, callback: str, body: bytes, headers: dict[str, str] | None = None) -> Delivery:
        """POST ``body`` to ``callback`` with exactly these headers (forged or unsigned deliveries)."""
        started = time.time()
        response = self._client.post(callback, content=body, headers=headers or {"Content-Type": "application/rss+xml"})
        delivery = Delivery(callback, response.status_code, started, time.time() - started)
        with self._changed:
            self.deliveries.append(delivery)
            self._changed.notify_all()
        return delivery

    def verify_raw(self, callback: str, **params: str) -> httpx.Response:
        """A verification GET with any parameters (a forged one, for the tests)."""
        return self._client.get(callback + "?" + urlencode(params))

    def wait_for(self, predicate, timeout: float = 10.0, what: str = "a hub condition"):
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                value = predicate()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; requests: "
                                         f"{[r.get('hub.mode') for r in self.requests]}, verifications: "
                                         f"{self.verifications}")
                self._changed.wait(remaining)
