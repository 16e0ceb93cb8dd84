"""Chaos harness shared by the suite (short runs) and ``bench/chaos.py`` (long runs with a table).

A ``Stack`` runs the real processes against an already running broker: N ``dementi worker``, one
``dementi stories`` and one ``dementi bot`` (token + Bot API test server). ``run_chaos`` streams
invented articles in segments and, after each segment, SIGKILLs a worker, the story stage and the
notifier at random points (random order, random delays), restarts them, and at the end checks,
per subscribed chat, that every story got EXACTLY one message whose final text shows the story's
final version (edits included), and that the stories hold exactly the alerts the engine computes
offline over the same articles (a snapshot of the rules): no alert lost or counted twice at the
stage, no message lost or duplicated at the chat. Which alerts make one story depends on their
order on the alerts topic, so the stories themselves are read back from the stories topic.
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
from dataclasses import dataclass, field
from pathlib import Path

from dementi.bot.notify.consumer import notifier_group
from dementi.records import Article, StoryUpdate
from dementi.settings import Settings
from dementi.streams.app import app_id
from dementi.streams.stories import app_id as stories_app_id
from dementi.streams.broker import free_port
from dementi.kafka.options import ClientOptions
from dementi.kafka.producer import make_producer
from dementi.kafka.topics import ensure_topics
from tests.botapi.server import DEFAULT_TOKEN, BotApiServer
from tests.reliability.helpers import health, scrape, value
from tests.streams.helpers import GroupProgress, child_env, pid_alive, start_dementi, stop_process, wait_for

STORY_RE = re.compile(r"story ([0-9a-f]{20}) · (\d+) alerts?")
# chat id -> (subscription, predicate over (rule_id, article_lang)) : the offline twin of the bot's filter
CHATS = {
    811: ("all", lambda rule, lang: True),
    812: ("lang:fr", lambda rule, lang: lang == "fr"),
}


def expected_deliveries(engine, articles: list[Article]) -> dict[str, str | None]:
    """alert id -> language, for every alert the engine makes of ``articles`` (offline)."""
    return {a.alert_id: a.article_lang for art in articles for a in engine.alerts(art)}


def final_stories(bootstrap: str, settings: Settings) -> dict[str, StoryUpdate]:
    """The newest version of every story on the stories topic."""
    from tests.streams.helpers import TopicReader

    reader = TopicReader(bootstrap, settings.stories_topic, settings.topic_partitions)
    try:
        previous = -1
        while len(reader.poll()) != previous:  # read until a poll brings nothing new
            previous = len(reader.records)
            time.sleep(0.3)
        out: dict[str, StoryUpdate] = {}
        for record in reader.records:
            update = StoryUpdate.from_bytes(record.value)
            if update.story_id not in out or update.version > out[update.story_id].version:
                out[update.story_id] = update
        return out
    finally:
        reader.close()


def expected_messages(stories: dict, alert_langs: dict[str, str | None]) -> dict[int, dict[str, int]]:
    """chat -> story id -> final version, for the stories with an alert the chat's filter takes."""
    return {chat: {sid: st.version for sid, st in stories.items()
                   if any(keep("", alert_langs.get(src.alert_id, src.lang)) for src in st.sources)}
            for chat, (_, keep) in CHATS.items()}


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
        env = child_env(self.settings, bootstrap, DEMENTI_DATA_DIR=str(work / "stories"), **common)
        self.stories = Proc("stories", ["stories", "--ready-file", str(work / "stories.ready"), "--stop-grace", "10"],
                            env, work / "stories", 0, work / "stories.ready")
        self.producer = make_producer(ClientOptions(bootstrap))

    # --- lifecycle -------------------------------------------------------------------------------
    def start_bot(self, timeout: float = 60) -> None:
        n0 = len(self.server.state.request_log)
        self.bot.start()
        wait_for(lambda: any(m.lower() == "getupdates" for m, _ in self.server.state.request_log[n0:]), timeout,
                 "bot polling", self.bot.popen, self.bot.current_log)

    def start_worker(self, i: int) -> None:
        self.workers[i].start()

    def start_stories(self) -> None:
        self.stories.start()

    def wait_stories_ready(self, timeout: float = 120) -> None:
        wait_for(self.stories.ready.exists, timeout, "story stage ready", self.stories.popen, self.stories.current_log)

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

    def delivered(self, chat: int) -> dict[str, list[int]]:
        """story id -> the version each of its messages shows now (one entry per message)."""
        shown: dict[str, list[int]] = {}
        for sent in self.server.messages(chat)[self.baseline[chat]:]:
            m = STORY_RE.search(sent.text)
            if m:
                shown.setdefault(m.group(1), []).append(int(m.group(2)))
        return shown

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
        for p in [*self.workers, self.stories, self.bot]:
            if p.popen is None:
                continue
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
    stale: dict[int, list[str]] = field(default_factory=dict)     # messages not showing their story's final version
    lost_alerts: list[str] = field(default_factory=list)          # computed offline, in no story
    double_counted: list[str] = field(default_factory=list)       # stories whose version != distinct alerts
    stories: int = 0
    alerts: int = 0
    kills: list[tuple[float, str]] = field(default_factory=list)
    takeovers: list[float] = field(default_factory=list)  # seconds from a worker's SIGKILL to full coverage
    restarts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    drain_seconds: float = 0.0

    @property
    def exactly_once(self) -> bool:
        return not (any(self.duplicates.values()) or any(self.missing.values()) or any(self.unexpected.values())
                    or any(self.stale.values()) or self.lost_alerts or self.double_counted)


