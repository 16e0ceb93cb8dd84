"""`dementi run` when things go wrong: a child dies, the supervisor itself is SIGKILLed, no broker.

Whatever happens, no process may be left behind: every descendant seen while running (Tansu,
worker) must be gone afterwards.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from dementi.streams.broker import free_port
from tests.streams.helpers import child_env, descendants, pid_alive, start_dementi, stop_process, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")
    except FileNotFoundError:
        return ""


def _start_run(settings, tmp_path, workers: int = 1):
    log = tmp_path / "run.log"
    rules = tmp_path / "no-rules"  # detection is not under test here: skip loading language models
    rules.mkdir()
    env = child_env(settings, None, DEMENTI_RULES_DIR=str(rules))
    proc = start_dementi(["run", "--no-bot", "--no-feeds", "--stop-grace", "5", "--workers", str(workers)],
                         env, log)
    wait_for(lambda: log.read_text().count("detect worker ready") >= workers, 90, "the workers to be ready",
             proc, log)
    tree = descendants(proc.pid)
    worker = [pid for pid in tree if " worker " in _cmdline(pid)]
    assert len(worker) == workers and any("tansu" in _cmdline(pid) for pid in tree), {p: _cmdline(p) for p in tree}
    return proc, log, tree, worker[0]


def _all_gone(pids, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(pid_alive(p) for p in pids):
            return True
        time.sleep(0.2)
    return False


def _kill_leftovers(pids):
    for pid in pids:
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)


def test_child_death_stops_everything_with_exit_1(settings, tmp_path):
    proc, log, tree = None, None, set()
    try:
        proc, log, tree, worker = _start_run(settings, tmp_path)
        os.kill(worker, signal.SIGKILL)
        assert proc.wait(60) == 1
        text = log.read_text()
        assert "worker exited unexpectedly" in text and "embedded broker stopped" in text
        assert _all_gone(tree, 5), [p for p in tree if pid_alive(p)]
    finally:
        if proc is not None:
            stop_process(proc, grace=5)
        _kill_leftovers(tree)


def test_sigkill_of_the_supervisor_leaves_no_orphan(settings, tmp_path):
    proc, tree = None, set()
    try:
        proc, log, tree, _ = _start_run(settings, tmp_path, workers=2)
        os.kill(proc.pid, signal.SIGKILL)  # no chance to clean up: PR_SET_PDEATHSIG must do it
        proc.wait(10)
        assert _all_gone(tree, 40), {p: _cmdline(p) for p in tree if pid_alive(p)}
    finally:
        if proc is not None:
            stop_process(proc, grace=1)
        _kill_leftovers(tree)


def test_unreachable_external_broker_gives_clear_error(settings, tmp_path):
    log = tmp_path / "run.log"
    bootstrap = f"127.0.0.1:{free_port()}"
    proc = start_dementi(["run", "--no-bot", "--no-feeds", "--connect-timeout", "2"],
                         child_env(settings, bootstrap), log)
    try:
        assert proc.wait(60) == 2
    finally:
        stop_process(proc, grace=1)
    text = log.read_text()
    assert "unreachable" in text and bootstrap in text and "retrying" in text


def test_embedded_broker_with_tls_settings_is_refused_with_exit_5(settings, tmp_path):
    """The embedded broker speaks PLAINTEXT only: TLS/SASL settings without a cluster address stop
    `dementi run` before anything starts (the dependency check it began is not left behind)."""
    log = tmp_path / "run.log"
    env = child_env(settings, None, DEMENTI_KAFKA_SECURITY_PROTOCOL="SSL")
    proc = start_dementi(["run", "--no-bot", "--no-feeds"], env, log)
    try:
        assert proc.wait(60) == 5
    finally:
        stop_process(proc, grace=1)
    assert "PLAINTEXT only" in log.read_text()
