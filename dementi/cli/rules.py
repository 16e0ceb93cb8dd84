"""``dementi rules lint|test|explain`` and ``dementi scan``: the rule author's tools (stable CLI).

Exit codes: 0 ok; 1 located errors (lint), failing examples (test), no match (explain, so
scripts can use it as a predicate); 2 usage errors (click). ``scan`` exits 0 even when some input
lines are bad: they are reported on stderr with their line number and skipped.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from dementi.cli.common import cli_settings


def _console(stderr: bool = False) -> Console:
    """No hard wrapping: located error lines must stay greppable one per line."""
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


PATHS = click.argument("paths", nargs=-1, type=click.Path(path_type=Path))


def _load(paths: tuple[Path, ...], err: Console):
    from dementi.rules.loader import load_paths

    paths = paths or (cli_settings(logging=False).rules_dir,)
    loaded, errors = load_paths(paths)
    for e in errors:
        err.print(f"[red]error[/red] {escape(str(e))}", highlight=False)
    return paths, loaded, errors


def _backend(gazetteers: Path | None):
    from dementi.rules.actor_backend import load_backend

    return load_backend(gazetteers or cli_settings(logging=False).gazetteers_dir)


@click.group(name="rules")
def rules() -> None:
    """Lint, test and explain alert rules (YAML files, see docs/rules.md)."""


@rules.command("lint")
@PATHS
def lint(paths: tuple[Path, ...]) -> None:
    """Validate rule files or directories (default: DEMENTI_RULES_DIR).

    Prints every problem as FILE:LINE:COL: FIELD: MESSAGE and exits 1 if there is any.
    Warns about rules the prefilter cannot skip (they run spaCy on every sentence).
    """
    out, err = _console(), _console(stderr=True)
    paths, loaded, errors = _load(paths, err)
    if not errors:
        from dementi.rules.engine import Engine

        for rule_id in Engine(loaded, backend=None).unfilterable_rules:
            lr = next(x for x in loaded if x.rule.id == rule_id)
            err.print(f"[yellow]warning[/yellow] {lr.path}:{lr.line}:{lr.column}: rule '{rule_id}' has no literal cue "
                      "(phrase/lemma) the prefilter can use: it will run spaCy on every sentence", highlight=False)
    files = len({lr.path for lr in loaded})
    if errors:
        out.print(f"[red]{len(errors)} error(s)[/red]; {len(loaded)} valid rule(s)", highlight=False)
        sys.exit(1)
    out.print(f"[green]ok[/green]: {len(loaded)} rule(s) in {files} file(s)", highlight=False)


@rules.command("test")
@PATHS
@click.option("--gazetteers", type=click.Path(path_type=Path), help="Gazetteer directory (default: DEMENTI_GAZETTEERS_DIR).")
@click.option("-v", "--verbose", is_flag=True, help="One line per example instead of dots.")
def test_cmd(paths: tuple[Path, ...], gazetteers: Path | None, verbose: bool) -> None:
    """Run every rule's examples (match / no_match) through the full engine; exit 1 on failure."""
    from dementi.rules.engine import Engine
    from dementi.rules.examples import run_examples

    out, err = _console(), _console(stderr=True)
    started = time.perf_counter()
    paths, loaded, errors = _load(paths, err)
    if errors:
        sys.exit(1)
    engine = Engine(loaded, _backend(gazetteers))
    results = run_examples(engine)
    by_rule: dict[str, list] = {}
    for r in results:
        by_rule.setdefault(r.rule_id, []).append(r)
    for lr in loaded:
        rs = by_rule.get(lr.rule.id, [])
        if verbose:
            for r in rs:
                mark = "[green]PASSED[/green]" if r.passed else "[red]FAILED[/red]"
                out.print(f"{lr.rule.id} [{r.expect}] {escape(r.text[:70])} {mark}")
        else:
            dots = "".join("[green].[/green]" if r.passed else "[red]F[/red]" for r in rs) or "[yellow](no examples)[/yellow]"
            out.print(f"{escape(lr.rule.id)} {dots}")
    failed = [r for r in results if not r.passed]
    if failed:
        out.rule("FAILURES")
        for r in failed:
            out.print(f"[bold red]{escape(r.rule_id)}[/bold red] expected {'a match' if r.expect == 'match' else 'no match'}"
                      f" ({r.source}):\n  {escape(r.text)}")
            if r.detail:
                out.print("  " + escape(r.detail))
    took = time.perf_counter() - started
    colour = "red" if failed else "green"
    out.print(f"[{colour}]{len(results) - len(failed)} passed, {len(failed)} failed[/{colour}] "
              f"({len(loaded)} rules) in {took:.2f}s")
    sys.exit(1 if failed else 0)


