"""`dementi bot` as a real process: missing broker address, console notifier + SIGTERM, and the
exactly-once guarantee across a SIGKILL in the middle of delivery (real broker, real PTB client,
Bot API test server)."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from dementi.records import story_id_for
from tests.bot.conftest import make_alert, publish_stories
from tests.botapi.server import DEFAULT_TOKEN, BotApiServer
from tests.streams.helpers import wait_for

ROOT = Path(__file__).resolve().parents[2]
ID_RE = re.compile(r"story ([0-9a-f]{20})")
DENIERS = ["Bordurie", "Syldavie", "Ruritanie", "Freedonie", "Latverie", "Genovie", "Elbonie", "Zubrowka",
           "Wakanda", "Sokovie"]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEMENTI_")}
    env.update({k: str(v) for k, v in extra.items()})
    env["PYTHONUNBUFFERED"] = "1"
    return env


def bot_env(settings, rules_dir, **extra) -> dict[str, str]:
    return clean_env(DEMENTI_KAFKA_BOOTSTRAP=settings.kafka_bootstrap, DEMENTI_TOPIC_PREFIX=settings.topic_prefix,
                     DEMENTI_CONSUMER_GROUP_PREFIX=settings.consumer_group_prefix,
                     DEMENTI_DATA_DIR=str(settings.data_dir), DEMENTI_RULES_DIR=str(rules_dir),
                     DEMENTI_BROKER_SESSION_TIMEOUT="3", DEMENTI_BROKER_HEARTBEAT_INTERVAL="0.5", **extra)


class BotProcess:
    def __init__(self, env: dict[str, str], log_dir: Path, name: str):
        self.out = (log_dir / f"{name}.out").open("wb")
        self.err_path = log_dir / f"{name}.err"
        self.err = self.err_path.open("wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "dementi.cli", "bot"], cwd=ROOT, env=env,
                                     stdout=self.out, stderr=self.err)

    def stop(self, sig=signal.SIGTERM, grace: float = 15.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.out.close()
        self.err.close()
        return self.proc.returncode

    def stderr(self) -> str:
        if not self.err.closed:
            self.err.flush()
        return self.err_path.read_text(errors="replace")


def test_bot_without_bootstrap_explains_what_to_do():
    res = subprocess.run([sys.executable, "-m", "dementi.cli", "bot"], cwd=ROOT, env=clean_env(),
                         capture_output=True, text=True, timeout=60)
    assert res.returncode != 0
    assert "DEMENTI_KAFKA_BOOTSTRAP" in res.stderr and "dementi run" in res.stderr


def test_console_notifier_prints_alerts_and_stops_on_sigterm(settings, kafka_bootstrap, rules_dir, tmp_path):
    settings = settings.model_copy(update={"kafka_bootstrap": kafka_bootstrap})
    bot = BotProcess(bot_env(settings, rules_dir), tmp_path, "console")
    try:
        alert = make_alert(1, title="Titre [bold]pas du markup[/bold] <script>", denier="Bordurie")
        publish_stories(kafka_bootstrap, settings, [alert])
        out_path = tmp_path / "console.out"
        wait_for(lambda: alert.alert_id in out_path.read_text(errors="replace"), 40, "the alert on the console",
                 bot.proc, bot.err_path)
        out = out_path.read_text(errors="replace")
        assert "Titre [bold]pas du markup[/bold] <script>" in out
        assert "Démenti officiel" in out and "Bordurie" in out and alert.article_url in out and "dément" in out
    finally:
        code = bot.stop(signal.SIGTERM)
    assert code == 0, bot.stderr()


def outbox_rows(data_dir: Path, chats: list[int]) -> list[tuple]:
    """(chat_id, alert_id, status, parts_sent) of the bot's outbox, read from its SQLite file (WAL:
    readable while the bot runs, and exactly what was committed when it was killed)."""
    conn = sqlite3.connect(f"file:{data_dir / 'bot.sqlite3'}?mode=ro", uri=True, timeout=30)
    try:
        marks = ",".join("?" * len(chats))
        return conn.execute(f"SELECT chat_id, alert_id, status, parts_sent FROM outbox WHERE chat_id IN ({marks}) "
                            "ORDER BY id", chats).fetchall()
    finally:
        conn.close()


@pytest.mark.slow
def test_sigkill_mid_delivery_then_restart_delivers_exactly_once(settings, kafka_bootstrap, rules_dir, tmp_path):
    settings = settings.model_copy(update={"kafka_bootstrap": kafka_bootstrap})
    chats, n = [301, 302, -1000000000303], 10
    with BotApiServer() as server:
        env = bot_env(settings, rules_dir, DEMENTI_TELEGRAM_TOKEN=DEFAULT_TOKEN, DEMENTI_TELEGRAM_API_URL=server.url)
        first = BotProcess(env, tmp_path, "bot1")
        second = None
        try:
            for chat in chats:
                if chat < 0:  # in a group, only its admins subscribe it
                    server.set_chat_admin(chat, abs(chat))
                server.send_command(chat, "subscribe", "tag:denial", chat_type="supergroup" if chat < 0 else None)
            for chat in chats:
                replies = server.wait_for_messages(chat, 1, timeout=40)
                assert "Subscribed" in replies[0].text
            alerts = [make_alert(i, title=f"Dépêche {i}", denier=DENIERS[i]) for i in range(n)]
            publish_stories(kafka_bootstrap, settings, alerts)
            # Mid-delivery: in the paced phase (1 msg/s per chat), most alerts still queued.
            server.wait_for_messages(chats[0], 1 + 4, timeout=40)
            first.stop(signal.SIGKILL)
            server.wait_condition(lambda: server.active_requests == 0, 10)
            delivered_before = {c: len(server.messages(c)) - 1 for c in chats}
            assert any(d < n for d in delivered_before.values()), "killed before delivery finished"
            at_kill = outbox_rows(settings.data_dir, chats)
            second = BotProcess(env, tmp_path, "bot2")
            for chat in chats:
                server.wait_for_messages(chat, 1 + n, timeout=60)
            # Settled: every row of these chats is sent; nothing is left that could go out again.
            wait_for(lambda: all(status == "sent" for *_, status, _ in outbox_rows(settings.data_dir, chats)), 30,
                     "the restarted bot's outbox drained", second.proc, second.err_path)
        finally:
            first.stop(signal.SIGKILL)
            if second is not None:
                assert second.stop(signal.SIGTERM) == 0, second.stderr()
        expected = sorted(story_id_for(a.alert_id) for a in alerts)  # one story each: one message each
        # The one window that cannot be closed (bot/notify/sender.py): Telegram accepted a message and
        # the process died before committing it. Only the chat's head row at the kill can be in it.
        in_window = {chat: next((aid.removeprefix("story:") for c, aid, status, _ in at_kill
                                 if c == chat and status == "pending"), None) for chat in chats}
        for chat in chats:
            got = Counter(m.group(1) for s in server.messages(chat) for m in [ID_RE.search(s.text)] if m)
            assert sorted(got) == expected, f"chat {chat}: every alert delivered"
            repeated = [aid for aid, k in got.items() if k > 1]
            assert repeated in ([], [in_window[chat]]), \
                f"chat {chat}: {repeated} delivered twice; only {in_window[chat]} could be (killed after Telegram " \
                "accepted it, before the commit), once"
        assert server.token not in second.stderr() and server.token not in first.stderr()


def test_unreachable_broker_is_reported_and_retried_until_sigterm(settings, rules_dir, tmp_path):
    from dementi.streams.broker import free_port

    dead = settings.model_copy(update={"kafka_bootstrap": f"127.0.0.1:{free_port()}"})
    bot = BotProcess(bot_env(dead, rules_dir), tmp_path, "nobroker")
    try:
        wait_for(lambda: bot.stderr().count("unreachable") >= 2, 40, "two 'unreachable' lines", bot.proc,
                 bot.err_path)
        err = bot.stderr()
        assert err.count("unreachable") >= 2 and "retrying in" in err, err[-2000:]
    finally:
        code = bot.stop(signal.SIGTERM, grace=30)
    assert code == 0, bot.stderr()[-2000:]
