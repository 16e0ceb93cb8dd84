"""``dementi eval FILE.jsonl [FILE ...]``: precision/recall/F1 of a rule set on labelled corpora.
``dementi eval --stories FILE.jsonl [FILE ...]``: pairwise precision/recall of "same story".

Prints a table per language, a table per gold kind (recall for denial/refusal, false-positive rate
for negatives), the denier accuracy when items carry ``denier_codes``, then the false positives
(with the rules that fired), the wrong deniers and the false negatives by id.
``--json`` prints the same numbers as one JSON object for scripts. Exit 0 whatever the scores:
this measures, it does not gate (tests/pack asserts the targets).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def _language_table(report) -> Table:
    table = Table(title="By language (article-level: any alert = positive)", title_justify="left")
    for col in ("lang", "n", "TP", "FP", "FN", "TN", "precision", "recall", "F1"):
        table.add_column(col, justify="left" if col == "lang" else "right")
    rows = list(report.by_language().items()) + [("all", report.overall())]
    for lang, c in rows:
        table.add_row(lang, str(c.n), str(c.tp), str(c.fp), str(c.fn), str(c.tn), _fmt(c.precision),
                      _fmt(c.recall), _fmt(c.f1), style="bold" if lang == "all" else None)
    return table


def _kind_table(report) -> Table:
    table = Table(title="By gold kind", title_justify="left")
    for col in ("kind", "n", "alerted", "rate", "meaning", "alert kind agrees"):
        table.add_column(col, justify="left" if col in ("kind", "meaning") else "right")
    for kind, k in report.by_kind().items():
        table.add_row(kind, str(k["n"]), str(k["alerted"]), _fmt(k["rate"]),
                      "recall" if k["positive"] else "false-positive rate",
                      str(k["kind_agrees"]) if k["positive"] else "")
    return table


def _errors_table(title: str, outcomes, with_rules: bool) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("id")
    table.add_column("lang")
    table.add_column("kind")
    if with_rules:
        table.add_column("rules that fired", overflow="fold")
        table.add_column("denier", overflow="fold")
    for o in outcomes:
        row = [o.item.id, o.item.lang or "?", o.item.kind]
        if with_rules:
            row += [", ".join(o.rules), ", ".join(o.deniers)]
        table.add_row(*row)
    return table


def _wrong_denier_table(outcomes) -> Table:
    table = Table(title=f"Wrong deniers ({len(outcomes)})", title_justify="left")
    for col in ("id", "lang", "gold", "alerted", "rules"):
        table.add_column(col, overflow="fold")
    for o in outcomes:
        table.add_row(o.item.id, o.item.lang or "?", " ".join(o.item.denier_codes),
                      " ".join(c or "unknown" for c in o.denier_codes), ", ".join(o.rules))
    return table


@click.command("eval")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--rules", "rules_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Rules directory (default: DEMENTI_RULES_DIR or config/rules).")
@click.option("--gazetteers", "gazetteers_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Gazetteers directory (default: DEMENTI_GAZETTEERS_DIR or config/gazetteers).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (scores, FP/FN lists) instead of tables.")
@click.option("--stories", is_flag=True,
              help="Measure story identity instead: pairwise precision/recall of 'same story' between articles.")
@click.option("--judged", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="With --stories: YAML of hand-judged item pairs (same:/different: [[id, id, note]]), reported apart.")
@click.option("--window", type=float, default=None, metavar="SECONDS",
              help="With --stories: story window (default DEMENTI_STORY_WINDOW_SECONDS, 48 h).")
def eval_cmd(files: tuple[Path, ...], rules_dir: Path | None, gazetteers_dir: Path | None, as_json: bool,
             stories: bool, judged: Path | None, window: float | None) -> None:
    """Measure the rules on labelled JSONL corpora (precision/recall/F1, denier accuracy).

    Each line: {"id", "label": 1|0, "lang", "kind", "title", "body", "denier_codes"}; title + body
    form the article. Several files are scored as one set. Example:

        dementi eval ../shared/corpus/dev.jsonl ../shared/corpus/dev2.jsonl

    With --stories, files are story-labelled articles ({"id", "event", "lang", "source", "url",
    "title", "body", "published_at"}) and/or detection corpora (every item its own event):

        dementi eval --stories tests/stories/data/events.jsonl ../shared/corpus/dev*.jsonl
    """
    from dementi.rules.engine import Engine, RuleLoadError
    from dementi.rules.scoring import evaluate, load_labelled

    from dementi.cli.common import cli_settings

    settings = cli_settings(logging=False)
    rules_dir = rules_dir or Path(settings.rules_dir)
    gazetteers_dir = gazetteers_dir or (Path(settings.gazetteers_dir) if settings.gazetteers_dir else None)
    try:
        engine = Engine.from_dir(rules_dir, gazetteers_dir)
    except RuleLoadError as exc:
        raise click.ClickException(f"cannot load rules from {rules_dir}:\n{exc}") from None
    if stories:
        _eval_stories(engine, list(files), judged, window if window is not None else settings.story_window_seconds,
                      as_json)
        return
    items, errors = [], []
    for file in files:
        more_items, more_errors = load_labelled(file)
        items += more_items
        errors += more_errors
    err = Console(stderr=True)
    for e in errors:
        err.print(f"[yellow]skipped[/] {e}")
    if sys.stderr.isatty() and not as_json:
        with Progress(TextColumn("evaluating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err, transient=True) as progress:
            task = progress.add_task("eval", total=len(items))
            report = evaluate(engine, items, errors, on_item=lambda _: progress.advance(task))
    else:
        report = evaluate(engine, items, errors)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    out = Console()
    out.print(f"{len(items)} items from {', '.join(map(str, files))}, {len(engine.rules)} rules from {rules_dir}")
    out.print(_language_table(report))
    out.print(_kind_table(report))
    hard = report.hard_negative_fp_rate()
    if hard is not None:
        out.print(f"false positives on hard negatives: {hard:.1%}")
    accuracy = report.denier_accuracy()
    if accuracy is not None:
        out.print(f"denier accuracy: {accuracy:.3f} ({len(report.denier_judged()) - len(report.wrong_deniers())}"
                  f"/{len(report.denier_judged())} detected positives name a right denier in every alert)")
    out.print(_errors_table(f"False positives ({len(report.false_positives())})", report.false_positives(), True))
    out.print(_wrong_denier_table(report.wrong_deniers()))
    out.print(_errors_table(f"False negatives ({len(report.false_negatives())})", report.false_negatives(), False))
    for e in report.errors:
        if "engine error" in e:
            err.print(f"[red]{e}[/]")


def _eval_stories(engine, files: list[Path], judged: Path | None, window: float, as_json: bool) -> None:
    from dementi.rules.storyeval import evaluate_stories, load_items

    err = Console(stderr=True)
    items, errors = [], []
    for file in files:
        more_items, more_errors = load_items(file)
        items += more_items
        errors += more_errors
    if errors:  # a story set with a hole would measure other pairs than the ones labelled: stop
        raise click.ClickException("\n".join(errors))
    if sys.stderr.isatty() and not as_json:
        with Progress(TextColumn("detecting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err, transient=True) as progress:
            task = progress.add_task("stories", total=len(items))
            report = evaluate_stories(engine, items, judged, window, progress=lambda: progress.advance(task))
    else:
        report = evaluate_stories(engine, items, judged, window)
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    out = Console()
    out.print(f"{report.articles} articles from {', '.join(map(str, files))}: {report.alerted} alerted, "
              f"{report.events} gold events, {report.stories} stories (window {window / 3600:g} h)")
    table = Table(title="Same story? (pairs of alerted articles)", title_justify="left")
    for col in ("pairs", "TP", "FP", "FN", "TN", "precision", "recall", "F1"):
        table.add_column(col, justify="left" if col == "pairs" else "right")
    for name, c in report.rows.items():
        table.add_row(name, str(c.tp), str(c.fp), str(c.fn), str(c.tn), _fmt(c.precision), _fmt(c.recall),
                      _fmt(c.f1), style="bold" if name == "all article pairs" else None)
    out.print(table)
    if report.hard:
        hard = Table(title="Hand-judged pairs", title_justify="left")
        for col in ("a", "b", "gold", "predicted", "note"):
            hard.add_column(col, overflow="fold")
        for a, b, gold, predicted, note in report.hard:
            hard.add_row(a, b, "same" if gold else "different", "same" if predicted else "different",
                         note, style=None if gold == predicted else "red")
        out.print(hard)
    errors = Table(title=f"Errors ({len(report.errors)}): FP = merged, FN = kept apart", title_justify="left")
    for col in ("", "a", "b", "why (points of the later article against the story)"):
        errors.add_column(col, overflow="fold")
    for e in report.errors:
        errors.add_row("FN" if e.gold else "FP", e.a, e.b, e.why)
    out.print(errors)
