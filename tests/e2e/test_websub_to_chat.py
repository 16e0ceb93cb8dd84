"""Issue 16 end to end: a feed advertises a local WebSub hub; `dementi feeds` (a real process, with
DEMENTI_PUBLIC_URL) subscribes and verifies; the publisher adds a denial and pings the hub, which
pushes the signed document; the worker detects it and the subscribed chat on the Bot API test
server gets the alert, with no poll of the feed in between. A delivery with a forged signature
carrying another denial never reaches the chat. The latency belongs to bench/websub.py."""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import format_datetime

import httpx
import pytest
import yaml

from dementi.streams.broker import free_port
from dementi.streams.feeds.websub import sign
from tests.botapi.server import DEFAULT_TOKEN
from tests.e2e.conftest import messages_with, subscribe
from tests.feeds.hub import Hub
from tests.feeds.server import FeedServer, Route, rss
from tests.streams.helpers import child_env, start_dementi, stop_process, wait_for

pytestmark = pytest.mark.integration

CALM = {"title": "Ouverture du salon du livre", "link": "https://push.example.net/salon", "guid": "https://push.example.net/salon",
        "description": "Les éditeurs installent leurs stands pour le week-end."}
DENIAL = {"title": "Oslo dément tout accord secret", "link": "https://push.example.net/oslo",
          "guid": "https://push.example.net/oslo",
          "description": ("Le ministère norvégien des Affaires étrangères a démenti vendredi les informations selon "
                          "lesquelles Oslo préparerait un accord secret avec ses voisins.")}
FORGED = {"title": "Ottawa dément toute médiation", "link": "https://push.example.net/ottawa",
          "guid": "https://push.example.net/ottawa",
          "description": "Le gouvernement canadien a démenti samedi avoir reçu une offre de médiation."}


def metric(port: int, name: str, labels: str) -> float:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    line = next((line for line in text.splitlines() if line.startswith(f"{name}{{{labels}}} ")), None)
    return float(line.split()[-1]) if line else 0.0


def test_pushed_denial_reaches_the_chat_without_a_poll(stack, tmp_path):
    server, start, procs, settings, bootstrap, tmp = stack
    # The notifier again, with its /metrics endpoint: the per-source delay to Telegram is its.
    bot_metrics, feeds_metrics = free_port(), free_port()
    stop_process(procs["bot"])
    procs["bot"] = start_dementi(["bot"], child_env(
        settings, bootstrap, DEMENTI_TELEGRAM_TOKEN=DEFAULT_TOKEN, DEMENTI_TELEGRAM_API_URL=server.url,
        DEMENTI_BROKER_SESSION_TIMEOUT="3", DEMENTI_BROKER_HEARTBEAT_INTERVAL="0.5",
        DEMENTI_BOT_METRICS_PORT=str(bot_metrics)), tmp / "bot.log")
    subscribe(server, tmp / "bot.log")
    hub = Hub().start()
    feed = FeedServer().start()
    items = [CALM]
    topic = feed.url("/world.xml")

    def render() -> bytes:
        dated = [{**item, "date": format_datetime(datetime.now(timezone.utc), usegmt=True)} for item in reversed(items)]
        return rss(dated, lang="fr", title="Wire", channel_extra=f'<atom:link rel="hub" href="{hub.url}"/>'
                                                                   f'<atom:link rel="self" href="{topic}"/>')

    feed.routes["/world.xml"] = Route(render=render)
    port = free_port()
    feeds_file = tmp_path / "feeds.yaml"
    feeds_file.write_text(yaml.safe_dump({"feeds": [{"name": "wire", "url": topic, "lang": "fr"}]}), encoding="utf-8")
    env = child_env(settings, bootstrap, DEMENTI_FEED_INTERNAL_HOSTS="127.0.0.1",  # the local feed server and hub
                    DEMENTI_PUBLIC_URL=f"http://127.0.0.1:{port}", DEMENTI_WEBSUB_HOST="127.0.0.1",
                    DEMENTI_WEBSUB_PORT=str(port), DEMENTI_FEEDS_METRICS_PORT=str(feeds_metrics))
    feeds_proc = start_dementi(["feeds", "--feeds", str(feeds_file)], env, tmp / "feeds.log")
    try:
        wait_for(lambda: hub.live(topic), 60, "a verified WebSub subscription", feeds_proc, tmp / "feeds.log")
        [sub] = hub.live(topic)
        polls = len(feed.requests_for("/world.xml"))

        items.append(FORGED)
        forged = render()
        assert hub.push_raw(sub.callback, forged, {"Content-Type": "application/rss+xml",
                                                   "X-Hub-Signature": sign("guessed-secret", forged)}).status == 403
        items.remove(FORGED)
        items.append(DENIAL)
        [delivery] = hub.publish(topic)
        assert delivery.status == 200
        wait_for(lambda: messages_with(server, "Oslo"), 60, "the pushed denial in the chat", procs["bot"], tmp / "bot.log")
        # No poll brought it: the only new fetch of the feed is the hub's own (publish ping).
        assert len(feed.requests_for("/world.xml")) == polls + 1
        # Prometheus: publication -> Kafka in the poller (pushed), publication -> Telegram in the notifier.
        assert metric(feeds_metrics, "dementi_source_article_latency_seconds_count", 'mode="push",source="wire"') == 1
        assert metric(feeds_metrics, "dementi_websub_events_total", 'event="refused_signature"') == 1
        wait_for(lambda: metric(bot_metrics, "dementi_source_alert_latency_seconds_count", 'source="wire"') == 1, 20,
                 "the notifier's per-source latency", procs["bot"], tmp / "bot.log")
    finally:
        assert stop_process(feeds_proc) == 0, (tmp / "feeds.log").read_text(errors="replace")[-3000:]
        hub.stop()
        feed.stop()
    [message] = {m.message_id: m for m in messages_with(server, "Oslo")}.values()
    assert "push.example.net/oslo" in message.text or any("push.example.net/oslo" in str(e) for e in message.entities)
    assert not messages_with(server, "Ottawa")
    assert not messages_with(server, "salon du livre")
