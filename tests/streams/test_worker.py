"""`dementi worker` as a subprocess on the real broker: alerts, no false alerts, dead letters, the DLQ CLI.

One worker serves the whole module (starting one costs a group join); each test uses its own
partition and URLs, and a trailing "sentinel" denial on the same partition proves that everything
published before it was processed (partition order), so "no alert" is checked without sleeping.
"""

from __future__ import annotations

import base64
import json
import shutil
import time
import uuid
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from dementi.cli import cli
from dementi.records import Article
from dementi.settings import Settings
from dementi.rules.engine import Engine
from tests.streams.helpers import TopicReader, child_env, producer, start_dementi, stop_process, wait_for

pytestmark = pytest.mark.integration

MAX_BODY = 5000
DENIAL = ("Le ministère des Affaires étrangères de la Valmorie a démenti mardi les informations d'un "
          "quotidien sur un accord militaire secret avec son voisin.")
SEED_LIKE = ("Le ministère russe des Affaires étrangères a démenti tout accord avec Washington sur le partage "
             "de renseignements et affirme que la Russie ne participera à aucune coalition formée sans "
             "l'aval du Conseil de sécurité de l'ONU.")
CALM = "Des averses sont attendues jeudi sur la côte, avec des éclaircies en fin de journée."


@pytest.fixture(scope="module")
def worker(kafka_bootstrap, tmp_path_factory):
    prefix = f"w{uuid.uuid4().hex[:8]}"
    work = tmp_path_factory.mktemp("worker")
    rules_dir = work / "rules"  # a copy, so that a test can add a rule (hot reload)
    shutil.copytree(Settings().rules_dir, rules_dir)
    settings = Settings(topic_prefix=f"{prefix}.", consumer_group_prefix=prefix, data_dir=work / "data",
                        max_body_bytes=MAX_BODY, rules_dir=rules_dir)
    ready, log = work / "ready", work / "worker.log"
    env = child_env(settings, kafka_bootstrap, DEMENTI_MAX_BODY_BYTES=str(MAX_BODY), DEMENTI_RULES_DIR=str(rules_dir),
                    DEMENTI_RULES_RELOAD_INTERVAL="0.5")
    proc = start_dementi(["worker", "--ready-file", str(ready)], env, log)
    ns = SimpleNamespace(settings=settings, bootstrap=kafka_bootstrap, proc=proc, log=log, env=env,
                         engine=Engine.from_dir(settings.rules_dir, settings.gazetteers_dir))
    try:
        wait_for(ready.exists, 90, "worker ready marker", proc, log)
        ns.producer = producer(kafka_bootstrap)
        ns.alerts = TopicReader(kafka_bootstrap, settings.alerts_topic, settings.topic_partitions)
        ns.dlq = TopicReader(kafka_bootstrap, settings.deadletter_topic, settings.topic_partitions)
        yield ns
    finally:
        for closer in ("producer", "alerts", "dlq"):
            if hasattr(ns, closer):
                getattr(ns, closer).close()
        stop_process(proc)


def _article(body: str, title: str = "") -> Article:
    return Article(url=f"https://test.example/{uuid.uuid4().hex}", title=title, body=body, lang="fr",
                   source="test")


def _send(w, partition: int, value: bytes, key: bytes | None = None) -> int:
    return w.producer.send(w.settings.articles_topic, value=value, key=key, partition=partition).get(timeout=30).offset


def _alerts_for(w, article_id: str) -> list[dict]:
    return [a for a in w.alerts.values() if a["article_id"] == article_id]


def _expected_rules(w, article: Article) -> list[str]:
    return sorted({a.rule_id for a in w.engine.alerts(article)})


def test_denial_gives_one_alert_per_rule_and_non_denial_none(worker):
    calm, denial, sentinel = _article(CALM, "Météo"), _article(DENIAL, "Démenti"), _article(SEED_LIKE)
    expected = _expected_rules(worker, denial)
    assert expected, "the project rules should fire on a plain ministry denial"
    assert _expected_rules(worker, calm) == []
    for art in (calm, denial, sentinel):
        _send(worker, 0, art.to_bytes(), art.id.encode())
    wait_for(lambda: _alerts_for(worker, sentinel.id), 60, "the sentinel's alert", worker.proc, worker.log)

    got = _alerts_for(worker, denial.id)
    assert sorted(a["rule_id"] for a in got) == expected  # exactly one alert per (article, rule)
    assert all(a["article_url"] == denial.url and a["evidence"]["sentence"] for a in got)
    assert _alerts_for(worker, calm.id) == []
    assert worker.proc.poll() is None


