"""Console notifier: with no Telegram token, every story update is printed readably and offsets
committed: a new story in full, a later report as one line under its story id.

Uses its own consumer group (``<prefix>-console``) so switching to Telegram later does not skip the
alerts the console already showed. Article text goes through ``rich.text.Text`` (never markup
parsing), so ``[bold]`` or ``<script>`` in a title is shown as-is.
"""

from __future__ import annotations

import asyncio

from rich.console import Console
from rich.text import Text

from dementi.records import Alert, StoryUpdate
from dementi.settings import Settings
from dementi.bot.formatting import actor_label
from dementi.bot.notify.consumer import AlertConsumer

STYLE = {"critical": "bold white on red", "high": "bold red", "medium": "bold yellow", "low": "yellow",
         "info": "dim"}


def render(alert: Alert) -> Text:
    text = Text()
    text.append(f"● {alert.severity.upper():8}", style=STYLE.get(alert.severity, "bold"))
    text.append(alert.rule_title, style="bold")
    denier, target = actor_label(alert.denier), actor_label(alert.target)
    if denier or target:
        text.append(f"  {denier or '?'}" + (f" → {target}" if target else ""), style="cyan")
    if alert.cameo:
        text.append(f"  CAMEO {alert.cameo}", style="dim")
    text.append("\n  « ")
    sentence = Text(alert.evidence.sentence)
    for span in alert.evidence.spans:
        start, end = max(0, span.start), min(len(alert.evidence.sentence), span.end)
        if end > start:
            sentence.stylize("bold black on yellow", start, end)
    text.append_text(sentence)
    text.append(" »")
    if alert.quote:
        text.append(f"\n  “{alert.quote}”", style="italic")
    text.append(f"\n  {alert.article_title}", style="italic")
    if alert.article_source:
        text.append(f" — {alert.article_source}", style="dim")
    if alert.article_url:
        text.append(f"\n  {alert.article_url}", style="blue underline")
    text.append(f"\n  id {alert.alert_id} · {alert.detected_at:%Y-%m-%d %H:%M:%S}Z", style="dim")
    return text


def render_update(update: StoryUpdate) -> Text:
    if update.version == 1:
        text = render(update.alert)
        text.append(f"\n  story {update.story_id}", style="dim")
        return text
    text = Text()
    text.append(f"  ↳ story {update.story_id} +1 report (v{update.version}, {update.article_count} articles, "
                f"{', '.join(update.languages)}): ", style="cyan")
    text.append(update.alert.article_title or update.alert.evidence.sentence[:100], style="italic")
    if update.alert.article_source:
        text.append(f" — {update.alert.article_source}", style="dim")
    return text


async def run_console(settings: Settings, stop: asyncio.Event, console: Console | None = None) -> AlertConsumer:
    console = console or Console(highlight=False, soft_wrap=True)
    seen: dict[str, int] = {}

    def show(updates: list[StoryUpdate]) -> None:
        for update in updates:
            if seen.get(update.story_id, 0) >= update.version:
                continue  # a replayed snapshot
            seen[update.story_id] = update.version
            console.print(render_update(update))

    consumer = AlertConsumer(settings, show, role="console", topic="stories", model=StoryUpdate, fetch_max_wait_ms=10)
    console.print(Text(f"dementi: no DEMENTI_TELEGRAM_TOKEN, printing stories from {settings.stories_topic} "
                       "(set the token to deliver to Telegram)", style="dim"))
    await consumer.run(stop)
    return consumer
