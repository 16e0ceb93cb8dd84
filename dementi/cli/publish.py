"""`dementi publish` (JSONL articles -> articles topic) and `dementi deadletter` (read the DLQ)."""

from __future__ import annotations

import json
import sys
from typing import BinaryIO

import click

from dementi.cli.common import cli_settings, kafka_options, require_bootstrap


@click.command(name="publish")
@click.argument("source", type=click.File("rb"), metavar="FILE.jsonl|-")
@click.option("--bootstrap", default=None, help="Kafka host:port[,...] (default: DEMENTI_KAFKA_BOOTSTRAP).")
@click.option("--topic", default=None, help="Target topic (default: the articles topic, e.g. dementi.articles).")
def publish(source: BinaryIO, bootstrap: str | None, topic: str | None) -> None:
    """Publish articles, one JSON object per line, from FILE.jsonl or - (stdin).

    Each line is validated as an Article (required: body; usual: url, title, lang, source,
    published_at); its id is derived from the URL when absent; titles over 1,000 characters are
    cut, URLs over 2,048 refused. Valid lines are published
    (kafka-python, acks=all, keyed by article id) even when other lines are bad. Bad lines are
    reported on stderr as FILE:LINE: reason: detail (field path for schema errors).

    Exit status: 0 all lines published, 1 at least one bad line (the good ones were still
    published), 2 usage or broker error.
    """
    from kafka.errors import KafkaError

    from dementi.kafka.producer import SEND_TIMEOUT, make_producer
    from dementi.kafka.topics import BrokerUnavailable, ensure_topics
    from dementi.streams.decode import Rejected, decode_article

    settings = cli_settings()
    bootstrap = require_bootstrap(settings, "publish", bootstrap, has_option=True)
    options = kafka_options(settings, bootstrap, exit_code=2)
    topic = topic or settings.articles_topic
    name = getattr(source, "name", "-")
    name = "<stdin>" if name in ("-", "<stdin>") else name
    try:
        if topic == settings.articles_topic:
            ensure_topics(settings, bootstrap, timeout=20)
        producer = make_producer(options)
    except (BrokerUnavailable, KafkaError) as exc:
        click.echo(f"error: cannot reach Kafka at {bootstrap}: {exc}", err=True)
        sys.exit(2)
    bad = good = 0
    futures = []
    progress, task, say = _progress(source)
    try:
        with progress:
            for lineno, line in enumerate(source, start=1):
                progress.advance(task, len(line))
                if not line.strip():
                    continue
                try:
                    article = decode_article(line.strip(), settings.max_body_bytes)
                except Rejected as exc:
                    bad += 1
                    say(f"{name}:{lineno}: {exc.reason}: {exc.error}")
                    continue
                futures.append(producer.send(topic, key=article.id.encode("utf-8"), value=article.to_bytes()))
                good += 1
            producer.flush()
        for fut in futures:
            fut.get(timeout=SEND_TIMEOUT)  # a failed send raises instead of being silently lost
    except KafkaError as exc:
        click.echo(f"error: publishing to {topic} at {bootstrap} failed: {exc}", err=True)
        sys.exit(2)
    finally:
        producer.close(timeout=10)
    click.echo(f"published {good} article(s) to {topic}" + (f"; {bad} bad line(s) skipped" if bad else ""),
               err=True)
    sys.exit(1 if bad else 0)


