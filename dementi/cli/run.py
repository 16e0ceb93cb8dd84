"""`dementi run` (everything in one command), `dementi worker` (the detect worker alone) and
`dementi stories` (the story stage alone)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dementi.cli.common import cli_settings, require_bootstrap


def _stream_process_options(command):
    """The options every faust process of dementi takes (`dementi worker`, `dementi stories`)."""
    for option in reversed([
        click.option("--ready-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Write this file once partitions are assigned (used by `dementi run`)."),
        click.option("--connect-timeout", type=float, default=60.0, show_default=True,
                     help="Seconds to keep retrying an unreachable broker at start before giving up (exit 2)."),
        click.option("--broker-lost-timeout", type=float, default=30.0, show_default=True,
                     help="Seconds the broker may stay unreachable mid-run before the process exits (exit 3)."),
        click.option("--stop-grace", type=float, default=15.0, show_default=True,
                     help="Seconds a graceful stop may take before the process exits hard."),
    ]):
        command = option(command)
    return command


@click.command(name="worker")
@_stream_process_options
def worker(ready_file: Path | None, connect_timeout: float, broker_lost_timeout: float, stop_grace: float) -> None:
    """Run the detect worker alone: articles topic -> rules -> alerts topic.

    Needs DEMENTI_KAFKA_BOOTSTRAP. Run several workers with the same DEMENTI_CONSUMER_GROUP_PREFIX to
    share the articles partitions (partitions = maximum parallelism). Unusable records go to the
    dead-letter topic (see `dementi deadletter`). Stops cleanly on SIGTERM/SIGINT.

    Exit codes: 0 stopped, 1 crashed, 2 broker unreachable at start, 3 broker lost, 4 bad rules,
    5 the broker refused the TLS/SASL settings (DEMENTI_KAFKA_SECURITY_PROTOCOL, _SSL_*, _SASL_*).
    """
    _run_stream_process("worker", ready_file=ready_file, connect_timeout=connect_timeout,
                        broker_lost_timeout=broker_lost_timeout, stop_grace=stop_grace)


def _run_stream_process(name: str, **options) -> None:
    """Settings, logging, the broker address check, then `dementi <name>`'s faust process; exits with its code."""
    settings = cli_settings()
    require_bootstrap(settings, name)
    if name == "worker":  # faust is heavy: import only when running
        from dementi.streams.worker import run_worker as runner
    else:
        from dementi.streams.stories import run_stories as runner
    sys.exit(runner(settings, **options))


@click.command(name="stories")
@_stream_process_options
def stories(ready_file: Path | None, connect_timeout: float, broker_lost_timeout: float, stop_grace: float) -> None:
    """Run the story stage: alerts topic -> one story per event -> stories topic.

    Files every alert into a story (the same denier denying the same thing within
    DEMENTI_STORY_WINDOW_SECONDS, default 48 h) and publishes each story's new version to
    <prefix>stories, which the notifier reads. State lives in changelog-backed tables: a restart
    resumes where it stopped, several copies share the alerts partitions. Malformed alerts go to
    the dead-letter topic. Needs DEMENTI_KAFKA_BOOTSTRAP; `dementi run` starts it for you.

    Exit codes: 0 stopped, 1 crashed, 2 broker unreachable at start, 3 broker lost, 5 the broker
    refused the TLS/SASL settings.
    """
    _run_stream_process("stories", ready_file=ready_file, connect_timeout=connect_timeout,
                        broker_lost_timeout=broker_lost_timeout, stop_grace=stop_grace)


@click.command(name="run")
@click.option("--demo", is_flag=True,
              help="A demo that ends by itself: publish the sample articles of config/demo/, wait until the console "
                   "printed the alerts they must raise, stop everything; exit 0, or 1 if they did not come.")
@click.option("--demo-timeout", type=float, default=120.0, show_default=True,
              help="With --demo: seconds to wait, once the articles are published, for their alerts.")
@click.option("--feeds/--no-feeds", default=None,
              help="Also run `dementi feeds` (default: on when the feeds file has enabled feeds).")
@click.option("--bot/--no-bot", default=True, show_default=True,
              help="Run `dementi bot` (console notifier when DEMENTI_TELEGRAM_TOKEN is unset).")
@click.option("--stop-grace", type=float, default=20.0, show_default=True,
              help="Seconds each child may take to stop on SIGTERM before it is killed.")
@click.option("--connect-timeout", type=float, default=60.0, show_default=True,
              help="With DEMENTI_KAFKA_BOOTSTRAP: seconds to retry an unreachable broker before giving up (exit 2).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Detect worker processes (one consumer group; useful up to the CPU cores and the "
                   "articles partitions, DEMENTI_TOPIC_PARTITIONS).")
def run(demo: bool, demo_timeout: float, feeds: bool | None, bot: bool, stop_grace: float, connect_timeout: float,
        workers: int) -> None:
    """Run everything on this machine: broker, detect worker, bot (and feeds).

    Starts the embedded Kafka broker unless DEMENTI_KAFKA_BOOTSTRAP is set, creates the topics,
    then runs `dementi worker`, `dementi bot` and `dementi feeds` as child processes. Ctrl-C or
    SIGTERM stops them in order (feeds, worker, bot, broker) and waits for every process. If a
    child dies on its own, everything is stopped and the exit status is 1 (no automatic restart:
    leave that to your service manager); 2 = the external broker is unreachable; 5 = it refused
    the TLS/SASL settings. A declared dependency that does not import stops it before anything
    starts (exit 1, package and fix named).

    \b
    Try: dementi run --demo
    It publishes sample articles (state denials and refusals, and look-alikes that must not
    alert), prints the alerts on the console (even with DEMENTI_TELEGRAM_TOKEN set), then stops
    everything and exits 0 -- or 1, naming the articles whose alerts did not come in time.
    Feeds are off in the demo unless --feeds is given.
    """
    if demo and not bot:
        raise click.UsageError("--demo shows the alerts through the console notifier: drop --no-bot")
    settings = cli_settings()
    from dementi.streams.supervisor import Supervisor

    sys.exit(Supervisor(settings, demo=demo, feeds=feeds, bot=bot, child_grace=stop_grace,
                        connect_timeout=connect_timeout, workers=workers, demo_timeout=demo_timeout).run())
