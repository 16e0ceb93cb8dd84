"""Smoke runs of every bench script with a tiny N, so the benchmarks do not rot.

Benchmarks are not tests: nothing here checks a speed. Each script must exit 0 and print its
table (the header words below). The scripts mostly wait on brokers, bots and subprocesses, so
they are all started at once and collected per test: the whole module takes about as long as the
slowest script (the chaos run, ~1 min) instead of the sum (~2.5 min).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"

# script -> (tiny arguments, strings its table must contain)
SMOKE = {
    "corpus.py": (["--n", "20", "--out", "{tmp}/corpus.jsonl"], ["synthetic corpus", "hard_negative"]),
    "engine.py": (["--n", "60", "--baseline", "3"], ["prefilter only", "naive"]),
    "feeds.py": (["--feeds", "2", "--entries", "2"], ["feed poller", "304"]),
    "polling.py": (["--feeds", "12", "--minutes", "4", "--warmup", "1", "--tail", "1", "--speed", "60"],
                   ["adaptive vs fixed polling", "requests/hour", "every minute"]),
    "websub.py": (["--pushes", "2", "--spacing", "1.1"], ["WebSub push", "end to end", "p99"]),
    "notify.py": (["--n", "20"], ["burst-1chat", "p99"]),
    "e2e.py": (["--n", "100", "--latency-seconds", "1", "--rate", "50", "--workers", "1"],
               ["raw consume", "end-to-end", "p99", "peak RSS worker"]),
    "worker.py": (["--n", "200", "--rules", "empty", "--backlog"], ["no rules", "µs/article"]),
    "scan.py": (["--corpus", "tests/pack/data/labelled.jsonl", "--limit", "12", "--times", "2", "--baseline", "5"],
                ["dementi scan --jobs 2", "baseline", "identical"]),
    "chaos.py": (["--rounds", "0", "--workers", "1", "--articles", "20"], ["exactly once"]),
}
TIMEOUT = 240.0

pytestmark = [pytest.mark.slow, pytest.mark.integration]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Start every present bench script at once; yield name -> (Popen, log path)."""
    tmp = tmp_path_factory.mktemp("bench-smoke")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEMENTI_")}
    env.update(PYTHONUNBUFFERED="1", COLUMNS="200")
    started = {}
    for script, (args, _) in SMOKE.items():
        if not (BENCH / script).exists():
            continue
        log = tmp / f"{script}.log"
        with open(log, "wb") as out:
            started[script] = (subprocess.Popen(
                [sys.executable, str(BENCH / script), *[a.format(tmp=tmp) for a in args]], cwd=ROOT, env=env,
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True), log)
    yield started
    for proc, _ in started.values():  # a failed/timed-out script must not outlive the tests
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            proc.wait(10)


@pytest.mark.parametrize("script", list(SMOKE))
def test_bench_script_prints_its_table(runs, script):
    if script not in runs:
        pytest.skip(f"bench/{script} is not present")
    proc, log = runs[script]
    try:
        code = proc.wait(TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
        pytest.fail(f"bench/{script} did not finish within {TIMEOUT:.0f}s:\n{log.read_text(errors='replace')[-3000:]}")
    output = log.read_text(errors="replace")
    assert code == 0, f"bench/{script} exited {code}:\n{output[-3000:]}"
    missing = [s for s in SMOKE[script][1] if s not in output]
    assert not missing, f"bench/{script} did not print {missing}:\n{output[-3000:]}"
