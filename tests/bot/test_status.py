"""/status's article side: the article-rate sampler (window arithmetic on a fake clock, the real
high-watermark read on the real broker, a dead broker) and the numbers in /status through the
real python-telegram-bot."""

from __future__ import annotations

import asyncio
import socket

import pytest
from kafka.errors import KafkaTimeoutError

from dementi.bot.notify.article_rate import HOUR, ArticleRate, read_article_total
from dementi.records import Article
from dementi.kafka.options import ClientOptions
from dementi.kafka.producer import publish_articles
from dementi.kafka.topics import ensure_topics
from tests.bot.conftest import make_alert, publish_stories
from tests.botapi.clock import FakeClock as Clock


def invented_articles(k: int, tag: str) -> list[Article]:
    return [Article(url=f"https://gazette.example.net/{tag}/{i}", title=f"Chronique inventée {i}",
                    body=f"Le conseil municipal de Valmorin a voté le budget numéro {i}.", lang="fr")
            for i in range(k)]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_window_since_start_then_last_hour_from_the_sample_closest_to_an_hour_ago():
    clock = Clock()
    rate = ArticleRate(ClientOptions("unused:1"), "t", interval=60, clock=clock)
    assert rate.window() is None
    rate.add(100)  # articles already on the topic when the bot starts are not counted
    clock.now += 600
    rate.add(130)
    w = rate.window()
    assert (w.count, w.full_hour, w.since_start, w.minutes) == (30, False, True, 10)
    assert w.label() == "since start (10 min)"
    start = clock.now - 600
    for minute in range(1, 80):  # one sample a minute, 2 articles a minute
        clock.now = start + 60 * minute
        rate.add(100 + 2 * minute)
    w = rate.window()
    assert w.full_hour and w.label() == "in the last hour"
    assert w.count == 2 * 60  # base = the sample exactly one hour before the latest
    assert len(rate.samples) <= 62, "older samples are dropped, one older than an hour kept"
    clock.now += 40  # no new sample yet: the one closest to (now - 1 h) is a minute younger
    assert rate.window().count == 2 * 59


def test_a_total_that_goes_down_restarts_the_window():
    clock = Clock()
    rate = ArticleRate(ClientOptions("unused:1"), "t", clock=clock)
    rate.add(50)
    clock.now += 120
    rate.add(80)
    clock.now += 120
    rate.add(5)  # broker restarted (memory storage) or topic recreated
    w = rate.window()
    assert w.count == 0 and not w.since_start and w.label() == "in the last 0 min"
    clock.now += 300
    rate.add(12)
    assert rate.window().count == 7 and rate.window().label() == "in the last 5 min"


async def test_sampler_failures_are_unknown_not_fatal_and_it_recovers():
    outcomes = [OSError("connection refused"), 40, TimeoutError("slow"), 46]

    def reader(bootstrap, topic, timeout):
        result = outcomes.pop(0)
        if isinstance(result, Exception):
            raise result
        return result

    clock = Clock()
    rate = ArticleRate(ClientOptions("127.0.0.1:9"), "t", clock=clock, reader=reader)
    assert await rate.sample_now() is None and rate.window() is None and "connection refused" in rate.last_error
    assert await rate.sample_now() == 40 and rate.last_error is None
    clock.now += 60
    assert await rate.sample_now() is None and "slow" in rate.last_error
    assert rate.window().count == 0, "the last good samples still answer"
    assert await rate.sample_now() == 46 and rate.window().count == 6
    assert await ArticleRate(None, "t").sample_now() is None


async def test_dead_broker_gives_an_error_within_the_timeout():
    port = closed_port()
    with pytest.raises(KafkaTimeoutError, match=f"Unable to bootstrap from 127.0.0.1:{port}"):
        await asyncio.to_thread(read_article_total, ClientOptions(f"127.0.0.1:{port}"), "x", 1.0)
    rate = ArticleRate(ClientOptions(f"127.0.0.1:{closed_port()}"), "x", timeout=1.0)
    assert await rate.sample_now() is None and rate.last_error


def test_high_watermark_total_on_the_real_broker(settings, kafka_bootstrap):
    topic = settings.articles_topic
    assert read_article_total(ClientOptions(kafka_bootstrap), topic) == 0, "a missing topic counts 0 and is not auto-created"
    ensure_topics(settings, kafka_bootstrap, ("articles",))
    assert read_article_total(ClientOptions(kafka_bootstrap), topic) == 0
    # one producer batch per partition: Tansu's end_offsets would say ~1 per partition here
    publish_articles(ClientOptions(kafka_bootstrap), topic, invented_articles(23, "a"))
    assert read_article_total(ClientOptions(kafka_bootstrap), topic) == 23
    publish_articles(ClientOptions(kafka_bootstrap), topic, invented_articles(9, "b"))
    assert read_article_total(ClientOptions(kafka_bootstrap), topic) == 32


async def test_status_shows_articles_since_start_and_the_alert_ratio(running_bot):
    bot, server, settings = running_bot, running_bot.server, running_bot.settings
    rate = bot.services.article_rate
    await server.await_condition(lambda: len(rate.samples) >= 1, 15)  # the start-up sample is the base
    assert rate.samples[0].total == 0
    await asyncio.to_thread(ensure_topics, settings, settings.kafka_bootstrap, ("articles",))
    await asyncio.to_thread(publish_articles, ClientOptions(settings.kafka_bootstrap), settings.articles_topic,
                            invented_articles(17, "s"))
    await asyncio.to_thread(publish_stories, settings.kafka_bootstrap, settings,
                            [make_alert(1), make_alert(2)])
    await server.await_condition(lambda: bot.services.store.alerts_since(0) == 2, 30)
    assert await rate.sample_now() == 17
    status = await bot.command(9, "/status")
    assert "Articles published since start (0 min): 17" in status
    assert "Rules loaded: 3 · alerts/articles since start (0 min): 2/17 = 11.8%" in status
    assert settings.telegram_token.get_secret_value() not in status


async def test_status_says_unknown_when_the_articles_broker_is_down(running_bot):
    bot = running_bot
    await bot.server.await_condition(lambda: len(bot.services.article_rate.samples) >= 1, 15)
    bot.services.article_rate.options = ClientOptions(f"127.0.0.1:{closed_port()}")
    bot.services.article_rate.timeout = 1.0
    bot.services.article_rate.samples.clear()
    assert await bot.services.article_rate.sample_now() is None
    status = await bot.command(9, "/status")
    assert "Articles in the last hour: unknown (" in status and "alerts/articles: unknown" in status
    assert "Rules loaded: 3" in status
