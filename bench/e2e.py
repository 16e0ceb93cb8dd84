"""End-to-end benchmark: broker ceiling vs dementi throughput, alert latency, memory. One table.

    .venv/bin/python bench/e2e.py                  # 20,000 articles, 30 s at 200 articles/s, 2 workers
    .venv/bin/python bench/e2e.py --workers 1      # the same with one worker process
    .venv/bin/python bench/e2e.py --n 300 --latency-seconds 3 --rate 50 --workers 1     # smoke run

What runs (all real processes, nothing mocked): an embedded broker (Tansu), the Bot API test server
(``python -m tests.botapi.server``), ``dementi worker``, ``dementi stories`` and ``dementi bot`` as subprocesses.

1. N synthetic articles (bench/corpus.py: fr/en, 300-800 words, 5 % state denials, 5 % hard
   negatives) are published to the articles topic, then one sentinel cue article per partition.
2. (a) ceiling: a bare aiokafka consumer reads the same N records (no decoding) -> records/s.
3. (b) the workers start on that backlog; the sentinels are processed last (partitions are ordered),
   so the detection time of the last sentinel alert ends the clock (checked against the group's
   committed offsets). With several workers the first one starts alone and the group then pauses
   to rebalance when the others join (the embedded broker holds a JoinGroup for half the session
   timeout, ~3 s), so two rates are shown: steady state = articles not yet committed when the
   group settled (every worker ready) / time from then to the last sentinel -- the rate the
   target is judged on, like the ceiling (a), which has no group to join; and the whole run
   from the first worker's ready marker, join pause included.
4. (d) chats subscribe through the real bot (``/subscribe actor:RUS lang:fr``: one chat per
   denier country x language, so Telegram's 1 msg/s per chat does not dominate), then articles
   are published at a fixed rate; latency = publish time -> the test server's receipt of the
   story message (matched by the first article URL in the message; first message per chat x story).
   The story stage's own hop is shown apart: an alert's append time on the alerts topic -> its
   StoryUpdate's append time on the stories topic (both stamped by the producing clients).
5. (e) peak RSS (VmHWM) of the worker and notifier processes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from corpus import ACTORS, generate, make_article  # noqa: E402
from dementi.records import Article  # noqa: E402
from dementi.settings import Settings  # noqa: E402
from dementi.streams.broker import EmbeddedBroker, free_port, wait_for_port  # noqa: E402
from tests.streams.helpers import stop_process  # noqa: E402
from dementi.kafka.options import ClientOptions  # noqa: E402
from dementi.kafka.topics import ensure_topics  # noqa: E402

TOKEN = "123456789:BENCH-abcdefghijklmnopqrstuvwxyz0123456"
URL_RE = re.compile(r"https://bench\.example/\S+?(?=[\s<\"]|$)")
CHAT_BASE = 700_000


# --- processes ------------------------------------------------------------------------------------
def peak_rss_mb(pid: int) -> float | None:
    """Peak resident set (VmHWM) of ``pid`` in MB; psutil has no peak on Linux, /proc has."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except FileNotFoundError:
        return None
    return None


def start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, *args], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def stop(proc: subprocess.Popen | None, grace: float = 20.0) -> None:
    """SIGTERM, then SIGKILL of that process group after ``grace`` seconds (only our own PIDs)."""
    if proc is not None:
        stop_process(proc, grace)


def tail(log: Path, n: int = 3000) -> str:
    return log.read_text(errors="replace")[-n:] if log.exists() else ""


# --- Kafka ------------------------------------------------------------------------------------
async def publish_backlog(options: ClientOptions, topic: str, articles: list[dict]) -> float:
    """Publish as fast as the producer goes; returns records/s."""
    producer = AIOKafkaProducer(**options.aiokafka("dementi-bench", acks="all", linger_ms=20, max_batch_size=512 * 1024,
                                                  max_request_size=8 * 1024 * 1024))
    await producer.start()
    try:
        started = time.perf_counter()
        futures = [await producer.send(topic, json.dumps(a, ensure_ascii=False).encode(), key=a["url"].encode())
                   for a in articles]
        await asyncio.gather(*futures)
        return len(articles) / (time.perf_counter() - started)
    finally:
        await producer.stop()


