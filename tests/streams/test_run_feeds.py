"""`dementi run` with its feeds child: a feeds file with an enabled feed starts `dementi feeds`
(without --feeds), the feed's denial goes broker -> worker -> console notifier, and SIGTERM stops
the whole tree, feeds first, leaving no process behind."""

from __future__ import annotations

import os
import re
import signal

import pytest
import yaml

from tests.feeds.server import FeedServer, Route, rss
from tests.streams.helpers import child_env, descendants, pid_alive, start_dementi, stop_process, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# Invented item.
DENIAL = {"title": "Oslo dément des pourparlers secrets", "link": "https://feeds.example.net/monde/oslo-dement",
          "guid": "m-1", "description": "Le ministère norvégien des Affaires étrangères a démenti lundi toute "
                                        "participation à des pourparlers secrets avec Minsk."}


def _cmdline(pid: int) -> str:
    try:
        return open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def test_run_starts_the_feeds_child_and_its_denial_reaches_the_console(settings, tmp_path):
    feed = FeedServer()
    feed.routes["/monde.xml"] = Route(body=rss([DENIAL], lang="fr", title="Monde"))
    feed.start()
    feeds_file = tmp_path / "feeds.yaml"
    feeds_file.write_text(yaml.safe_dump({"feeds": [
        {"name": "monde", "url": feed.url("/monde.xml"), "lang": "fr", "interval": 60}]}), encoding="utf-8")
    log = tmp_path / "run.log"
    proc = start_dementi(["run", "--stop-grace", "10"], child_env(settings, None, DEMENTI_FEEDS_FILE=str(feeds_file),
                                                                DEMENTI_FEED_INTERNAL_HOSTS="127.0.0.1"),
                         log)
    tree: set[int] = set()
    try:
        wait_for(lambda: re.search(r"started feeds \(pid \d+\)", log.read_text()), 120, "the feeds child", proc, log)
        tree = descendants(proc.pid)
        assert any(" feeds" in _cmdline(pid) for pid in tree), {p: _cmdline(p) for p in tree}
        wait_for(lambda: DENIAL["title"] in log.read_text(), 120, "the feed's denial printed by the console notifier",
                 proc, log)
        assert feed.requests_for("/monde.xml"), "the feeds child fetched the feed"
        tree |= descendants(proc.pid)
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(90) == 0, log.read_text()[-3000:]
        text = log.read_text()
        stopped = [line for line in text.splitlines() if re.search(r"\b(feeds|worker|bot) stopped", line)]
        assert [re.search(r"\b(feeds|worker|bot) stopped", line).group(1) for line in stopped][:1] == ["feeds"], \
            "the source stops first"
        assert not [pid for pid in tree if pid_alive(pid)], "processes left behind"
    finally:
        stop_process(proc, grace=5)
        for pid in tree:  # never leave anything behind, even when an assertion failed
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
        feed.stop()
