"""What every ``dementi`` command does first: read the settings, set up logging, find the broker.

One loader so that every command reports a bad setting the same way (one line naming the variable,
no traceback) and registers the same secrets for redaction before the first log line.
"""

from __future__ import annotations

import sys
from typing import Any

import click
from pydantic import ValidationError

from dementi.kafka.options import ClientOptions, KafkaSetupError
from dementi.logs import register_secret, setup_logging
from dementi.settings import Settings, load_settings

NO_BOOTSTRAP = ("DEMENTI_KAFKA_BOOTSTRAP is not set: `dementi {cmd}` talks to a running Kafka broker. "
                "Run everything on this machine with `dementi run` (it starts an embedded broker and prints "
                "its address), or point it at a cluster: DEMENTI_KAFKA_BOOTSTRAP=host:port[,...] dementi {cmd}")


def describe_invalid(exc: ValidationError) -> str:
    """One line per problem, naming the variable, WITHOUT the input values: pydantic's own text
    echoes them, and for a check across fields that is every setting, secrets included."""
    lines = []
    for error in exc.errors(include_input=False, include_url=False):
        field = ".".join(str(p) for p in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        lines.append(f"DEMENTI_{field.upper()}: {message}" if field and not message.startswith("DEMENTI_") else message)
    return "; ".join(lines)


def cli_settings(*, logging: bool = True, **overrides: Any) -> Settings:
    """The settings (``overrides`` that are not None win), or a click error naming what is wrong."""
    try:
        settings = load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        raise click.ClickException(f"invalid settings: {describe_invalid(exc)}") from None
    except (ValueError, OSError) as exc:  # a bad YAML settings file
        raise click.ClickException(f"invalid settings: {exc}") from None
    for secret in (settings.telegram_token, settings.kafka_sasl_password):
        if secret is not None:
            register_secret(secret.get_secret_value())
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


def kafka_options(settings: Settings, bootstrap: str, *, exit_code: int = 1) -> ClientOptions:
    """The client options for ``bootstrap``, after checking that the broker accepts our TLS/SASL
    settings; on refusal: one line naming the setting to fix, and exit ``exit_code``. An
    unreachable broker is left to the command (it may wait for it)."""
    from dementi.kafka.preflight import check_connection  # noqa: PLC0415 - loads kafka-python's protocol

    try:
        options = ClientOptions.from_settings(settings, bootstrap)
        check_connection(options)
    except KafkaSetupError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exit_code)
    return options
