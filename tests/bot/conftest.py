"""Fixtures for bot tests: the Bot API test server, a rules dir of invented rules, settings that
point the real python-telegram-bot at the server and the notifier at the real broker, and a
running bot (PTB polling + consumer + sender) inside the test's event loop.

The server is as strict as Telegram (flood limits, unknown chats, ...). A test that fires many
commands into one chat and is about what they answer, not about pacing, says so with
``@pytest.mark.chat_limit_relaxed("why")``: then neither the server nor the bot keeps the 1 msg/s
per-chat limit (the group and global limits stay)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
from pydantic import SecretStr

from dementi.bot.notify.ratelimit import Limits, Window
from dementi.records import Actor, Alert, Evidence, Span
from dementi.settings import Settings
from dementi.kafka.options import ClientOptions
from dementi.kafka.producer import make_producer, publish_records
from tests.botapi.limits import TELEGRAM
from tests.botapi.server import DEFAULT_TOKEN, BotApiServer

ADMIN = 4242
RULES_YAML = """\
rules:
  - id: test-denial
    title: Démenti officiel
    severity: high
    kind: denial
    cameo: "016"
    tags: [denial, fr]
    phrase: ["dément", "démenti"]
  - id: test-refusal
    title: Refus d'une initiative
    severity: medium
    kind: refusal
    cameo: "125"
    tags: [refusal]
    phrase: ["refuse de participer"]
  - id: test-low
    title: Mise au point
    severity: low
    tags: [clarification]
    phrase: ["mise au point"]
"""


RELAXED_CHAT_LIMIT = Limits(per_chat=Window(1000, 1.0))  # the bot's side of chat_limit_relaxed


def chat_limit_relaxed(request) -> bool:
    return request.node.get_closest_marker("chat_limit_relaxed") is not None


@pytest.fixture
def botapi(request):
    limits = TELEGRAM.relaxed(per_chat=None) if chat_limit_relaxed(request) else TELEGRAM
    with BotApiServer(limits=limits) as server:
        yield server


@pytest.fixture
def rules_dir(tmp_path):
    d = tmp_path / "rules"
    d.mkdir()
    (d / "test-rules.yaml").write_text(RULES_YAML, encoding="utf-8")
    return d


@pytest.fixture
def bot_settings(settings: Settings, kafka_bootstrap, botapi, rules_dir) -> Settings:
    return settings.model_copy(update={
        "kafka_bootstrap": kafka_bootstrap, "telegram_token": SecretStr(DEFAULT_TOKEN), "telegram_api_url": botapi.url,
        "admin_user_ids": [ADMIN], "rules_dir": rules_dir, "realert_seconds": 3600.0,
        # short group timeouts: Tansu holds JoinGroup for session_timeout/2 (stack.md)
        "broker_session_timeout": 3.0, "broker_heartbeat_interval": 0.5})


@dataclass
class RunningBot:
    settings: Settings
    server: BotApiServer
    services: object
    stop: asyncio.Event
    task: asyncio.Task

    async def command(self, chat_id: int, text: str, user_id: int | None = None, chat_type: str | None = None,
                      timeout: float = 10.0) -> str:
        """Send ``text`` as a user and return the bot's (first) reply text."""
        before = len(self.server.messages(chat_id))
        self.server.send_message(chat_id, text, user_id=user_id, chat_type=chat_type)
        reply = await self.server.await_reply(chat_id, before, timeout)
        return reply.text


async def start_bot(settings: Settings, server: BotApiServer, limits=None) -> RunningBot:
    from dementi.bot.app import make_services, run_telegram

    stop = asyncio.Event()
    services = make_services(settings)
    n0 = len(server.state.request_log)
    task = asyncio.create_task(run_telegram(settings, stop, limits=limits, services=services))

    def called(method: str) -> bool:
        return any(m.lower() == method for m, _ in server.state.request_log[n0:])

    await server.await_condition(lambda: called("setmycommands") or task.done(), 20)
    if task.done():
        task.result()
    await server.await_condition(lambda: called("getupdates"), 10)  # polling is running
    return RunningBot(settings=settings, server=server, services=services, stop=stop, task=task)


@pytest.fixture
async def running_bot(request, bot_settings, botapi):
    bot = await start_bot(bot_settings, botapi, limits=RELAXED_CHAT_LIMIT if chat_limit_relaxed(request) else None)
    yield bot
    bot.stop.set()
    await asyncio.wait_for(bot.task, 30)


def make_alert(n: int = 0, rule_id: str = "test-denial", title: str | None = None, denier: str | None = None,
               severity: str = "high", tags=("denial", "fr"), lang: str = "fr", sentence: str | None = None,
               detected_at: datetime | None = None, **extra) -> Alert:
    sentence = sentence or f"Le porte-parole de Bordurie dément catégoriquement la rumeur numéro {n}."
    start = sentence.find("dément")
    spans = [Span(start=start, end=start + 6, text="dément", condition="phrase")] if start >= 0 else []
    fields = dict(rule_id=rule_id, rule_title="Démenti officiel" if rule_id == "test-denial" else rule_id,
                  severity=severity, tags=list(tags), cameo="016", article_id=f"art-{n}-{rule_id}",
                  article_url=f"https://news.example.org/a/{n}", article_title=title or f"Histoire inventée {n}",
                  article_source="Gazette imaginaire", article_lang=lang,
                  evidence=Evidence(sentence=sentence, spans=spans),
                  denier=Actor(name=denier, country=denier[:3].upper()) if denier else None,
                  detected_at=detected_at or datetime.now(timezone.utc))
    fields.update(extra)
    return Alert(**fields)


def publish_alerts(bootstrap: str, topic: str, alerts: list[Alert]) -> None:
    producer = make_producer(ClientOptions(bootstrap))
    try:
        publish_records(producer, topic, alerts, key_attr="alert_id")
    finally:
        producer.close()


def ago(seconds: float) -> datetime:
    return datetime.now(timezone.utc) - timedelta(seconds=seconds)


def stories_of(alerts: list[Alert], book=None) -> list:
    """The StoryUpdates the story stage publishes for these alerts (same code: rules.stories)."""
    from dementi.rules.stories import StoryBook

    book = book if book is not None else StoryBook()
    return [book.add(a).update for a in alerts]


def publish_stories(bootstrap: str, settings: Settings, alerts: list[Alert], book=None) -> list:
    """Publish to the stories topic what the story stage would publish for ``alerts`` (bot tests
    that are not about story identity skip the stage process; tests/bot/test_stories.py runs it)."""
    updates = stories_of(alerts, book)
    producer = make_producer(ClientOptions(bootstrap))
    try:
        publish_records(producer, settings.stories_topic, updates, key_attr="story_id")
    finally:
        producer.close()
    return updates
