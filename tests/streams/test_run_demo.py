"""`dementi run --demo` is finite (the README's first line, run verbatim by CI): it publishes the demo
articles, waits until the console printed their alerts, stops every process and exits 0; it exits
1 naming the missing articles when they do not come, and before starting anything when a declared
dependency does not import. Whatever happens, no process it started is left behind.

Leftovers are found by a marker in the environment of everything `dementi run` starts (the broker
included), so a process is caught even if it was never seen while running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid

import pytest

from dementi.rules.engine import Engine
from dementi.streams.demo import DemoPlan, Shown
from tests.streams.helpers import ROOT, child_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _marked(marker: str) -> list[int]:
    """PIDs of live processes whose environment carries ``marker``."""
    found = []
    needle = marker.encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as fh:
                if needle not in fh.read():
                    continue
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                if fh.read().rsplit(")", 1)[1].split()[0] == "Z":
                    continue
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        found.append(int(entry))
    return found


def _run(args: list[str], env: dict[str, str], timeout: float) -> tuple[int, str, list[int]]:
    """Run `dementi <args>` to its end; (exit code, output, leftover PIDs)."""
    marker = f"DEMO_TEST_MARKER={uuid.uuid4().hex}"
    name, value = marker.split("=")
    proc = subprocess.Popen([sys.executable, "-m", "dementi.cli", *args], env=dict(env, **{name: value}), cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        pytest.fail(f"`dementi {' '.join(args)}` did not end by itself within {timeout}s:\n"
                    f"{out.decode(errors='replace')[-4000:]}")
    finally:
        leftovers = _marked(marker)
        for pid in leftovers:  # never leave anything behind, even when the test fails
            os.kill(pid, signal.SIGKILL)
    return proc.returncode, out.decode(errors="replace"), leftovers


def test_demo_expectations_match_the_rules(settings):
    plan = DemoPlan.load()
    engine = Engine.from_dir(settings.rules_dir, settings.gazetteers_dir)
    alerting = {a.id for a in plan.articles if engine.alerts(a)}
    assert alerting == set(plan.expected), "config/demo/expected.yaml must list exactly the demo articles that alert"
    assert plan.expected and plan.quiet, "the demo shows denials AND look-alikes that must not alert"


def test_shown_file_counts_only_finished_lines(tmp_path):
    path = tmp_path / "shown.tsv"
    assert Shown.read(path) == Shown()
    path.write_text("a1\tart-1\na2\tart-1\na3\tart-2")  # the last line is still being written
    assert Shown.read(path) == Shown(alerts=2, articles=frozenset({"art-1"}))


def test_run_demo_ends_by_itself_with_the_alerts_printed_and_no_process_left(settings):
    plan = DemoPlan.load()
    code, out, leftovers = _run(["run", "--demo", "--stop-grace", "10"], child_env(settings, None), timeout=300)
    assert code == 0, out[-4000:]
    assert "demo finished" in out and "embedded broker stopped" in out
    for article in plan.expected.values():  # printed by the console notifier (bot/console.py)
        assert article.url in out, f"no alert printed for {article.url}"
    for article in plan.quiet:
        assert article.url not in out
    assert leftovers == []


def test_run_demo_fails_with_the_missing_articles_named(settings, tmp_path):
    rules = tmp_path / "no-rules"  # a worker that detects nothing: the demo's alerts never come
    rules.mkdir()
    env = child_env(settings, None, DEMENTI_RULES_DIR=str(rules))
    code, out, leftovers = _run(["run", "--demo", "--demo-timeout", "3", "--stop-grace", "5"], env, timeout=240)
    assert code == 1, out[-4000:]
    assert "demo FAILED" in out
    for article in DemoPlan.load().expected.values():
        assert article.url in out.split("demo FAILED", 1)[1]
    assert leftovers == []


def test_run_refuses_to_start_with_a_broken_install(settings, tmp_path):
    shadow = tmp_path / "shadow" / "lxml_html_clean"  # import trafilatura fails as on the fresh machine
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text('raise ImportError("lxml_html_clean blocked by the test")\n')
    env = child_env(settings, None, PYTHONPATH=str(shadow.parent))
    code, out, leftovers = _run(["run", "--demo", "--feeds", "--stop-grace", "5"], env, timeout=180)
    assert code == 1, out[-4000:]
    assert "cannot import 'trafilatura'" in out and "pip install 'lxml_html_clean==0.4.6'" in out
    assert "started worker" not in out  # nothing ran on a broken install
    assert leftovers == []