@rules.command("explain")
@click.argument("rule_id")
@click.argument("text", required=False)
@click.option("--file", "file_", type=click.File("r", encoding="utf-8"), help="Read the text from a file ('-' = stdin).")
@click.option("--rules", "rules_dir", type=click.Path(path_type=Path), help="Rules directory (default: DEMENTI_RULES_DIR).")
@click.option("--gazetteers", type=click.Path(path_type=Path), help="Gazetteer directory.")
@click.option("--lang", help="Language of the text (default: the rule's only language, else detected).")
@click.option("--title", default="", help="Optional article title (evaluated as the title field).")
def explain(rule_id: str, text: str | None, file_, rules_dir: Path | None, gazetteers: Path | None,
            lang: str | None, title: str) -> None:
    """Show, for every unit of TEXT, each condition's outcome and matched spans.

    Exit 0 when the rule matches somewhere, 1 when it does not.
    """
    from dementi.rules.engine import Engine
    from dementi.rules.examples import render_outcome

    if (text is None) == (file_ is None):
        raise click.UsageError("give TEXT or --file (exactly one)")
    body = text if text is not None else file_.read()
    out, err = _console(), _console(stderr=True)
    _, loaded, errors = _load((rules_dir,) if rules_dir else (), err)
    if errors:
        sys.exit(1)
    engine = Engine(loaded, _backend(gazetteers))
    if engine.rule(rule_id) is None:
        known = ", ".join(sorted(r.id for r in engine.rules)[:20])
        raise click.BadParameter(f"no enabled rule '{rule_id}' (known: {known})", param_hint="RULE_ID")
    report = engine.explain(rule_id, body, lang=lang, title=title)
    rule = engine.rule(rule_id)
    out.print(f"rule [bold]{escape(rule_id)}[/bold] (scope {rule.scope}, fields {', '.join(rule.fields)}), language {report.lang}")
    for clause in engine.missing_clauses(rule_id, f"{title}\n{body}"):
        out.print(f"[yellow]prefilter[/yellow]: the text has none of {escape(', '.join(clause))}: "
                  "the engine would skip it before spaCy")
    for unit in report.units:
        mark = "[green]MATCH[/green]" if unit.outcome.ok else "[dim]no match[/dim]"
        pre = "prefilter: candidate" if unit.candidate else "prefilter: skipped"
        out.print(f"\n[bold]{unit.field}[/bold] {mark} ({pre}): {escape(unit.text)}")
        for line in render_outcome(unit.outcome, unit.text):
            out.print("  " + line)
    out.print("\n" + ("[green]the rule matches[/green]" if report.matched else "[red]the rule does not match[/red]"))
    sys.exit(0 if report.matched else 1)


@click.command("scan")
@click.argument("file", type=click.Path(path_type=Path, allow_dash=True))
@click.option("--rules", "rules_dir", type=click.Path(path_type=Path), help="Rules directory (default: DEMENTI_RULES_DIR).")
@click.option("--gazetteers", type=click.Path(path_type=Path), help="Gazetteer directory (default: DEMENTI_GAZETTEERS_DIR).")
@click.option("--out", "out_path", type=click.Path(path_type=Path, allow_dash=True), default="-", help="Alerts JSONL (default: stdout).")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, show_default="0 = every core",
              help="Worker processes (1 = in this process).")
