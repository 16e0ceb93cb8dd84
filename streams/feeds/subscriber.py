"""The WebSub subscriber: subscribes to the hubs feeds advertise, serves the callback, renews leases.

Why inside the feed poller: a pushed entry must go through exactly the path of a polled one
(dedup, full text, language, Kafka with acks=all, marked seen after the ack), and the poller is
where that path lives. Pushes arrive on an HTTP endpoint (aiohttp) in the poller's event loop.

The exchanges (W3C WebSub):
1. After a poll, a feed that advertises a hub (``websub.discover``) and has no live subscription
   gets one, when ``DEMENTI_PUBLIC_URL`` says where the hub can reach us: POST to the hub with
   ``hub.callback`` = PUBLIC_URL/websub/ID (ID random per subscription), ``hub.topic``,
   ``hub.lease_seconds`` and ``hub.secret`` (random per subscription). The hub answers 202.
2. Intent verification: the hub GETs the callback with ``hub.challenge``. We echo it only for a
   topic we asked for and are waiting on (a forged subscribe or unsubscribe for someone else's
   topic gets 404); then the lease runs from now for the ``hub.lease_seconds`` the hub granted.
3. Delivery: the hub POSTs the feed document, signed (``X-Hub-Signature``). Refused: unknown
   callback ids (404), subscriptions not verified yet (403), expired leases (410), unsigned or
   wrongly signed bodies (403). Accepted bodies are parsed and published before we answer 200;
   if Kafka is down we answer 503 so the hub retries (and polling is there anyway).
4. Renewal: at 80 % of the lease the subscription is requested again (same callback and
   secret); a lease that ends without renewal falls back to adaptive polling and re-subscribes.
   A hub that refuses, never verifies, or denies is retried with backoff (from a minute to six
   hours). A feed that leaves the feeds file is unsubscribed.

While a subscription is live the feed is still polled, at ``feed_max_interval``: a safety net for
a hub that silently stops delivering.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Mapping

from aiohttp import web

from dementi import metrics
from dementi.settings import Settings
from dementi.streams.feeds.clock import SYSTEM_CLOCK, Clock
from dementi.feeds_file import FeedConfig
from dementi.streams.feeds.parse import FeedParseError, ParsedFeed, parse_feed
from dementi.streams.feeds.websub import callback_id_of, callback_url, discover, signature_problem
from dementi.streams.feeds.websub_store import Subscription, SubscriptionStore
from dementi.waiting import Backoff

log = logging.getLogger(__name__)

RENEW_AT = 0.8  # fraction of the lease after which it is renewed
VERIFY_TIMEOUT = 60.0  # clock seconds a hub may take to verify our intent before we ask again
RETRY_FIRST, RETRY_MAX = 60.0, 6 * 3600.0
MAINTAIN_EVERY = 1.0
HUB_ERROR_CHARS = 200


class WebSubSubscriber:
    """Subscriptions of one feed poller. ``start()`` opens the callback endpoint."""

    def __init__(self, settings: Settings, poller, *, clock: Clock = SYSTEM_CLOCK,
                 store: SubscriptionStore | None = None):
        if not settings.public_url:
            raise ValueError("WebSub needs DEMENTI_PUBLIC_URL (where hubs reach this process)")
        self.settings = settings
        self.public_url = settings.public_url
        self.poller = poller
        self.clock = clock
        self.store = store or SubscriptionStore.for_data_dir(settings.ensure_data_dir())
        self._own_store = store is None
        self.feeds: dict[str, FeedConfig] = {}
        self.port: int | None = None
        self.stats: dict[str, int] = {}
        self._runner: web.AppRunner | None = None
        self._tasks: set[asyncio.Task] = set()
        self._requesting: set[str] = set()
        self._stop = asyncio.Event()

    # --- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> bool:
        """Listen on ``websub_host:websub_port``; False (and a logged error) when the port is taken."""
        app = web.Application(client_max_size=self.settings.feed_max_bytes)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.settings.websub_host, self.settings.websub_port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            log.error("WebSub callback NOT started: cannot listen on %s:%s (%s); feeds are polled only. Set "
                      "DEMENTI_WEBSUB_PORT to a free port", self.settings.websub_host, self.settings.websub_port, exc)
            return False
        self._runner = runner
        self.port = site._server.sockets[0].getsockname()[1] if site._server and site._server.sockets else None
        for sub in self.store.all():
            self._mark(sub)
        self._spawn(self._maintain_loop())
        log.info("WebSub: callback listening on %s:%s, hubs deliver to %s", self.settings.websub_host, self.port,
                 callback_url(self.public_url, "<id>"))
        return True

    async def stop(self) -> None:
        self._stop.set()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._own_store:
            self.store.close()

    def set_feeds(self, feeds: list[FeedConfig]) -> None:
        """The feeds file as the poller currently knows it (enabled feeds only)."""
        self.feeds = {f.name: f for f in feeds if f.enabled}

    def _spawn(self, coro) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _count(self, what: str) -> None:
        self.stats[what] = self.stats.get(what, 0) + 1
        metrics.WEBSUB_EVENTS.labels(event=what).inc()

    def _mark(self, sub: Subscription) -> None:
        """Tell the poller whether this feed is pushed (polling becomes the safety net)."""
        if sub.live(self.clock.time()):
            self.poller.pushed.add(sub.feed)
        else:
            self.poller.pushed.discard(sub.feed)

    # --- subscribing ---------------------------------------------------------------------------
    def consider(self, feed: FeedConfig, parsed: ParsedFeed, headers: Mapping[str, str], fetched_url: str) -> None:
        """After a successful poll: subscribe when the feed advertises a hub and is not pushed yet."""
        found = discover(headers, parsed.hubs, parsed.self_url, fetched_url)
        if found is None or feed.name in self._requesting:
            return
        now = self.clock.time()
        sub = self.store.by_feed(feed.name)
        if sub is not None and (sub.hub, sub.topic) == (found.hub, found.topic):
            if sub.state == "active" or (sub.state == "pending" and now - sub.requested_at < VERIFY_TIMEOUT):
                return  # live, or being verified, or renewed by the maintenance loop
            if sub.next_attempt > now:
                return  # the hub refused or denied: retried later
        else:
            sub = Subscription(feed=feed.name, hub=found.hub, topic=found.topic,
                               callback_id=secrets.token_urlsafe(18), secret=secrets.token_hex(32))
        self._request(sub, "subscribe")

    def _request(self, sub: Subscription, mode: str) -> None:
        self._requesting.add(sub.feed)
        self._spawn(self._send(sub, mode))

    async def _send(self, sub: Subscription, mode: str) -> None:
        now = self.clock.time()
        data = {"hub.mode": mode, "hub.topic": sub.topic, "hub.callback": callback_url(self.public_url, sub.callback_id)}
        if mode == "subscribe":
            data.update({"hub.lease_seconds": str(int(self.settings.websub_lease_seconds)), "hub.secret": sub.secret})
            if sub.state != "active":  # a renewal keeps the subscription active while it is verified
                sub.state = "pending"
        else:
            sub.state = "unsubscribing"
        sub.requested_at = now
        self.store.save(sub)
        try:
            response = await self.poller.client.post(sub.hub, data=data, timeout=self.settings.feed_timeout)
            if 200 <= response.status_code < 300:
                log.info("WebSub: %s request for feed %s sent to %s (HTTP %d)", mode, sub.feed, sub.hub,
                         response.status_code)
                self._count(f"{mode}_sent")
                return
            problem = f"hub answered HTTP {response.status_code}: {response.text[:HUB_ERROR_CHARS].strip()}"
        except Exception as exc:  # network errors, refused addresses: the feed is polled meanwhile
            problem = f"hub unreachable: {type(exc).__name__}: {str(exc)[:HUB_ERROR_CHARS]}"
        finally:
            self._requesting.discard(sub.feed)
        self._count(f"{mode}_failed")
        if mode == "unsubscribe":
            log.info("WebSub: unsubscribe of %s from %s failed (%s); forgetting it (the lease ends by itself)",
                     sub.feed, sub.hub, problem)
            self.store.delete(sub.feed)
            return
        self._retry_later(sub, problem)

    def _retry_later(self, sub: Subscription, problem: str) -> None:
        sub.attempts += 1
        delay = Backoff(first=RETRY_FIRST, cap=RETRY_MAX).delay(sub.attempts - 1)
        sub.error, sub.next_attempt = problem, self.clock.time() + delay
        if not sub.live(self.clock.time()):
            sub.state = "failed" if sub.state != "denied" else "denied"
        self.store.save(sub)
        self._mark(sub)
        log.warning("WebSub: feed %s not subscribed at %s: %s; polled meanwhile, next try in %.0fs",
                    sub.feed, sub.hub, problem, delay)

    # --- maintenance ---------------------------------------------------------------------------
    async def _maintain_loop(self) -> None:
        while not self._stop.is_set():
            wait = MAINTAIN_EVERY
            try:
                wait = self.maintain()
            except Exception:  # never let bookkeeping kill the callback endpoint
                log.exception("WebSub maintenance failed")
            await self.clock.wait(self._stop, wait)

    def maintain(self) -> float:
        """Renew leases at 80 %, notice expired ones, retry failures, drop feeds that left the file.
        Returns the clock seconds until the next renewal or expiry is due (at most MAINTAIN_EVERY)."""
        now = self.clock.time()
        upcoming = [now + MAINTAIN_EVERY]
        for sub in self.store.all():
            if sub.state == "active":
                upcoming += [self._renew_at(sub), sub.expires_at or now]
            if sub.feed in self._requesting:
                continue
            if sub.feed not in self.feeds:
                if sub.state == "active" and sub.live(now):
                    self._request(sub, "unsubscribe")
                elif sub.state != "unsubscribing" or now - sub.requested_at > VERIFY_TIMEOUT:
                    self.store.delete(sub.feed)
                self.poller.pushed.discard(sub.feed)
                continue
            if sub.state == "active":
                if not sub.live(now):
                    log.warning("WebSub: lease of %s at %s ended without renewal; polling adaptively, "
                                "subscribing again", sub.feed, sub.hub)
                    sub.state, sub.error = "failed", "lease expired"
                    self.store.save(sub)
                    self._mark(sub)
                    self._request(sub, "subscribe")
                elif now >= self._renew_at(sub) and now >= sub.next_attempt and (
                        sub.requested_at <= (sub.verified_at or 0) or now - sub.requested_at >= VERIFY_TIMEOUT):
                    self._request(sub, "subscribe")  # first renewal, or one the hub never verified
            elif sub.state == "pending" and now - sub.requested_at >= VERIFY_TIMEOUT:
                self._retry_later(sub, f"the hub did not verify the subscription within {VERIFY_TIMEOUT:.0f}s")
            elif sub.state in ("failed", "denied") and now >= sub.next_attempt and sub.next_attempt:
                self._request(sub, "subscribe")
        return max(0.02, min(t for t in upcoming if t > now) - now) if any(t > now for t in upcoming) else MAINTAIN_EVERY

    @staticmethod
    def _renew_at(sub: Subscription) -> float:
        return (sub.verified_at or 0) + RENEW_AT * (sub.lease_seconds or 0)

    # --- the callback endpoint -----------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        callback_id = callback_id_of(request.path)
        sub = self.store.by_callback(callback_id) if callback_id else None
        if sub is None:
            self._count("unknown_callback")
            return web.Response(status=404, text="unknown subscription\n")
        if request.method == "GET":
            return self._verify(sub, request.query)
        if request.method == "POST":
            return await self._deliver(sub, request)
        return web.Response(status=405, text="GET (verification) or POST (delivery)\n")

    def _verify(self, sub: Subscription, query: Mapping[str, str]) -> web.Response:
        mode, topic = query.get("hub.mode", ""), query.get("hub.topic", "")
        now = self.clock.time()
        if topic != sub.topic:
            self._count("verify_refused")
            return web.Response(status=404, text="not a topic of this subscription\n")
        if mode == "denied":
            reason = query.get("hub.reason", "")[:HUB_ERROR_CHARS] or "no reason given"
            sub.state = "denied"
            self._retry_later(sub, f"the hub denied the subscription: {reason}")
            return web.Response(text="ok\n")
        challenge = query.get("hub.challenge", "")
        if not challenge:
            return web.Response(status=400, text="hub.challenge is missing\n")
        if mode == "subscribe" and (sub.state == "pending" or (sub.state == "active" and sub.requested_at > (sub.verified_at or 0))):
            try:
                lease = float(query.get("hub.lease_seconds") or self.settings.websub_lease_seconds)
            except ValueError:
                return web.Response(status=400, text="hub.lease_seconds is not a number\n")
            renewal = sub.state == "active"
            sub.state, sub.verified_at, sub.lease_seconds, sub.expires_at = "active", now, lease, now + lease
            sub.attempts, sub.error, sub.next_attempt = 0, None, 0.0
            self.store.save(sub)
            self._mark(sub)
            self._count("verified")
            log.info("WebSub: %s %s at %s for %.0fs", sub.feed, "renewed" if renewal else "subscribed", sub.hub, lease)
            return web.Response(text=challenge, content_type="text/plain")
        if mode == "unsubscribe" and sub.state == "unsubscribing":
            self.store.delete(sub.feed)
            log.info("WebSub: %s unsubscribed from %s", sub.feed, sub.hub)
            return web.Response(text=challenge, content_type="text/plain")
        self._count("verify_refused")
        return web.Response(status=404, text=f"no {mode or 'such'} request pending for this topic\n")

    async def _deliver(self, sub: Subscription, request: web.Request) -> web.Response:
        now = self.clock.time()
        if sub.state != "active":
            self._count("refused_unverified")
            return web.Response(status=403, text="subscription not verified\n")
        if not sub.live(now):
            self._count("refused_expired")
            return web.Response(status=410, text="subscription lease expired\n")
        body = await request.read()
        problem = signature_problem(sub.secret, body, request.headers.get("X-Hub-Signature"))
        if problem:
            self._count("refused_signature")
            log.warning("WebSub: delivery for %s refused: %s", sub.feed, problem)
            return web.Response(status=403, text=f"refused: {problem}\n")
        feed = self.feeds.get(sub.feed)
        if feed is None:
            return web.Response(status=410, text="this feed is no longer followed\n")
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            parsed = await asyncio.to_thread(parse_feed, body, headers, sub.topic)
        except FeedParseError as exc:
            self._count("refused_unparsable")
            log.warning("WebSub: delivery for %s is not a feed: %s", sub.feed, exc)
            return web.Response(status=400, text="not a feed document\n")
        try:
            result = await self.poller.ingest_push(feed, parsed, received_at=now)
        except Exception as exc:  # Kafka down: the hub retries, polling catches up anyway
            self._count("failed_publish")
            log.warning("WebSub: delivery for %s not published (%s: %s); asking the hub to retry",
                        sub.feed, type(exc).__name__, exc)
            return web.Response(status=503, text="temporarily unable to accept\n")
        sub.last_push, sub.pushes = now, sub.pushes + 1
        self.store.save(sub)
        self._count("accepted")
        log.info("WebSub: delivery for %s: %d new, %d seen", sub.feed, result.new, result.seen)
        return web.Response(text="ok\n")
