"""``dementi feeds`` (poll RSS/Atom feeds into the articles topic) and ``dementi tail`` (watch alerts).

Both talk to an existing broker (``DEMENTI_KAFKA_BOOTSTRAP``); ``dementi run`` sets it for the
processes it starts. They never start an embedded broker themselves: a second private broker
would silently receive articles nobody reads.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from dementi.cli.common import cli_settings, kafka_options, require_bootstrap
from dementi.settings import Settings


def _settings(bootstrap: str | None, cmd: str) -> tuple[Settings, str]:
    settings = cli_settings()
    bootstrap = require_bootstrap(settings, cmd, bootstrap, has_option=True)
    kafka_options(settings, bootstrap)  # a broker refusing our TLS/SASL settings: say so now, once
    return settings, bootstrap


def _summary_table(summary) -> Table:
    table = Table(title="feeds: one polling round", title_justify="left")
    for column, justify in (("feed", "left"), ("new", "right"), ("seen", "right"), ("too old", "right"),
                            ("not modified", "center"), ("status", "right"), ("error", "left")):
        table.add_column(column, justify=justify, overflow="fold")
    for r in sorted(summary.results, key=lambda r: r.name):
        error = Text(r.error or "", style="red") if r.error else Text(r.warning or "", style="yellow")
        table.add_row(r.name, str(r.new), str(r.seen), str(r.old), "yes" if r.not_modified else "",
                      str(r.status or ""), error)
    table.add_row(Text("total", style="bold"), str(summary.new), str(summary.seen),
                  str(sum(r.old for r in summary.results)), "", "",
                  Text(f"{summary.errors} feed(s) failed" if summary.errors else "", style="red"))
    return table


FEEDS_FILE_HELP = "Feeds file (default: DEMENTI_FEEDS_FILE or config/feeds.yaml)."


@click.group("feeds", invoke_without_command=True)
@click.option("--once", is_flag=True, help="Poll every enabled feed once, print a summary table, exit.")
@click.option("--feeds", "feeds_file", type=click.Path(dir_okay=False, path_type=Path), help=FEEDS_FILE_HELP)
@click.option("--bootstrap", metavar="HOST:PORT", help="Kafka bootstrap (default: DEMENTI_KAFKA_BOOTSTRAP).")
@click.option("--json", "as_json", is_flag=True, help="With --once: print the summary as JSON lines.")
@click.option("--strict", is_flag=True, help="With --once: exit with status 1 if any feed failed.")
@click.pass_context
def feeds(ctx: click.Context, once: bool, feeds_file: Path | None, bootstrap: str | None, as_json: bool,
          strict: bool) -> None:
    """Poll RSS/Atom feeds and publish new entries as articles (or a subcommand below).

    Without --once, runs until SIGTERM/Ctrl-C: each feed at its own adaptive pace, failing feeds
    retried with exponential backoff, the feeds file re-read when it changes. Dedup and HTTP
    cache state live in SQLite under DEMENTI_DATA_DIR, so a restart republishes nothing.
    """
    if ctx.invoked_subcommand is not None:
        return
    from dementi.deps import MissingDependency, require_roles
    from dementi.feeds_file import FeedsConfigError, load_feeds

    settings, bootstrap = _settings(bootstrap, "feeds")
    try:
        require_roles("feeds")  # a broken install stops here, not as a silently weaker extractor later
    except MissingDependency as exc:
        raise click.ClickException(str(exc)) from None
    path = feeds_file or settings.feeds_file
    try:
        feed_list = load_feeds(path)
    except FeedsConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if once:
        _poll_once(settings, bootstrap, feed_list, as_json, strict)
    else:
        _run_forever(settings, bootstrap, path)


def _poll_once(settings: Settings, bootstrap: str, feed_list, as_json: bool, strict: bool) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from dementi.streams.feeds.runner import apoll_once
    from dementi.kafka.topics import BrokerUnavailable

    enabled = [f for f in feed_list if f.enabled]
    err = Console(stderr=True)
    with Progress(TextColumn("polling feeds"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                  console=err, transient=True, disable=as_json or not err.is_terminal) as progress:
        task = progress.add_task("", total=len(enabled))

        def advance(result) -> None:
            progress.update(task, advance=1, description=result.name)

        try:
            summary = asyncio.run(apoll_once(settings, feed_list, bootstrap, on_result=advance))
        except BrokerUnavailable as exc:
            raise click.ClickException(str(exc)) from None
    if as_json:
        for r in sorted(summary.results, key=lambda r: r.name):
            click.echo(json.dumps({"feed": r.name, "new": r.new, "seen": r.seen, "old": r.old, "not_modified": r.not_modified,
                                   "status": r.status, "error": r.error, "warning": r.warning}))
    else:
        Console(soft_wrap=False).print(_summary_table(summary))
    if strict and summary.errors:
        sys.exit(1)


def _run_forever(settings: Settings, bootstrap: str, path: Path) -> None:
    from dementi import metrics
    from dementi.streams.feeds.runner import run_forever

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await run_forever(settings, bootstrap, stop, feeds_file=path)

    server = metrics.serve(settings, "feeds")  # per-source latency histograms, /healthz
    try:
        asyncio.run(main())
    finally:
        if server is not None:
            server.stop()


@feeds.command("status")
@click.option("--feeds", "feeds_file", type=click.Path(dir_okay=False, path_type=Path), help=FEEDS_FILE_HELP)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per source (for scripts).")
def status_cmd(feeds_file: Path | None, as_json: bool) -> None:
    """Each source's health, mode (push/poll) and pace, last item and median latency.

    Read from the status the running `dementi feeds` writes in DEMENTI_DATA_DIR (sources.json,
    every few seconds); no broker needed. Latency = the entry's publication -> its article on
    Kafka, median of the last 64 articles of that source.
    """
    from dementi.feedstatus import SourceStatus, read_snapshot
    from dementi.feeds_file import FeedsConfigError, load_feeds

    settings = cli_settings()
    try:
        feed_list = load_feeds(feeds_file or settings.feeds_file)
    except FeedsConfigError as exc:
        raise click.ClickException(str(exc)) from None
    snapshot = read_snapshot(settings.data_dir)
    known = snapshot.by_name() if snapshot is not None else {}
    rows = [known.get(f.name) or SourceStatus(name=f.name, kind=f.kind, enabled=f.enabled,
                                              health="pending" if f.enabled else "disabled") for f in feed_list]
    for feed, row in zip(feed_list, rows):
        row.enabled = feed.enabled
        if not feed.enabled:
            row.health = "disabled"
    if as_json:
        for row in rows:
            click.echo(json.dumps({**row.model_dump(mode="json", exclude={"latencies"}),
                                   "latency_p50": row.latency_p50, "latency_samples": len(row.latencies)}))
        return
    Console(soft_wrap=False).print(_status_table(rows, snapshot))


_HEALTH_STYLE = {"ok": "green", "failing": "red", "pending": "yellow", "disabled": "dim"}


def _status_table(rows, snapshot) -> Table:
    from dementi.feedstatus import short_duration

    now = time.time()
    ago = lambda when: short_duration(max(0.0, now - when.timestamp())) + " ago" if when else ""  # noqa: E731
    title = (f"sources: status of {ago(snapshot.generated_at)}" if snapshot is not None
             else "sources: `dementi feeds` has not reported yet (not running, or another DEMENTI_DATA_DIR)")
    table = Table(title=title, title_justify="left")
    for column, justify in (("source", "left"), ("kind", "left"), ("health", "left"), ("mode", "left"),
                            ("last item", "right"), ("p50 latency", "right"), ("articles", "right"),
                            ("next poll", "right"), ("error", "left")):
        table.add_column(column, justify=justify, overflow="fold")
    for row in rows:
        next_poll = (short_duration(max(0.0, row.next_poll_at.timestamp() - now))
                     if row.next_poll_at is not None and row.enabled else "")
        p50 = row.latency_p50
        table.add_row(row.name, row.kind, Text(row.health, style=_HEALTH_STYLE.get(row.health, "")), row.pace(now),
                      ago(row.last_item_at), "" if p50 is None else short_duration(p50), str(row.articles), next_poll,
                      Text((row.last_error or "")[:160], style="red"))
    return table


@feeds.command("import")
@click.argument("opml_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--feeds", "feeds_file", type=click.Path(dir_okay=False, path_type=Path), help=FEEDS_FILE_HELP)
@click.option("--lang", help="Language (ISO 639-1) of the outlines that state none (default: detected per article).")
@click.option("--max-age", default="2d", show_default=True,
              help="Entries published longer ago are remembered, not published: no alerts on the backlog.")
@click.option("--disabled", is_flag=True, help="Add the feeds disabled (enable them after checking them).")
@click.option("--dry-run", is_flag=True, help="Show what would be added; change nothing.")
def import_opml_cmd(opml_file: Path, feeds_file: Path | None, lang: str | None, max_age: str, disabled: bool,
                    dry_run: bool) -> None:
    """Add the feeds of an OPML file (exported by any feed reader) to the feeds file.

    All or nothing: every outline is validated first, and any error is reported with its line in
    the OPML file while the feeds file stays untouched. Folders are flattened; feeds already in
    the file (same URL) are skipped. A running `dementi feeds` picks the new feeds up by itself.
    """
    from dementi.feeds_file import FeedsConfigError
    from dementi.streams.feeds.opml import OpmlError, import_opml

    path = feeds_file or cli_settings().feeds_file
    try:
        plan = import_opml(opml_file, path, dry_run=dry_run, lang=lang, max_age=_duration(max_age) or None,
                           enabled=not disabled)
    except (OpmlError, FeedsConfigError) as exc:
        raise click.ClickException(f"{exc}\nnothing imported; {path} is unchanged") from None
    verb = "would add" if dry_run else "added"
    click.echo(f"{len(plan.added)} feed(s) {verb} to {path}" + (" (disabled)" if disabled and plan.added else ""))
    for feed in plan.added:
        click.echo(f"  + {feed.name}  {feed.url}" + (f"  [{feed.lang}]" if feed.lang else ""))
    for line, what, reason in plan.skipped:
        click.echo(f"  = {opml_file} line {line}: {what}: {reason}")


@feeds.command("export")
@click.option("--feeds", "feeds_file", type=click.Path(dir_okay=False, path_type=Path), help=FEEDS_FILE_HELP)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the OPML to this file (default: standard output).")
def export_opml_cmd(feeds_file: Path | None, output: Path | None) -> None:
    """Write every feed of the feeds file as OPML 2.0, for another reader or another dementi.

    Disabled feeds are included (dementi:enabled="false"); dementi's own options travel in
    dementi:* attributes that other readers ignore, so `dementi feeds import` gets them back.
    """
    from dementi.feeds_file import FeedsConfigError, load_feeds
    from dementi.streams.feeds.opml import export_opml

    path = feeds_file or cli_settings().feeds_file
    try:
        text = export_opml(load_feeds(path))
    except FeedsConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"{text.count('<outline ')} feed(s) written to {output}", err=True)


def _duration(value: str | None) -> float:
    from dementi.durations import parse_duration

    try:
        return parse_duration(value) if value else 0.0
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


_SEVERITY_STYLE = {"critical": "bold white on red", "high": "bold red", "medium": "yellow", "low": "cyan", "info": "dim"}


def _render(alert) -> Text:
    """One alert as rich Text (built from parts, so titles containing [markup] print literally;
    fields cut and control characters/escape sequences removed, like the console notifier)."""
    from dementi.bot.formatting import actor_label, cut
    from dementi.terminal import for_terminal

    def clean(value, kind: str) -> str:
        return for_terminal(cut(value, kind))

    when = alert.detected_at.astimezone().strftime("%H:%M:%S")
    denier = for_terminal(actor_label(alert.denier)) if alert.denier else "?"
    line = Text()
    line.append(f"{when} ", style="dim")
    line.append(f"{alert.severity:<8}", style=_SEVERITY_STYLE.get(alert.severity, ""))
    line.append(denier, style="bold")
    line.append("  ")
    line.append(clean(alert.rule_title, "rule_title"), style="magenta")
    line.append("\n    ")
    line.append(clean(alert.article_title, "title") or "(untitled)")
    if alert.article_source:
        line.append(f"  [{clean(alert.article_source, 'source')}]", style="dim")
    if alert.article_url:
        line.append("\n    ")
        line.append(clean(alert.article_url, "url_text"), style="blue underline")
    return line


def _render_story(update) -> Text:
    """One story update: who, what changed, how many sources and languages, the newest title."""
    when = (update.alert.detected_at or update.last_seen).astimezone().strftime("%H:%M:%S")
    line = Text()
    line.append(f"{when} ", style="dim")
    line.append(f"story {update.story_id} v{update.version} ", style="cyan")
    line.append(update.denier.name if update.denier else update.key, style="bold")
    line.append("  new story" if update.version == 1 else f"  +{update.version - 1} report(s)", style="magenta")
    line.append(f"  {update.article_count} article(s), {', '.join(update.outlets[:4]) or '?'}"
                f"{' …' if len(update.outlets) > 4 else ''} [{', '.join(update.languages)}]", style="dim")
    line.append("\n    ")
    line.append(update.alert.article_title or update.alert.evidence.sentence[:120])
    if update.version > 1:
        line.append(f"\n    {update.joined}", style="dim")
    return line


@click.command("tail")
@click.option("--json", "as_json", is_flag=True, help="One alert JSON object per line (for piping).")
@click.option("--stories", is_flag=True, help="Show story updates (one line per new story or new report) instead of alerts.")
@click.option("--from-beginning", is_flag=True, help="Show every alert still on the topic, then follow.")
@click.option("--since", metavar="DURATION", help="Also show alerts from the last DURATION (e.g. 10m, 2h).")
@click.option("--group", metavar="NAME", help="Resume from this named consumer group's committed offsets.")
@click.option("--max", "max_alerts", type=int, help="Exit after this many alerts.")
@click.option("--idle-timeout", type=float, help="Exit after this many seconds without an alert.")
@click.option("--bootstrap", metavar="HOST:PORT", help="Kafka bootstrap (default: DEMENTI_KAFKA_BOOTSTRAP).")
def tail(as_json: bool, stories: bool, from_beginning: bool, since: str | None, group: str | None,
         max_alerts: int | None, idle_timeout: float | None, bootstrap: str | None) -> None:
    """Watch alerts live as they arrive: denier, rule, article title and link. With --stories,
    watch the stories instead: each new story, and each report that joins one (and why).

    By default only alerts produced after start-up are shown (add --since or --from-beginning
    for older ones). With --group NAME, resumes where that group stopped last time.
    """
    from dementi.streams.feeds.tail import BadAlert, _Joining, iter_alerts

    settings, bootstrap = _settings(bootstrap, "tail")
    since_ms = None
    if not from_beginning and not group:
        since_ms = int((time.time() - _duration(since)) * 1000)
    stopping = {"flag": False}
    try:
        previous = signal.signal(signal.SIGTERM, lambda *_: stopping.update(flag=True))
    except ValueError:  # not the main thread (embedded use): Ctrl-C / --max / --idle-timeout only
        previous = None
    out = Console(soft_wrap=True, highlight=False)
    err = Console(stderr=True)
    if not as_json:
        topic = settings.stories_topic if stories else settings.alerts_topic
        err.print(f"[dim]watching {topic} on {bootstrap} (Ctrl-C to stop)[/dim]")
    shown, last_activity = 0, time.monotonic()
    try:
        for item in iter_alerts(settings, bootstrap, since_ms=since_ms, group=group, stop=lambda: stopping["flag"],
                                stories=stories):
            if isinstance(item, _Joining):
                last_activity = time.monotonic()
                continue
            if item is None:
                if idle_timeout is not None and time.monotonic() - last_activity > idle_timeout:
                    break
                continue
            last_activity = time.monotonic()
            if isinstance(item, BadAlert):
                err.print(Text(f"skipped invalid record p{item.partition}@{item.offset}: {item.reason}", style="red"))
                continue
            if as_json:
                sys.stdout.write(item.model_dump_json() + "\n")
                sys.stdout.flush()
            else:
                out.print(_render_story(item) if stories else _render(item))
            shown += 1
            if max_alerts is not None and shown >= max_alerts:
                break
    except KeyboardInterrupt:
        pass
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
