"""Helpers for the streams integration tests: worker subprocesses, reading topics, process checks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from dementi.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def child_env(settings: Settings, bootstrap: str | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEMENTI_")}
    env.update(DEMENTI_TOPIC_PREFIX=settings.topic_prefix,
               DEMENTI_CONSUMER_GROUP_PREFIX=settings.consumer_group_prefix,
               DEMENTI_DATA_DIR=str(settings.data_dir), PYTHONUNBUFFERED="1")
    if bootstrap:
        env["DEMENTI_KAFKA_BOOTSTRAP"] = bootstrap
    env.update(extra)
    return env


def start_dementi(args: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen:
    """`dementi <args>` in its own process group, output to a log file (no pipe to fill up)."""
    out = open(log_path, "wb")
    try:
        return subprocess.Popen([sys.executable, "-m", "dementi.cli", *args], env=env, cwd=ROOT,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    finally:
        out.close()


def stop_process(proc: subprocess.Popen, grace: float = 20.0) -> int:
    """SIGTERM, wait ``grace`` seconds, then SIGKILL the whole group (faust can hang on stop)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(grace)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    return proc.wait(10)


def wait_for(predicate, timeout: float, what: str, proc: subprocess.Popen | None = None,
             log_path: Path | None = None, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(interval)
    log = log_path.read_text(errors="replace")[-4000:] if log_path and log_path.exists() else ""
    raise AssertionError(f"timed out waiting for {what} (process exit={proc.poll() if proc else None})\n{log}")


class TopicReader:
    """Reads a topic from the beginning by manual assignment (no group, no end offsets)."""

    def __init__(self, bootstrap: str, topic: str, partitions: int):
        self.consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                      auto_offset_reset="earliest", max_partition_fetch_bytes=16 * 1024 * 1024)
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        self.consumer.assign(tps)
        self.consumer.seek_to_beginning(*tps)
        self.records = []

    def poll(self) -> list:
        for batch in self.consumer.poll(timeout_ms=200).values():
            self.records.extend(batch)
        return self.records

    def values(self) -> list[dict]:
        return [json.loads(r.value) for r in self.poll()]

    def caught_up(self) -> bool:
        """Every partition read up to its high watermark as of the latest fetch (the fetch response
        is right on Tansu where end_offsets is not): the records already in the topic are all read,
        so "nothing more than expected" can be checked without waiting for a while."""
        self.poll()
        for tp in self.consumer.assignment():
            high = self.consumer.highwater(tp)
            if high is None or self.consumer.position(tp) < high:
                return False
        return True

    def close(self) -> None:
        self.consumer.close()


class GroupProgress:
    """Has a consumer group committed every record of a topic? (committed offset >= high
    watermark on every partition). Once it has, nothing in the topic is left for that group to
    process - a positive way to know a pipeline stage is idle, instead of waiting a while."""

    def __init__(self, bootstrap: str, topic: str, partitions: int, group: str):
        self.reader = TopicReader(bootstrap, topic, partitions)
        self.offsets = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)

    def done(self) -> bool:
        if not self.reader.caught_up():
            return False
        consumer = self.reader.consumer
        return all((self.offsets.committed(tp) or 0) >= consumer.highwater(tp) for tp in consumer.assignment())

    def close(self) -> None:
        self.reader.close()
        self.offsets.close(autocommit=False)


def producer(bootstrap: str) -> KafkaProducer:
    return KafkaProducer(bootstrap_servers=bootstrap, acks="all", max_request_size=16 * 1024 * 1024)


def pid_alive(pid: int) -> bool:
    """True if the PID exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def descendants(pid: int) -> set[int]:
    """All live descendants of ``pid`` (from /proc), whatever their process group."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found
