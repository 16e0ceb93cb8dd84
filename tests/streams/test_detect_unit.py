"""The faust-free detect step with a fake rule source (pure logic; Kafka is in test_worker.py)."""

from __future__ import annotations

import base64
import json

from dementi.records import Alert, Article, Evidence
from dementi.streams.deadletter import MAX_ORIGINAL_BYTES, make_envelope, original_bytes, preview
from dementi.streams.detect import Detector, RawRecord


class _Rule:
    def __init__(self, rule_id):
        self.id, self.title = rule_id, rule_id


class _FakeEngine:
    """Fires rule 'r-deny' on 'deny', twice (to check dedup); the rule raises on 'BOOM' (reported
    through ``errors``, as the real engine does)."""

    rules = [_Rule("r-deny")]

    def has_cue(self, article: Article) -> bool:
        return "deny" in article.body

    def alerts(self, article: Article, only=None, errors=None) -> list[Alert]:
        if "BOOM" in article.body:
            errors.append(("r-deny", ZeroDivisionError("rule r-deny divided by zero")))
            return []
        if "deny" not in article.body:
            return []
        alert = Alert(rule_id="r-deny", rule_title="Deny", article_id=article.id, article_url=article.url,
                      evidence=Evidence(sentence=article.body))
        return [alert, alert.model_copy()]

    def alerts_batch(self, articles, only=None):
        return [(self.alerts(a, only, errors := []), errors) for a in articles]


class _Source:
    engine = _FakeEngine()

    def poll(self) -> bool:
        return False


def _rec(offset: int, value: bytes | None, key: bytes | None = None) -> RawRecord:
    return RawRecord("t.articles", 2, offset, key, value)


def test_batch_mixes_alerts_dead_letters_and_rule_errors():
    detector = Detector(_Source(), max_body_bytes=100, count_candidates=True)
    records = [
        _rec(0, json.dumps({"url": "https://a.example/1", "body": "They deny it."}).encode(), b"k1"),
        _rec(1, b"\x00\xffnot text"),
        _rec(2, json.dumps({"url": "https://a.example/2", "body": "Nothing here."}).encode()),
        _rec(3, json.dumps({"url": "https://a.example/3", "body": "BOOM deny"}).encode(), b"k3"),
        _rec(4, json.dumps({"url": "https://a.example/4", "body": "deny " * 40}).encode()),
    ]
    result = detector.process(records)
    assert result.articles == 3  # 0, 2 and 3 decoded; 3 then failed in the rules
    assert result.candidates == 2  # 0 and 3 pass the prefilter (engine.has_cue)
    assert len(result.alerts) == 1  # duplicate alert of the same (article, rule) collapsed
    key, value = result.alerts[0]
    alert = Alert.from_bytes(value)
    assert key == alert.story_key.encode() and alert.rule_id == "r-deny"  # keyed by story key (denier)
    assert alert.article_id == Article(url="https://a.example/1", body="x").id

    envelopes = [json.loads(v) for _, v in result.dead_letters]
    assert [(e["stage"], e["reason"], e["offset"]) for e in envelopes] == [
        ("decode", "invalid_utf8", 1), ("rules", "rule_error", 3), ("decode", "body_too_large", 4)]
    assert "ZeroDivisionError" in envelopes[1]["error"]
    assert base64.b64decode(envelopes[0]["original_b64"]) == b"\x00\xffnot text"
    assert result.dead_letters[1][0] == b"k3"  # original key kept
    assert all(e["topic"] == "t.articles" and e["partition"] == 2 for e in envelopes)
    assert dict(result.dead_by_reason) == {"invalid_utf8": 1, "rule_error": 1, "body_too_large": 1}


def test_envelope_keeps_large_originals_partially_with_digest():
    big = b"x" * (MAX_ORIGINAL_BYTES + 10)
    env = make_envelope(stage="decode", reason="body_too_large", error="e", topic="t", partition=0, offset=1,
                        key=None, value=big)
    assert env["original_truncated"] and env["original_size"] == len(big)
    assert len(original_bytes(env)) == MAX_ORIGINAL_BYTES and len(env["original_sha256"]) == 64


def test_preview_is_one_printable_line():
    assert preview(b'{"a":\n"b"}') == '{"a":\\n"b"}'
    shown = preview(b"\xff\x00abc")
    assert shown.startswith("(not UTF-8 at byte 0)") and "\n" not in shown and "\x00" not in shown
    assert len(preview(b"y" * 500, width=50)) == 50
