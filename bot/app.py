"""The ONE place where the Telegram Application is built, and the bot + notifier main loop.

``run_telegram`` runs, in one asyncio process: PTB polling (commands, buttons, uploads), the
stories consumer → router → outbox, the sender (messages and their edits), and the digest flusher. It returns when ``stop``
is set (SIGTERM/SIGINT in ``dementi bot``), after in-flight sends finished.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.error import InvalidToken, NetworkError, TimedOut
from telegram.ext import Application, ContextTypes

from dementi.kafka.options import ClientOptions
from dementi.logs import register_secret
from dementi.records import StoryUpdate
from dementi.settings import Settings
from dementi.bot import handlers
from dementi.bot.catalog import RuleCatalog
from dementi.bot.notify.article_rate import ArticleRate
from dementi.bot.notify.consumer import AlertConsumer
from dementi.bot.notify.digest import DigestFlusher
from dementi.bot.notify.ratelimit import Governor, Limits
from dementi.bot.notify.request_limiter import GovernedRequests
from dementi.bot.notify.router import Router
from dementi.bot.notify.sender import OnSent, Sender
from dementi.bot.policy import chat_served
from dementi.bot.services import Services
from dementi.bot.store import Store
from dementi.bot.update_order import PerChatUpdates
from dementi.waiting import Backoff, aretry

log = logging.getLogger(__name__)


def file_url_for(api_url: str) -> str:
    """``https://api.telegram.org/bot`` -> ``https://api.telegram.org/file/bot`` (same for local servers)."""
    base = api_url.rstrip("/")
    if base.endswith("/bot"):
        return base[: -len("/bot")] + "/file/bot"
    return base + "/file/bot"


def build_application(settings: Settings, services: Services, governor: Governor | None = None) -> Application:
    """The Application: every message it posts or edits keeps to ``governor``'s limits (shared
    with the alert sender), and updates of different chats are handled concurrently."""
    if settings.telegram_token is None:
        raise ValueError("DEMENTI_TELEGRAM_TOKEN is not set")
    token = settings.telegram_token.get_secret_value()
    register_secret(token)
    app = (Application.builder().token(token).base_url(settings.telegram_api_url)
           .base_file_url(file_url_for(settings.telegram_api_url))
           .rate_limiter(GovernedRequests(governor or Governor()))
           .concurrent_updates(PerChatUpdates()).build())
    app.bot_data["svc"] = services
    handlers.register(app)
    app.add_error_handler(_on_error)
    return app


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("handler error for update %s: %s", getattr(update, "update_id", None), context.error,
              exc_info=context.error)


def make_services(settings: Settings) -> Services:
    store = Store.open(settings.ensure_data_dir())
    catalog = RuleCatalog(settings.rules_dir, settings.gazetteers_dir, settings.data_dir)
    return Services(settings=settings, store=store, catalog=catalog)


async def _initialize(app: Application, stop: asyncio.Event) -> bool:
    """getMe with retries: the Bot API may be briefly unreachable; a wrong token is fatal."""

    async def attempt() -> bool:
        await app.initialize()
        return True

    def say(exc: BaseException, delay: float) -> None:
        log.error("Telegram Bot API at %s unreachable (%s); retrying in %.0fs", app.bot.base_url.split("/bot")[0],
                  exc, delay)

    return bool(await aretry(attempt, errors=(NetworkError, TimedOut), stop=stop,
                             backoff=Backoff(first=1.0, cap=30.0), on_retry=say))


async def run_telegram(settings: Settings, stop: asyncio.Event, limits: Limits | None = None,
                       on_sent: OnSent | None = None, services: Services | None = None) -> Services:
    services = services or make_services(settings)
    governor = Governor(limits or Limits())  # one budget for alerts, replies and edits
    app = build_application(settings, services, governor)
    router = Router(services.store, services.catalog, settings.story_edit_interval,
                    served=lambda chat_id: chat_served(settings, chat_id))
    sender = Sender(app.bot, services.store, governor, on_sent=on_sent, edit_interval=settings.story_edit_interval)

    def handle(updates):
        counts = router.route_updates(updates)
        if counts.get("pending") or counts.get("edit"):
            sender.notify()

    # the stories topic is one more hop than the alerts topic was: a short fetch wait keeps it cheap
    consumer = AlertConsumer(settings, handle, topic="stories", model=StoryUpdate, fetch_max_wait_ms=10)
    flusher = DigestFlusher(services.store, on_flush=sender.notify)
    services.router, services.sender, services.consumer, services.digest = router, sender, consumer, flusher
    if services.article_rate is None:  # tests may bring their own (other interval)
        services.article_rate = ArticleRate(ClientOptions.from_settings(settings), settings.articles_topic)
    rate = services.article_rate
    if not await _initialize(app, stop):
        return services
    failed = None
    try:
        await handlers.set_menus(app.bot, settings.admin_user_ids)
        await app.start()
        await app.updater.start_polling(poll_interval=0.0, timeout=10, allowed_updates=Update.ALL_TYPES)
        log.info("bot @%s polling %s; notifier consuming %s", app.bot.username, settings.telegram_api_url
                 if "api.telegram.org" in settings.telegram_api_url else "a custom Bot API server",
                 settings.stories_topic)
        tasks = [asyncio.create_task(consumer.run(stop), name="consumer"),
                 asyncio.create_task(sender.run(stop), name="sender"),
                 asyncio.create_task(flusher.run(stop), name="digest"),
                 asyncio.create_task(rate.run(stop), name="article-rate")]
        for task in tasks:  # a notifier task that dies must take the process down, not fail silently
            task.add_done_callback(lambda t: (not t.cancelled() and t.exception() is not None) and stop.set())
        await stop.wait()
        sender.notify()  # wake the sender so it sees the stop at once
        await asyncio.wait(tasks, timeout=15)
        failed = None
        for task in tasks:
            if not task.done():
                task.cancel()
            elif not task.cancelled() and task.exception():
                failed = task.exception()
                log.critical("notifier task %s died: %r", task.get_name(), failed, exc_info=failed)
    finally:
        if app.updater and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        services.store.close()
    if failed is not None:
        raise RuntimeError(f"notifier stopped because a task died: {failed!r}") from failed
    return services
