"""Chaos run: SIGKILL detect workers, the story stage and the notifier N times during a stream, check exactly-once.

Starts ONE embedded broker for the whole run (or uses DEMENTI_KAFKA_BOOTSTRAP) that stays up, then
`dementi worker` x W, `dementi stories` and `dementi bot` (real python-telegram-bot against the Bot API
test server). It streams invented articles in N+1 segments; after each of the first N segments a
random worker, the story stage and the notifier are SIGKILLed at random points and restarted. At
the end every alert the engine computes offline must be in exactly one story, and every chat must
have exactly one message per story, showing its final version. Not a test: prints a table (the
suite's short version is tests/reliability/test_chaos.py).

    .venv/bin/python bench/chaos.py                # 10 rounds, 2 workers, 300 articles
    .venv/bin/python bench/chaos.py --rounds 3 --workers 1
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from dementi.rules.engine import Engine  # noqa: E402
from dementi.streams.broker import EmbeddedBroker  # noqa: E402
from tests.reliability.chaos import CHATS, Stack, expected_deliveries, run_chaos  # noqa: E402
from tests.reliability.helpers import make_articles  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=10, help="kill rounds (each kills one worker and the notifier)")
    ap.add_argument("--workers", type=int, default=2, help="detect workers sharing the partitions")
    ap.add_argument("--articles", type=int, default=300, help="articles streamed during the run")
    ap.add_argument("--denials", type=float, default=0.08, help="share of denial articles")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    console = Console(width=max(100, Console().width))
    external = os.environ.get("DEMENTI_KAFKA_BOOTSTRAP")
    with tempfile.TemporaryDirectory(prefix="dementi-chaos-") as tmp:
        work = Path(tmp)
        broker = None if external else EmbeddedBroker(log_path=work / "broker.log").start()
        bootstrap = external or broker.bootstrap
        stack = None
        try:
            articles = make_articles(args.articles, seed=args.seed, denial_share=args.denials, tag="bench")
            stack = Stack(bootstrap, work, workers=args.workers)
            for i in range(args.workers):
                stack.start_worker(i)
            stack.start_stories()
            stack.start_bot()
            stack.subscribe()
            with console.status("computing the expected alerts offline"):
                expected = expected_deliveries(Engine.from_dir(stack.rules_dir, stack.gazetteers_dir), articles)
            for i in range(args.workers):
                stack.wait_worker_ready(i)
            with console.status(f"{args.rounds} kill rounds over {args.articles} articles"):
                result = run_chaos(stack, articles, expected, rounds=args.rounds, seed=args.seed,
                                   drain_timeout=600)
        finally:
            if stack is not None:
                stack.close()
            if broker is not None:
                broker.stop()

    table = Table(title=f"dementi chaos: {args.rounds} rounds, {args.workers} worker(s), {args.articles} articles")
    for col in ("chat", "subscription", "expected msgs", "delivered", "duplicates", "missing", "unexpected", "stale"):
        table.add_column(col, justify="right" if col not in ("subscription",) else "left")
    for chat, (spec, _) in CHATS.items():
        table.add_row(str(chat), spec, str(result.expected[chat]), str(result.delivered[chat]),
                      str(len(result.duplicates[chat])), str(len(result.missing[chat])), str(len(result.unexpected[chat])),
                      str(len(result.stale[chat])))
    console.print(table)
    kills = {}
    for _, name in result.kills:
        kills[name] = kills.get(name, 0) + 1
    summary = Table(show_header=False)
    summary.add_row("SIGKILLs", ", ".join(f"{n}×{name}" for name, n in sorted(kills.items())))
    summary.add_row("restarts", ", ".join(f"{n}×{name}" for name, n in sorted(result.restarts.items())))
    if result.takeovers:
        summary.add_row("takeover after a worker SIGKILL (s)",
                        f"min {min(result.takeovers):.1f} · median {statistics.median(result.takeovers):.1f} · "
                        f"max {max(result.takeovers):.1f}")
    summary.add_row("run / final drain (s)", f"{result.seconds:.0f} / {result.drain_seconds:.0f}")
    summary.add_row("alerts / stories", f"{result.alerts} / {result.stories} (lost {len(result.lost_alerts)}, "
                                        f"double-counted stories {len(result.double_counted)})")
    summary.add_row("exactly once at every chat", "YES" if result.exactly_once else "NO")
    console.print(summary)
    if not result.exactly_once:
        console.print(f"duplicates {result.duplicates}\nmissing {result.missing}\nunexpected {result.unexpected}\n"
                      f"stale {result.stale}\nlost {result.lost_alerts}\ndouble {result.double_counted}\n"
                      f"kills {result.kills}")
    return 0 if result.exactly_once else 1


if __name__ == "__main__":
    t0 = time.monotonic()
    code = main()
    print(f"({time.monotonic() - t0:.0f}s)")
    sys.exit(code)
