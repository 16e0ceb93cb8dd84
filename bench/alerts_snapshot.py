"""Snapshot of the engine's alerts, to check that a refactoring leaves detection byte-identical
(not a test: it writes a file and prints a digest, it asserts nothing).

    .venv/bin/python bench/alerts_snapshot.py --out /tmp/after.jsonl
    .venv/bin/python bench/alerts_snapshot.py --out /tmp/after.jsonl /work/shared/corpus/dev*.jsonl
    cmp /tmp/before.jsonl /tmp/after.jsonl

Input: bench/corpus.py's synthetic stream (``--n`` articles, seed 7, the bench's mix) followed by the
articles of every JSONL file given (read like ``dementi scan`` reads them). Each alert is written as
``dementi scan`` writes it, minus ``detected_at`` (the wall clock of the run), one line per alert,
in input order. Both ``engine.alerts`` (what ``dementi scan`` runs) and ``engine.alerts_batch`` (what
the worker runs) are recorded, so both paths are compared. Rules and gazetteers come from the
checkout the ``dementi`` package is imported from, so the same script measures any commit: copy it
(with bench/corpus.py) out of the tree, check the commit out, run it.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import make_stream  # noqa: E402  (bench/corpus.py, the bench's synthetic stream)


def _articles(paths: list[Path], n: int) -> list:
    from dementi.jsonl import read_jsonl
    from dementi.records import Article

    articles = list(make_stream(n))
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for _, obj, problem in read_jsonl(fh):
                if problem is None:
                    articles.append(Article.model_validate(obj))
    return articles


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", type=Path, help="article JSONL files scanned after the synthetic stream")
    parser.add_argument("--n", type=int, default=1000, help="synthetic articles (default 1000)")
    parser.add_argument("--batch", type=int, default=32, help="articles per engine.alerts_batch call (default 32)")
    parser.add_argument("--out", type=Path, required=True, help="where to write the alerts (JSONL)")
    args = parser.parse_args(argv)

    import dementi
    from dementi.rules.engine import Engine

    root = Path(dementi.__file__).resolve().parents[1]
    engine = Engine.from_dir(root / "config" / "rules", root / "config" / "gazetteers")
    articles = _articles(args.files, args.n)
    lines: list[str] = []
    for article in articles:
        lines += ["alerts " + a.model_dump_json(exclude={"detected_at"}) for a in engine.alerts(article)]
    for i in range(0, len(articles), args.batch):
        for alerts, errors in engine.alerts_batch(articles[i:i + args.batch]):
            lines += ["batch " + a.model_dump_json(exclude={"detected_at"}) for a in alerts]
            lines += [f"batch error {rule_id}: {exc!r}" for rule_id, exc in errors]
    data = "".join(line + "\n" for line in lines).encode()
    args.out.write_bytes(data)
    print(f"{root}: {len(articles)} articles, {len(lines)} alert lines, sha256 {hashlib.sha256(data).hexdigest()[:16]}")


if __name__ == "__main__":
    main()
