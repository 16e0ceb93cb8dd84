"""What every ``dementi`` command does first: read the settings, set up logging, find the broker.

One loader so that every command reports a bad setting the same way (one line naming the variable,
no traceback) and registers the same secrets for redaction before the first log line.
"""

from __future__ import annotations

from typing import Any

import click

from dementi.logs import register_secret, setup_logging
from dementi.settings import Settings, load_settings

NO_BOOTSTRAP = ("DEMENTI_KAFKA_BOOTSTRAP is not set: `dementi {cmd}` talks to a running Kafka broker. "
                "Run everything on this machine with `dementi run` (it starts an embedded broker and prints "
                "its address), or point it at a cluster: DEMENTI_KAFKA_BOOTSTRAP=host:port[,...] dementi {cmd}")


def cli_settings(*, logging: bool = True, **overrides: Any) -> Settings:
    """The settings (``overrides`` that are not None win), or a click error naming what is wrong."""
    try:
        settings = load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except (ValueError, OSError) as exc:  # pydantic ValidationError names the variable; a bad YAML file
        raise click.ClickException(f"invalid settings: {exc}") from None
    if settings.telegram_token is not None:
        register_secret(settings.telegram_token.get_secret_value())
    if logging:
        setup_logging(settings.log_level, settings.log_json)
    return settings


def require_bootstrap(settings: Settings, cmd: str, option: str | None = None, *,
                      has_option: bool = False) -> str:
    """The broker address (``option``, the command's ``--bootstrap``, wins), or a click error saying
    how to give one."""
    bootstrap = option or settings.kafka_bootstrap
    if not bootstrap:
        raise click.ClickException(NO_BOOTSTRAP.format(cmd=cmd) + (" (or --bootstrap host:port)" if has_option else ""))
    return bootstrap
