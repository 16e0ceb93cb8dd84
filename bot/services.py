"""The objects handlers and the notifier share, built once in ``bot/app.py`` and stored in
``application.bot_data["svc"]`` (so handlers stay small functions without globals).

The notifier's parts are None until ``run_telegram`` built them (a handler answering before that,
or a test driving handlers alone, sees None and says "unknown" / "not consuming yet")."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from telegram.ext import ContextTypes

from dementi.bot.catalog import RuleCatalog
from dementi.bot.notify.article_rate import ArticleRate
from dementi.bot.notify.consumer import AlertConsumer
from dementi.bot.notify.digest import DigestFlusher
from dementi.bot.notify.router import Router
from dementi.bot.notify.sender import Sender
from dementi.bot.outbox import Outbox
from dementi.bot.store import Store
from dementi.settings import Settings


@dataclass
class Services:
    settings: Settings
    store: Store
    catalog: RuleCatalog
    router: Router | None = None
    sender: Sender | None = None
    consumer: AlertConsumer | None = None
    digest: DigestFlusher | None = None
    article_rate: ArticleRate | None = None  # articles topic watermarks, for /status
    started_at: float = field(default_factory=time.time)

    @property
    def outbox(self) -> Outbox:
        return Outbox(self.store.conn)


def svc(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data["svc"]
