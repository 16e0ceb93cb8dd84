"""WebSub on the REAL poller loop, a small local hub and a local feed server (127.0.0.1), the real
broker: discovery, intent verification, signed deliveries published once, refusals (bad or
missing signatures, unverified or unknown subscriptions, forged verifications), lease renewal
with a short lease, denial, and unsubscription of a feed that left the file. Stories are invented."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
import yaml
from prometheus_client import REGISTRY

from dementi.feedstatus import read_snapshot
from dementi.streams.broker import free_port
from dementi.feeds_file import FeedConfig
from dementi.streams.feeds.poller import FeedPoller
from dementi.streams.feeds.runner import run_forever
from dementi.streams.feeds.websub import callback_id_of, parse_link_header, sign, signature_problem, discover
from dementi.streams.feeds.websub_store import SubscriptionStore
from tests.feeds.conftest import read_articles, running
from tests.feeds.hub import Hub
from tests.feeds.server import Route, rss

pytestmark = pytest.mark.integration


def entry(n: int) -> dict:
    return {"title": f"Invented pushed story {n}", "link": f"https://push.example/{n}", "guid": f"https://push.example/{n}",
            "description": f"Body of pushed story {n}.", "date": format_datetime(datetime.now(timezone.utc), usegmt=True)}


class Topic:
    """A feed on the local server that advertises the hub; ``add`` publishes a new entry on it."""

    def __init__(self, server, hub: Hub, path: str = "/topic.xml"):
        self.server, self.hub, self.path = server, hub, path
        self.url = server.url(path)
        self.entries: list[dict] = [entry(0)]
        server.routes[path] = Route(render=self.render)

    def render(self) -> bytes:
        links = f'<atom:link rel="hub" href="{self.hub.url}"/><atom:link rel="self" href="{self.url}"/>'
        return rss(list(reversed(self.entries)), lang="en", channel_extra=links)

    def add(self, n: int) -> None:
        self.entries.append(entry(n))


@pytest.fixture
def hub():
    yield from running(Hub())


@pytest.fixture
def push_settings(feed_settings):
    port = free_port()
    return feed_settings.model_copy(update={"public_url": f"http://127.0.0.1:{port}/dementi", "websub_host": "127.0.0.1",
                                            "websub_port": port})


@contextlib.asynccontextmanager
async def poller_loop(settings, bootstrap, feeds: list[FeedConfig], feeds_file):
    feeds_file.write_text(yaml.safe_dump({"feeds": [f.to_yaml_dict() for f in feeds]}), encoding="utf-8")
    poller = FeedPoller(settings, bootstrap)
    stop = asyncio.Event()
    task = asyncio.create_task(run_forever(settings, bootstrap, stop, feeds_file=feeds_file, poller=poller))
    try:
        yield poller
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def snapshot_shows(settings, name: str, predicate, timeout: float = 15.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        snapshot = read_snapshot(settings.data_dir)
        source = snapshot.by_name().get(name) if snapshot else None
        if source is not None and predicate(source):
            return source
        await asyncio.sleep(0.2)
    raise AssertionError(f"the status snapshot never showed {name} as expected: {source}")


async def on_kafka(bootstrap, settings, url: str, timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if any(a.url == url for a in await asyncio.to_thread(read_articles, bootstrap, settings)):
            return
    raise AssertionError(f"{url} never reached Kafka")


def test_protocol_helpers():
    assert parse_link_header('<https://hub.example/>; rel="hub", <https://x.example/feed>; rel=self') == [
        ("https://hub.example/", {"hub"}), ("https://x.example/feed", {"self"})]
    found = discover({"Link": '<https://hub.example/>; rel="hub"'}, ["https://other-hub.example/"], "https://x.example/self",
                     "https://x.example/fetched")
    assert (found.hub, found.topic) == ("https://hub.example/", "https://x.example/self")
    assert discover({}, [], None, "https://x.example/") is None
    assert discover({}, ["https://h.example/"], None, "https://x.example/f").topic == "https://x.example/f"
    body = b"<feed/>"
    for method in ("sha1", "sha256", "sha384", "sha512"):
        assert signature_problem("s3cret", body, sign("s3cret", body, method)) is None
    assert signature_problem("s3cret", body, None).startswith("unsigned")
    assert "does not match" in signature_problem("s3cret", body, sign("other", body))
    assert "does not match" in signature_problem("s3cret", body + b" ", sign("s3cret", body))
    assert "unsupported" in signature_problem("s3cret", body, "md5=abc")
    assert callback_id_of("/dementi/websub/abc") == "abc" and callback_id_of("/websub/") is None


def test_public_url_setting(settings):
    from pydantic import ValidationError

    data = settings.model_dump()
    assert type(settings).model_validate({**data, "public_url": "  "}).public_url is None
    assert type(settings).model_validate({**data, "public_url": "https://d.example/hooks"}).public_url == "https://d.example/hooks"
    with pytest.raises(ValidationError, match="must be an http"):
        type(settings).model_validate({**data, "public_url": "d.example"})


async def test_subscribe_verify_and_signed_deliveries(feed_server, hub, push_settings, kafka_bootstrap, tmp_path):
    topic = Topic(feed_server, hub)
    feed = FeedConfig(url=topic.url, name="pushed")
    async with poller_loop(push_settings, kafka_bootstrap, [feed], tmp_path / "feeds.yaml") as poller:
        [sub] = await asyncio.to_thread(hub.wait_for, lambda: hub.live(topic.url), 20, "a verified subscription")
        request = hub.requests[0]
        assert request["hub.mode"] == "subscribe" and request["hub.topic"] == topic.url
        assert request["hub.callback"].startswith(push_settings.public_url + "/websub/")
        assert len(request["hub.secret"]) == 64 and request["hub.lease_seconds"] == str(7 * 86400)
        assert "pushed" in poller.pushed
        await on_kafka(kafka_bootstrap, push_settings, "https://push.example/0")  # the first poll
        polls = len(feed_server.requests_for("/topic.xml"))

        topic.add(1)
        [delivered] = await asyncio.to_thread(hub.publish, topic.url)
        assert delivered.status == 200
        await on_kafka(kafka_bootstrap, push_settings, "https://push.example/1")
        [again] = await asyncio.to_thread(hub.publish, topic.url)  # the same document: nothing new
        assert again.status == 200
        # /feeds and `dementi feeds status` see it pushed, with the pushed entry's delay.
        source = await snapshot_shows(push_settings, "pushed", lambda s: s.mode == "push" and s.latencies)
        assert source.push_until > datetime.now(timezone.utc) + timedelta(days=6)
        assert source.latencies[-1] < 60
        assert REGISTRY.get_sample_value("dementi_source_articles_total", {"source": "pushed", "mode": "push"}) == 1

        # Refused: forged, unsigned, unknown method, another secret; the entry never reaches Kafka.
        topic.add(2)
        body = topic.render()
        for headers in ({"X-Hub-Signature": "sha256=" + "0" * 64}, {}, {"X-Hub-Signature": "md5=abc"},
                        {"X-Hub-Signature": sign("not-the-secret", body)}):
            refused = await asyncio.to_thread(hub.push_raw, sub.callback, body,
                                              {"Content-Type": "application/rss+xml", **headers})
            assert refused.status == 403, headers
        unknown = sub.callback.rsplit("/", 1)[0] + "/not-a-subscription"
        assert (await asyncio.to_thread(hub.push_raw, unknown, body, {"X-Hub-Signature": sign(sub.secret, body)})).status == 404
        # Forged verifications are not echoed: someone else's unsubscribe, another topic.
        forged = await asyncio.to_thread(hub.verify_raw, sub.callback, **{
            "hub.mode": "unsubscribe", "hub.topic": topic.url, "hub.challenge": "echo-me"})
        assert forged.status_code == 404 and "echo-me" not in forged.text
        other = await asyncio.to_thread(hub.verify_raw, sub.callback, **{
            "hub.mode": "subscribe", "hub.topic": "https://elsewhere.example/feed", "hub.challenge": "echo-me"})
        assert other.status_code == 404
        assert "pushed" in poller.pushed
    articles = read_articles(kafka_bootstrap, push_settings)
    assert sorted(a.url for a in articles) == ["https://push.example/0", "https://push.example/1"]
    # Pushes were not polls: the feed server saw the hub's fetches only (one per publish).
    assert len(feed_server.requests_for("/topic.xml")) == polls + 2


async def test_unverified_subscription_is_refused(feed_server, push_settings, kafka_bootstrap, tmp_path):
    silent = Hub(verify=False).start()
    try:
        topic = Topic(feed_server, silent)
        async with poller_loop(push_settings, kafka_bootstrap, [FeedConfig(url=topic.url, name="unverified")],
                               tmp_path / "feeds.yaml") as poller:
            [request] = await asyncio.to_thread(silent.wait_for, lambda: silent.requests, 20, "a subscribe request")
            topic.add(1)
            body = topic.render()
            # Signed with the right secret, but the hub never verified our intent: refused.
            delivery = await asyncio.to_thread(silent.push_raw, request["hub.callback"], body,
                                               {"X-Hub-Signature": sign(request["hub.secret"], body)})
            assert delivery.status == 403
            assert "unverified" not in poller.pushed
        assert [a.url for a in read_articles(kafka_bootstrap, push_settings)] == ["https://push.example/0"]
    finally:
        silent.stop()


async def test_short_lease_is_renewed_before_it_ends(feed_server, push_settings, kafka_bootstrap, tmp_path):
    short = Hub(lease_seconds=3).start()
    try:
        topic = Topic(feed_server, short)
        async with poller_loop(push_settings, kafka_bootstrap, [FeedConfig(url=topic.url, name="leased")],
                               tmp_path / "feeds.yaml") as poller:
            await asyncio.to_thread(short.wait_for, lambda: short.live(topic.url), 20, "a verified subscription")
            first = asyncio.get_running_loop().time()
            # Three leases of 3 s: the subscription is renewed each time before it ends.
            await asyncio.to_thread(short.wait_for, lambda: len(short.leases) >= 4, 15, "three renewals")
            assert asyncio.get_running_loop().time() - first >= 6  # at ~2.4 s intervals
            renewals = short.leases[1:]
            assert all(replaced is not None and when < replaced for when, replaced in renewals), short.leases
            subscribes = [r for r in short.requests if r["hub.mode"] == "subscribe"]
            assert len({r["hub.callback"] for r in subscribes}) == 1 and len({r["hub.secret"] for r in subscribes}) == 1
            assert "leased" in poller.pushed
            topic.add(1)
            [delivery] = await asyncio.to_thread(short.publish, topic.url)
            assert delivery.status == 200
            await on_kafka(kafka_bootstrap, push_settings, "https://push.example/1")
    finally:
        short.stop()


async def test_denial_and_failing_hubs_fall_back_to_polling(feed_server, hub, push_settings, kafka_bootstrap, tmp_path):
    topic = Topic(feed_server, hub)
    failing = Hub(fail_subscribe=5).start()
    try:
        other = Topic(feed_server, failing, "/other.xml")
        feeds = [FeedConfig(url=topic.url, name="denied"), FeedConfig(url=other.url, name="refused")]
        async with poller_loop(push_settings, kafka_bootstrap, feeds, tmp_path / "feeds.yaml") as poller:
            [sub] = await asyncio.to_thread(hub.wait_for, lambda: hub.live(topic.url), 20, "a verified subscription")
            await asyncio.to_thread(failing.wait_for, lambda: failing.requests, 20, "a subscribe request")
            assert await asyncio.to_thread(hub.deny, sub.callback, topic.url, "quota exceeded") == 200
            assert "denied" not in poller.pushed and "refused" not in poller.pushed
            store = SubscriptionStore.for_data_dir(push_settings.data_dir)
            try:
                states = {s.feed: s for s in store.all()}
            finally:
                store.close()
            assert states["denied"].state == "denied" and "quota exceeded" in states["denied"].error
            assert states["refused"].state == "failed" and states["refused"].error.startswith("hub answered HTTP 500")
            assert states["refused"].next_attempt > states["refused"].requested_at + 30  # retried later
            body = topic.render()
            refused = await asyncio.to_thread(hub.push_raw, sub.callback, body, {"X-Hub-Signature": sign(sub.secret, body)})
            assert refused.status == 403
    finally:
        failing.stop()


async def test_a_feed_removed_from_the_file_is_unsubscribed(feed_server, hub, push_settings, kafka_bootstrap, tmp_path):
    topic = Topic(feed_server, hub)
    feeds_file = tmp_path / "feeds.yaml"
    async with poller_loop(push_settings, kafka_bootstrap, [FeedConfig(url=topic.url, name="leaving")], feeds_file) as poller:
        await asyncio.to_thread(hub.wait_for, lambda: hub.live(topic.url), 20, "a verified subscription")
        feeds_file.write_text("feeds: []\n", encoding="utf-8")
        await asyncio.to_thread(hub.wait_for, lambda: not hub.live(topic.url), 20, "the unsubscription")
        assert [r["hub.mode"] for r in hub.requests] == ["subscribe", "unsubscribe"]
        assert ("unsubscribe", hub.requests[1]["hub.callback"], 200, True) in hub.verifications
        assert "leaving" not in poller.pushed
