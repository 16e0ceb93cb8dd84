"""Readiness implies health: the moment the detect worker holds its partitions (and writes its
ready marker), /healthz answers 200, however long the start-up took.

Why: ``/healthz`` is 503 once the last loop tick is older than ``metrics.STALE_AFTER``; a start-up
longer than that (spaCy, a slow group join on a loaded machine) left a READY worker unhealthy until
its first heartbeat tick (tests/reliability/test_bad_input.py saw it). No broker is needed: what
faust's rebalance-complete signal calls (``became_ready`` with the assigned partitions) is called here.
"""

from __future__ import annotations

import time

from dementi import metrics
from dementi.settings import Settings
from dementi.streams.app import DetectApp


def test_ready_after_a_long_start_is_healthy_before_the_first_heartbeat(tmp_path, monkeypatch):
    readied: list[bool] = []
    detect = DetectApp(Settings(data_dir=tmp_path / "data"), "127.0.0.1:1",
                       on_ready=lambda: readied.append(metrics.health()[0]))
    # a start-up longer than STALE_AFTER: the last tick is older than that
    monkeypatch.setattr(metrics, "_last_beat", time.monotonic() - metrics.STALE_AFTER - 5)
    assert metrics.health()[0] is False

    detect.became_ready([0, 2])

    assert readied == [True], "the ready marker was written while /healthz still said 503"
    ok, body = metrics.health()
    assert ok and body["status"] == "ok"
    assert body["partitions"] == [0, 2]
