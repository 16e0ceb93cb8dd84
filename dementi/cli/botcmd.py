"""``dementi bot``: the notifier half of dementi (alerts topic -> chats), runnable on its own.

It needs a broker address: ``dementi run`` sets DEMENTI_KAFKA_BOOTSTRAP for its children; run alone,
set it yourself. Without DEMENTI_TELEGRAM_TOKEN alerts are printed on the console.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path

import click

from dementi.waiting import sleep_or_stop

log = logging.getLogger("dementi.bot")


async def _heartbeat(stop: asyncio.Event) -> None:
    from dementi import metrics  # noqa: PLC0415

    while not stop.is_set():
        metrics.beat()  # /healthz: the event loop still runs
        await sleep_or_stop(stop, 1.0)


async def _watch_broker(bootstrap: str, stop: asyncio.Event) -> None:
    """Say CLEARLY when the broker goes away and when it is back, and show it in /healthz; the
    notifier keeps delivering what is already in its outbox meanwhile."""
    from dementi import metrics  # noqa: PLC0415
    from dementi.kafka.probe import BrokerWatch, watch_broker  # noqa: PLC0415

    watch = BrokerWatch(bootstrap, "Kafka broker {bootstrap} unreachable: no new alerts until it is back "
                        "(retrying; queued deliveries continue)",
                        "Kafka broker {bootstrap} reachable again after {seconds:.0f}s; the notifier reconnects", log)
    await watch_broker(watch, stop, lambda up: metrics.set_info(broker="reachable" if up else "unreachable"))


async def _main(settings, console_only: bool, shown_file=None) -> None:
    from dementi import metrics  # noqa: PLC0415

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    server = metrics.serve(settings, "bot")
    beating = asyncio.create_task(_heartbeat(stop))
    watching = asyncio.create_task(_watch_broker(settings.kafka_bootstrap, stop))
    try:
        if settings.telegram_token is None or console_only:
            from dementi.bot.console import run_console  # noqa: PLC0415 - heavy imports only when used

            await run_console(settings, stop, shown_file=shown_file)
        else:
            from dementi.bot.app import make_services, run_telegram  # noqa: PLC0415

            services = make_services(settings)
            metrics.BOT.bind(services, settings.data_dir / "bot.sqlite3")

            def on_sent(row, index, sent_at):
                alert = None
                if index + 1 >= len(row.parts):  # a story message: since its first alert entered dementi
                    alerts = services.store.story_alerts(row.story_id) if row.story_id else []
                    alert = alerts[0] if alerts else services.store.alert(row.alert_id)
                ingested = alert.ingested_at.timestamp() if alert is not None and alert.ingested_at else None
                metrics.observe_sent(row, index, sent_at, ingested)
                if alert is not None:
                    metrics.observe_source_sent(alert, sent_at)

            await run_telegram(settings, stop, on_sent=on_sent, services=services)
    finally:
        stop.set()
        await asyncio.gather(beating, watching, return_exceptions=True)
        if server is not None:
            server.stop()
    log.info("bot stopped")


@click.command("bot")
@click.option("--console", "console_only", is_flag=True,
              help="Print alerts on the console even when DEMENTI_TELEGRAM_TOKEN is set.")
@click.option("--shown-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Console mode: append 'ALERT_ID<TAB>ARTICLE_ID' to this file after printing each alert "
                   "(`dementi run --demo` waits on it).")
def bot(console_only: bool, shown_file: Path | None) -> None:
    """Run the Telegram bot and notifier (alerts -> subscribed chats).

    \b
    Needs DEMENTI_KAFKA_BOOTSTRAP (host:port); `dementi run` sets it for you.
    DEMENTI_TELEGRAM_TOKEN unset: alerts are printed on the console instead.
    DEMENTI_TELEGRAM_API_URL: Bot API base URL (default https://api.telegram.org/bot).
    State (subscriptions, outbox) lives in DEMENTI_DATA_DIR. Stops cleanly on SIGTERM / Ctrl-C.
    """
    from dementi.cli.common import cli_settings, kafka_options, require_bootstrap  # noqa: PLC0415

    settings = cli_settings()
    # A broker that refuses our TLS/SASL settings stops the bot with one line naming the setting;
    # an unreachable one does not (the notifier waits for it and keeps delivering its outbox).
    kafka_options(settings, require_bootstrap(settings, "bot"))
    from telegram.error import InvalidToken  # noqa: PLC0415

    try:
        asyncio.run(_main(settings, console_only, shown_file))
    except InvalidToken:
        raise click.ClickException("Telegram rejected DEMENTI_TELEGRAM_TOKEN (401 Unauthorized); check the token")
    except KeyboardInterrupt:  # pragma: no cover - signal handler normally catches it
        pass
