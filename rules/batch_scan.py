"""Offline detection over many articles on every core, in input order (``dementi scan --jobs``).

WHY processes: the engine and spaCy are CPU-bound Python, so threads would share one GIL. Each
worker process holds its own :class:`~dementi.rules.engine.Engine` (inherited by ``fork`` where the
platform has it, so rules and gazetteers are not loaded again; rebuilt from the directories
otherwise) and evaluates chunks of input lines with ``Engine.alerts_batch``: the chunk's candidate
sentences are parsed in one ``nlp.pipe``. The parent only reads the JSON lines; it keeps at most
``2 * jobs`` chunks in flight (memory stays bounded on any file size) and hands the results back
chunk by chunk in input order, so the output is the same whatever ``jobs`` is.

Bad lines are results too (:attr:`LineResult.problem`, with their line number), as are articles the
engine failed on (:attr:`LineResult.error`) and rules that raised on one article while the others
ran (:attr:`LineResult.rule_errors`): nothing is dropped silently.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from dataclasses import dataclass, field
from typing import IO, Iterable, Iterator

from pydantic import ValidationError

from dementi.jsonl import read_jsonl
from dementi.records import Article, validation_summary

__all__ = ["LineResult", "Scanner", "article_from", "read_articles", "default_jobs", "chunked", "evaluate_chunk", "languages_of"]

CHUNK_LINES = 64  # lines per task: enough for nlp.pipe to amortise its per-call cost
# (line number, JSON object or None, problem or None): what dementi.jsonl.read_jsonl yields
Record = tuple[int, "dict | None", "str | None"]


def article_from(data: dict) -> tuple[Article | None, str | None]:
    """(Article, None) or (None, problem) for one JSON object of an articles file."""
    try:
        return Article.model_validate(data), None
    except ValidationError as exc:
        return None, validation_summary(exc, whole="record")


def read_articles(stream: IO[str]) -> Iterator[tuple[int, Article | None, str | None]]:
    """(line number, Article, None) or (line number, None, problem) for each non-blank JSONL line."""
    for lineno, data, problem in read_jsonl(stream):
        yield (lineno, None, problem) if data is None else (lineno, *article_from(data))


@dataclass
class LineResult:
    lineno: int
    alerts: list[str] = field(default_factory=list)  # one Alert as JSON per alert
    problem: str | None = None  # not an article (bad JSON, missing body...)
    error: str | None = None  # the engine failed on this article
    rule_errors: list[str] = field(default_factory=list)  # "rule_id: Exception: message"


def default_jobs() -> int:
    """The cores this process may run on (the CPU affinity where the OS tells it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def chunked(records: Iterable[Record], size: int = CHUNK_LINES) -> Iterator[list[Record]]:
    """The records of ``read_jsonl`` (blank lines already skipped), ``size`` at a time."""
    chunk: list[Record] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def languages_of(lines: Iterable[str]) -> set[str]:
    """Languages of the articles on these lines (``lang``, else detected), bad lines ignored."""
    from dementi.rules.nlp import detect_language

    out = set()
    for _, data, _ in read_jsonl(lines):
        article = article_from(data)[0] if data is not None else None
        if article is not None:
            out.add(article.lang or detect_language(f"{article.title}\n{article.body[:1500]}"))
    return out


def _rule_errors(errors) -> list[str]:
    return [f"{rule_id}: {exc.__class__.__name__}: {exc}" for rule_id, exc in errors]


def evaluate_chunk(engine, chunk: list[Record]) -> list[LineResult]:
    """Results of one chunk, line by line. The chunk's articles go through ``alerts_batch``; if the
    batch itself fails, each article is evaluated alone so the failure is located."""
    parsed = [(lineno, None, problem) if data is None else (lineno, *article_from(data))
              for lineno, data, problem in chunk]
    articles = [article for _, article, _ in parsed if article is not None]
    try:
        batch = iter(engine.alerts_batch(articles))
    except Exception:  # located below, one article at a time
        batch = None
    out = []
    for lineno, article, problem in parsed:
        if article is None:
            out.append(LineResult(lineno, problem=problem))
            continue
        if batch is not None:
            alerts, errors = next(batch)
        else:
            errors = []
            try:
                alerts = engine.alerts(article, errors=errors)
            except Exception as exc:
                out.append(LineResult(lineno, error=f"{exc.__class__.__name__}: {exc}"))
                continue
        out.append(LineResult(lineno, [a.model_dump_json() for a in alerts], rule_errors=_rule_errors(errors)))
    return out


# The worker process's engine: set in the parent before fork, or built by _init (spawn).
_ENGINE = None


def _init(rules_dir, gazetteers_dir) -> None:
    global _ENGINE
    if _ENGINE is None:
        from dementi.rules.engine import Engine

        _ENGINE = Engine.from_dir(rules_dir, gazetteers_dir)


def _work(chunk: list[Record]) -> list[LineResult]:
    return evaluate_chunk(_ENGINE, chunk)


class Scanner:
    """``with Scanner(engine, jobs, rules_dir, gazetteers_dir) as s: for results in s.run(chunks)``.

    ``jobs <= 1`` evaluates in this process. Otherwise the worker pool is started when the context
    is entered: do it before starting threads of your own (a progress bar), since ``fork`` copies
    only the calling thread."""

    def __init__(self, engine, jobs: int, rules_dir=None, gazetteers_dir=None, preload: Iterable[str] = ()):
        self.engine, self.jobs = engine, max(1, jobs)
        self._dirs = (rules_dir, gazetteers_dir)
        self._preload = sorted(set(preload))
        self._pool = None

    def __enter__(self) -> "Scanner":
        global _ENGINE
        if self.jobs > 1:
            methods = multiprocessing.get_all_start_methods()
            ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
            if ctx.get_start_method() == "fork":
                _ENGINE = self.engine  # inherited: nothing to load again in the workers
                # spaCy pipelines loaded once here are shared by every worker (copy-on-write)
                # instead of being loaded by each (seconds per language and per process)
                from dementi.rules.nlp import get_pipeline

                for lang in self._preload:
                    get_pipeline(lang)
            self._pool = ctx.Pool(self.jobs, initializer=_init, initargs=self._dirs)
        return self

    def __exit__(self, *exc) -> None:
        global _ENGINE
        if self._pool is not None:
            if exc[0] is None:
                self._pool.close()
            else:
                self._pool.terminate()
            self._pool.join()
            self._pool = None
        _ENGINE = None

    def run(self, chunks: Iterable[list[Record]]) -> Iterator[list[LineResult]]:
        """Each chunk's results, in input order."""
        if self._pool is None:
            for chunk in chunks:
                yield evaluate_chunk(self.engine, chunk)
            return
        pending: deque = deque()
        for chunk in chunks:
            pending.append(self._pool.apply_async(_work, (chunk,)))
            if len(pending) >= 2 * self.jobs:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
