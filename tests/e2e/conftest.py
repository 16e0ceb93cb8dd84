"""The running stack for end-to-end tests: topics on the session broker, the Bot API test server,
`dementi worker`, `dementi stories` and `dementi bot` as real subprocesses (restartable), and a subscribed chat."""

from __future__ import annotations

import pytest

from dementi.records import Article
from dementi.kafka.topics import ensure_topics
from tests.botapi.server import DEFAULT_TOKEN, BotApiServer
from tests.streams.helpers import child_env, producer, start_dementi, stop_process

CHAT = 5501


@pytest.fixture
def stack(tmp_path, settings, kafka_bootstrap):
    """Broker topics + Bot API test server + worker, story stage and bot processes (restartable)."""
    ensure_topics(settings, kafka_bootstrap)
    server = BotApiServer().start()
    env = child_env(settings, kafka_bootstrap, DEMENTI_TELEGRAM_TOKEN=DEFAULT_TOKEN,
                    DEMENTI_TELEGRAM_API_URL=server.url, DEMENTI_BROKER_SESSION_TIMEOUT="3",
                    DEMENTI_BROKER_HEARTBEAT_INTERVAL="0.5")
    procs: dict[str, object] = {}

    def start(name: str, args: list[str]):
        procs[name] = start_dementi(args, env, tmp_path / f"{name}.log")
        return procs[name]

    try:
        start("worker", ["worker"])
        start("stories", ["stories"])
        start("bot", ["bot"])
        yield server, start, procs, settings, kafka_bootstrap, tmp_path
    finally:
        for proc in procs.values():
            stop_process(proc)
        server.stop()


def subscribe(server: BotApiServer, bot_log, chat: int = CHAT) -> None:
    """A user sends `/subscribe all` and the bot confirms (waits for the reply)."""
    before = len(server.messages(chat))
    server.send_command(chat, "subscribe", "all", user_id=chat)
    try:
        server.wait_for_messages(chat, before + 1, timeout=60)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\nbot log:\n{bot_log.read_text(errors='replace')[-3000:]}") from None


def publish_in_order(bootstrap: str, topic: str, articles: list[Article], partition: int = 0) -> None:
    """All to one partition, so once the last article's alert exists, the earlier ones were processed."""
    prod = producer(bootstrap)
    try:
        for art in articles:
            prod.send(topic, key=art.id.encode(), value=art.to_bytes(), partition=partition).get(timeout=30)
    finally:
        prod.close()


def messages_with(server: BotApiServer, needle: str, chat: int = CHAT) -> list:
    """Messages whose text, or a link in them (story messages link each source by its outlet's
    name), contains ``needle``."""
    return [m for m in server.messages(chat) if needle in m.text or needle in m.raw]
