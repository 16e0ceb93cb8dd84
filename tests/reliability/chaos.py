"""Chaos harness shared by the suite (short runs) and ``bench/chaos.py`` (long runs with a table).

A ``Stack`` runs the real processes against an already running broker: N ``dementi worker`` and one
``dementi bot`` (token + Bot API test server), each with its own /metrics port. ``run_chaos``
streams invented articles in segments and, after each segment, SIGKILLs a worker and the notifier
at random points (random order, random delays), restarts them, and at the end checks that every
expected alert reached every subscribed chat EXACTLY once. "Expected" is computed offline by the
same engine over the same articles (a snapshot of the rules, so an edit of config/rules during the
run changes nothing), then filtered per chat like the bot's subscriptions and grouped like its
routing: when several rules fire on one article, a chat gets ONE message per article x denier
(``bot.notify.stages.SameArticle``), carrying any one of those alerts.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from dementi.bot.notify.consumer import notifier_group
from dementi.bot.notify.stages import denier_key
from dementi.records import Article
from dementi.settings import Settings
from dementi.streams.app import app_id
from dementi.streams.broker import free_port
from dementi.kafka.options import ClientOptions
from dementi.kafka.producer import make_producer
from dementi.kafka.topics import ensure_topics
from tests.botapi.server import DEFAULT_TOKEN, BotApiServer
from tests.reliability.helpers import health, scrape, value
from tests.streams.helpers import GroupProgress, child_env, pid_alive, start_dementi, stop_process, wait_for

ALERT_ID_RE = re.compile(r"\bid ([0-9a-f]{20})\b")
# chat id -> (subscription, predicate over (rule_id, article_lang)) : the offline twin of the bot's filter
CHATS = {
    811: ("all", lambda rule, lang: True),
    812: ("lang:fr", lambda rule, lang: lang == "fr"),
}


Event = tuple[str, str]  # (article_id, denier key): what a chat gets one message for


def expected_deliveries(engine, articles: list[Article]) -> dict[int, dict[Event, set[str]]]:
    """chat -> event -> the alert ids any of which may carry that event's single message."""
    alerts = [a for art in articles for a in engine.alerts(art)]
    out: dict[int, dict[Event, set[str]]] = {}
    for chat, (_, keep) in CHATS.items():
        events: dict[Event, set[str]] = {}
        for a in alerts:
            if keep(a.rule_id, a.article_lang):
                events.setdefault((a.article_id, denier_key(a)), set()).add(a.alert_id)
        out[chat] = events
    return out


def covered(events: dict[Event, set[str]], got: Counter) -> bool:
    return all(ids & set(got) for ids in events.values())


@dataclass
class Proc:
    name: str
    args: list[str]
    env: dict[str, str]
    log: Path
    port: int
    ready: Path | None = None
    popen: subprocess.Popen | None = None
    starts: int = 0

    def start(self) -> None:
        if self.ready is not None:
            self.ready.unlink(missing_ok=True)  # a SIGKILLed worker leaves its marker behind
        self.starts += 1
        self.popen = start_dementi(self.args, self.env, self.log.with_suffix(f".{self.starts}.log"))

    @property
    def current_log(self) -> Path:
        return self.log.with_suffix(f".{self.starts}.log")

    def kill(self) -> None:
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait(10)

    def stop(self) -> int | None:
        return stop_process(self.popen, grace=20) if self.popen is not None else None


