"""`dementi bot` as a real process (DEBUG logs, real PTB, Bot API test server, real broker):
/metrics and /healthz scraped over HTTP move with deliveries, 429s, 5xx and 403s; the bot token
never shows in its logs, its /status reply or its metrics; admin-only actions are refused to
non-admins in groups and channels too; uploads over the size cap are refused.
"""

from __future__ import annotations

import signal
import uuid
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from dementi.settings import Settings
from dementi.streams.broker import free_port
from tests.bot.conftest import RULES_YAML, make_alert, publish_stories
from tests.botapi.server import DEFAULT_TOKEN, BotApiServer
from tests.reliability.helpers import health, http_get, scrape, value
from tests.streams.helpers import child_env, start_dementi, stop_process, wait_for

pytestmark = pytest.mark.integration

ADMIN, MEMBER = 7001, 7002
OK_CHATS, STORM, BLOCKED = [701, 702], 703, 704


@pytest.fixture(scope="module")
def bot(kafka_bootstrap, tmp_path_factory):
    work = tmp_path_factory.mktemp("botproc")
    rules = work / "rules"
    rules.mkdir()
    (rules / "test-rules.yaml").write_text(RULES_YAML, encoding="utf-8")
    prefix = f"b{uuid.uuid4().hex[:8]}"
    settings = Settings(topic_prefix=f"{prefix}.", consumer_group_prefix=prefix, data_dir=work / "data")
    port = free_port()
    with BotApiServer() as server:
        env = child_env(settings, kafka_bootstrap, DEMENTI_TELEGRAM_TOKEN=DEFAULT_TOKEN,
                        DEMENTI_TELEGRAM_API_URL=server.url, DEMENTI_RULES_DIR=str(rules),
                        DEMENTI_ADMIN_USER_IDS=str(ADMIN), DEMENTI_REALERT_SECONDS="0", DEMENTI_LOG_LEVEL="DEBUG",
                        DEMENTI_BOT_METRICS_PORT=str(port), DEMENTI_BROKER_SESSION_TIMEOUT="3",
                        DEMENTI_BROKER_HEARTBEAT_INTERVAL="0.5")
        log = work / "bot.log"
        proc = start_dementi(["bot"], env, log)
        try:
            wait_for(lambda: any(m.lower() == "getupdates" for m, _ in server.state.request_log), 60,
                     "bot polling", proc, log)
            yield SimpleNamespace(proc=proc, log=log, server=server, port=port, settings=settings,
                                  bootstrap=kafka_bootstrap, rules=rules)
        finally:
            stop_process(proc, grace=20)


def _command(bot, chat: int, text: str, user_id: int | None = None, chat_type: str | None = None) -> str:
    before = len(bot.server.messages(chat))
    bot.server.send_message(chat, text, user_id=user_id, chat_type=chat_type)
    return bot.server.wait_for_messages(chat, before + 1, timeout=30)[before].text


def _admin_command(bot, group: int, text: str) -> str:
    """An admin command typed in a group; its answer arrives in the admin's private chat (which the
    admin opened with the bot before)."""
    bot.server.add_chat(ADMIN)
    before = len(bot.server.messages(ADMIN))
    bot.server.send_message(group, text, user_id=ADMIN, chat_type="supergroup")
    return bot.server.wait_for_messages(ADMIN, before + 1, timeout=30)[before].text