def test_bad_records_go_to_dead_letter_and_good_ones_still_flow(worker):
    huge = _article("mot " * (MAX_BODY // 4 + 10))
    bad = {
        "not_json": b"<html>not an article</html>",
        "invalid_utf8": b'{"url": "https://test.example/x", "body": "d\xe9menti"}',
        "schema": json.dumps({"url": "https://test.example/nobody", "title": "sans corps"}).encode(),
        "body_too_large": huge.to_bytes(),
    }
    offsets = {reason: _send(worker, 1, raw, key=reason.encode()) for reason, raw in bad.items()}
    good = _article(DENIAL, "Démenti après les mauvais")
    _send(worker, 1, good.to_bytes(), good.id.encode())

    def envelopes():
        mine = [e for e in worker.dlq.values() if e["partition"] == 1 and e["offset"] in offsets.values()]
        return mine if len(mine) >= len(bad) else None

    got = {e["reason"]: e for e in wait_for(envelopes, 60, "4 dead letters", worker.proc, worker.log)}
    assert set(got) == set(bad)
    for reason, raw in bad.items():
        env = got[reason]
        assert env["stage"] == "decode" and env["topic"] == worker.settings.articles_topic
        assert env["offset"] == offsets[reason]
        assert base64.b64decode(env["original_b64"]) == raw  # nothing lost
        assert base64.b64decode(env["key_b64"]) == reason.encode()
        assert env["error"]
    assert "body: Field required" in got["schema"]["error"]
    assert "byte" in got["invalid_utf8"]["error"]
    assert str(MAX_BODY) in got["body_too_large"]["error"]

    wait_for(lambda: _alerts_for(worker, good.id), 60, "the good article's alert", worker.proc, worker.log)
    assert worker.proc.poll() is None, "a bad record must not stop the worker"

    # `dementi deadletter` shows them readably and as JSON.
    runner = CliRunner()
    human = runner.invoke(cli, ["deadletter", "--idle", "1.5"], env=worker.env)
    assert human.exit_code == 0, human.output
    for reason in bad:
        assert f"[decode/{reason}]" in human.stdout
    assert f"{worker.settings.articles_topic}[1]@{offsets['schema']}" in human.stdout
    assert "<html>not an article</html>" in human.stdout  # preview of the original bytes
    as_json = runner.invoke(cli, ["deadletter", "--json", "--idle", "1.5"], env=worker.env)
    lines = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert {(e["reason"], e["offset"]) for e in lines if e["partition"] == 1} >= \
        {(reason, off) for reason, off in offsets.items()}
    only = runner.invoke(cli, ["deadletter", "--json", "--idle", "1.5", "--reason", "schema"], env=worker.env)
    assert [json.loads(line)["reason"] for line in only.stdout.splitlines()] == ["schema"]


HOT_RULE = """
rules:
  - id: test.hot-reload
    title: "Invented protocol mentioned (hot reload test)"
    kind: denial
    cameo: "016"
    severity: low
    languages: [en]
    match:
      phrase: ["zorblaxite protocol"]
"""


def test_added_rule_is_hot_reloaded_without_restart(worker):
    text = "Officials in Quenlor discussed the zorblaxite protocol at length on Friday."
    before, sentinel = _article(text), _article(SEED_LIKE)
    before.lang = "en"
    for art in (before, sentinel):
        _send(worker, 2, art.to_bytes(), art.id.encode())
    wait_for(lambda: _alerts_for(worker, sentinel.id), 60, "the sentinel's alert", worker.proc, worker.log)
    assert _alerts_for(worker, before.id) == []

    reloads = worker.log.read_text().count("rules reloaded")
    rule_file = worker.settings.rules_dir / "zz-hot-reload.yaml"
    rule_file.write_text(HOT_RULE, encoding="utf-8")
    try:
        wait_for(lambda: worker.log.read_text().count("rules reloaded") > reloads, 60, "the rules reload",
                 worker.proc, worker.log)
        after = _article(text)
        after.lang = "en"
        _send(worker, 2, after.to_bytes(), after.id.encode())
        got = wait_for(lambda: _alerts_for(worker, after.id), 60, "the new rule's alert", worker.proc, worker.log)
        assert [a["rule_id"] for a in got] == ["test.hot-reload"]
        assert worker.proc.poll() is None
    finally:
        rule_file.unlink()
