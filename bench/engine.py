"""Benchmark of the rule engine (not a test): prints a table, asserts nothing.

    .venv/bin/python bench/engine.py                 # 2,400 articles, baseline on 60 of them
    .venv/bin/python bench/engine.py --n 200 --baseline 10   # smoke run

One mixed stream of synthetic French/English news articles (300-800 words, ~5 % with a denial or
refusal cue, 5 % hard negatives) from bench/corpus.py (invented text, shared with bench/e2e.py).
Measured in the same process, one core:
  * prefilter only  -- stage 1 (fold + Aho-Corasick) on every article;
  * full engine     -- ``engine.alerts`` on every article (stage 2 runs spaCy on candidate units);
  * batched engine  -- ``engine.alerts_batch`` on batches of --batch articles (spaCy units of a
    batch parsed together with ``nlp.pipe``) over a second stream of the same mix (seed 8: no
    word already in spaCy's vocabulary); its alerts are checked against ``engine.alerts``;
  * no-cue path     -- ``engine.alerts`` on the articles without any cue;
  * naive baseline  -- the full fr_core_news_sm pipeline on every article. It runs ~10 articles/s,
    so it is measured on a subset (--baseline N articles, same mix) and the rate extrapolated.
Rates are per CPU second of this process (the machine is shared: wall-clock rates are shown too).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dementi.records import Article  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))

from corpus import generate  # noqa: E402  (the generator shared with bench/e2e.py)


def make_stream(n: int, cue_rate: float = 0.05, seed: int = 7) -> list[Article]:
    """``n`` articles of bench/corpus.py: fr/en ~ 60/40, 300-800 words, invented names and places,
    ``cue_rate`` with a state denial/refusal sentence, 5 % hard negatives (clubs, firms, courts).
    ``source`` is "cue" on the articles with a cue (the hard negatives count as false alarms)."""
    return [Article.model_validate(d | {"source": "cue" if d["kind"] == "cue" else d["kind"]})
            for d in generate(n, cue_share=cue_rate, seed=seed)]


def rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


def timed(fn):
    """(result, wall seconds, CPU seconds of this process). On a shared machine the CPU time is
    the honest "one core" measure; the wall time is shown too."""
    w, c = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - w, time.process_time() - c


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2400, help="articles in the stream (default 2400)")
    parser.add_argument("--baseline", type=int, default=60, help="articles for the naive baseline (default 60)")
    parser.add_argument("--batch", type=int, default=256, help="articles per alerts_batch call (default 256)")
    parser.add_argument("--rules", type=Path, default=ROOT / "config" / "rules")
    parser.add_argument("--gazetteers", type=Path, default=ROOT / "config" / "gazetteers")
    args = parser.parse_args(argv)

    from rich.console import Console
    from rich.table import Table

    from dementi.rules.engine import Engine
    from dementi.rules.nlp import get_pipeline

    stream = make_stream(args.n)
    words = sum(len(a.body.split()) for a in stream) / len(stream)
    engine = Engine.from_dir(args.rules, args.gazetteers)
    import spacy

    get_pipeline("fr")  # warm-up so that model loading is not counted
    get_pipeline("en")
    nlp_full = spacy.load("fr_core_news_sm")  # the naive baseline: the complete pipeline, NER included
    for a in stream[:300]:  # warm-up: RE2 builds its DFA lazily, caches fill; a worker runs for days
        engine.alerts(a)

    cue_flags, w_pre, t_pre = timed(lambda: [engine.has_cue(a) for a in stream])
    before = dict(engine.stats)
    alerts, w_full, t_full = timed(lambda: [engine.alerts(a) for a in stream])
    stage2 = engine.stats["stage2_articles"] - before["stage2_articles"]
    stage2_units = engine.stats["stage2_units"] - before["stage2_units"]
    # another stream of the same mix (seed 8): the words of `stream` are already in spaCy's vocab
    stream2 = make_stream(args.n, seed=8)
    batched, w_batch, t_batch = timed(lambda: [alerts for i in range(0, len(stream2), args.batch)
                                                 for alerts, _ in engine.alerts_batch(stream2[i:i + args.batch])])
    same = [[x.model_dump(exclude={"detected_at"}) for x in a] for a in batched] == \
        [[x.model_dump(exclude={"detected_at"}) for x in engine.alerts(art)] for art in stream2]
    no_cue = [a for a, f in zip(stream, cue_flags) if not f]
    _, w_nocue, t_nocue = timed(lambda: [engine.alerts(a) for a in no_cue])
    subset = stream[: args.baseline]
    _, w_naive, t_naive = timed(lambda: [nlp_full(f"{a.title}\n{a.body}") for a in subset])

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    naive_rate = rate(len(subset), t_naive)
    full_rate = rate(len(stream), t_full)
    inserted = sum(1 for a in stream if a.source == "cue")
    table = Table(title=f"rules engine: {len(stream)} articles, avg {words:.0f} words, {inserted} "
                        f"({100 * inserted / len(stream):.1f} %) with a denial/refusal sentence, {sum(cue_flags)} "
                        f"holding all literal clauses of some rule; {len(engine.rules)} rules, "
                        f"{engine._prefilter.literal_count} literals", min_width=100)
    for col in ("path", "articles", "CPU s", "articles/s (CPU)", "articles/s (wall)", "vs naive (CPU)"):
        table.add_column(col, justify="left" if col == "path" else "right")
    rows = [("prefilter only (stage 1)", len(stream), t_pre, w_pre),
            ("full engine (stage 1 + 2)", len(stream), t_full, w_full),
            (f"full engine, alerts_batch of {args.batch} (other stream)", len(stream2), t_batch, w_batch),
            ("no-cue articles, full engine", len(no_cue), t_nocue, w_nocue),
            (f"naive: full fr_core_news_sm, every article (first {len(subset)})", len(subset), t_naive, w_naive)]
    for name, n, secs, wall in rows:
        r = rate(n, secs)
        table.add_row(name, str(n), f"{secs:.2f}", f"{r:,.0f}", f"{rate(n, wall):,.0f}", f"{r / naive_rate:,.1f}×")
    Console(width=140).print(table)
    false_alarms = sum(1 for art, al in zip(stream, alerts) if al and art.source != "cue")
    missed = sum(1 for art, al in zip(stream, alerts) if not al and art.source == "cue")
    print(f"alerts: {sum(len(a) for a in alerts)} on {sum(1 for a in alerts if a)} articles "
          f"({false_alarms} without an inserted cue sentence, {missed} cue articles without alert); "
          f"full engine / naive = {full_rate / naive_rate:.1f}× (target ≥ 30×); "
          f"no-cue path {rate(len(no_cue), t_nocue):,.0f} articles/s (target ≥ 10,000); rates per CPU second of this "
          f"process (one core); peak RSS {peak_mb:.0f} MB")
    print(f"alerts_batch: {'same alerts as alerts()' if same else 'DIFFERENT ALERTS from alerts()'}; "
          f"CPU per article: full engine {1e6 * t_full / len(stream):.0f} µs, batched {1e6 * t_batch / len(stream2):.0f} µs, "
          f"no-cue {1e6 * t_nocue / max(len(no_cue), 1):.0f} µs")
    print(f"stage 2 (spaCy): {stage2} of {len(stream)} articles ({100 * stage2 / len(stream):.1f} %), "
          f"{stage2_units} units parsed ({stage2_units / max(stage2, 1):.1f} per such article)")


if __name__ == "__main__":
    main()