def test_metrics_count_deliveries_429_5xx_403_outbox_and_latency(bot):
    server = bot.server
    code, body = health(bot.port)
    assert code == 200 and body["status"] == "ok" and body["role"] == "bot"
    for chat in [*OK_CHATS, STORM, BLOCKED]:
        assert "Subscribed" in _command(bot, chat, "/subscribe tag:denial")
    start = {c: len(server.messages(c)) for c in [*OK_CHATS, STORM, BLOCKED]}
    server.fail(STORM, "429", times=1, retry_after=1)
    server.fail(STORM, "5xx", times=1, status=502)
    server.fail(BLOCKED, "403", times=1)
    ingested = datetime.now(timezone.utc) - timedelta(seconds=2)
    alerts = [make_alert(9000 + i, denier=f"Pays{i}", ingested_at=ingested if i % 2 else None) for i in range(4)]
    publish_stories(bot.bootstrap, bot.settings, alerts)
    for chat in [*OK_CHATS, STORM]:
        server.wait_for_messages(chat, start[chat] + len(alerts), timeout=60)

    delivered = 3 * len(alerts)  # two healthy chats + the stormed one; the blocked chat got nothing

    def settled():  # the counters trail the Bot API's receipt by a moment
        m = scrape(bot.port)
        done = (value(m, "dementi_outbox_depth") == 0 and value(m, "dementi_sends_total", result="403") == 1
                and value(m, "dementi_sends_total", result="ok") >= delivered
                and value(m, "dementi_alert_latency_seconds_count", since="detected") >= delivered)
        return m if done else None

    m = wait_for(settled, 30, "outbox drained, sends and the 403 counted", bot.proc, bot.log)
    assert len(server.messages(BLOCKED)) == start[BLOCKED]
    assert value(m, "dementi_sends_total", result="ok") == delivered
    assert value(m, "dementi_sends_total", result="429") == 1
    assert value(m, "dementi_sends_total", result="error") == 1
    assert value(m, "dementi_notifier_alerts_received_total") == len(alerts)
    assert value(m, "dementi_routed_total", status="pending") == 4 * len(alerts)
    assert value(m, "dementi_outbox_rows", status="sent") == delivered
    assert value(m, "dementi_outbox_rows", status="paused") >= 1
    assert value(m, "dementi_alert_latency_seconds_count", since="detected") == delivered
    assert value(m, "dementi_alert_latency_seconds_count", since="ingested") == 3 * 2  # two alerts had ingested_at
    assert value(m, "dementi_alert_latency_seconds_sum", since="ingested") >= 3 * 2 * 2.0
    assert http_get(f"http://127.0.0.1:{bot.port}/nope")[0] == 404


def test_token_never_in_logs_status_or_metrics(bot):
    token, secret = DEFAULT_TOKEN, DEFAULT_TOKEN.split(":", 1)[1]
    status = _command(bot, 705, "/status", user_id=ADMIN)
    assert "dementi status" in status
    raw_status = bot.server.messages(705)[-1].raw
    metrics_text = http_get(f"http://127.0.0.1:{bot.port}/metrics")[1].decode()
    log_text = bot.log.read_text(errors="replace")
    assert "DEBUG" in log_text and "sendMessage" in log_text, "the DEBUG log shows Bot API calls"
    assert "bot<redacted>" in log_text, "PTB logs the token-bearing URL at DEBUG: it must arrive redacted"
    for where, text in (("status", status), ("status html", raw_status), ("metrics", metrics_text), ("log", log_text)):
        assert token not in text and secret not in text, f"token leaked in {where}"


def test_admin_actions_refused_for_non_admins_in_groups_and_channels(bot):
    group = -100700
    for text in ("/rule_disable test-low", "/rule_enable test-low", "/rule_test test-low", "/feed_add https://x.example/rss"):
        reply = _command(bot, group, text, user_id=MEMBER, chat_type="supergroup")
        assert "admins" in reply, (text, reply)
    before = len(bot.server.messages(group))
    bot.server.send_document(group, "sneaky.yaml", b"rules:\n  - id: sneaky\n    title: S\n    phrase: [x]\n",
                             user_id=MEMBER, chat_type="supergroup")
    assert "admins only" in bot.server.wait_for_messages(group, before + 1, timeout=30)[before].text
    assert not (bot.rules / "sneaky.yaml").exists()
    # a channel post has no user at all: never an admin
    assert "admins only" in _command(bot, -100701, "/rule_disable test-low", chat_type="channel")
    # the admin, in the same group, may (the answers go to the admin's private chat)
    in_group = len(bot.server.messages(group))
    assert "disabled" in _admin_command(bot, group, "/rule_disable test-low")
    assert "enabled" in _admin_command(bot, group, "/rule_enable test-low")
    # even the admin cannot upload a rule file over the size cap: refused before download, not installed
    big = b"rules: []\n" + b"# padding\n" * 30_000
    before = len(bot.server.messages(ADMIN))
    bot.server.send_document(group, "big.yaml", big, user_id=ADMIN, chat_type="supergroup")
    assert "larger than" in bot.server.wait_for_messages(ADMIN, before + 1, timeout=30)[before].text
    assert len(bot.server.messages(group)) == in_group
    assert not (bot.rules / "big.yaml").exists()
    assert bot.proc.poll() is None


def test_bot_stops_cleanly_on_sigterm_after_all_that(bot):
    bot.proc.send_signal(signal.SIGTERM)
    assert bot.proc.wait(30) == 0, bot.log.read_text(errors="replace")[-3000:]
