"""Adaptive vs fixed 5-minute polling: local feeds publishing at their own rhythms, a simulated hour.

    .venv/bin/python bench/polling.py                 # 200 feeds, 10 min warm-up + 60 measured minutes, x15
    .venv/bin/python bench/polling.py --feeds 20 --minutes 5 --warmup 2 --speed 60     # smoke run

What runs: a local feed server (127.0.0.1) whose feeds change over time, the real poller loop
(``run_forever``: adaptive intervals, request budget, host slots, conditional GET, parsing, dedup)
and the embedded Kafka broker. A clock that runs ``--speed`` times faster than the wall clock is
shared by the feed server and the poller, so the simulated hour takes minutes; HTTP and Kafka take
their real time (which the fast clock multiplies: the latencies err high).

Each feed belongs to a rhythm class and publishes as a Poisson process of that mean gap (the seed
fixes every time). The document a feed serves is its 20 newest entries at the simulated instant,
with an ETag (a poll with nothing new gets a 304). Latency of an entry = its publication time ->
Kafka's acknowledgement of its article; entries published during the measured hour count, and
one not delivered by the end of the run counts as the time until then (so it errs high).
Requests = polls answered during the measured hour. "Active" feeds are those publishing at
least every ``--active-gap`` seconds on average. The same feeds, times and seed are then run with
every feed on a fixed 5-minute interval (the feeds file's ``interval: 5m``).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import logging
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.progress import BarColumn, Progress, TextColumn  # noqa: E402
from rich.table import Table  # noqa: E402

from dementi.settings import Settings  # noqa: E402
from dementi.streams.broker import EmbeddedBroker  # noqa: E402
from dementi.streams.feeds.clock import ScaledClock  # noqa: E402
from dementi.feeds_file import FeedConfig  # noqa: E402
from dementi.streams.feeds.poller import FeedPoller  # noqa: E402
from dementi.streams.feeds.runner import run_forever  # noqa: E402
from tests.feeds.server import FeedServer, Route, rss  # noqa: E402

# (label, share of the feeds, mean seconds between two entries)
CLASSES = [("every minute", 0.10, 60.0), ("every 10 min", 0.20, 600.0), ("hourly", 0.30, 3600.0),
           ("daily", 0.40, 86400.0)]
DOCUMENT_ENTRIES = 20
FIXED_INTERVAL = 300.0


@dataclass
class SimFeed:
    """One feed of the simulation: its publication times and the requests it answered."""

    name: str
    label: str
    gap: float
    times: list[float]
    requests: list[float] = field(default_factory=list)

    def url_of(self, index: int) -> str:
        return f"https://bench.example/{self.name}/{index}"

    def render(self, clock: ScaledClock) -> tuple[bytes, dict[str, str]]:
        now = clock.time()
        self.requests.append(now)
        count = bisect.bisect_right(self.times, now)
        items = [{"title": f"Invented story {self.name}-{i}", "link": self.url_of(i), "guid": self.url_of(i),
                  "description": "A spokesperson of an invented ministry commented on the day's events.",
                  "date": format_datetime(datetime.fromtimestamp(self.times[i], timezone.utc), usegmt=True)}
                 for i in range(count - 1, max(-1, count - 1 - DOCUMENT_ENTRIES), -1)]
        return rss(items, lang="en", title=self.name), {"ETag": f'"{count}"'}


def make_feeds(n: int, start: float, end: float, seed: int) -> list[SimFeed]:
    rng = random.Random(seed)
    feeds, made = [], 0
    for index, (label, share, gap) in enumerate(CLASSES):
        count = n - made if index == len(CLASSES) - 1 else round(n * share)
        for _ in range(count):
            before, t = [], start
            while len(before) < DOCUMENT_ENTRIES:  # a full document before the run starts
                t -= rng.expovariate(1 / gap)
                before.append(t)
            after, t = [], start
            while True:
                t += rng.expovariate(1 / gap)
                if t > end:
                    break
                after.append(t)
            feeds.append(SimFeed(f"f{made:03d}", label, gap, sorted(before) + after))
            made += 1
    return feeds


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


@dataclass
class ModeResult:
    mode: str
    latencies: dict[str, list[float]]  # class label -> latency of each entry (s)
    requests: dict[str, int]  # class label -> polls answered in the measured hour
    undelivered: int
    real_seconds: float


async def run_mode(mode: str, sims: list[SimFeed], args, bootstrap: str, data: Path, start: float, t0: float,
                   t_end: float, progress: Progress) -> ModeResult:
    for sim in sims:
        sim.requests.clear()
    clock = ScaledClock(args.speed, start=start)
    server = FeedServer()
    for sim in sims:
        server.routes[f"/{sim.name}.xml"] = Route(render=lambda sim=sim: sim.render(clock))
    server.start()
    feeds_file = data / f"{mode}-feeds.yaml"
    feeds_file.write_text(yaml.safe_dump({"feeds": [
        FeedConfig(url=server.url(f"/{s.name}.xml"), name=s.name, lang="en",
                   interval=FIXED_INTERVAL if mode == "fixed 5 min" else None).to_yaml_dict() for s in sims]}))
    settings = Settings(data_dir=data / mode.replace(" ", "-"), topic_prefix=f"bench{int(time.time() * 1000)}.",
                        feed_timeout=10.0, log_level="WARNING",
                        feed_internal_hosts=["127.0.0.1"])  # the local feed server
    acked: dict[str, float] = {}
    poller = FeedPoller(settings, bootstrap, clock=clock)
    poller.on_published.append(lambda feed, articles, at, how: acked.update({a.url: at for a in articles}))
    stop = asyncio.Event()
    stop_at = t_end + args.tail * 60
    task = progress.add_task(mode, total=stop_at - start)
    began = time.perf_counter()
    runner = asyncio.create_task(run_forever(settings, bootstrap, stop, feeds_file, clock=clock, poller=poller))
    try:
        while clock.time() < stop_at and not runner.done():
            progress.update(task, completed=clock.time() - start)
            await asyncio.sleep(0.25)
    finally:
        stop.set()
        await runner
        server.stop()
    progress.update(task, completed=stop_at - start)
    latencies: dict[str, list[float]] = {label: [] for label, _, _ in CLASSES}
    requests: dict[str, int] = {label: 0 for label, _, _ in CLASSES}
    undelivered = 0
    for sim in sims:
        requests[sim.label] += sum(1 for r in sim.requests if t0 <= r < t_end)
        for index, published in enumerate(sim.times):
            if t0 <= published < t_end:
                at = acked.get(sim.url_of(index))
                if at is None:
                    undelivered += 1
                    at = stop_at
                latencies[sim.label].append(max(0.0, at - published))
    return ModeResult(mode, latencies, requests, undelivered, time.perf_counter() - began)


def _fmt(seconds: float) -> str:
    if seconds != seconds:
        return "–"
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def report(results: list[ModeResult], sims: list[SimFeed], args) -> None:
    console = Console()
    hour = args.minutes / 60
    active = {label for label, _, gap in CLASSES if gap <= args.active_gap}
    counts = {label: sum(1 for s in sims if s.label == label) for label, _, _ in CLASSES}
    table = Table(title=f"adaptive vs fixed polling: {len(sims)} feeds, {args.minutes:g} simulated minutes "
                        f"(x{args.speed:g}), active = publishing at least every {_fmt(args.active_gap)}",
                  title_justify="left")
    for column in ("mode", "requests/hour", "active p50", "active p95", "all p50", "all p95", "entries",
                   "undelivered", "real s"):
        table.add_column(column, justify="left" if column == "mode" else "right")
    for r in results:
        act = [v for label in active for v in r.latencies[label]]
        every = [v for values in r.latencies.values() for v in values]
        table.add_row(r.mode, f"{sum(r.requests.values()) / hour:,.0f}", _fmt(percentile(act, 50)),
                      _fmt(percentile(act, 95)), _fmt(percentile(every, 50)), _fmt(percentile(every, 95)),
                      f"{len(every):,}", str(r.undelivered), f"{r.real_seconds:.0f}")
    console.print(table)
    per_class = Table(title="per rhythm class: requests/hour and latency p50 / p95", title_justify="left")
    per_class.add_column("class")
    per_class.add_column("feeds", justify="right")
    per_class.add_column("entries/hour", justify="right")
    for r in results:
        per_class.add_column(f"{r.mode} req/h", justify="right")
        per_class.add_column(f"{r.mode} p50 / p95", justify="right")
    for label, _, _ in CLASSES:
        row = [label + (" (active)" if label in active else ""), str(counts[label]),
               f"{len(results[0].latencies[label]) / hour:,.0f}"]
        for r in results:
            values = r.latencies[label]
            row += [f"{r.requests[label] / hour:,.0f}", f"{_fmt(percentile(values, 50))} / {_fmt(percentile(values, 95))}"]
        per_class.add_row(*row)
    console.print(per_class)


async def main_async(args) -> None:
    logging.basicConfig(level=logging.WARNING)
    start = time.time()
    t0 = start + args.warmup * 60
    t_end = t0 + args.minutes * 60
    sims = make_feeds(args.feeds, start, t_end + args.tail * 60, args.seed)
    modes = {"adaptive": ["adaptive"], "fixed": ["fixed 5 min"], "both": ["adaptive", "fixed 5 min"]}[args.mode]
    results = []
    with EmbeddedBroker() as broker, tempfile.TemporaryDirectory() as tmp:
        with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                      console=Console(stderr=True), transient=True) as progress:
            for mode in modes:
                results.append(await run_mode(mode, sims, args, broker.bootstrap, Path(tmp), start, t0, t_end,
                                              progress))
    report(results, sims, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--minutes", type=float, default=60.0, help="measured simulated minutes")
    parser.add_argument("--warmup", type=float, default=10.0, help="simulated minutes before measuring")
    parser.add_argument("--tail", type=float, default=10.0, help="simulated minutes run after the measured hour")
    parser.add_argument("--speed", type=float, default=15.0, help="simulated seconds per real second")
    parser.add_argument("--active-gap", type=float, default=600.0, help="mean gap (s) of the feeds counted as active")
    parser.add_argument("--mode", choices=("both", "adaptive", "fixed"), default="both")
    parser.add_argument("--seed", type=int, default=7)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