async def publish_sentinels(options: ClientOptions, topic: str, sentinels: list[dict]) -> None:
    producer = AIOKafkaProducer(**options.aiokafka("dementi-bench", acks="all"))
    await producer.start()
    try:
        for p, a in enumerate(sentinels):
            await producer.send_and_wait(topic, json.dumps(a, ensure_ascii=False).encode(), partition=p)
    finally:
        await producer.stop()


async def raw_consume(options: ClientOptions, topic: str, partitions: int, expected: int) -> float:
    """The ceiling: a bare consumer reading the topic from the start, no decoding. Records/s."""
    consumer = AIOKafkaConsumer(**options.aiokafka("dementi-bench", enable_auto_commit=False, group_id=None,
                                                  auto_offset_reset="earliest", max_partition_fetch_bytes=8 * 1024 * 1024,
                                                  fetch_max_bytes=64 * 1024 * 1024))
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        got, started = 0, time.perf_counter()
        while got < expected:
            batches = await consumer.getmany(timeout_ms=1000, max_records=10_000)
            got += sum(len(records) for records in batches.values())
            if time.perf_counter() - started > 300:
                raise SystemExit(f"raw consumer read only {got}/{expected} records in 300 s")
        return got / (time.perf_counter() - started)
    finally:
        await consumer.stop()


class AlertWatcher:
    """Reads the alerts topic from the start in the background: per article, detection times;
    per alert, the record's timestamp (for the story stage's hop)."""

    def __init__(self, options: ClientOptions, topic: str, partitions: int):
        self.options, self.topic, self.partitions = options, topic, partitions
        self.alerts: list[dict] = []
        self.by_article: dict[str, list[dict]] = {}
        self.stamped: dict[str, float] = {}  # alert id (or story alert id) -> record timestamp (s)
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        self.consumer = AIOKafkaConsumer(**self.options.aiokafka("dementi-bench", enable_auto_commit=False, group_id=None,
                                                                auto_offset_reset="earliest", fetch_max_wait_ms=50))
        await self.consumer.start()
        tps = [TopicPartition(self.topic, p) for p in range(self.partitions)]
        self.consumer.assign(tps)
        await self.consumer.seek_to_beginning(*tps)
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            for records in (await self.consumer.getmany(timeout_ms=200)).values():
                for rec in records:
                    alert = json.loads(rec.value)
                    if "story_id" in alert:  # a StoryUpdate: keep its new alert, stamped by the stage
                        alert = alert["alert"] | {"_story": alert["story_id"]}
                    self.stamped.setdefault(alert["alert_id"], rec.timestamp / 1000.0)
                    self.alerts.append(alert)
                    self.by_article.setdefault(alert["article_id"], []).append(alert)

    def detected(self, article_id: str) -> float | None:
        """Earliest detection time (epoch seconds, worker clock) of an alert on the article."""
        alerts = self.by_article.get(article_id)
        if not alerts:
            return None
        from datetime import datetime

        return min(datetime.fromisoformat(a["detected_at"].replace("Z", "+00:00")).timestamp() for a in alerts)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
        await self.consumer.stop()


async def committed(options: ClientOptions, group: str, topic: str, partitions: int) -> int:
    consumer = AIOKafkaConsumer(**options.aiokafka("dementi-bench", group_id=group, enable_auto_commit=False))
    await consumer.start()
    try:
        return sum([await consumer.committed(TopicPartition(topic, p)) or 0 for p in range(partitions)])
    finally:
        await consumer.stop()


