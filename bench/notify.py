"""Notifier benchmark: alerts/s through consume → route → outbox → send, and latency from the
alert's ``detected_at`` to the Bot API test server's receipt (p50/p99).

Runs everything in one process on the real parts: the embedded broker (Tansu) over TCP, the
aiokafka consumer, the SQLite outbox, the real python-telegram-bot client and the Bot API test
server on 127.0.0.1. Scenarios:
  burst-1chat     N alerts published at once, 1 chat, flood limits lifted on both sides (pipeline capacity)
  burst-20chats   N/20 alerts at once to 20 chats (fan-out: N messages), limits lifted
  paced-20/s      alerts published at 20/s to 1 chat, limits lifted (intrinsic latency)
  tg-limits       10 alerts at once to 3 chats with Telegram's limits on both sides (1 msg/s per chat);
                  the test server answers any excess with 429 (column "429")

    .venv/bin/python bench/notify.py            # full run (~1 min)
    .venv/bin/python bench/notify.py --n 50     # smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from pydantic import SecretStr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dementi.bot.app import build_application  # noqa: E402
from dementi.bot.catalog import RuleCatalog  # noqa: E402
from dementi.bot.services import Services  # noqa: E402
from dementi.bot.notify.consumer import AlertConsumer  # noqa: E402
from dementi.bot.notify.ratelimit import Governor, Limits, Window  # noqa: E402
from dementi.bot.notify.router import Router  # noqa: E402
from dementi.bot.notify.sender import Sender  # noqa: E402
from dementi.bot.store import Store  # noqa: E402
from dementi.records import Actor, Alert, Evidence, Span, StoryUpdate  # noqa: E402
from dementi.rules.stories import StoryBook  # noqa: E402
from dementi.settings import Settings  # noqa: E402
from dementi.streams.broker import EmbeddedBroker  # noqa: E402
from dementi.kafka.options import ClientOptions  # noqa: E402
from dementi.kafka.producer import make_producer  # noqa: E402
from tests.botapi.limits import TELEGRAM  # noqa: E402
from tests.botapi.limits import UNLIMITED as UNLIMITED_SERVER  # noqa: E402
from tests.botapi.server import DEFAULT_TOKEN, BotApiServer  # noqa: E402

ID_RE = re.compile(r"story ([0-9a-f]{20})")  # one alert = one story here (distinct states)
LIFTED = Window(10**9, 1.0)
UNLIMITED = Limits(per_chat=LIFTED, per_group=LIFTED, overall=LIFTED)
RULES = "rules:\n  - id: bench-denial\n    title: Démenti (bench)\n    tags: [denial]\n    phrase: [\"dément\"]\n"


def make_alert(i: int, run: str) -> Alert:
    sentence = f"Le porte-parole de l'État numéro {i} dément <fermement> & sans détour la rumeur {run}."
    start = sentence.index("dément")
    return Alert(rule_id="bench-denial", rule_title="Démenti (bench)", severity="high", tags=["denial"],
                 article_id=f"{run}-{i}", article_url=f"https://bench.example.org/{run}/{i}",
                 article_title=f"Dépêche {i} <b>&</b>", article_source="Bench", article_lang="fr",
                 evidence=Evidence(sentence=sentence, spans=[Span(start=start, end=start + 6, text="dément")]),
                 denier=Actor(name=f"État {i}", country=f"S{i:06d}"))


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


async def scenario(name: str, bootstrap: str, server, n_alerts: int, chats: int, limits: Limits,
                   pace: float | None) -> dict:
    run = uuid.uuid4().hex[:8]
    tmp = Path(tempfile.mkdtemp(prefix="dementi-bench-"))
    (tmp / "rules").mkdir()
    (tmp / "rules" / "bench.yaml").write_text(RULES, encoding="utf-8")
    settings = Settings(kafka_bootstrap=bootstrap, topic_prefix=f"b{run}.", consumer_group_prefix=f"b{run}",
                        data_dir=tmp / "data", rules_dir=tmp / "rules", telegram_token=SecretStr(DEFAULT_TOKEN),
                        telegram_api_url=server.url)
    store = Store.open(settings.ensure_data_dir())
    chat_ids = [int(f"9{abs(hash(run)) % 10**6}{c:03d}") for c in range(chats)]
    server.set_telegram_limits(limits == Limits())
    for chat in chat_ids:
        server.add_chat(chat)  # the users started the bot
        store.subscribe(chat, "all")
    router = Router(store, RuleCatalog(settings.rules_dir, None, settings.data_dir))
    # The bot object exactly as `dementi bot` builds it (same HTTP pool, same base URLs).
    bot = build_application(settings, Services(settings=settings, store=store, catalog=router.catalog)).bot
    await bot.initialize()
    sender = Sender(bot, store, Governor(limits))
    routed = {"n": 0, "t_last": 0.0}

    def handle(updates):
        routed["n"] += len(updates)
        router.route_updates(updates)
        routed["t_last"] = time.time()
        sender.notify()

    consumer = AlertConsumer(settings, handle, topic="stories", model=StoryUpdate, fetch_max_wait_ms=10)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(consumer.run(stop)), asyncio.create_task(sender.run(stop))]
    deadline = time.monotonic() + 30
    while not consumer.assignment() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)  # let the group settle before timing anything
    producer = make_producer(ClientOptions.from_settings(settings), linger_ms=0)
    detected: dict[str, float] = {}
    cpu0 = time.process_time()  # this process = producer + consumer + router + outbox + sender + PTB
    t0 = time.time()
    book = StoryBook()  # what `dementi stories` publishes for these alerts (one story each)
    for i in range(n_alerts):
        update = book.add(make_alert(i, run)).update
        detected[update.story_id] = update.alert.detected_at.timestamp()
        producer.send(settings.stories_topic, key=update.story_id.encode(), value=update.to_bytes())
        if pace:
            producer.flush()
            await asyncio.sleep(max(0.0, t0 + (i + 1) / pace - time.time()))
    await asyncio.to_thread(producer.flush)
    producer.close()
    expected = n_alerts * chats
    deadline = time.monotonic() + 120 + expected / 20
    while time.monotonic() < deadline:
        got = await asyncio.to_thread(lambda: sum(len(server.messages(c)) for c in chat_ids))
        if got >= expected:
            break
        await asyncio.sleep(0.25)
    cpu = time.process_time() - cpu0
    stop.set()
    sender.notify()
    await asyncio.wait(tasks, timeout=15)
    await bot.shutdown()
    latencies, received = [], []
    sent = {c: server.messages(c) for c in chat_ids}
    for chat in chat_ids:
        for msg in sent[chat]:
            m = ID_RE.search(msg.text)
            if m and m.group(1) in detected:
                latencies.append(msg.received_at - detected[m.group(1)])
                received.append(msg.received_at)
    duplicates = len(received) - len({(c, ID_RE.search(m.text).group(1)) for c in chat_ids
                                      for m in sent[c] if ID_RE.search(m.text)})
    span = (max(received) - t0) if received else float("nan")
    route_span = routed["t_last"] - t0 if routed["t_last"] else float("nan")
    store.close()
    refused = sum(1 for c in chat_ids for r in server.rejected(c) if r == 429)
    return {"name": name, "alerts": n_alerts, "chats": chats, "messages": len(received), "expected": expected,
            "refused_429": refused,
            "duplicates": duplicates, "alerts_per_s": routed["n"] / route_span if route_span > 0 else float("nan"),
            "msgs_per_s": len(received) / span if span > 0 else float("nan"),
            "p50": pct(latencies, 0.5), "p99": pct(latencies, 0.99), "max": max(latencies, default=float("nan")),
            "mean": statistics.fmean(latencies) if latencies else float("nan"),
            "cpu_ms_per_msg": 1000 * cpu / len(received) if received else float("nan")}


class RemoteServer:
    """The Bot API test server in its own process (so it does not share the bot's GIL), read
    through its /_test/ control endpoints."""

    def __init__(self):
        import socket
        import subprocess

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.botapi.server", "--port", str(self.port)],
                                     cwd=ROOT, stdout=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}/bot"
        import httpx

        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30)
        deadline = time.monotonic() + 20
        while True:
            try:
                self.http.get("/_test/sent")
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def messages(self, chat_id: int):
        from types import SimpleNamespace

        rows = self.http.get("/_test/sent", params={"chat_id": chat_id}).json()["result"]
        return [SimpleNamespace(**r) for r in rows]

    def add_chat(self, chat_id: int) -> None:
        self.http.post("/_test/chat", json={"chat_id": chat_id})

    def set_telegram_limits(self, on: bool) -> None:
        self.http.post("/_test/limits", json={"telegram": on})

    def rejected(self, chat_id: int) -> list[int]:
        return self.http.get("/_test/rejected", params={"chat_id": chat_id}).json()["result"]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.http.close()
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except Exception:  # noqa: BLE001
            self.proc.kill()


class InProcessServer(BotApiServer):
    """The same interface as RemoteServer on the in-process server."""

    def set_telegram_limits(self, on: bool) -> None:
        self.set_limits(TELEGRAM if on else UNLIMITED_SERVER)

    def rejected(self, chat_id: int) -> list[int]:
        return [code for _, code, _, _ in self.state.rejected_for(chat_id)]


async def main(n: int, in_process: bool) -> list[dict]:
    results = []
    with EmbeddedBroker() as broker, (InProcessServer() if in_process else RemoteServer()) as server:
        plans = [("burst-1chat", n, 1, UNLIMITED, None),
                 ("burst-20chats", max(1, n // 20), 20, UNLIMITED, None),
                 ("paced-20/s", max(5, min(n, 200)), 1, UNLIMITED, 20.0),
                 ("tg-limits", max(3, min(10, n)), 3, Limits(), None)]
        for name, alerts, chats, limits, pace in plans:
            results.append(await scenario(name, broker.bootstrap, server, alerts, chats, limits, pace))
    return results


def show(results: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="dementi notifier: Kafka → route → outbox → Telegram (Bot API test server)")
    for col in ("scenario", "alerts", "chats", "delivered", "dup", "429", "routed alerts/s", "sent msg/s",
                "p50 latency", "p99 latency", "max", "bot CPU/msg"):
        table.add_column(col, justify="right" if col != "scenario" else "left")
    for r in results:
        table.add_row(r["name"], str(r["alerts"]), str(r["chats"]), f"{r['messages']}/{r['expected']}",
                      str(r["duplicates"]), str(r["refused_429"]), f"{r['alerts_per_s']:.0f}", f"{r['msgs_per_s']:.1f}",
                      f"{r['p50'] * 1000:.0f} ms", f"{r['p99'] * 1000:.0f} ms", f"{r['max'] * 1000:.0f} ms",
                      f"{r['cpu_ms_per_msg']:.1f} ms")
    Console(width=170).print(table)
    print("latency = Alert.detected_at (set just before publishing) → test server receipt of the message; "
          "'routed alerts/s' = alerts through consume+route+outbox commit per second from the first publish; "
          "tg-limits keeps Telegram's 1 msg/s per chat, so its latency is queueing by design; "
          "'bot CPU/msg' = CPU seconds of the bot side per delivered message (stable under machine load).")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="alerts in the burst scenarios (default 1000)")
    parser.add_argument("--in-process", action="store_true",
                        help="run the Bot API test server in this process (shares the GIL with the bot)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    show(asyncio.run(main(args.n, args.in_process)))
