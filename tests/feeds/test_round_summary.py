"""Issue 12, section 4: `dementi run` on a machine without internet printed one warning per
configured feed (22 lines) before anything useful. Unreachable feeds are summarised in ONE line per
polling round; the per-feed details stay in `dementi feeds --once` and /feeds."""

from __future__ import annotations

import asyncio
import logging
import time

import yaml

from dementi.streams.feeds.runner import run_forever
from tests.feeds.server import Route, rss

FAILING = ["alpha", "bravo", "charlie", "delta"]


async def test_unreachable_feeds_are_summarised_in_one_line_per_round(feed_server, feed_settings, kafka_bootstrap,
                                                                      tmp_path, caplog):
    feed_server.routes["/ok.xml"] = Route(rss([{"title": "Calm day in Lowtown", "link": "https://news.example/calm",
                                               "guid": "https://news.example/calm"}]))
    feeds = [{"name": name, "url": f"http://10.255.0.{i + 1}/rss.xml"}  # refused at once: no network needed
             for i, name in enumerate(FAILING)]
    feeds.append({"name": "working", "url": feed_server.url("/ok.xml")})
    feeds_file = tmp_path / "feeds.yaml"
    feeds_file.write_text(yaml.safe_dump({"feeds": feeds}), encoding="utf-8")
    stop = asyncio.Event()

    def summaries():
        return [r for r in caplog.records if r.levelno >= logging.WARNING and "unreachable" in r.getMessage()]

    with caplog.at_level(logging.DEBUG, logger="dementi.streams.feeds"):
        task = asyncio.create_task(run_forever(feed_settings, kafka_bootstrap, stop, feeds_file=feeds_file))
        deadline = time.monotonic() + 60
        while not summaries() and not task.done() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(task, 30)
    lines = summaries()
    assert len(lines) == 1, [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    message = lines[0].getMessage()
    assert "4 of 5" in message and all(name in message for name in FAILING) and "working" not in message
    assert "dementi feeds --once" in message and "/feeds" in message
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == lines  # no per-feed warning lines
    details = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG and "alpha" in r.getMessage()]
    assert any("failed" in d for d in details)  # the details are still there, at DEBUG