def run_chaos(stack: Stack, articles: list[Article], expected: dict[str, str | None], rounds: int, seed: int,
              drain_timeout: float = 240.0, takeover_rounds: int | None = None) -> ChaosResult:
    """Stream ``articles`` in ``rounds + 1`` segments; after each of the first ``rounds`` segments,
    SIGKILL a random worker, the story stage and the bot at random points and restart them.
    ``expected``: alert id -> language (``expected_deliveries``). The workers, the story stage and
    the bot must already be running and the chats subscribed. With several workers, the first
    ``takeover_rounds`` rounds (default: all) wait until the survivors own every partition before
    restarting the killed worker (timed in ``takeovers``); later rounds restart it at once."""
    rng = random.Random(seed)
    takeover_rounds = rounds if takeover_rounds is None else takeover_rounds
    result = ChaosResult(articles=len(articles), expected={}, alerts=len(expected))
    started = time.monotonic()
    segments = [articles[i::rounds + 1] for i in range(rounds + 1)]
    for round_no in range(rounds):
        stack.publish(segments[round_no])
        victims = [("worker", rng.randrange(len(stack.workers))), ("stories", None), ("bot", None)]
        rng.shuffle(victims)
        restarts = []
        for kind, idx in victims:
            time.sleep(rng.uniform(0.2, 2.5))
            proc = {"bot": stack.bot, "stories": stack.stories}.get(kind) or stack.workers[idx]
            proc.kill()
            killed_at = time.monotonic()
            result.kills.append((round(killed_at - started, 2), proc.name))
            if kind in ("bot", "stories"):
                restart = threading.Thread(target=stack.start_bot if kind == "bot" else stack.start_stories)
                restart.start()
                restarts.append(restart)
                continue
            if len(stack.workers) > 1 and round_no < takeover_rounds:  # survivors take the partitions over
                wait_for(lambda: stack.partitions_covered(exclude=idx), 60, "takeover by the other worker(s)")
                result.takeovers.append(round(time.monotonic() - killed_at, 1))
            proc.start()
        for restart in restarts:
            restart.join()
        for i in range(len(stack.workers)):
            stack.wait_worker_ready(i)
        stack.wait_stories_ready()
        wait_for(stack.partitions_covered, 60, "every partition owned by exactly one worker")
    stack.publish(segments[-1])
    drain_started = time.monotonic()

    def settled() -> bool:
        for p in [*stack.workers, stack.stories, stack.bot]:
            assert p.popen.poll() is None, f"{p.name} exited: {p.current_log.read_text(errors='replace')[-3000:]}"
        stories = final_stories(stack.bootstrap, stack.settings)
        in_stories = {src.alert_id for st in stories.values() for src in st.sources}
        if not set(expected) <= in_stories:
            return False
        want = expected_messages(stories, expected)
        return all({sid: max(v) for sid, v in stack.delivered(chat).items()} == want[chat] for chat in CHATS)

    try:
        wait_for(settled, drain_timeout, "every story in its chats, in its final version", interval=1.0)
    except AssertionError:
        pass  # what is missing is reported in the result (missing=, stale=...), with the rest
    # Settled, so that a late duplicate has nowhere to come from: the workers committed every
    # article, the story stage every alert, the notifier every story update (its outbox rows are
    # written before that commit), and then the outbox is empty (every row sent).
    s = stack.settings
    progress = [GroupProgress(stack.bootstrap, s.articles_topic, s.topic_partitions, app_id(s)),
                GroupProgress(stack.bootstrap, s.alerts_topic, s.topic_partitions, stories_app_id(s)),
                GroupProgress(stack.bootstrap, s.stories_topic, s.topic_partitions, notifier_group(s))]
    try:
        wait_for(lambda: all(g.done() for g in progress)
                 and value(scrape(stack.bot.port), "dementi_outbox_depth") == 0, 120,
                 "articles, alerts and stories committed to the end, outbox drained")
    finally:
        for g in progress:
            g.close()
    result.drain_seconds = round(time.monotonic() - drain_started, 1)
    result.seconds = round(time.monotonic() - started, 1)
    stories = final_stories(stack.bootstrap, stack.settings)
    result.stories = len(stories)
    in_stories = [src.alert_id for st in stories.values() for src in st.sources]
    result.lost_alerts = sorted(set(expected) - set(in_stories))
    result.double_counted = sorted(sid for sid, st in stories.items()
                                   if st.version != len({src.alert_id for src in st.sources}))
    want = expected_messages(stories, expected)
    for chat in CHATS:
        got = stack.delivered(chat)
        result.expected[chat] = len(want[chat])
        result.delivered[chat] = sum(len(v) for v in got.values())
        result.duplicates[chat] = sorted(sid for sid, v in got.items() if len(v) > 1)
        result.missing[chat] = sorted(set(want[chat]) - set(got))
        result.unexpected[chat] = sorted(set(got) - set(want[chat]) - set(in_stories))
        result.stale[chat] = sorted(f"{sid}: shows v{max(v)}, final v{want[chat][sid]}" for sid, v in got.items()
                                    if sid in want[chat] and max(v) != want[chat][sid])
    result.restarts = {p.name: p.starts - 1 for p in [*stack.workers, stack.stories, stack.bot]}
    return result
