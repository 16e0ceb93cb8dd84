"""Runs the routing stages for each alert × subscribed chat and writes the outcome to the outbox.

``route_batch`` is one SQLite transaction: the consumer commits Kafka offsets only after it returns,
so every alert either has all its outbox rows or none (and will be replayed).
"""

from __future__ import annotations

import logging
import time
from collections import Counter

from dementi.records import Alert
from dementi.bot.catalog import RuleCatalog
from dementi.bot.db import transaction
from dementi.bot.formatting import alert_keyboard, alert_parts
from dementi.bot.notify import stages
from dementi.bot.outbox import Outbox
from dementi.bot.store import Store

log = logging.getLogger(__name__)


class Router:
    def __init__(self, store: Store, catalog: RuleCatalog, realert_seconds: float, clock=time.time,
                 served=lambda chat_id: True):
        self.store = store
        self.outbox = Outbox(store.conn)
        self.catalog = catalog
        self.clock = clock
        self.stages = [
            stages.AlreadyRouted(self.outbox),
            stages.Subscribed(),
            stages.Allowed(served),
            stages.Paused(),
            stages.DisabledRule(catalog.disabled),
            stages.Muted(),
            stages.QuietHours(),
            stages.SameArticle(store.conn),
            stages.Realert(store.conn, realert_seconds),
            stages.Digest(store.conn),
        ]
        self.totals: Counter = Counter()

    def route(self, alert: Alert) -> Counter:
        return self.route_batch([alert])

    def route_batch(self, alerts: list[Alert]) -> Counter:
        counts: Counter = Counter()
        now = self.clock()
        with transaction(self.store.conn):
            chats = self.store.subscribed_chats()
            for alert in alerts:
                self.store.record_alert(alert, now)
                rule = self.catalog.get(alert.rule_id)
                rendered = None
                for chat in chats:
                    d = stages.Delivery(alert=alert, chat=chat, rule=rule, now=now, due_at=now)
                    for stage in self.stages:
                        stage(d)
                        if d.status != stages.PENDING:
                            break
                    if d.status is None:
                        continue
                    if d.status == stages.PENDING:
                        rendered = rendered or alert_parts(alert)
                        self.outbox.add(alert.alert_id, chat.chat_id, stages.PENDING, parts=rendered,
                                        markup=alert_keyboard(alert), due_at=d.due_at, reason=d.reason or None,
                                        detected_at=alert.detected_at.timestamp())
                    else:
                        self.outbox.add(alert.alert_id, chat.chat_id, d.status, reason=d.reason,
                                        detected_at=alert.detected_at.timestamp())
                    counts[d.status] += 1
        self.totals.update(counts)
        return counts
