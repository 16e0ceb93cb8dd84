"""Bench of the feed poller: N local feeds x M entries, embedded broker, three rounds.

Round 1 publishes everything, round 2 is answered by 304s (ETag), round 3 re-downloads the same
documents without validators and must dedup every entry. Prints a table; asserts nothing about
speed (numbers depend on the machine).

    .venv/bin/python bench/feeds.py --feeds 100 --entries 20
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from dementi.settings import Settings  # noqa: E402
from dementi.streams.broker import EmbeddedBroker  # noqa: E402
from dementi.feeds_file import FeedConfig  # noqa: E402
from dementi.streams.feeds.runner import poll_once  # noqa: E402
from tests.feeds.server import FeedServer, Route, rss  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--entries", type=int, default=20)
    args = parser.parse_args()
    server = FeedServer().start()
    feeds = []
    for f in range(args.feeds):
        items = [{"title": f"Invented story {f}-{e}", "link": f"https://bench.example/{f}/{e}",
                  "description": "A spokesperson of an invented ministry rejected the claim. " * 8}
                 for e in range(args.entries)]
        server.routes[f"/f{f}.xml"] = Route(rss(items, lang="en"), etag=f'"{f}"')
        feeds.append(FeedConfig(url=server.url(f"/f{f}.xml"), name=f"f{f}"))
    table = Table(title=f"feed poller: {args.feeds} feeds x {args.entries} entries")
    for col in ("round", "seconds", "published", "seen", "304", "errors", "entries/s"):
        table.add_column(col, justify="right" if col != "round" else "left")
    try:
        with EmbeddedBroker() as broker, tempfile.TemporaryDirectory() as data:
            settings = Settings(data_dir=Path(data), topic_prefix="bench.",
                                feed_internal_hosts=["127.0.0.1"])  # the local feed server
            for label in ("1: new (publish)", "2: ETag -> 304", "3: no validators (dedup)"):
                if label.startswith("3"):
                    for route in server.routes.values():
                        route.etag = None
                start = time.perf_counter()
                summary = poll_once(settings, feeds, broker.bootstrap)
                took = time.perf_counter() - start
                not_modified = sum(r.not_modified for r in summary.results)
                table.add_row(label, f"{took:.2f}", str(summary.new), str(summary.seen), str(not_modified),
                              str(summary.errors), f"{args.feeds * args.entries / took:,.0f}")
    finally:
        server.stop()
    Console().print(table)


if __name__ == "__main__":
    main()
