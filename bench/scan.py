"""Benchmark of ``dementi scan --jobs`` on the dense case (not a test): prints a table, asserts nothing.

    .venv/bin/python bench/scan.py                         # dev.jsonl + dev2.jsonl x10, jobs 1 and 2
    .venv/bin/python bench/scan.py --corpus tests/pack/data/labelled.jsonl --limit 12 --times 2   # smoke

The dense case: the labelled dev corpora (real news excerpts, nearly every one holding a denial,
a refusal or the same vocabulary) repeated --times times, read at run time from
../shared/corpus/ and written to a temporary file (never copied into the repository). Each
article there reaches spaCy, unlike a live feed where ~5 % do (bench/engine.py).

Rows:
  * ``dementi scan --jobs N``  -- the real command in a subprocess, wall time from start to exit
    (model loading included: it is what a user waits for), and the same minus the start-up time
    (a scan of a one-line file with the same --jobs), i.e. the steady rate;
  * baseline -- plain ``fr_core_news_sm`` (the complete pipeline, as spacy.load gives it)
    ``nlp.pipe`` over the same texts (title + body) in this process, model already loaded.
Wall-clock rates: the point of --jobs is to use every core, so CPU time would hide it; the CPU
seconds (of the scan and its workers) are shown beside them, so that a run slowed by other
processes on a shared machine can be told apart. Run it two or three times and compare medians.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
DEFAULT_CORPUS = [CORPUS / "dev.jsonl", CORPUS / "dev2.jsonl"]


def read_corpus(paths: list[Path], times: int, limit: int = 0) -> list[dict]:
    rows = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                rows.append({"id": d["id"], "title": d.get("title", ""), "body": d["body"], "lang": d.get("lang")})
    rows = rows[:limit] if limit else rows
    return [dict(r, id=f"{r['id']}#{k}") for k in range(times) for r in rows]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_scan(src: Path, jobs: int, rules: Path, gazetteers: Path) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of the scan and its workers, alerts) of one ``dementi scan``."""
    out = src.with_suffix(f".alerts{jobs}.jsonl")
    cmd = [sys.executable, "-m", "dementi.cli", "scan", str(src), "--jobs", str(jobs), "--out", str(out),
           "--rules", str(rules), "--gazetteers", str(gazetteers)]
    started, cpu = time.perf_counter(), _children_cpu()
    subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL, cwd=ROOT)
    took = time.perf_counter() - started
    return took, _children_cpu() - cpu, sum(1 for _ in out.open(encoding="utf-8"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, nargs="+", default=DEFAULT_CORPUS, help="labelled JSONL files")
    parser.add_argument("--times", type=int, default=10, help="repetitions of the corpus (default 10)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N items of the corpus (default 0 = all)")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="--jobs values to run (default 1 2)")
    parser.add_argument("--baseline", type=int, default=0,
                        help="articles for the fr_core_news_sm baseline (default 0 = all; the rate is per article)")
    parser.add_argument("--rules", type=Path, default=ROOT / "config" / "rules")
    parser.add_argument("--gazetteers", type=Path, default=ROOT / "config" / "gazetteers")
    args = parser.parse_args(argv)

    from rich.console import Console
    from rich.table import Table

    rows = read_corpus(args.corpus, args.times, args.limit)
    words = sum(len((r["title"] + " " + r["body"]).split()) for r in rows) / len(rows)
    table = Table(title=f"dementi scan, dense case: {len(rows)} articles ({', '.join(p.name for p in args.corpus)} "
                        f"x{args.times}), avg {words:.0f} words; {os.cpu_count()} cores", min_width=100)
    for col in ("path", "articles", "wall s", "articles/s", "start-up s", "articles/s without start-up", "CPU s"):
        table.add_column(col, justify="left" if col == "path" else "right")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "dense.jsonl"
        src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        one = Path(tmp) / "one.jsonl"
        one.write_text(json.dumps(rows[0], ensure_ascii=False) + "\n", encoding="utf-8")
        outputs = {}
        for jobs in args.jobs:
            startup, _, _ = run_scan(one, jobs, args.rules, args.gazetteers)
            took, cpu, alerts = run_scan(src, jobs, args.rules, args.gazetteers)
            outputs[jobs] = (src.with_suffix(f".alerts{jobs}.jsonl")).read_text(encoding="utf-8")
            table.add_row(f"dementi scan --jobs {jobs} ({alerts} alerts)", str(len(rows)), f"{took:.1f}",
                          f"{len(rows) / took:,.1f}", f"{startup:.1f}",
                          f"{len(rows) / (took - startup):,.1f}" if took > startup * 1.1 else "n/a (start-up dominates)",
                          f"{cpu:.1f}")

        import spacy

        nlp = spacy.load("fr_core_news_sm")
        subset = rows[: args.baseline] if args.baseline else rows
        texts = [f"{r['title']}\n{r['body']}" for r in subset]
        started, cpu = time.perf_counter(), time.process_time()
        for _ in nlp.pipe(texts, batch_size=64):
            pass
        took, cpu = time.perf_counter() - started, time.process_time() - cpu
        table.add_row("baseline: fr_core_news_sm nlp.pipe, one process (model loaded)", str(len(subset)), f"{took:.1f}",
                      f"{len(subset) / took:,.1f}", "—", f"{len(subset) / took:,.1f}", f"{cpu:.1f}")
    Console(width=140).print(table)

    def strip(text: str) -> list[dict]:
        return [{k: v for k, v in json.loads(line).items() if k != "detected_at"} for line in text.splitlines()]

    same = len({json.dumps(strip(t), sort_keys=True) for t in outputs.values()}) == 1
    print(f"outputs of {', '.join(f'--jobs {j}' for j in outputs)}: {'identical (same alerts, same order)' if same else 'DIFFERENT'}")


if __name__ == "__main__":
    main()
