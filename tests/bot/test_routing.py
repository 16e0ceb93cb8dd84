"""Routing of story updates on a real SQLite store: filters, mute (chat, rule, story), quiet hours,
digest of stories, disabled rules, the first report sending and later ones editing, replay
idempotency, and the reason stored for every decision."""

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
from tests.bot.conftest import ago, make_alert, stories_of


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
    """alert id -> what routing decided for it in this chat (pending = a new message, edit, muted...)."""
    return {r["alert_id"]: r["status"] for r in store.conn.execute(
        "SELECT alert_id, status FROM alert_routes WHERE chat_id=?", (chat_id,))}


class AlertRouter(Router):
    """The stories the stage would make of these alerts, routed: one alert = one story unless they
    share an article (make_alert's alerts carry no story features)."""

    def __init__(self, *args, book=None, **kwargs):
        from dementi.rules.stories import StoryBook

        super().__init__(*args, **kwargs)
        self.book = book or StoryBook()

    def route(self, alert):
        return self.route_updates(stories_of([alert], self.book))


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
    router = AlertRouter(store, catalog)
    a = make_alert(1)
    assert router.route(a)["pending"] == 1
    assert statuses(store, 1) == {a.alert_id: "pending"} and statuses(store, 2) == {} and statuses(store, 3) == {}
    assert router.route(a) == {}  # replay after a crash (the stage repeats the snapshot): nothing new
    assert len(Outbox(store.conn).due()) == 1


def test_mute_rule_mute_and_paused(store, catalog):
    clock = Clock(1_000_000.0)
    for chat in (1, 2, 3):
        store.subscribe(chat, "all")
    store.set_chat(1, muted_until=clock.t + 60)
    store.mute_rule(2, "test-denial", clock.t + 60)
    store.pause_chat(3, "403 blocked")
    router = AlertRouter(store, catalog, clock=clock)
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
    router = AlertRouter(store, catalog, clock=Clock(night))
    router.route(make_alert(1))
    outbox = Outbox(store.conn)
    assert outbox.due(now=night + 60) == []
    assert len(outbox.due(now=datetime(2026, 1, 16, 7, 0, 1, tzinfo=paris).timestamp())) == 1


def test_disabled_rule_is_not_delivered(store, catalog, tmp_path):
    store.subscribe(1, "all")
    set_rule_disabled(tmp_path, "test-denial", True, by=1)
    router = AlertRouter(store, catalog)
    a = make_alert(1)
    router.route(a)
    assert statuses(store, 1)[a.alert_id] == "disabled"


def test_digest_collects_then_flushes_one_message_per_period(store, catalog):
    utc = ZoneInfo("UTC")
    t0 = datetime(2026, 3, 1, 10, 5, tzinfo=utc).timestamp()
    clock = Clock(t0)
    store.subscribe(1, "all")
    store.set_chat(1, digest="hourly")
    router = AlertRouter(store, catalog, clock=clock)
    alerts = [make_alert(i, title=f"Titre <{i}> & co") for i in range(3)]
    for a in alerts:
        router.route(a)
    assert set(statuses(store, 1).values()) == {"digest"}
    # a later report of a story already in the digest: the digest shows the story once, newest version
    again = make_alert(0, rule_id="test-refusal", tags=("refusal",), article_id=alerts[0].article_id)
    router.route(again)
    assert statuses(store, 1)[again.alert_id] == "digest"
    flusher = DigestFlusher(store, clock=clock)
    assert flusher.flush_due() == 0  # the hour is still running
    clock.t = t0 + 3600
    assert flusher.flush_due() == 1
    assert flusher.flush_due() == 0  # items consumed: never twice
    rows = Outbox(store.conn).due(now=clock.t)
    assert len(rows) == 1 and rows[0].alert_id.startswith("digest:")
    from tests.botapi.html_entities import parse_html
    text = "".join(parse_html(p).text for p in rows[0].parts)
    assert all(text.count(f"Titre <{i}> & co") == 1 for i in range(3)) and "3 stories" in text


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


def test_several_rules_on_one_article_are_one_story_one_message(store, catalog):
    store.subscribe(1, "all")
    router = AlertRouter(store, catalog)
    verb = make_alert(1, denier="Bordurie", article_id="same-article")
    refusal = make_alert(1, rule_id="test-refusal", tags=("refusal",), kind="refusal", denier="Bordurie",
                         article_id="same-article")
    for alert in (verb, refusal):
        router.route(alert)
    st = statuses(store, 1)
    assert st[verb.alert_id] == "pending" and st[refusal.alert_id] == "edit"
    rows = Outbox(store.conn).due()
    assert len(rows) == 1 and rows[0].version == 2  # not sent yet: the one message shows both findings
    assert store.alert(refusal.alert_id) is not None  # in the log for /recent and /explain


def test_distinct_denials_of_one_denier_are_never_suppressed(store, catalog):
    """The bug of issue 14: realert per chat x rule x denier dropped the third denial of a morning."""
    store.subscribe(1, "all")
    router = AlertRouter(store, catalog)
    three = [make_alert(i, denier="Bordurie") for i in range(3)]
    for alert in three:
        router.route(alert)
    assert set(statuses(store, 1).values()) == {"pending"} and len(Outbox(store.conn).due()) == 3


def test_a_sent_story_is_edited_throttled_and_a_muted_story_is_left_alone(store, catalog):
    clock = Clock(2_000_000.0)
    store.subscribe(1, "all")
    store.subscribe(2, "all")
    router = Router(store, catalog, edit_interval=5.0, clock=clock)
    first = make_alert(1, article_id="a")
    second = make_alert(2, article_id="a", rule_id="test-refusal", tags=("refusal",), kind="refusal")
    third = make_alert(3, article_id="a", rule_id="test-low", tags=("clarification",), kind="clarification")
    u1, u2, u3 = stories_of([first, second, third])
    router.route_updates([u1])
    outbox = Outbox(store.conn)
    for row in outbox.due(now=clock.t):  # Telegram accepted both messages
        store.conn.execute("UPDATE story_messages SET message_id = 77, shown = 1, last_edit_at = ? WHERE chat_id = ?",
                           (clock.t, row.chat_id))
        outbox.part_sent(row.id, 1, done=True)
    store.mute_story(2, u1.story_id)
    clock.t += 1
    assert router.route_updates([u2]) == {"edit": 1, "muted": 1}
    edits = outbox.due_edits(now=clock.t + 10)
    assert [(e.chat_id, e.version, e.due_at) for e in edits] == [(1, 2, clock.t - 1 + 5.0)]  # 5 s after the send
    assert statuses(store, 2)[second.alert_id] == "muted"
    reason = store.alert_routes(second.alert_id)
    assert reason[1][2].startswith("story muted")
    router.route_updates([u3])  # a newer version before the edit went out: the same row, newer text
    edits = outbox.due_edits(now=clock.t + 10)
    assert len(edits) == 1 and edits[0].version == 3 and "3 alerts" in edits[0].parts[0]
    assert router.route_updates([u2, u3]) == {}  # replays change nothing
