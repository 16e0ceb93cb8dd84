"""Security review (issue 12), routing side, without Telegram: a stored filter that does not parse
never stops delivery to other chats; the subscription policy is applied to every routing decision;
a chat sees (explains, votes on) only the alerts that were routed to it."""

from __future__ import annotations

import logging

import pytest

from dementi.bot.catalog import RuleCatalog
from dementi.bot.notify.router import Router
from dementi.bot.store import Store
from dementi.rules.stories import StoryBook
from tests.bot.conftest import make_alert, stories_of


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "data")
    yield s
    s.close()


@pytest.fixture
def router(store, tmp_path, rules_dir):
    return Router(store, RuleCatalog(rules_dir, None, tmp_path / "data"))


def routes(store, chat_id):
    """alert id -> what routing decided for it in this chat."""
    return {r["alert_id"]: r["status"] for r in store.conn.execute(
        "SELECT alert_id, status FROM alert_routes WHERE chat_id = ?", (chat_id,))}


def story_rows(router, chat_id):
    return {(r.kind, r.story_id) for r in router.outbox.due(now=10**10) if r.chat_id == chat_id}


def test_a_stored_filter_that_does_not_parse_is_skipped_and_logged_never_fatal(store, router, caplog):
    store.subscribe(1, "all")
    store.subscribe(2, "all")
    # what a forged `tt:` button used to store unchecked: specs the filter parser refuses
    store.subscribe(2, "tag:a/b")
    store.subscribe(3, "tag:")
    store.subscribe(3, "tag:x severity>=huge")
    with caplog.at_level(logging.WARNING, logger="dementi.bot.store"):
        counts = router.route_updates(stories_of([make_alert(1)]))
    assert counts["pending"] == 2  # chats 1 and 2 (its valid filter still works); chat 3 has none valid
    assert story_rows(router, 1) and story_rows(router, 2)
    assert not story_rows(router, 3) and not routes(store, 3)
    warned = " ".join(r.getMessage() for r in caplog.records)
    assert "chat 2" in warned and "chat 3" in warned and "skipped" in warned


def test_allowlist_policy_is_applied_to_every_routing_decision(store, tmp_path, rules_dir, settings):
    from dementi.bot.policy import chat_served

    allow = settings.model_copy(update={"subscription_policy": "allowlist", "allowed_chat_ids": [10],
                                        "admin_user_ids": [77]})
    served = {"policy": allow}
    router = Router(store, RuleCatalog(rules_dir, None, tmp_path / "data"),
                    served=lambda chat_id: chat_served(served["policy"], chat_id))
    for chat in (10, 77, 11, -500):  # subscribed while the policy was open, or before the list changed
        store.subscribe(chat, "all")
    book = StoryBook()
    first = make_alert(2)
    router.route_updates(stories_of([first], book))
    pending = {r.chat_id for r in router.outbox.due(now=10**10)}
    assert pending == {10, 77}  # the allow-listed chat and an admin's private chat only
    assert routes(store, 11) == {first.alert_id: "not_allowed"}
    # chat 10 leaves the list: the next report of the story does not edit its message there
    served["policy"] = allow.model_copy(update={"allowed_chat_ids": []})
    later = make_alert(2, rule_id="test-refusal", article_id=first.article_id)  # same article: same story
    [update] = stories_of([later], book)
    assert update.version == 2
    router.route_updates([update])
    assert routes(store, 10)[later.alert_id] == "not_allowed"
    assert ("edit", update.story_id) not in story_rows(router, 10)
    assert routes(store, 77)[later.alert_id] == "edit"


def test_chat_served_by_policy(settings):
    from dementi.bot.policy import chat_served

    assert chat_served(settings, 123)  # open policy serves everyone
    allow = settings.model_copy(update={"subscription_policy": "allowlist", "allowed_chat_ids": [-100],
                                        "admin_user_ids": [5]})
    assert chat_served(allow, -100) and chat_served(allow, 5)
    assert not chat_served(allow, 6) and not chat_served(allow, -101)


def test_a_chat_sees_only_the_alerts_and_stories_routed_to_it(store, router):
    from dementi.bot.policy import alert_visible, story_visible

    store.subscribe(1, "test-refusal")
    store.subscribe(2, "all")
    mine, theirs = make_alert(3, rule_id="test-refusal"), make_alert(4)
    [my_story, their_story] = stories_of([mine, theirs])
    router.route_updates([my_story, their_story])
    assert alert_visible(store, 1, mine.alert_id)
    assert not alert_visible(store, 1, theirs.alert_id)  # routed to chat 2 only: not chat 1's business
    assert alert_visible(store, 2, theirs.alert_id)
    assert not alert_visible(store, 1, "no-such-alert")
    assert story_visible(store, 1, my_story.story_id) and not story_visible(store, 1, their_story.story_id)
    assert story_visible(store, 2, their_story.story_id)