async def wait_until(predicate, timeout: float, what: str, procs=(), interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        for name, proc, log in procs:
            if proc.poll() is not None:
                raise SystemExit(f"{name} exited with {proc.returncode} while waiting for {what}\n{tail(log)}")
        await asyncio.sleep(interval)
    raise SystemExit(f"timed out after {timeout:.0f}s waiting for {what}")


# --- the bench --------------------------------------------------------------------------------
def sentinel_articles(count: int, tag: str, seed: int) -> list[dict]:
    import random

    rng = random.Random(seed)
    return [make_article(10**7 + i, rng, "cue", fr=True, seed=seed, words=(80, 120)) | {
        "url": f"https://bench.example/sentinel-{tag}/{i}"} for i in range(count)]


async def bench(args, work: Path) -> dict:
    out: dict = {}
    broker = EmbeddedBroker(log_path=work / "broker.log").start()
    api_port = free_port()
    server = start(["-m", "tests.botapi.server", "--port", str(api_port), "--token", TOKEN], dict(os.environ),
                   work / "botapi.log")
    workers: list[subprocess.Popen] = []
    bot = watcher = story_watcher = stories = None
    try:
        prefix = f"e2e{int(time.time() * 1000) % 10**8}"
        settings = Settings(kafka_bootstrap=broker.bootstrap, topic_prefix=f"{prefix}.", consumer_group_prefix=prefix,
                            data_dir=work)
        parts = settings.topic_partitions
        ensure_topics(settings)
        options = ClientOptions.from_settings(settings)
        if not wait_for_port("127.0.0.1", api_port, 15):
            raise SystemExit(f"Bot API test server did not start\n{tail(work / 'botapi.log')}")
        api = httpx.AsyncClient(base_url=f"http://127.0.0.1:{api_port}/_test", timeout=10)

        articles = generate(args.n, args.cue_share, args.hard_share, seed=args.seed)
        out["publish_rate"] = await publish_backlog(options, settings.articles_topic, articles)
        sentinels = sentinel_articles(parts, "backlog", args.seed)
        await publish_sentinels(options, settings.articles_topic, sentinels)
        total = args.n + parts
        out["raw_rate"] = await raw_consume(options, settings.articles_topic, parts, total)

        # A snapshot of the rules: pack edits during a run must not trigger hot reloads mid-measure.
        rules = work / "rules"
        shutil.copytree(args.rules, rules)
        env = {k: v for k, v in os.environ.items() if not k.startswith("DEMENTI_")}
        env.update(DEMENTI_KAFKA_BOOTSTRAP=broker.bootstrap, DEMENTI_TOPIC_PREFIX=settings.topic_prefix,
                   DEMENTI_CONSUMER_GROUP_PREFIX=prefix, DEMENTI_LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1",
                   DEMENTI_TELEGRAM_TOKEN=TOKEN, DEMENTI_TELEGRAM_API_URL=f"http://127.0.0.1:{api_port}/bot",
                   DEMENTI_REALERT_SECONDS="0", DEMENTI_RULES_DIR=str(rules),
                   DEMENTI_GAZETTEERS_DIR=str(args.gazetteers))
        (work / "bot").mkdir()
        bot = start(["-m", "dementi.cli", "bot"], env | {"DEMENTI_DATA_DIR": str(work / "bot")}, work / "bot.log")
        (work / "stories").mkdir()
        stories = start(["-m", "dementi.cli", "stories"], env | {"DEMENTI_DATA_DIR": str(work / "stories")},
                        work / "stories.log")
        procs = [("bot", bot, work / "bot.log"), ("stories", stories, work / "stories.log")]
        await api.post("/message", json={"chat_id": CHAT_BASE - 1, "text": "/start"})
        await wait_until(lambda: _sent_count(api, CHAT_BASE - 1), 60, "the bot to answer /start", procs, 0.2)

        watcher = AlertWatcher(options, settings.alerts_topic, parts)
        await watcher.start()
        story_watcher = AlertWatcher(options, settings.stories_topic, parts)
        await story_watcher.start()
        readies = [work / f"worker-{i}.ready" for i in range(args.workers)]
        for i, ready in enumerate(readies):
            log = work / f"worker-{i}.log"
            workers.append(start(["-m", "dementi.cli", "worker", "--ready-file", str(ready)],
                                 env | {"DEMENTI_DATA_DIR": str(work / f"worker-{i}")}, log))
            procs.append((f"worker-{i}", workers[-1], log))
        # The clock starts when the FIRST worker is ready (it starts on the backlog at once; the
        # others joining later cost rebalance pauses, which count against the rate).
        first = await wait_until(lambda: next((r for r in readies if r.exists()), None), 120,
                                 "a worker's ready marker", procs, 0.01)
        t0 = float(first.read_text().split()[2])
        group = f"{prefix}-detect"
        # Steady state: once EVERY worker is ready, the group has settled (the last joiner's
        # rebalance is the last one); what is not committed then is all processed afterwards. The
        # offsets are read a little after that moment, so this rate errs on the low side.
        await wait_until(lambda: all(r.exists() for r in readies), 120, "every worker's ready marker", procs, 0.01)
        settled = max(float(r.read_text().split()[2]) for r in readies)
        done_at_settle = await committed(options, group, settings.articles_topic, parts)
        ids = [Article.model_validate(s).id for s in sentinels]
        await wait_until(lambda: all(watcher.detected(i) for i in ids), 900, "the backlog sentinels", procs)
        t1 = max(watcher.detected(i) for i in ids)
        out["e2e_rate"] = total / (t1 - t0)
        out["e2e_seconds"] = t1 - t0
        out["settle_seconds"] = settled - t0
        out["steady_n"] = total - done_at_settle
        out["steady_rate"] = (total - done_at_settle) / (t1 - settled) if t1 > settled else None
        out["committed"] = await wait_until(
            lambda: _at_least(committed(options, group, settings.articles_topic, parts), total), 30,
            "the worker's committed offsets", procs, 0.5)
        out["backlog_alerts"] = len(watcher.alerts)

        # --- latency at a fixed offered load -------------------------------------------------
        chats = {}
        for k, (iso, *_names) in enumerate(ACTORS):
            for j, lang in enumerate(("fr", "en")):
                chat = CHAT_BASE + 2 * k + j
                chats[chat] = (iso, lang)
                await api.post("/message", json={"chat_id": chat, "text": f"/subscribe actor:{iso} lang:{lang}"})
        await wait_until(lambda: _all_answered(api, chats), 60, "the subscriptions", procs, 0.2)
        base_counts = {c: n for c, n in (await _sent_by_chat(api)).items()}
        n_lat = max(1, int(args.rate * args.latency_seconds))
        live = generate(n_lat, args.cue_share, args.hard_share, seed=args.seed + 1, start=args.n)
        published = await publish_paced(options, settings.articles_topic, live, args.rate)
        lat_sentinels = sentinel_articles(parts, "live", args.seed + 1)
        await publish_sentinels(options, settings.articles_topic, lat_sentinels)
        lat_ids = [Article.model_validate(s).id for s in lat_sentinels]
        await wait_until(lambda: all(watcher.detected(i) for i in lat_ids), 300, "the live sentinels", procs)
        live_ids = {Article.model_validate(a).id for a in live}
        wanted = set(chats.values())
        await wait_until(lambda: all(a["alert_id"] in story_watcher.stamped for a in watcher.alerts
                                     if a["article_id"] in live_ids), 60, "the live alerts' stories", procs)
        # one message per (chat, story): a chat gets a story once one of its alerts matches its filter
        expected = len({(a["_story"], (a["denier"].get("code") or a["denier"].get("country") or ""), a.get("article_lang"))
                        for a in story_watcher.alerts
                        if a["article_id"] in live_ids and a.get("denier")
                        and ((a["denier"].get("code") or a["denier"].get("country") or ""), a.get("article_lang")) in wanted})
        out["stage_hops"] = [story_watcher.stamped[a["alert_id"]] - watcher.stamped[a["alert_id"]]
                             for a in watcher.alerts if a["article_id"] in live_ids
                             and a["alert_id"] in story_watcher.stamped and a["alert_id"] in watcher.stamped]
        latencies = await collect_latencies(api, published, base_counts, expected, procs)
        # split of the latency: publish -> detection (worker) for every live article that alerted
        url_of = {Article.model_validate(a).id: a["url"] for a in live}
        out["detect_latencies"] = [watcher.detected(i) - published[u] for i, u in url_of.items()
                                   if watcher.detected(i) is not None]
        out.update(latencies=latencies, expected=expected, live=n_lat, chats=len(chats),
                   live_alerts=sum(1 for a in watcher.alerts if a["article_id"] in live_ids))
        out["rss_worker"] = max((peak_rss_mb(w.pid) or 0) for w in workers)
        out["rss_bot"] = peak_rss_mb(bot.pid)
        await api.aclose()
        return out
    finally:
        if watcher is not None:
            await watcher.stop()
        if story_watcher is not None:
            await story_watcher.stop()
        for proc in (*workers, stories, bot):
            stop(proc)
        stop(server, 5)
        broker.stop()


async def _at_least(coro, n: int):
    value = await coro
    return value if value >= n else None


async def _sent_by_chat(api: httpx.AsyncClient) -> dict[int, int]:
    counts: dict[int, int] = {}
    for s in (await api.get("/sent")).json()["result"]:
        counts[s["chat_id"]] = counts.get(s["chat_id"], 0) + 1
    return counts


async def _sent_count(api: httpx.AsyncClient, chat: int) -> int:
    return (await _sent_by_chat(api)).get(chat, 0)


async def _all_answered(api: httpx.AsyncClient, chats: dict) -> bool:
    counts = await _sent_by_chat(api)
    return all(counts.get(c, 0) >= 1 for c in chats)


async def publish_paced(options: ClientOptions, topic: str, articles: list[dict], rate: float) -> dict[str, float]:
    """Publish at ``rate`` articles/s; returns url -> wall-clock publish time."""
    producer = AIOKafkaProducer(**options.aiokafka("dementi-bench", acks="all", linger_ms=0))
    await producer.start()
    published: dict[str, float] = {}
    try:
        payloads = [(a["url"], json.dumps(a, ensure_ascii=False).encode()) for a in articles]
        begin = time.monotonic()
        for i, (url, value) in enumerate(payloads):
            delay = begin + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            published[url] = time.time()
            await producer.send(topic, value, key=url.encode())
        await producer.flush()
    finally:
        await producer.stop()
    return published


async def collect_latencies(api, published: dict[str, float], base: dict[int, int], expected: int, procs,
                            timeout: float = 60.0) -> list[float]:
    """Wait until the expected alert messages reached the test server; publish -> receipt times."""
    deadline = time.monotonic() + timeout
    while True:
        sent = (await api.get("/sent")).json()["result"]
        seen: dict[int, int] = {}
        first: dict[tuple[int, str], float] = {}
        for s in sent:
            seen[s["chat_id"]] = seen.get(s["chat_id"], 0) + 1
            if seen[s["chat_id"]] <= base.get(s["chat_id"], 0):
                continue  # subscription confirmations
            m = URL_RE.search((s.get("raw") or "") + " " + (s.get("text") or ""))  # story messages link their sources
            if m and m.group(0) in published:  # first message of this story in this chat (its first article)
                first.setdefault((s["chat_id"], m.group(0)), s["received_at"] - published[m.group(0)])
        latencies = list(first.values())
        if len(latencies) >= expected or time.monotonic() > deadline:
            return latencies
        for name, proc, log in procs:
            if proc.poll() is not None:
                raise SystemExit(f"{name} exited with {proc.returncode}\n{tail(log)}")
        await asyncio.sleep(0.5)


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def report(r: dict, args) -> None:
    from rich.console import Console
    from rich.table import Table

    lat = r["latencies"]
    ms = lambda v: "n/a" if v is None else f"{v * 1000:,.0f} ms"  # noqa: E731
    ratio = r["e2e_rate"] / r["raw_rate"]
    p99 = pct(lat, 99)
    ok = lambda cond: "[green]met[/]" if cond else "[red]MISSED[/]"  # noqa: E731
    table = Table(title=f"dementi end-to-end, one run: {args.n:,} articles backlog + {r['live']:,} at "
                        f"{args.rate:g}/s; {args.workers} worker(s), {os.cpu_count()} cores")
    for col in ("measure", "value", "target", ""):
        table.add_column(col, justify="left" if col in ("measure", "") else "right")
    table.add_row("(a) raw consume, bare aiokafka (ceiling)", f"{r['raw_rate']:,.0f} articles/s", "", "")
    steady = r.get("steady_rate")
    if steady and args.workers > 1:
        table.add_row("(b) dementi end-to-end, steady state (group settled)", f"{steady:,.0f} articles/s",
                      "≥ 2,000", ok(steady >= 2000))
        table.add_row("(c) ratio (b)/(a)", f"{100 * steady / r['raw_rate']:.1f} %", "≥ 25 %",
                      ok(steady / r["raw_rate"] >= 0.25))
        table.add_row("    incl. the group join: first worker ready → last alert", f"{r['e2e_rate']:,.0f} articles/s",
                      "", f"{100 * ratio:.1f} %")
        table.add_row("    group settled after / articles left then", f"{r['settle_seconds']:.1f} s / {r['steady_n']:,}",
                      "", "")
    else:
        table.add_row("(b) dementi end-to-end (worker, backlog)", f"{r['e2e_rate']:,.0f} articles/s", "≥ 2,000",
                      ok(r["e2e_rate"] >= 2000))
        table.add_row("(c) ratio (b)/(a)", f"{100 * ratio:.1f} %", "≥ 25 %", ok(ratio >= 0.25))
    table.add_row(f"(d) latency publish → Bot API, p50 @ {args.rate:g}/s", ms(pct(lat, 50)), "", "")
    table.add_row("    p95", ms(pct(lat, 95)), "", "")
    table.add_row("    p99", ms(p99), "< 1 s", ok(p99 is not None and p99 < 1.0))
    det = r.get("detect_latencies") or []
    table.add_row("    of which publish → detected (worker) p50 / p99", f"{ms(pct(det, 50))} / {ms(pct(det, 99))}", "", "")
    hops = r.get("stage_hops") or []
    table.add_row("    story stage hop: alerts append → stories append p50 / p99", f"{ms(pct(hops, 50))} / {ms(pct(hops, 99))}",
                  "p99 < 20 ms", ok(bool(hops) and pct(hops, 99) < 0.020))
    table.add_row("    messages measured / expected", f"{len(lat)} / {r['expected']}", "",
                  "" if len(lat) >= r["expected"] else "[red]some not delivered in time[/]")
    table.add_row("(e) peak RSS worker" + (" (max of workers)" if args.workers > 1 else ""), f"{r['rss_worker'] or 0:,.0f} MB", "< 600 MB",
                  ok((r["rss_worker"] or 0) < 600))
    table.add_row("    peak RSS notifier (dementi bot)", f"{r['rss_bot'] or 0:,.0f} MB", "", "")
    table.add_row("publish rate (aiokafka producer, backlog)", f"{r['publish_rate']:,.0f} articles/s", "", "")
    table.add_row("backlog: seconds / alerts / committed offsets",
                  f"{r['e2e_seconds']:.1f} s / {r['backlog_alerts']} / {r['committed']}", "", "")
    table.add_row("live phase: alerts / subscribed chats", f"{r['live_alerts']} / {r['chats']}", "", "")
    Console(width=120).print(table)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20_000, help="articles in the backlog (default 20,000)")
    parser.add_argument("--rate", type=float, default=200.0, help="offered load of the latency phase (articles/s)")
    parser.add_argument("--latency-seconds", type=float, default=30.0, help="duration of the latency phase")
    parser.add_argument("--cue-share", type=float, default=0.05)
    parser.add_argument("--hard-share", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2,
                        help="detect worker processes in the group (default 2: one per core of the target machine, "
                             "as `dementi run --workers 2`)")
    parser.add_argument("--rules", type=Path, default=ROOT / "config" / "rules", help="rules dir (copied)")
    parser.add_argument("--gazetteers", type=Path, default=ROOT / "config" / "gazetteers")
    parser.add_argument("--keep", action="store_true", help="keep the work dir (logs) and print its path")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="dementi-e2e-"))
    try:
        result = asyncio.run(bench(args, work))
    finally:
        if args.keep:
            print(f"logs in {work}", file=sys.stderr)
    report(result, args)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
