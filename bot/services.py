"""The objects handlers and the notifier share, built once in ``bot/app.py`` and stored in
``application.bot_data["svc"]`` (so handlers stay small functions without globals)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from dementi.settings import Settings
from dementi.bot.catalog import RuleCatalog
from dementi.bot.outbox import Outbox
from dementi.bot.store import Store


@dataclass
class Services:
    settings: Settings
    store: Store
    catalog: RuleCatalog
    router: object | None = None      # bot.notify.router.Router
    sender: object | None = None      # bot.notify.sender.Sender
    consumer: object | None = None    # bot.notify.consumer.AlertConsumer
    digest: object | None = None      # bot.notify.digest.DigestFlusher
    article_rate: object | None = None  # bot.notify.article_rate.ArticleRate (articles topic, for /status)
    started_at: float = field(default_factory=time.time)

    @property
    def outbox(self) -> Outbox:
        return Outbox(self.store.conn)


def svc(context) -> Services:
    return context.application.bot_data["svc"]
