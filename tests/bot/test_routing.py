"""Routing stages on a real SQLite store: filters, mute, quiet hours, realert / cross-source
duplicates, digest, disabled rules, and replay idempotency of the outbox."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from dementi.bot.catalog import RuleCatalog, RuleInfo, set_rule_disabled
from dementi.bot.filters import Catalogue, FilterError, parse_filter
from dementi.bot.notify.digest import DigestFlusher
from dementi.bot.notify.router import Router
from dementi.bot.notify.stages import parse_quiet, quiet_end
from dementi.bot.outbox import Outbox
from dementi.bot.store import Store
from tests.bot.conftest import ago, make_alert


class Clock:
    def __init__(self, t: float):
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path)
    yield s
    s.close()


@pytest.fixture
def catalog(rules_dir, tmp_path):
    return RuleCatalog(rules_dir, None, tmp_path)


def statuses(store, chat_id):
    return {r["alert_id"]: r["status"] for r in store.conn.execute("SELECT alert_id, status FROM outbox WHERE chat_id=?",
                                                                   (chat_id,))}


def test_filter_parsing_and_matching():
    known = Catalogue(rule_ids={"test-denial"}, tags={"denial", "refusal"})
    f = parse_filter(["tag:denial", "lang:fr", "lang:en", "severity>=high"], known)
    assert f.canonical() == "tag:denial lang:en lang:fr severity>=high"
    assert f.matches(make_alert(1, severity="high"))
    assert not f.matches(make_alert(2, severity="medium"))
    assert not f.matches(make_alert(3, lang="de"))
    assert parse_filter(["actor:bor"], known).matches(make_alert(4, denier="Bordurie"))
    for bad in (["nope"], ["tag:unknown"], ["lang:french"], ["severity>=extreme"], ["all", "tag:denial"],
                ["severity>=low", "severity<=high"], ["actor:!"]):
        with pytest.raises(FilterError):
            parse_filter(bad, known)


def test_route_respects_filters_exclusions_and_replay(store, catalog):
    store.subscribe(1, "all")
    store.subscribe(2, "tag:refusal")
    store.subscribe(3, "all")
    store.exclude(3, "test-denial")
    router = Router(store, catalog, realert_seconds=0)
    a = make_alert(1)
    assert router.route(a)["pending"] == 1
    assert statuses(store, 1) == {a.alert_id: "pending"} and statuses(store, 2) == {} and statuses(store, 3) == {}
    assert router.route(a) == {}  # replay after a crash: nothing new
    assert len(Outbox(store.conn).due()) == 1


def test_mute_rule_mute_and_paused(store, catalog):
    clock = Clock(1_000_000.0)
    for chat in (1, 2, 3):
        store.subscribe(chat, "all")
    store.set_chat(1, muted_until=clock.t + 60)
    store.mute_rule(2, "test-denial", clock.t + 60)
    store.pause_chat(3, "403 blocked")
    router = Router(store, catalog, realert_seconds=0, clock=clock)
    a = make_alert(1)
    router.route(a)
    assert statuses(store, 1)[a.alert_id] == "muted"
    assert statuses(store, 2)[a.alert_id] == "muted"
    assert statuses(store, 3)[a.alert_id] == "paused"
    clock.t += 120
    b = make_alert(2, rule_id="test-refusal", tags=("refusal",))
    router.route(b)
    assert statuses(store, 1)[b.alert_id] == "pending" and statuses(store, 2)[b.alert_id] == "pending"


def test_quiet_hours_defer_until_window_end(store, catalog):
    paris = ZoneInfo("Europe/Paris")
    night = datetime(2026, 1, 15, 23, 30, tzinfo=paris).timestamp()
    assert quiet_end("22:00-07:00", "Europe/Paris", night) == datetime(2026, 1, 16, 7, 0, tzinfo=paris).timestamp()
    assert quiet_end("22:00-07:00", "Europe/Paris", datetime(2026, 1, 15, 12, 0, tzinfo=paris).timestamp()) is None
    with pytest.raises(ValueError):
        parse_quiet("25:00-07:00")
    store.subscribe(1, "all")
    store.set_chat(1, quiet="22:00-07:00", tz="Europe/Paris")
    router = Router(store, catalog, realert_seconds=0, clock=Clock(night))
    router.route(make_alert(1))
    outbox = Outbox(store.conn)
    assert outbox.due(now=night + 60) == []
    assert len(outbox.due(now=datetime(2026, 1, 16, 7, 0, 1, tzinfo=paris).timestamp())) == 1


def test_realert_per_chat_rule_denier_and_cross_source_duplicates(store, catalog):
    store.subscribe(1, "all")
    router = Router(store, catalog, realert_seconds=3600)
    first = make_alert(1, denier="Bordurie", detected_at=ago(100))
    again = make_alert(2, denier="Bordurie", title="Autre histoire", detected_at=ago(50))
    other_denier = make_alert(3, denier="Syldavie", detected_at=ago(40))
    other_rule = make_alert(4, rule_id="test-refusal", tags=("refusal",), denier="Bordurie", detected_at=ago(30))
    s = "La Bordurie dément fermement avoir massé des troupes près de la frontière nord."
    syndicated_a = make_alert(5, title="Bordurie: démenti sur les troupes", sentence=s, detected_at=ago(20))
    syndicated_b = make_alert(6, title="Bordurie : démenti sur les troupes", sentence=s.replace("fermement ", ""),
                              detected_at=ago(10))
    unrelated = make_alert(7, title="Sujet sans rapport", sentence="Le gouvernement dément une hausse des taxes.",
                           detected_at=ago(5))
    for alert in (first, again, other_denier, other_rule, syndicated_a, syndicated_b, unrelated):
        router.route(alert)
    st = statuses(store, 1)
    assert st[first.alert_id] == "pending"
    assert st[again.alert_id] == "realert"
    assert st[other_denier.alert_id] == "pending"
    assert st[other_rule.alert_id] == "pending"
    assert st[syndicated_a.alert_id] == "pending"
    assert st[syndicated_b.alert_id] == "realert"
    assert st[unrelated.alert_id] == "pending"
    # outside the window the same rule x denier alerts again
    later = make_alert(8, denier="Bordurie", detected_at=ago(-4000))
    router.route(later)
    assert statuses(store, 1)[later.alert_id] == "pending"


def test_per_rule_realert_window_overrides_default(store, catalog):
    class Catalog:
        def get(self, rule_id):
            return RuleInfo(id=rule_id, title=rule_id, realert=10.0)

        def disabled(self):
            return set()

    store.subscribe(1, "all")
    router = Router(store, Catalog(), realert_seconds=3600)
    a, b = make_alert(1, denier="Bordurie", detected_at=ago(60)), make_alert(2, denier="Bordurie", detected_at=ago(0))
    router.route(a)
    router.route(b)
    assert statuses(store, 1)[b.alert_id] == "pending"  # 60 s apart > rule's 10 s window


def test_disabled_rule_is_not_delivered(store, catalog, tmp_path):
    store.subscribe(1, "all")
    set_rule_disabled(tmp_path, "test-denial", True, by=1)
    router = Router(store, catalog, realert_seconds=0)
    a = make_alert(1)
    router.route(a)
    assert statuses(store, 1)[a.alert_id] == "disabled"


def test_digest_collects_then_flushes_one_message_per_period(store, catalog):
    utc = ZoneInfo("UTC")
    t0 = datetime(2026, 3, 1, 10, 5, tzinfo=utc).timestamp()
    clock = Clock(t0)
    store.subscribe(1, "all")
    store.set_chat(1, digest="hourly")
    router = Router(store, catalog, realert_seconds=0, clock=clock)
    alerts = [make_alert(i, title=f"Titre <{i}> & co") for i in range(3)]
    for a in alerts:
        router.route(a)
    assert set(statuses(store, 1).values()) == {"digest"}
    flusher = DigestFlusher(store, clock=clock)
    assert flusher.flush_due() == 0  # the hour is still running
    clock.t = t0 + 3600
    assert flusher.flush_due() == 1
    assert flusher.flush_due() == 0  # items consumed: never twice
    rows = Outbox(store.conn).due(now=clock.t)
    assert len(rows) == 1 and rows[0].alert_id.startswith("digest:")
    from tests.botapi.html_entities import parse_html
    text = "".join(parse_html(p).text for p in rows[0].parts)
    assert all(f"Titre <{i}> & co" in text for i in range(3))


def test_migrate_chat_moves_everything(store):
    store.subscribe(-5, "tag:denial")
    store.set_chat(-5, tz="Europe/Paris")
    Outbox(store.conn).add("a1", -5, "pending", parts=["x"])
    store.migrate_chat(-5, -1005)
    assert store.subscriptions(-5) == [] and store.subscriptions(-1005) == ["tag:denial"]
    assert store.chat(-1005).tz == "Europe/Paris" and store.chat(-5) is None
    assert [r.chat_id for r in Outbox(store.conn).due()] == [-1005]


def test_prune_bounds_the_database_but_keeps_pending_rows(store):
    import time as _time

    a = make_alert(1)
    store.record_alert(a, received_at=_time.time() - 8 * 86400)
    outbox = Outbox(store.conn)
    outbox.add("old-sent", 1, "sent")
    outbox.add("old-pending", 1, "pending", parts=["x"])
    store.conn.execute("UPDATE outbox SET created_at = ?", (_time.time() - 31 * 86400,))
    store.mute_rule(1, "r", _time.time() - 1)
    store.prune()
    assert store.alert(a.alert_id) is None
    assert [r.alert_id for r in outbox.due()] == ["old-pending"] and not outbox.exists("old-sent", 1)
    assert store.conn.execute("SELECT COUNT(*) FROM rule_mutes").fetchone()[0] == 0


def test_several_rules_on_one_article_make_one_message_per_denier(store, catalog):
    store.subscribe(1, "all")
    router = Router(store, catalog, realert_seconds=3600)
    verb = make_alert(1, denier="Bordurie", article_id="same-article")
    claim = make_alert(1, rule_id="test-refusal", tags=("refusal",), denier="Bordurie", article_id="same-article")
    other_denier = make_alert(1, rule_id="test-low", tags=("clarification",), denier="Syldavie",
                              article_id="same-article")
    for alert in (verb, claim, other_denier):
        router.route(alert)
    st = statuses(store, 1)
    assert st[verb.alert_id] == "pending" and st[claim.alert_id] == "duplicate"
    assert st[other_denier.alert_id] == "pending"
    assert store.alert(claim.alert_id) is not None  # still in the log for /recent and /explain