class Stack:
    def __init__(self, bootstrap: str, work: Path, workers: int = 1, partitions: int = 4):
        self.bootstrap, self.work = bootstrap, work
        prefix = f"c{uuid.uuid4().hex[:8]}"
        self.settings = Settings(topic_prefix=f"{prefix}.", consumer_group_prefix=prefix, data_dir=work / "data",
                                 topic_partitions=partitions, kafka_bootstrap=bootstrap)
        ensure_topics(self.settings, bootstrap)
        self.rules_dir, self.gazetteers_dir = work / "rules", work / "gazetteers"
        shutil.copytree(self.settings.rules_dir, self.rules_dir)
        shutil.copytree(self.settings.gazetteers_dir, self.gazetteers_dir)
        self.server = BotApiServer().start()
        common = dict(DEMENTI_BROKER_SESSION_TIMEOUT="3", DEMENTI_BROKER_HEARTBEAT_INTERVAL="0.5",
                      DEMENTI_TOPIC_PARTITIONS=str(partitions), DEMENTI_REALERT_SECONDS="0",
                      DEMENTI_RULES_DIR=str(self.rules_dir), DEMENTI_GAZETTEERS_DIR=str(self.gazetteers_dir))
        self.workers = []
        for i in range(workers):
            port = free_port()
            env = child_env(self.settings, bootstrap, DEMENTI_WORKER_METRICS_PORT=str(port),
                            DEMENTI_DATA_DIR=str(work / f"worker{i}"), **common)
            ready = work / f"worker{i}.ready"
            self.workers.append(Proc(f"worker{i}", ["worker", "--ready-file", str(ready), "--stop-grace", "10"], env,
                                     work / f"worker{i}", port, ready))
        port = free_port()
        env = child_env(self.settings, bootstrap, DEMENTI_TELEGRAM_TOKEN=DEFAULT_TOKEN,
                        DEMENTI_TELEGRAM_API_URL=self.server.url, DEMENTI_BOT_METRICS_PORT=str(port), **common)
        self.bot = Proc("bot", ["bot"], env, work / "bot", port)
        self.producer = make_producer(ClientOptions(bootstrap))

    # --- lifecycle -------------------------------------------------------------------------------
    def start_bot(self, timeout: float = 60) -> None:
        n0 = len(self.server.state.request_log)
        self.bot.start()
        wait_for(lambda: any(m.lower() == "getupdates" for m, _ in self.server.state.request_log[n0:]), timeout,
                 "bot polling", self.bot.popen, self.bot.current_log)

    def start_worker(self, i: int) -> None:
        self.workers[i].start()

    def wait_worker_ready(self, i: int, timeout: float = 120) -> None:
        w = self.workers[i]
        wait_for(w.ready.exists, timeout, f"{w.name} ready", w.popen, w.current_log)

    def subscribe(self) -> None:
        for chat, (spec, _) in CHATS.items():
            before = len(self.server.messages(chat))
            self.server.send_command(chat, "subscribe", spec)
            reply = self.server.wait_for_messages(chat, before + 1, timeout=30)[before].text
            assert "Subscribed" in reply, reply
        self.baseline = {chat: len(self.server.messages(chat)) for chat in CHATS}

    def publish(self, articles: list[Article]) -> dict[str, int]:
        """Keyed by article id like `dementi publish`; returns article id -> partition."""
        futures = [(a.id, self.producer.send(self.settings.articles_topic, key=a.id.encode(), value=a.to_bytes()))
                   for a in articles]
        self.producer.flush()
        return {aid: fut.get(30).partition for aid, fut in futures}

    def delivered(self, chat: int) -> Counter:
        ids = Counter()
        for sent in self.server.messages(chat)[self.baseline[chat]:]:
            m = ALERT_ID_RE.search(sent.text)
            if m:
                ids[m.group(1)] += 1
        return ids

    def worker_metrics(self, i: int) -> dict:
        return scrape(self.workers[i].port)

    def worker_partitions(self, i: int) -> list[int] | None:
        try:
            code, body = health(self.workers[i].port)
        except OSError:
            return None
        return body.get("partitions") if code == 200 else None

    def partitions_covered(self, exclude: int | None = None) -> bool:
        """Do the live workers (all but ``exclude``) own every partition, each exactly once?"""
        owned = []
        for i in range(len(self.workers)):
            if i != exclude:
                owned += self.worker_partitions(i) or []
        return sorted(owned) == list(range(self.settings.topic_partitions))

    def close(self) -> None:
        for p in [*self.workers, self.bot]:
            try:
                p.stop()
            except Exception:  # noqa: BLE001 - best effort, then the next one
                if p.popen is not None and pid_alive(p.popen.pid):
                    os.killpg(p.popen.pid, signal.SIGKILL)
        try:
            self.producer.close()
        finally:
            self.server.stop()


@dataclass
class ChaosResult:
    articles: int
    expected: dict[int, int]
    delivered: dict[int, int] = field(default_factory=dict)
    duplicates: dict[int, list[str]] = field(default_factory=dict)
    missing: dict[int, list[str]] = field(default_factory=dict)
    unexpected: dict[int, list[str]] = field(default_factory=dict)
    kills: list[tuple[float, str]] = field(default_factory=list)
    takeovers: list[float] = field(default_factory=list)  # seconds from a worker's SIGKILL to full coverage
    restarts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    drain_seconds: float = 0.0

    @property
    def exactly_once(self) -> bool:
        return not any(self.duplicates.values()) and not any(self.missing.values()) and not any(self.unexpected.values())