@click.option("--chunk", type=click.IntRange(min=1), default=64, show_default=True,
              help="Articles per task (spaCy parses a chunk's candidate sentences in one batch).")
def scan(file: Path, rules_dir: Path | None, gazetteers: Path | None, out_path: Path, jobs: int, chunk: int) -> None:
    """Offline detection: read articles (JSONL: id, title, body, optional lang; extra keys ignored)
    and write one JSON alert per line (article_id, rule_id, denier, target, cameo, evidence...).

    No Kafka involved. Runs on every core (--jobs), output in input order whatever the number of
    jobs. A bad line is reported on stderr with its line number and skipped; so is an article the
    engine failed on, and a rule that raised on one article (the other rules still ran). Example:

        dementi scan articles.jsonl --out alerts.jsonl --jobs 2
    """
    import itertools

    from dementi.jsonl import read_jsonl
    from dementi.rules.batch_scan import Scanner, chunked, default_jobs, languages_of
    from dementi.rules.engine import Engine
    from dementi.rules.loader import RuleLoadError

    err = _console(stderr=True)
    settings = cli_settings(logging=False)
    rules_dir = rules_dir or settings.rules_dir
    gazetteers = gazetteers or settings.gazetteers_dir
    try:
        engine = Engine.from_dir(rules_dir, gazetteers)
    except RuleLoadError as exc:
        for e in exc.errors:
            err.print(f"[red]error[/red] {escape(str(e))}")
        sys.exit(1)
    src = sys.stdin if str(file) == "-" else open(file, encoding="utf-8", errors="replace")
    dst = sys.stdout if str(out_path) == "-" else open(out_path, "w", encoding="utf-8")
    total = None
    if str(file) != "-":
        with open(file, "rb") as fh:
            total = sum(1 for _ in fh)
    counts = {"articles": 0, "alerts": 0, "bad": 0}
    progress = Progress(TextColumn("scan"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[alerts]} alerts"),
                        TimeElapsedColumn(), console=err, disable=not err.is_terminal, transient=False)
    done = 0
    jobs = jobs or default_jobs()
    head = list(itertools.islice(src, 512)) if jobs > 1 else []  # its languages' pipelines load once
    try:
        # the pool first: fork must not copy the progress bar's refresh thread
        with Scanner(engine, jobs, rules_dir, gazetteers, preload=languages_of(head)) as scanner, progress:
            task = progress.add_task("scan", total=total, alerts=0)
            for results in scanner.run(chunked(read_jsonl(itertools.chain(head, src)), chunk)):
                for r in results:
                    if r.problem is not None:
                        counts["bad"] += 1
                        err.print(f"[yellow]skipped[/yellow] {file}:{r.lineno}: {escape(r.problem)}")
                        continue
                    if r.error is not None:  # an engine bug on one article must not lose the rest
                        counts["bad"] += 1
                        err.print(f"[red]engine error[/red] {file}:{r.lineno}: {escape(r.error)}")
                        continue
                    counts["articles"] += 1
                    for problem in r.rule_errors:
                        err.print(f"[red]rule error[/red] {file}:{r.lineno}: {escape(problem)}")
                    for alert in r.alerts:
                        dst.write(alert + "\n")
                    counts["alerts"] += len(r.alerts)
                progress.update(task, advance=results[-1].lineno - done, alerts=counts["alerts"])
                done = results[-1].lineno
    finally:
        if dst is not sys.stdout:
            dst.close()
        if src is not sys.stdin:
            src.close()
    err.print(f"{counts['articles']} article(s), {counts['alerts']} alert(s), {counts['bad']} bad line(s) skipped")


__all__ = ["rules", "scan"]
