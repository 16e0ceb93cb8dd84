"""Security review (issue 12), Low items about what leaves the process: the bot token is redacted
inside /bot<token> URLs, in chained exceptions and on the top-level crash path; the token is not
handed to processes that do not need it (the broker, the worker, the feed poller); article ids
from producers are escaped in logs (no forged log lines); metrics listen on 127.0.0.1 by default."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

from dementi.logs import redact, setup_logging
from dementi.records import Article
from dementi.settings import Settings

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"  # token-shaped, invented
URL = f"https://api.telegram.org/bot{TOKEN}/getUpdates"


def test_token_inside_a_bot_url_is_redacted_without_registration():
    assert TOKEN not in redact(URL) and "/bot<redacted" in redact(URL)
    assert TOKEN not in redact(f"file/bot{TOKEN}/documents/x.yaml")


def _log_chained(json_lines: bool, capsys) -> str:
    setup_logging("INFO", json_lines)
    try:
        try:
            raise ConnectionError(f"GET {URL} failed")
        except ConnectionError as inner:
            raise RuntimeError("polling stopped") from inner
    except RuntimeError:
        logging.getLogger("dementi.test").exception("bot crashed")
    return capsys.readouterr().err


def test_chained_exceptions_are_redacted_in_plain_and_json_logs(capsys):
    for json_lines in (False, True):
        err = _log_chained(json_lines, capsys)
        assert "bot crashed" in err and "polling stopped" in err and "ConnectionError" in err
        assert TOKEN not in err and TOKEN.split(":")[1] not in err
        if json_lines:
            assert json.loads(err.strip().splitlines()[-1])["level"] == "ERROR"


def test_an_uncaught_crash_is_redacted():
    code = ("from dementi.logs import setup_logging\nsetup_logging()\n"
            f"raise RuntimeError('cannot reach {URL}')\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "RuntimeError" in proc.stderr and TOKEN not in proc.stderr and TOKEN.split(":")[1] not in proc.stderr


def test_the_broker_never_sees_the_token(monkeypatch, tmp_path):
    from dementi.streams.broker import EmbeddedBroker

    monkeypatch.setenv("DEMENTI_TELEGRAM_TOKEN", TOKEN)
    with EmbeddedBroker(log_path=tmp_path / "b.log") as broker:
        environ = open(f"/proc/{broker.process.pid}/environ", "rb").read()
    assert TOKEN.encode() not in environ and b"DEMENTI_" not in environ


def test_only_the_bot_child_gets_the_token(settings):
    from dementi.streams.supervisor import child_environment

    env = {"PATH": "/usr/bin", "DEMENTI_TELEGRAM_TOKEN": TOKEN, "DEMENTI_TOPIC_PREFIX": "x."}
    assert child_environment("bot", env)["DEMENTI_TELEGRAM_TOKEN"] == TOKEN
    for name in ("worker", "worker-2", "feeds"):
        child = child_environment(name, env)
        assert "DEMENTI_TELEGRAM_TOKEN" not in child and child["DEMENTI_TOPIC_PREFIX"] == "x."


class _Raising:
    class _Rule:
        id = "r"

    rules = [_Rule()]

    def alerts(self, article, only=None, errors=None):
        errors.append(("r", ValueError("boom")))
        return []


def test_article_ids_are_escaped_in_logs(caplog):
    from dementi.streams.ruleguard import RuleGuard

    forged = "a1\n12:00:00 ERROR    dementi.bot: token leaked\x1b[2J"
    with caplog.at_level(logging.ERROR):
        RuleGuard().evaluate_many(_Raising(), [Article(id=forged, body="x"), Article(id="b", body="y")])
    messages = [r.getMessage() for r in caplog.records]
    assert messages and all("\n" not in m and "\x1b" not in m for m in messages), messages
    assert any("a1\\n12:00:00" in m for m in messages)


def test_metrics_listen_on_loopback_by_default(monkeypatch):
    monkeypatch.delenv("DEMENTI_METRICS_HOST", raising=False)
    assert Settings().metrics_host == "127.0.0.1"