def run_chaos(stack: Stack, articles: list[Article], expected: dict[int, dict[Event, set[str]]], rounds: int, seed: int,
              drain_timeout: float = 240.0, takeover_rounds: int | None = None) -> ChaosResult:
    """Stream ``articles`` in ``rounds + 1`` segments; after each of the first ``rounds`` segments,
    SIGKILL a random worker and the bot at random points and restart them. Worker 0.. and the bot
    must already be running and subscribed. With several workers, the first ``takeover_rounds``
    rounds (default: all) wait until the survivors own every partition before restarting the
    killed worker (timed in ``takeovers``); later rounds restart it at once (faster)."""
    rng = random.Random(seed)
    takeover_rounds = rounds if takeover_rounds is None else takeover_rounds
    result = ChaosResult(articles=len(articles), expected={c: len(events) for c, events in expected.items()})
    started = time.monotonic()
    segments = [articles[i::rounds + 1] for i in range(rounds + 1)]
    for round_no in range(rounds):
        stack.publish(segments[round_no])
        victims = [("worker", rng.randrange(len(stack.workers))), ("bot", None)]
        rng.shuffle(victims)
        for kind, idx in victims:
            time.sleep(rng.uniform(0.2, 2.5))
            proc = stack.bot if kind == "bot" else stack.workers[idx]
            proc.kill()
            killed_at = time.monotonic()
            result.kills.append((round(killed_at - started, 2), proc.name))
            if kind == "bot":
                restart = threading.Thread(target=stack.start_bot)
                restart.start()
                continue
            if len(stack.workers) > 1 and round_no < takeover_rounds:  # survivors take the partitions over
                wait_for(lambda: stack.partitions_covered(exclude=idx), 60, "takeover by the other worker(s)")
                result.takeovers.append(round(time.monotonic() - killed_at, 1))
            proc.start()
        restart.join()
        for i in range(len(stack.workers)):
            stack.wait_worker_ready(i)
        wait_for(stack.partitions_covered, 60, "every partition owned by exactly one worker")
    stack.publish(segments[-1])
    drain_started = time.monotonic()

    def complete() -> bool:
        for p in [*stack.workers, stack.bot]:
            assert p.popen.poll() is None, f"{p.name} exited: {p.current_log.read_text(errors='replace')[-3000:]}"
        return all(covered(events, stack.delivered(chat)) for chat, events in expected.items())

    try:
        wait_for(complete, drain_timeout, "every expected alert in its chat")
    except AssertionError:
        pass  # what is missing is reported in the result (missing=...), with the rest
    # Settled, so that a late duplicate has nowhere to come from: the workers committed every
    # article, the notifier every alert (its outbox rows are written before that commit), and then
    # the outbox is empty (every row sent).
    articles_done = GroupProgress(stack.bootstrap, stack.settings.articles_topic, stack.settings.topic_partitions,
                                  app_id(stack.settings))
    alerts_done = GroupProgress(stack.bootstrap, stack.settings.alerts_topic, stack.settings.topic_partitions,
                                notifier_group(stack.settings))
    try:
        wait_for(lambda: articles_done.done() and alerts_done.done()
                 and value(scrape(stack.bot.port), "dementi_outbox_depth") == 0, 120,
                 "articles and alerts committed to the end, outbox drained")
    finally:
        articles_done.close()
        alerts_done.close()
    result.drain_seconds = round(time.monotonic() - drain_started, 1)
    result.seconds = round(time.monotonic() - started, 1)
    for chat, events in expected.items():
        got = stack.delivered(chat)
        result.delivered[chat] = sum(got.values())
        known = set().union(*events.values()) if events else set()
        result.duplicates[chat] = sorted(i for i, n in got.items() if n > 1) + sorted(
            f"{aid}/{den or '-'}" for (aid, den), ids in events.items() if len(ids & set(got)) > 1)
        result.missing[chat] = sorted(f"{aid}/{den or '-'}" for (aid, den), ids in events.items() if not ids & set(got))
        result.unexpected[chat] = sorted(set(got) - known)
    result.restarts = {p.name: p.starts - 1 for p in [*stack.workers, stack.bot]}
    return result
