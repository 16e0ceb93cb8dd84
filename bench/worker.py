"""Rough throughput of the detect worker alone (articles/s), with the real rules and with none.

Starts `dementi worker` as a subprocess on a fresh embedded broker and measures until the group's
committed offsets cover all N synthetic articles. By default the articles are published once the
worker is ready (as in production: the rate is then bounded by the publisher, the CPU column is the
worker's cost per article); with --backlog they are published first and the worker starts on a full
topic (its own speed). Run with no rules (`--rules empty`) to see the per-record overhead of the
stream path (fetch, decode, dispatch), the ceiling the engine eats into. Not a test: prints a
table. The end-to-end benchmark lives in bench/e2e.py.

    .venv/bin/python bench/worker.py --n 20000
    .venv/bin/python bench/worker.py --n 60000 --rules empty --backlog
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dementi.settings import Settings  # noqa: E402
from dementi.streams.broker import EmbeddedBroker  # noqa: E402
from dementi.kafka.options import ClientOptions  # noqa: E402
from dementi.kafka.topics import ensure_topics  # noqa: E402

WORDS = ("le gouvernement a annoncé mardi une nouvelle série de mesures économiques pour soutenir "
         "les régions touchées par les inondations tandis que l'opposition critique un plan jugé "
         "tardif et insuffisant selon plusieurs élus locaux interrogés sur place par notre équipe").split()
CUES = ("Le ministère des Affaires étrangères a démenti ces informations.",
        "Le pays ne participera à aucune coalition sans mandat.",
        "Le club dément tout accord avec le joueur.")


def _fallback_article(i: int, rng: random.Random) -> dict:
    """Sentence-shaped filler (10-25 words per sentence) with a cue in 20 % of the articles."""
    sentences, words = [], 0
    target = rng.randint(300, 800)
    while words < target:
        n = rng.randint(10, 25)
        sentences.append(" ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + ".")
        words += n
    if rng.random() < 0.2:
        sentences.insert(rng.randrange(len(sentences)), rng.choice(CUES))
    return {"url": f"https://bench.example/{i}", "title": f"Article {i}", "body": " ".join(sentences),
            "lang": "fr", "source": "bench"}


def articles(n: int) -> tuple[list[bytes], str]:
    """bench/corpus.py (the realistic synthetic stream) when available, else the filler above."""
    try:
        from bench.corpus import generate
    except ImportError:
        rng = random.Random(7)
        return [json.dumps(_fallback_article(i, rng)).encode() for i in range(n)], "filler"
    return [json.dumps(d, ensure_ascii=False).encode() for d in generate(n)], "bench/corpus.py"


def committed(options: ClientOptions, group: str, topic: str, partitions: int) -> int:
    consumer = KafkaConsumer(**options.kafka_python("dementi-bench", group_id=group, enable_auto_commit=False))
    try:
        return sum(consumer.committed(TopicPartition(topic, p)) or 0 for p in range(partitions))
    finally:
        consumer.close()


def run_once(bootstrap: str, n: int, rules_dir: str | None, label: str, timeout: float, workers: int = 1,
             backlog: bool = False) -> dict:
    """Start the workers, wait until all are ready, then publish n articles and time until every
    offset is committed (publishing overlaps with processing, as in production)."""
    prefix = f"b{int(time.time() * 1000) % 10**8}"
    settings = Settings(kafka_bootstrap=bootstrap, topic_prefix=f"{prefix}.", consumer_group_prefix=prefix)
    ensure_topics(settings)
    options = ClientOptions.from_settings(settings)
    values, _ = articles(n)
    work = Path(tempfile.mkdtemp(prefix="dementi-bench-"))
    env = dict(os.environ, DEMENTI_KAFKA_BOOTSTRAP=bootstrap, DEMENTI_TOPIC_PREFIX=settings.topic_prefix,
               DEMENTI_CONSUMER_GROUP_PREFIX=prefix, DEMENTI_DATA_DIR=str(work), DEMENTI_LOG_LEVEL="WARNING")
    if rules_dir:
        env["DEMENTI_RULES_DIR"] = rules_dir
    profile = ["-m", "cProfile", "-o", os.environ["BENCH_PROFILE"]] if os.environ.get("BENCH_PROFILE") else []
    readies = [work / f"ready-{i}" for i in range(workers)]

    def send_all() -> None:
        producer = KafkaProducer(**options.kafka_python("dementi-bench", acks="all", linger_ms=20, batch_size=256 * 1024))
        for i, value in enumerate(values):
            producer.send(settings.articles_topic, key=str(i).encode(), value=value)
        producer.flush()
        producer.close()

    if backlog:  # the worker starts on a full topic: its own speed, not the publisher's
        send_all()
    procs = [subprocess.Popen([sys.executable, *profile, "-m", "dementi.cli", "worker", "--ready-file", str(r)],
                              env=env, start_new_session=True) for r in readies]
    try:
        while not all(r.exists() for r in readies):
            if any(p.poll() is not None for p in procs):
                raise SystemExit("a worker exited before it was ready")
            time.sleep(0.01 if backlog else 0.05)
        if not backlog:
            time.sleep(1.0)  # let a last rebalance settle
        t0 = time.monotonic()
        cpu0 = sum(_cpu_seconds(p.pid) for p in procs)
        if not backlog:
            send_all()
        done = 0
        while done < n and time.monotonic() - t0 < timeout:
            time.sleep(0.5)
            done = committed(options, f"{prefix}-detect", settings.articles_topic, settings.topic_partitions)
        elapsed = time.monotonic() - t0
        cpu = sum(_cpu_seconds(p.pid) for p in procs) - cpu0
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    return {"label": label, "n": done, "seconds": elapsed, "rate": done / elapsed,
            "cpu_us": 1e6 * cpu / max(done, 1)}


def _cpu_seconds(pid: int) -> float:
    """User+system CPU of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=1, help="worker processes in the group")
    parser.add_argument("--timeout", type=float, default=300.0, help="stop measuring after this (partial rate)")
    parser.add_argument("--rules", choices=("project", "empty", "both"), default="both")
    parser.add_argument("--backlog", action="store_true",
                        help="publish the N articles BEFORE starting the worker (measures the worker, not the publisher)")
    args = parser.parse_args()
    # SIGTERM (e.g. `timeout`) must still run the finally blocks that stop the worker and broker.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print(f"corpus: {articles(1)[1]}, {args.n} articles", flush=True)
    rows = []
    with EmbeddedBroker() as broker:
        if args.rules in ("empty", "both"):
            empty = tempfile.mkdtemp(prefix="dementi-norules-")
            rows.append(run_once(broker.bootstrap, args.n, empty, "no rules (fetch + decode + dispatch)",
                                 args.timeout, args.workers, args.backlog))
        if args.rules in ("project", "both"):
            rows.append(run_once(broker.bootstrap, args.n, None, f"project rules, {args.workers} worker(s)",
                             args.timeout, args.workers, args.backlog))
    print(f"{'configuration':38} {'articles':>9} {'seconds':>8} {'articles/s':>11} {'worker CPU µs/article':>22}")
    for r in rows:
        print(f"{r['label']:38} {r['n']:>9} {r['seconds']:>8.1f} {r['rate']:>11.0f} {r['cpu_us']:>22.0f}")


if __name__ == "__main__":
    main()
