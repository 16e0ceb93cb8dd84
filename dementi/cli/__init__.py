"""The ``dementi`` command line. Subcommands live in the modules beside this one and are imported lazily,
so ``dementi --help`` is instant and a heavy dependency (spaCy, faust) loads only when used."""

from __future__ import annotations

import importlib

import click

# command name -> "module:attribute" (a click.Command or click.Group)
COMMANDS: dict[str, str] = {
    "run": "dementi.cli.run:run",
    "worker": "dementi.cli.run:worker",
    "stories": "dementi.cli.run:stories",
    "bot": "dementi.cli.botcmd:bot",
    "publish": "dementi.cli.publish:publish",
    "deadletter": "dementi.cli.publish:deadletter",
    "rules": "dementi.cli.rules:rules",
    "scan": "dementi.cli.rules:scan",
    "eval": "dementi.cli.evaluate:eval_cmd",
    "feeds": "dementi.cli.feeds:feeds",
    "tail": "dementi.cli.feeds:tail",
}

HELP = {
    "run": "Run everything: embedded broker (unless DEMENTI_KAFKA_BOOTSTRAP), worker and bot.",
    "worker": "Run the detect worker alone (articles -> rules -> alerts).",
    "stories": "Run the story stage alone (alerts -> one story per event -> stories).",
    "bot": "Run the Telegram bot / notifier alone (alerts -> chats).",
    "publish": "Publish articles from a JSONL file (or - for stdin) to the articles topic.",
    "deadletter": "Show records that were sent to the dead-letter topic.",
    "rules": "Lint, test and explain alert rules.",
    "scan": "Offline detection over a JSONL file of articles, without Kafka.",
    "eval": "Measure the rules on a labelled JSONL corpus (precision/recall/F1).",
    "feeds": "Poll feeds and channels into the articles topic; feeds status|import|export.",
    "tail": "Watch alerts live as they arrive.",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        return getattr(importlib.import_module(module_name), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Use static help text so `dementi --help` does not import every subcommand.
        rows = [(name, HELP.get(name, "")) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dementi")
def cli() -> None:
    """dementi: alerts in Telegram, within a second, when a state actor publicly denies a claim
    or refuses a diplomatic initiative.

    Settings come from DEMENTI_* environment variables (see README). With no
    DEMENTI_KAFKA_BOOTSTRAP an embedded broker is started; with no DEMENTI_TELEGRAM_TOKEN alerts
    are printed on the console.
    """
