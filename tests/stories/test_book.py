"""StoryBook: which alerts make one story (pure logic, hand-made features, no NLP)."""

from datetime import datetime, timedelta, timezone

from dementi.records import Actor, Alert, Evidence, StoryFeatures, StoryUpdate, story_id_for
from dementi.rules.stories import StoryBook, StoryIndex

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)


def alert(article: str, rule: str = "en.denial.verb", key: str = "RUS", lang: str = "en", minutes: float = 0,
          kind: str = "denial", **features) -> Alert:
    f = StoryFeatures(key=key, **features)
    return Alert(rule_id=rule, rule_title=rule, kind=kind, article_id=article, article_lang=lang,
                 article_source=f"outlet-{article}", article_url=f"https://{article}.example/x",
                 evidence=Evidence(sentence=f"sentence of {article}"), denier=Actor(name=key, code=key),
                 published_at=T0 + timedelta(minutes=minutes), story=f)


DRONES = dict(actors=["RUS", "USA", "VEN"], concepts=["DRONE"], numbers=["q300"])
SUB = dict(actors=["RUS", "NOR"], concepts=["SUBMARINE", "FJORD"], names=["tromso"])
TALKS = dict(actors=["RUS", "USA"], concepts=["TALKS"], names=["vienna"])


def test_rewordings_and_translations_join_one_story_with_versions_and_sources():
    book = StoryBook()
    first = book.add(alert("a1", words=["submarine", "fjord", "sonar"], **SUB))
    second = book.add(alert("a2", minutes=0.05, words=["submarine", "fjord", "images"], **SUB))
    third = book.add(alert("a3", lang="fr", minutes=30, words=["sous-marin", "fjord"], **SUB))
    assert first.new_story and not second.new_story and not third.new_story
    u = third.update
    assert u.story_id == first.update.story_id == story_id_for(first.update.alert.alert_id)
    assert u.version == 3 and [s.article_id for s in u.sources] == ["a1", "a2", "a3"]
    assert u.languages == ["en", "fr"] and len(u.outlets) == 3
    assert u.joined.startswith("joined: ")
    assert u.first_seen == T0 and u.last_seen == T0 + timedelta(minutes=30)


def test_three_different_denials_of_one_state_in_one_minute_are_three_stories():
    book = StoryBook()
    ids = {book.add(alert(f"a{i}", minutes=i * 0.2, **spec)).update.story_id
           for i, spec in enumerate((DRONES, SUB, TALKS))}
    assert len(ids) == 3


def test_same_article_is_one_story_even_with_nothing_in_common():
    book = StoryBook()
    a = book.add(alert("a1", **DRONES))
    b = book.add(alert("a1", rule="en.refusal.not-attend", kind="refusal", **TALKS))
    assert a.update.story_id == b.update.story_id
    assert [f.kind for f in b.update.findings] == ["denial", "refusal"]  # both findings, evidence once each


def test_other_quantities_or_years_veto_a_merge():
    book = StoryBook()
    a = book.add(alert("a1", **DRONES)).update.story_id
    other = dict(DRONES, numbers=["q40"])
    assert book.add(alert("a2", **other)).update.story_id != a
    y1 = book.add(alert("a3", actors=["RUS", "IRQ"], concepts=["EMBASSY"], numbers=["y2019"])).update.story_id
    assert book.add(alert("a4", actors=["RUS", "IRQ"], concepts=["EMBASSY"], numbers=["y2020"])).update.story_id != y1


def test_a_story_older_than_its_window_starts_a_new_one():
    book = StoryBook(window=48 * 3600)
    a = book.add(alert("a1", **SUB)).update.story_id
    assert book.add(alert("a2", minutes=47 * 60, **SUB)).update.story_id == a
    assert book.add(alert("a3", minutes=49 * 60, **SUB)).update.story_id != a


def test_keys_never_mix():
    book = StoryBook()
    a = book.add(alert("a1", key="RUS", **SUB)).update.story_id
    assert book.add(alert("a2", key="NOR", **SUB)).update.story_id != a


def test_a_replayed_alert_gives_the_current_snapshot_again():
    book = StoryBook()
    x = alert("a1", **SUB)
    book.add(x)
    book.add(alert("a2", **SUB))
    again = book.add(x)
    assert again.replayed and again.update.version == 2


def test_ids_depend_only_on_the_alerts_and_their_order_and_state_roundtrips():
    stream = [alert("a1", **SUB), alert("a2", **DRONES), alert("a3", minutes=5, **SUB), alert("a4", **TALKS)]
    one, two = StoryBook(), StoryBook()
    assert [one.add(a).update.story_id for a in stream] == [two.add(a).update.story_id for a in stream]
    # the state is plain JSON (what the stream stage keeps in its changelogged tables)
    idx = StoryIndex.from_json(one.index["RUS"])
    assert StoryIndex.from_json(idx.to_json()).to_json() == idx.to_json()
    restored = StoryBook(dict(one.index), dict(one.snapshots))
    nxt = alert("a5", minutes=9, **DRONES)
    assert restored.add(nxt).update == one.add(nxt).update
    sid = one.add(stream[0]).update.story_id
    assert StoryUpdate.from_bytes(one.snapshots[sid]).story_id == sid
