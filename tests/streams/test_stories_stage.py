"""`dementi stories` as a real process on the real broker: alerts in, StoryUpdates out.

Alerts are invented records with hand-made story features (the stage's input contract), keyed by
story key like the detect worker keys them. The stage is SIGKILLed mid-stream and restarted: its
changelog-backed tables bring the open stories back, so a later report of a known event joins the
same story id with the next version.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from dementi.records import Actor, Alert, Evidence, StoryFeatures, StoryUpdate
from dementi.kafka.topics import ensure_topics
from tests.streams.helpers import TopicReader, child_env, producer, start_dementi, stop_process, wait_for

pytestmark = pytest.mark.integration
T0 = datetime(2026, 5, 4, 9, 0, tzinfo=timezone.utc)
CLAIMS = {  # one state, three different claims in the same minute
    "drones": dict(actors=["RUS", "USA", "VEN"], concepts=["DRONE"], numbers=["q300"], words=["drones", "shipped"]),
    "submarine": dict(actors=["RUS", "NOR"], concepts=["SUBMARINE", "FJORD"], names=["tromso"],
                      words=["submarine", "fjord"]),
    "talks": dict(actors=["RUS", "USA"], concepts=["TALKS", "MEETING"], names=["vienna"], words=["talks", "vienna"]),
}


def make(article: str, claim: str, seconds: float, outlet: str, lang: str = "en") -> Alert:
    return Alert(rule_id=f"{lang}.denial.verb", rule_title="Denial", kind="denial", article_id=article,
                 article_source=outlet, article_lang=lang, article_url=f"https://{outlet}.example/{article}",
                 evidence=Evidence(sentence=f"Invented sentence about {claim}."), denier=Actor(name="Russia", code="RUS"),
                 published_at=T0 + timedelta(seconds=seconds), story=StoryFeatures(key="RUS", **CLAIMS[claim]))


def publish(bootstrap: str, topic: str, records: list[tuple[bytes, bytes]]) -> None:
    p = producer(bootstrap)
    for key, value in records:
        p.send(topic, key=key, value=value)
    p.flush()
    p.close()


def test_story_stage_files_alerts_dead_letters_bad_records_and_survives_sigkill(kafka_bootstrap, settings, tmp_path):
    s = settings.model_copy(update={"kafka_bootstrap": kafka_bootstrap})
    ensure_topics(s, kafka_bootstrap)
    env = child_env(s, kafka_bootstrap, DEMENTI_BROKER_SESSION_TIMEOUT="3", DEMENTI_BROKER_HEARTBEAT_INTERVAL="0.5")
    ready, log = tmp_path / "stories.ready", tmp_path / "stories.log"
    proc = start_dementi(["stories", "--ready-file", str(ready)], env, log)
    updates = TopicReader(kafka_bootstrap, s.stories_topic, s.topic_partitions)
    dead = TopicReader(kafka_bootstrap, s.deadletter_topic, s.topic_partitions)
    try:
        wait_for(ready.exists, 120, "the story stage to be ready", proc, log)
        first = [make("a1", "drones", 0, "outlet-one"), make("a2", "submarine", 20, "outlet-two"),
                 make("a3", "talks", 40, "outlet-three")]
        # one dispatch from four outlets, 3 s apart (times are the articles', not real sleeps)
        syndicated = [make(f"s{i}", "submarine", 100 + 3 * i, f"wire-{i}") for i in range(4)]
        records = [(a.story_key.encode(), a.to_bytes()) for a in first]
        records.append((b"RUS", b'{"rule_id": "no article, no evidence"}'))  # malformed: dead letter
        records += [(a.story_key.encode(), a.to_bytes()) for a in syndicated]
        publish(kafka_bootstrap, s.alerts_topic, records)
        wait_for(lambda: len(updates.poll()) >= 7, 60, "7 story updates", proc, log)
        got = [StoryUpdate.from_bytes(r.value) for r in updates.poll()]
        by_article = {u.alert.article_id: u for u in got}
        ids = {a: by_article[a].story_id for a in ("a1", "a2", "a3")}
        assert len(set(ids.values())) == 3, "three different denials in one minute are three stories"
        sub = {by_article[f"s{i}"].story_id for i in range(4)}
        assert sub == {ids["a2"]}, "the four outlets' reports join the submarine story"
        assert max(by_article[f"s{i}"].version for i in range(4)) == 5
        # `dementi tail --stories` shows them: a new story, then the reports that joined it and why
        from click.testing import CliRunner

        from dementi.cli.feeds import tail

        env_cli = {"DEMENTI_TOPIC_PREFIX": s.topic_prefix, "DEMENTI_KAFKA_BOOTSTRAP": kafka_bootstrap,
                   "DEMENTI_DATA_DIR": str(s.data_dir), "COLUMNS": "200"}
        shown = CliRunner().invoke(tail, ["--stories", "--from-beginning", "--max", "7", "--idle-timeout", "20"],
                                   env=env_cli)
        assert shown.exit_code == 0, shown.output
        assert shown.stdout.count("new story") == 3 and "+4 report(s)" in shown.stdout
        assert f"story {ids['a2']} v5" in shown.stdout and "joined:" in shown.stdout
        wait_for(dead.poll, 30, "the dead letter", proc, log)
        envelope = dead.values()[0]
        assert envelope["stage"] == "stories" and envelope["reason"] == "schema"
        assert "article_id" in envelope["error"] and envelope["topic"] == s.alerts_topic

        # SIGKILL, restart: the open stories come back from the changelog
        import os
        import signal
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
        ready.unlink(missing_ok=True)
        proc = start_dementi(["stories", "--ready-file", str(ready)], env, tmp_path / "stories2.log")
        wait_for(ready.exists, 120, "the restarted story stage", proc, tmp_path / "stories2.log")
        late = make("s9", "submarine", 600, "late-outlet", lang="fr")
        publish(kafka_bootstrap, s.alerts_topic, [(b"RUS", late.to_bytes())])

        def late_update():
            return next((StoryUpdate.from_bytes(r.value) for r in updates.poll()
                         if StoryUpdate.from_bytes(r.value).alert.article_id == "s9"), None)

        u = wait_for(late_update, 60, "the late report's update", proc, tmp_path / "stories2.log")
        assert u.story_id == ids["a2"] and u.version == 6
        assert u.languages == ["en", "fr"] and len(u.outlets) == 6
        # replays after the kill (uncommitted alerts read again) repeat known versions, never new stories
        final = {}
        for r in updates.poll():
            x = StoryUpdate.from_bytes(r.value)
            final.setdefault(x.story_id, set()).add(x.version)
        assert set(final) == set(ids.values())
    finally:
        stop_process(proc)
        updates.close()
        dead.close()
