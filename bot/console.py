"""Console notifier: with no Telegram token, every story update is printed readably and offsets
committed: a new story in full, a later report as one line under its story id.

Uses its own consumer group (``<prefix>-console``) so switching to Telegram later does not skip the
alerts the console already showed. Article text goes through ``rich.text.Text`` (never markup
parsing), so ``[bold]`` or ``<script>`` in a title is shown as-is; control characters and escape
sequences are removed and fields cut like Telegram messages (a hostile entry cannot flood or
drive the terminal).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from rich.console import Console
from rich.text import Text

from dementi.records import Alert, StoryUpdate
from dementi.settings import Settings
from dementi.bot.formatting import actor_label, cut, window
from dementi.terminal import for_terminal
from dementi.bot.notify.consumer import AlertConsumer

STYLE = {"critical": "bold white on red", "high": "bold red", "medium": "bold yellow", "low": "yellow",
         "info": "dim"}


def render(alert: Alert) -> Text:
    """One alert for a terminal: fields cut like Telegram messages (bot/formatting.py), control
    characters and escape sequences removed (dementi/terminal.py)."""
    def clean(value: str | None, kind: str) -> str:
        return for_terminal(cut(value, kind))

    text = Text()
    text.append(f"● {alert.severity.upper():8}", style=STYLE.get(alert.severity, "bold"))
    text.append(clean(alert.rule_title, "rule_title"), style="bold")
    denier, target = for_terminal(actor_label(alert.denier)), for_terminal(actor_label(alert.target))
    if denier or target:
        text.append(f"  {denier or '?'}" + (f" → {target}" if target else ""), style="cyan")
    if alert.cameo:
        text.append(f"  CAMEO {clean(alert.cameo, 'short')}", style="dim")
    text.append("\n  « ")
    windowed, spans = window(alert.evidence.sentence, [(s.start, s.end) for s in alert.evidence.spans])
    sentence = Text()
    pos = 0
    for start, end in sorted((max(0, s), min(len(windowed), e)) for s, e in spans if e > s):
        if start < pos:
            continue
        sentence.append(for_terminal(windowed[pos:start]))
        sentence.append(for_terminal(windowed[start:end]), style="bold black on yellow")
        pos = end
    sentence.append(for_terminal(windowed[pos:]))
    text.append_text(sentence)
    text.append(" »")
    if alert.quote:
        text.append(f"\n  “{clean(alert.quote, 'quote')}”", style="italic")
    text.append(f"\n  {clean(alert.article_title, 'title')}", style="italic")
    if alert.article_source:
        text.append(f" — {clean(alert.article_source, 'source')}", style="dim")
    if alert.article_url:
        text.append(f"\n  {clean(alert.article_url, 'url_text')}", style="blue underline")
    text.append(f"\n  id {clean(alert.alert_id, 'id')} · {alert.detected_at:%Y-%m-%d %H:%M:%S}Z", style="dim")
    return text


def shown_line(alert: Alert) -> str:
    """One ``alert_id<TAB>article_id`` line for ``--shown-file`` (read by ``dementi run --demo``,
    streams/demo.py). Ids from a foreign producer are cleaned so that one alert stays one line."""
    def clean(value: str) -> str:
        return "".join(ch if ch.isprintable() else "?" for ch in value)

    return f"{clean(alert.alert_id)}\t{clean(alert.article_id)}\n"


def render_update(update: StoryUpdate) -> Text:
    """A new story in full; a later report as one line under its story id."""
    if update.version == 1:
        text = render(update.alert)
        text.append(f"\n  story {for_terminal(cut(update.story_id, 'id'))}", style="dim")
        return text
    alert = update.alert
    text = Text()
    text.append(f"  ↳ story {for_terminal(cut(update.story_id, 'id'))} +1 report (v{update.version}, "
                f"{update.article_count} articles, {for_terminal(', '.join(update.languages))}): ", style="cyan")
    text.append(for_terminal(cut(alert.article_title or alert.evidence.sentence, "title")), style="italic")
    if alert.article_source:
        text.append(f" — {for_terminal(cut(alert.article_source, 'source'))}", style="dim")
    return text


async def run_console(settings: Settings, stop: asyncio.Event, console: Console | None = None,
                      shown_file: Path | None = None) -> AlertConsumer:
    """Print story updates until ``stop``. ``shown_file``: append one line per printed alert, AFTER
    it was printed, so a reader of that file knows the alert is on the screen."""
    console = console or Console(highlight=False, soft_wrap=True)
    seen: dict[str, int] = {}

    def show(updates: list[StoryUpdate]) -> None:
        printed = []
        for update in updates:
            if seen.get(update.story_id, 0) >= update.version:
                continue  # a replayed snapshot
            seen[update.story_id] = update.version
            console.print(render_update(update))
            printed.append(update.alert)
        if shown_file is not None and printed:
            console.file.flush()
            with open(shown_file, "a", encoding="utf-8") as out:
                out.write("".join(shown_line(a) for a in printed))

    consumer = AlertConsumer(settings, show, role="console", topic="stories", model=StoryUpdate, fetch_max_wait_ms=10)
    console.print(Text(f"dementi: no DEMENTI_TELEGRAM_TOKEN, printing stories from {settings.stories_topic} "
                       "(set the token to deliver to Telegram)", style="dim"))
    await consumer.run(stop)
    return consumer
