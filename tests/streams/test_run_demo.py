"""`dementi run --demo` on a fresh embedded broker: alerts for the demo denials, clean SIGTERM, no leftovers."""

from __future__ import annotations

import os
import re
import signal

import pytest

from dementi.records import Article
from dementi.rules.engine import Engine
from dementi.streams.supervisor import DEMO_FILE
from tests.streams.helpers import TopicReader, child_env, descendants, pid_alive, start_dementi, stop_process, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_run_demo_alerts_then_sigterm_leaves_no_process(settings, tmp_path):
    demo = [Article.model_validate_json(line) for line in DEMO_FILE.read_text(encoding="utf-8").splitlines() if line]
    engine = Engine.from_dir(settings.rules_dir, settings.gazetteers_dir)
    expected = {(a.url, alert.rule_id) for a in demo for alert in engine.alerts(a)}
    seed_url = demo[0].url
    assert any(url == seed_url for url, _ in expected), "the seed scenario must alert"
    assert len({url for url, _ in expected}) < len(demo), "the demo must contain non-denials"

    log = tmp_path / "run.log"
    proc = start_dementi(["run", "--demo", "--no-feeds", "--stop-grace", "10"], child_env(settings, None), log)
    tree: set[int] = set()
    reader = None
    try:
        match = wait_for(lambda: re.search(r"embedded Kafka broker at (\S+)", log.read_text()), 60,
                         "embedded broker address", proc, log)
        bootstrap = match.group(1)
        wait_for(lambda: "demo articles" in log.read_text(), 120, "demo articles published", proc, log)
        tree = descendants(proc.pid)
        names = {open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace")
                 for pid in tree if pid_alive(pid)}
        assert any("tansu" in n for n in names) and any(" worker " in n for n in names), names

        reader = TopicReader(bootstrap, settings.alerts_topic, settings.topic_partitions)

        def got():
            pairs = {(a["article_url"], a["rule_id"]) for a in reader.values()}
            return pairs if pairs >= expected else None

        pairs = wait_for(got, 60, "the demo alerts", proc, log)
        assert pairs == expected  # non-denials produced nothing beyond what the rules expect
        wait_for(lambda: demo[0].title in log.read_text() or seed_url in log.read_text(), 30,
                 "the seed alert on the console", proc, log)  # printed by the console notifier

        tree |= descendants(proc.pid)
        os.kill(proc.pid, signal.SIGTERM)
        code = proc.wait(90)
        assert code == 0, log.read_text()[-3000:]
        leftovers = sorted(pid for pid in tree if pid_alive(pid))
        assert leftovers == [], f"processes left behind: {leftovers}"
        assert "embedded broker stopped" in log.read_text()
    finally:
        if reader is not None:
            reader.close()
        stop_process(proc, grace=5)
        for pid in tree:  # never leave anything behind, even when an assertion failed
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
