"""Bad input at scale, on a real `dementi worker` process and the real broker.

10,000 bad records of four kinds (not JSON, invalid UTF-8, schema violation, body over the size
cap) are interleaved with 120 good articles. Afterwards: every bad record is on the
dead-letter topic exactly once, with its reason and its original bytes; every good article produced
exactly the alerts the engine computes offline (and nothing was dead-lettered for it); the worker
is the same process all along and never logged a crash; and its /metrics endpoint, scraped over
HTTP, counts the same numbers.
"""

from __future__ import annotations

import base64
import json
import random
import shutil
import uuid
from collections import Counter

import pytest

from dementi.settings import Settings
from dementi.rules.engine import Engine
from dementi.streams.broker import free_port
from tests.reliability.helpers import health, make_articles, scrape, value
from tests.streams.helpers import TopicReader, child_env, pid_alive, producer, start_dementi, stop_process, wait_for

pytestmark = pytest.mark.integration

MAX_BODY = 300
N_BAD = 10_000
N_GOOD = 120
KINDS = ("not_json", "invalid_utf8", "schema", "body_too_large")


def bad_record(kind: str, i: int, rng: random.Random) -> bytes:
    if kind == "not_json":
        return rng.choice([b"<html>%d</html>", b"{\"url\": \"https://x.example/%d\", \"body\": ", b"%d,,,", b"{'body': '%d'}"]) % i
    if kind == "invalid_utf8":
        return rng.choice([b'{"url": "https://x.example/%d", "body": "d\xe9menti"}', b"\xff\xfe%d", b"%d\xc3\x28"]) % i
    if kind == "schema":
        return json.dumps(rng.choice([
            {"url": f"https://x.example/{i}", "title": "sans corps"},
            {"url": f"https://x.example/{i}", "body": i},
            {"url": f"https://x.example/{i}", "body": "ok", "lang": ["fr"]},
            {"url": f"https://x.example/{i}", "body": "ok", "published_at": "la semaine dernière"},
        ])).encode()
    return json.dumps({"url": f"https://x.example/big/{i}", "body": "démenti " * (MAX_BODY // 8 + 5)}).encode()


def test_ten_thousand_bad_records_dead_lettered_good_ones_processed_worker_never_restarts(kafka_bootstrap, tmp_path):
    prefix = f"r{uuid.uuid4().hex[:8]}"
    rules = tmp_path / "rules"  # a snapshot: an edit of config/rules during the test changes nothing
    shutil.copytree(Settings().rules_dir, rules)
    settings = Settings(topic_prefix=f"{prefix}.", consumer_group_prefix=prefix, data_dir=tmp_path / "data",
                        max_body_bytes=MAX_BODY, rules_dir=rules)
    port = free_port()
    ready, log = tmp_path / "ready", tmp_path / "worker.log"
    env = child_env(settings, kafka_bootstrap, DEMENTI_MAX_BODY_BYTES=str(MAX_BODY), DEMENTI_WORKER_METRICS_PORT=str(port), DEMENTI_RULES_DIR=str(rules),
                    DEMENTI_BROKER_SESSION_TIMEOUT="3", DEMENTI_BROKER_HEARTBEAT_INTERVAL="0.5")
    engine = Engine.from_dir(settings.rules_dir, settings.gazetteers_dir)
    good = make_articles(N_GOOD, seed=7, denial_share=0.25, tag="dlq")
    expected_alerts = {(a.article_id, a.rule_id) for art in good for a in engine.alerts(art)}
    assert len(expected_alerts) > 15, "the templates should produce denials the default pack detects"

    rng = random.Random(11)
    items = [("good", art.to_bytes(), art.id.encode()) for art in good]
    items += [(kind, bad_record(kind, i, rng), f"bad-{i}".encode()) for i, kind in
              enumerate(KINDS[i % len(KINDS)] for i in range(N_BAD))]
    rng.shuffle(items)

    proc = start_dementi(["worker", "--ready-file", str(ready)], env, log)
    pid = proc.pid
    prod = dlq = alerts = None
    try:
        wait_for(ready.exists, 120, "worker ready", proc, log)
        assert health(port)[0] == 200
        prod = producer(kafka_bootstrap)
        futures = [(kind, raw, prod.send(settings.articles_topic, value=raw, key=key, partition=i % 4))
                   for i, (kind, raw, key) in enumerate(items)]
        prod.flush(60)
        sent_bad = {}
        for kind, raw, fut in futures:
            md = fut.get(30)
            if kind != "good":
                sent_bad[(md.partition, md.offset)] = (kind, raw)
        assert len(sent_bad) == N_BAD

        dlq = TopicReader(kafka_bootstrap, settings.deadletter_topic, settings.topic_partitions)
        alerts = TopicReader(kafka_bootstrap, settings.alerts_topic, settings.topic_partitions)
        wait_for(lambda: len(dlq.poll()) >= N_BAD, 240, f"{N_BAD} dead letters", proc, log, interval=0.5)
        wait_for(lambda: {(a["article_id"], a["rule_id"]) for a in alerts.values()} >= expected_alerts, 240,
                 "every expected alert", proc, log, interval=0.5)
        metrics = wait_for(lambda: (m := scrape(port)) and value(m, "dementi_articles_consumed_total") >= N_GOOD and m,
                           30, "metrics to catch up", proc, log)

        # --- every bad record on the DLQ exactly once, with its reason and original bytes -------------
        envelopes = [json.loads(r.value) for r in dlq.poll()]
        assert len(envelopes) == N_BAD, "no duplicates, nothing extra (the worker never replayed a batch)"
        by_pos = {(e["partition"], e["offset"]): e for e in envelopes}
        assert set(by_pos) == set(sent_bad)
        for pos, (kind, raw) in sent_bad.items():
            env_ = by_pos[pos]
            assert env_["reason"] == kind and env_["stage"] == "decode", (pos, env_["reason"], kind)
            assert base64.b64decode(env_["original_b64"]) == raw
            assert env_["error"]
        # --- every good article processed: exactly the offline alerts ---------------------------------
        got = Counter((a["article_id"], a["rule_id"]) for a in alerts.values())
        assert set(got) == expected_alerts
        assert max(got.values()) == 1
        # --- the same worker process all along, no crash in its log -----------------------------------
        assert proc.poll() is None and pid_alive(pid) and proc.pid == pid
        text = log.read_text(errors="replace")
        for needle in ("Traceback", "CRITICAL", "crashed", "detect agent failed"):
            assert needle not in text, needle
        assert text.count("engine warmed up") == 1, "the worker started once"
        # --- /metrics over HTTP counts the same ---------------------------------------------------------
        per_kind = Counter(kind for kind, _ in sent_bad.values())
        for kind in KINDS:
            assert value(metrics, "dementi_deadletters_total", reason=kind) == per_kind[kind] == N_BAD // 4
        assert value(metrics, "dementi_records_consumed_total") == N_BAD + N_GOOD
        assert value(metrics, "dementi_articles_consumed_total") == N_GOOD
        per_rule = Counter(rule for _, rule in expected_alerts)
        for rule, n in per_rule.items():
            assert value(metrics, "dementi_alerts_total", rule=rule) == n
        assert value(metrics, "dementi_rules_loaded") == len(engine.rules)
        assert value(metrics, "dementi_candidates_total") >= len({aid for aid, _ in expected_alerts})
        code, body = health(port)
        assert code == 200 and body["status"] == "ok" and body["role"] == "worker" and body["partitions"] == [0, 1, 2, 3]
    finally:
        for closer in (prod, dlq, alerts):
            if closer is not None:
                closer.close()
        code = stop_process(proc)
    assert code == 0, log.read_text(errors="replace")[-3000:]
