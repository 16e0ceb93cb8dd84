"""WebSub push -> Telegram chat latency, end to end through real processes.

    .venv/bin/python bench/websub.py                 # 40 pushes, one every 1.5 s
    .venv/bin/python bench/websub.py --pushes 3      # smoke run

What runs: the embedded broker, the Bot API test server (in this process), ``dementi worker``,
``dementi stories``, ``dementi bot`` and ``dementi feeds`` (with DEMENTI_PUBLIC_URL: it subscribes to the hub) as
subprocesses, a local WebSub hub and a local feed server (127.0.0.1). One chat subscribes with
``/subscribe all``. Each round the publisher adds an invented French denial to the feed and pings
the hub, which fetches the feed and POSTs it, signed, to dementi's callback. Latency = the moment
the hub starts that POST -> the Bot API test server accepting the alert message (matched by the
entry's URL). Pushes are spaced more than a second apart so Telegram's 1 message/s per chat does
not queue them. DEMENTI_REALERT_SECONDS=0, so the same denier twice is not a "realert".
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn  # noqa: E402
from rich.table import Table  # noqa: E402

from dementi.settings import Settings  # noqa: E402
from dementi.streams.broker import EmbeddedBroker, free_port  # noqa: E402
from dementi.kafka.topics import ensure_topics  # noqa: E402
from tests.botapi.server import DEFAULT_TOKEN, BotApiServer  # noqa: E402
from tests.feeds.hub import Hub  # noqa: E402
from tests.feeds.server import FeedServer, Route, rss  # noqa: E402
from tests.streams.helpers import child_env, start_dementi, stop_process  # noqa: E402

CHAT = 910_001
# (adjective, capital) pairs for invented denials
STATES = [("norvégien", "Oslo"), ("portugais", "Lisbonne"), ("finlandais", "Helsinki"), ("irlandais", "Dublin"),
          ("autrichien", "Vienne"), ("tchèque", "Prague"), ("polonais", "Varsovie"), ("grec", "Athènes"),
          ("suisse", "Berne"), ("danois", "Copenhague")]
THINGS = ["un accord secret avec ses voisins", "une sortie de l'alliance", "un retrait de son ambassadeur",
          "une médiation discrète", "un nouvel embargo"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))] if ordered else float("nan")


# Seconds for the four processes, started together, to be ready. Generous on purpose: the smoke run
# (tests/bench/test_smoke.py) starts every bench script at once on a 2-core machine, where loading
# spaCy and joining the consumer groups takes much longer than alone; a process that dies ends the
# wait at once, so a real failure is not slower to show.
STARTUP_SECONDS = 180.0


def wait(predicate, deadline: float, what: str, logs: list[Path], procs=()) -> object:
    """Poll ``predicate`` until it holds or ``deadline`` (``time.monotonic()``) passes; a process of
    ``procs`` (one per log of ``logs``) exiting meanwhile will never make it hold: fail at once."""
    while True:
        value = predicate()
        if value:
            return value
        dead = [(log.stem, proc.returncode) for proc, log in zip(procs, logs) if proc.poll() is not None]
        if dead or time.monotonic() >= deadline:
            tails = "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-2000:]}" for p in logs if p.exists())
            why = ", ".join(f"{name} exited with {code}" for name, code in dead) if dead else "timed out"
            raise SystemExit(f"{why} while waiting for {what}\n{tails}")
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pushes", type=int, default=40)
    parser.add_argument("--spacing", type=float, default=1.5, help="seconds between two pushes")
    args = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory() as tmp_name, EmbeddedBroker() as broker, BotApiServer() as api:
        tmp = Path(tmp_name)
        settings = Settings(data_dir=tmp / "data", topic_prefix="benchpush.", consumer_group_prefix="benchpush")
        ensure_topics(settings, broker.bootstrap)
        hub, feed = Hub().start(), FeedServer().start()
        topic = feed.url("/wire.xml")
        items: list[dict] = []

        def render() -> bytes:
            return rss(list(reversed(items[-20:])), lang="fr", title="Wire",
                       channel_extra=f'<atom:link rel="hub" href="{hub.url}"/><atom:link rel="self" href="{topic}"/>')

        feed.routes["/wire.xml"] = Route(render=render)
        port = free_port()
        feeds_file = tmp / "feeds.yaml"
        feeds_file.write_text(yaml.safe_dump({"feeds": [{"name": "wire", "url": topic, "lang": "fr"}]}))
        env = child_env(settings, broker.bootstrap, DEMENTI_TELEGRAM_TOKEN=DEFAULT_TOKEN,
                        DEMENTI_TELEGRAM_API_URL=api.url, DEMENTI_BROKER_SESSION_TIMEOUT="3",
                        DEMENTI_BROKER_HEARTBEAT_INTERVAL="0.5", DEMENTI_REALERT_SECONDS="0",
                        DEMENTI_PUBLIC_URL=f"http://127.0.0.1:{port}", DEMENTI_WEBSUB_HOST="127.0.0.1",
                        DEMENTI_WEBSUB_PORT=str(port), DEMENTI_LOG_LEVEL="WARNING",
                        DEMENTI_FEED_INTERNAL_HOSTS="127.0.0.1")  # the local feed server and hub
        ready = {name: tmp / f"{name}.ready" for name in ("worker", "stories")}
        logs = [tmp / f"{name}.log" for name in ("worker", "bot", "feeds", "stories")]
        procs = [start_dementi(["worker", "--ready-file", str(ready["worker"])], env, logs[0]),
                 start_dementi(["bot"], env, logs[1]),
                 start_dementi(["feeds", "--feeds", str(feeds_file)], env, logs[2]),
                 start_dementi(["stories", "--ready-file", str(ready["stories"])], env, logs[3])]  # what the bot reads
        latencies: list[float] = []
        hub_to_ack: list[float] = []
        try:
            # every stage says it is ready (its ready file: partitions assigned; the bot: it answers;
            # feeds: the hub verified its subscription) before the first push starts the clock
            startup = time.monotonic() + STARTUP_SECONDS
            wait(ready["worker"].exists, startup, "the worker", logs, procs)
            wait(ready["stories"].exists, startup, "the story stage", logs, procs)
            api.send_command(CHAT, "subscribe", "all", user_id=CHAT)
            wait(lambda: api.messages(CHAT), startup, "the bot's reply to /subscribe", logs, procs)
            wait(lambda: hub.live(topic), startup, "a verified WebSub subscription", logs, procs)
            pending: dict[str, float] = {}
            with Progress(TextColumn("pushes"), BarColumn(), MofNCompleteColumn(), console=Console(stderr=True),
                          transient=True) as progress:
                task = progress.add_task("", total=args.pushes)
                for n in range(args.pushes):
                    adjective, capital = STATES[n % len(STATES)]
                    url = f"https://push.bench.example/{n}"
                    items.append({"title": f"{capital} dément ({n})", "link": url, "guid": url,
                                  "date": format_datetime(datetime.now(timezone.utc), usegmt=True),
                                  "description": f"Le ministère {adjective} des Affaires étrangères a démenti les "
                                                 f"informations selon lesquelles {capital} préparerait "
                                                 f"{THINGS[n % len(THINGS)]}."})
                    [delivery] = hub.publish(topic)
                    if delivery.status != 200:
                        raise SystemExit(f"push {n} answered HTTP {delivery.status}")
                    pending[url] = delivery.started
                    hub_to_ack.append(delivery.took)
                    time.sleep(args.spacing)
                    progress.update(task, advance=1)
            wait(lambda: all(any(u in m.text or u in str(m.entities) for m in api.messages(CHAT)) for u in pending),
                 time.monotonic() + 60, "every pushed denial in the chat", logs, procs)
            for url, started in pending.items():
                received = min(m.received_at for m in api.messages(CHAT) if url in m.text or url in str(m.entities))
                latencies.append(received - started)
        finally:
            for proc in reversed(procs):
                stop_process(proc)
            hub.stop()
            feed.stop()
    table = Table(title=f"WebSub push -> Telegram chat, {len(latencies)} pushes through real processes",
                  title_justify="left")
    for column in ("measure", "p50", "p95", "p99", "max"):
        table.add_column(column, justify="left" if column == "measure" else "right")
    for label, values in (("hub POST -> chat (end to end)", latencies),
                          ("hub POST -> 200 from the callback (published on Kafka)", hub_to_ack)):
        table.add_row(label, *(f"{percentile(values, q) * 1000:,.0f} ms" for q in (50, 95, 99)),
                      f"{max(values) * 1000:,.0f} ms")
    console.print(table)


if __name__ == "__main__":
    main()
