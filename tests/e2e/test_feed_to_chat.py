"""Issue 6 end to end: a feed served over HTTP carries a denial item; `dementi feeds --once`
publishes it to Kafka; the worker detects it; the subscribed chat on the Bot API test server gets
the alert. A second polling round publishes nothing, so the chat gets it once."""

from __future__ import annotations

import subprocess
import sys

import json

import pytest
import yaml

from dementi.records import Article
from tests.e2e.conftest import messages_with, publish_in_order, subscribe
from tests.feeds.server import FeedServer, Route, rss
from tests.streams.helpers import ROOT, TopicReader, child_env, wait_for

pytestmark = pytest.mark.integration

DENIAL_LINK = "https://wire.example.net/2026/11/29/ankara-dement?utm_source=rss"
CALM_LINK = "https://wire.example.net/2026/11/29/marche-de-noel"
# Invented, published after the feed round on the calm item's partition: once its alert is in the
# chat, the worker has processed the calm item too (a partition is processed in order).
SENTINEL = Article(url="https://wire.example.net/2026/11/30/vilnius-dement", title="Vilnius dément",
                   body="Le ministère lituanien des Affaires étrangères a démenti jeudi toute livraison d'armes "
                        "à un pays tiers.", lang="fr", source="wire")


def _partition_of(bootstrap, settings, url: str) -> int:
    reader = TopicReader(bootstrap, settings.articles_topic, settings.topic_partitions)
    try:
        return wait_for(lambda: next((r.partition for r in reader.poll() if json.loads(r.value)["url"] == url),
                                     None), 30, f"the article {url} on the articles topic")
    finally:
        reader.close()


def _feeds_once(settings, bootstrap, feeds_file, tmp_path) -> str:
    env = child_env(settings, bootstrap, DEMENTI_FEED_INTERNAL_HOSTS="127.0.0.1")  # the local feed server
    done = subprocess.run([sys.executable, "-m", "dementi.cli", "feeds", "--once", "--feeds", str(feeds_file)],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_served_feed_denial_reaches_the_chat_once(stack, tmp_path):
    server, start, procs, settings, bootstrap, tmp = stack
    subscribe(server, tmp / "bot.log")

    feed = FeedServer()
    feed.routes["/world.xml"] = Route(body=rss([
        {"title": "Ankara dément toute médiation secrète", "link": DENIAL_LINK, "guid": "w-1",
         "description": ("Le ministère turc des Affaires étrangères a démenti mercredi les informations "
                         "faisant état d'une médiation secrète entre Ankara et Athènes.")},
        {"title": "Le marché de Noël ouvre ses portes", "link": CALM_LINK, "guid": "w-2",
         "description": "Les chalets s'installent place Kléber jusqu'au 24 décembre."},
    ], lang="fr", title="Wire"), etag='"v1"')
    feed.start()
    try:
        feeds_file = tmp_path / "feeds.yaml"
        feeds_file.write_text(yaml.safe_dump({"feeds": [
            {"name": "wire", "url": feed.url("/world.xml"), "lang": "fr", "interval": 60}]}), encoding="utf-8")

        first = _feeds_once(settings, bootstrap, feeds_file, tmp_path)
        wait_for(lambda: messages_with(server, "Ankara"), 90, "the feed's denial in the chat",
                 procs["bot"], tmp / "bot.log")
        publish_in_order(bootstrap, settings.articles_topic, [SENTINEL],
                         partition=_partition_of(bootstrap, settings, CALM_LINK))
        wait_for(lambda: messages_with(server, SENTINEL.url), 90, "the sentinel after the calm item",
                 procs["bot"], tmp / "bot.log")
        second = _feeds_once(settings, bootstrap, feeds_file, tmp_path)
        assert any(r.headers.get("if-none-match") == '"v1"' for r in feed.requests_for("/world.xml")), second
    finally:
        feed.stop()

    [message] = {m.message_id: m for m in messages_with(server, "Ankara")}.values()
    assert "wire.example.net/2026/11/29/ankara-dement" in message.raw and "wire (fr)" in message.text
    assert not messages_with(server, "marché de Noël")
    assert "wire" in first