def _progress(source: BinaryIO):
    """A byte-based rich progress bar on an interactive stderr (off in pipes and tests), and how to
    print a line without tearing it."""
    import os

    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    try:
        total = os.fstat(source.fileno()).st_size or None
    except (OSError, AttributeError, ValueError):
        total = None
    enabled = sys.stderr.isatty() and total is not None
    progress = Progress(TextColumn("publishing"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                        console=Console(stderr=True), transient=True, disable=not enabled)
    task = progress.add_task("publish", total=total)
    if enabled:
        return progress, task, lambda text: progress.console.print(text, markup=False, highlight=False,
                                                                   soft_wrap=True)
    return progress, task, lambda text: click.echo(text, err=True)


def _show(record, envelope: dict | None, raw: bytes, as_json: bool) -> None:
    from dementi.streams.deadletter import original_bytes, preview

    if as_json:
        if envelope is None:
            envelope = {"stage": "unknown", "reason": "unreadable_envelope", "raw": preview(raw, 400)}
        click.echo(json.dumps({"dlq_partition": record.partition, "dlq_offset": record.offset, **envelope},
                              ensure_ascii=False))
        return
    if envelope is None:
        click.echo(f"{click.style('[unreadable envelope]', fg='red')} dlq[{record.partition}]@{record.offset}: "
                   f"{preview(raw)}")
        return
    where = f"{envelope.get('topic')}[{envelope.get('partition')}]@{envelope.get('offset')}"
    head = click.style(f"[{envelope.get('stage')}/{envelope.get('reason')}]", fg="yellow", bold=True)
    click.echo(f"{head} {where}  {envelope.get('at', '')}")
    click.echo(f"    error:    {envelope.get('error')}")
    size = envelope.get("original_size", 0)
    cut = " (truncated in envelope)" if envelope.get("original_truncated") else ""
    click.echo(f"    original: {size} bytes{cut}: {preview(original_bytes(envelope))}")


@click.command(name="deadletter")
@click.option("--tail", is_flag=True, help="Keep following new dead letters until Ctrl-C.")
@click.option("--json", "as_json", is_flag=True, help="One JSON envelope per line (original bytes in base64).")
@click.option("--bootstrap", default=None, help="Kafka host:port[,...] (default: DEMENTI_KAFKA_BOOTSTRAP).")
@click.option("--idle", type=float, default=3.0, show_default=True,
              help="Without --tail: stop after this many seconds with no new record.")
@click.option("--limit", type=int, default=None, help="Stop after this many records.")
@click.option("--reason", "reasons", multiple=True,
              help="Only this reason (repeatable), e.g. --reason schema --reason rule_error.")
def deadletter(tail: bool, as_json: bool, bootstrap: str | None, idle: float, limit: int | None,
               reasons: tuple[str, ...]) -> None:
    """Show the records the detect worker could not use, from the beginning of the dead-letter topic.

    For each: stage (decode | rules), reason (invalid_utf8, not_json, schema, body_too_large,
    rule_error, ...), the error with its location (field path, byte, line/column), where the
    record was (topic[partition]@offset) and a printable preview of its original bytes.
    Reads with manual partition assignment, no consumer group: nothing is committed.
    """
    from kafka.errors import KafkaError

    from dementi.kafka.reader import TopicReader

    settings = cli_settings()
    bootstrap = require_bootstrap(settings, "deadletter", bootstrap, has_option=True)
    options = kafka_options(settings, bootstrap, exit_code=2)
    topic = settings.deadletter_topic
    try:
        reader = TopicReader(options, topic, "dementi-deadletter",
                             fetch_max_bytes=64 * 1024 * 1024, max_partition_fetch_bytes=16 * 1024 * 1024)
    except KafkaError as exc:
        click.echo(f"error: cannot reach Kafka at {bootstrap}: {exc}", err=True)
        sys.exit(2)
    shown = 0
    try:
        if not reader.open():
            click.echo(f"no dead letters: topic {topic} does not exist (yet)", err=True)
            return
        # No end offsets (the embedded broker reports them wrongly): stop after an idle period.
        for record in reader.records(idle=None if tail else idle):
            try:
                envelope = json.loads(record.value)
                envelope = envelope if isinstance(envelope, dict) else None
            except (ValueError, TypeError):
                envelope = None
            if reasons and (envelope or {}).get("reason") not in reasons:
                continue
            _show(record, envelope, record.value or b"", as_json)
            shown += 1
            if limit is not None and shown >= limit:
                return
    except KeyboardInterrupt:
        pass
    finally:
        reader.close()
        if not as_json:
            click.echo(f"{shown} dead letter(s) in {topic}", err=True)
