"""A rule that raises is disabled and the others keep running; the record decoder, fuzzed with
mutations of VALID records, never crashes and always locates the problem.

The rule tests use a real Engine compiled from a YAML rule file; one rule's compiled condition is
replaced by one that raises on a trigger word (there is no YAML way to write a rule that crashes the
engine, which is the point). Pure logic: no broker needed. The loader fuzzing lives in
tests/rules/test_loader_fuzz.py; the decoder's arbitrary-bytes fuzzing in tests/streams/test_decode.py.
"""

from __future__ import annotations

import json
import logging
import re

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from dementi.records import Alert, Article
from dementi.rules.engine import Engine
from dementi.streams.decode import NOT_JSON, NOT_OBJECT, NOT_UTF8, SCHEMA, TOO_LARGE, UNSUPPORTED_VERSION, Rejected, decode_article
from dementi.streams.detect import Detector, RawRecord

RULES = """\
rules:
  - id: r-deny
    title: Démenti
    languages: [fr]
    phrase: ["dément"]
  - id: r-boom
    title: Règle fragile
    languages: [fr]
    phrase: ["dément"]
  - id: r-refuse
    title: Refus
    languages: [fr]
    phrase: ["refuse de participer"]
"""


class _Exploding:
    """Stands in for a compiled condition with a bug that only some articles reach."""

    def __init__(self, inner, trigger: str = "KABOOM"):
        self.inner, self.trigger = inner, trigger

    def evaluate(self, unit):
        if self.trigger in unit.text:
            raise KeyError("bug in a custom condition")
        return self.inner.evaluate(unit)

    def __getattr__(self, name):
        return getattr(self.inner, name)


class _Source:
    def __init__(self, engine):
        self.engine = engine

    def poll(self) -> bool:
        return False


@pytest.fixture
def engine(tmp_path):
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    return Engine.from_dir(tmp_path, None)


def _explode(engine, *rule_ids):
    for cr in engine._compiled:
        if cr.rule.id in rule_ids:
            cr.root = _Exploding(cr.root)


def _rec(offset: int, body: str) -> RawRecord:
    art = Article(url=f"https://guard.example/{offset}", body=body, lang="fr")
    return RawRecord("t.articles", 0, offset, art.id.encode(), art.to_bytes())


def _rules(result) -> list[tuple[int, str]]:
    return sorted((int(Alert.from_bytes(v).article_url.rsplit("/", 1)[1]), Alert.from_bytes(v).rule_id)
                  for _, v in result.alerts)


def test_rule_raising_at_evaluation_is_disabled_and_others_keep_running(engine, caplog):
    _explode(engine, "r-boom")
    detector = Detector(_Source(engine), max_body_bytes=10_000)
    caplog.set_level(logging.ERROR)
    result = detector.process([
        _rec(0, "Le ministre dément la rumeur."),
        _rec(1, "Le ministre KABOOM dément la rumeur."),
        _rec(2, "Le gouvernement dément encore et refuse de participer au sommet."),
    ])
    # article 0: both 'dément' rules; article 1: r-boom raised -> disabled, r-deny still alerts;
    # article 2: r-boom is no longer evaluated, the other two rules are
    assert _rules(result) == [(0, "r-boom"), (0, "r-deny"), (1, "r-deny"), (2, "r-deny"), (2, "r-refuse")]
    assert detector.guard.disabled.keys() == {"r-boom"} and "KeyError" in detector.guard.disabled["r-boom"]
    assert result.rule_failures == ["r-boom"]
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("r-boom" in m and "DISABLED" in m and "KeyError" in m for m in errors), errors
    # the article that hit the bug is kept on the dead-letter topic for a replay once the rule is fixed
    [(key, raw)] = result.dead_letters
    envelope = json.loads(raw)
    assert (envelope["stage"], envelope["reason"], envelope["offset"]) == ("rules", "rule_error", 1)
    assert "r-boom" in envelope["error"] and "KeyError" in envelope["error"]
    assert result.dead_by_reason == {"rule_error": 1}

    # a later batch keeps the rule off; a reloaded rule set (new Engine object) re-enables it
    later = detector.process([_rec(3, "Le ministre dément.")])
    assert _rules(later) == [(3, "r-deny")]
    detector.source.engine = Engine(engine.all_rules, engine.backend)
    reloaded = detector.process([_rec(4, "Le ministre dément.")])
    assert _rules(reloaded) == [(4, "r-boom"), (4, "r-deny")]
    assert detector.guard.disabled == {}


def test_article_that_breaks_every_rule_is_dead_lettered_and_no_rule_is_disabled(engine):
    _explode(engine, "r-deny", "r-boom", "r-refuse")
    detector = Detector(_Source(engine), max_body_bytes=10_000)
    result = detector.process([_rec(0, "KABOOM dément, refuse de participer."), _rec(1, "Le ministre dément.")])
    assert detector.guard.disabled == {}  # the article is the problem, not a rule
    assert [json.loads(v)["offset"] for _, v in result.dead_letters] == [0]
    assert _rules(result) == [(1, "r-boom"), (1, "r-deny")]


# --- decoder fuzzing: mutations of valid records -------------------------------------------------------
CAP = 400
VALID = [
    Article(url="https://fuzz.example/1", title="Démenti à Valmorie", body="Le ministère dément « tout accord ».",
            lang="fr", source="Gazette").to_bytes(),
    json.dumps({"url": "https://fuzz.example/2", "body": "The ministry denied it.", "published_at": "2026-01-02T03:04:05Z"}).encode(),
    json.dumps({"body": "é" * 50, "lang": "fr-FR"}, ensure_ascii=False).encode(),
]
INSERTS = [b"\xff", b"\xc3", b"\xe9", b"\x00", b"{", b"}", b'"', b",", b"\\", b"\\u", b"\xed\xa0\x80", b"]", b"NaN"]
FIELDS = ["url", "title", "body", "lang", "source", "published_at", "ingested_at", "schema_version", "id"]
ODD_VALUES = st.one_of(st.none(), st.integers(-10, 10**12), st.floats(allow_nan=False), st.booleans(),
                       st.text(max_size=30), st.lists(st.integers(), max_size=3), st.just("x" * (CAP + 1)),
                       st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


@st.composite
def byte_mutants(draw) -> bytes:
    raw = bytearray(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        pos = draw(st.integers(0, max(0, len(raw) - 1)))
        if op == "flip" and raw:
            raw[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            raw[pos:pos] = draw(st.sampled_from(INSERTS))
        elif op == "delete" and raw:
            del raw[pos:pos + draw(st.integers(1, 5))]
        elif op == "truncate":
            raw = raw[:pos]
    return bytes(raw)


@st.composite
def field_mutants(draw) -> bytes:
    data = json.loads(draw(st.sampled_from(VALID)))
    for name in draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=3, unique=True)):
        if draw(st.booleans()):
            data[name] = draw(ODD_VALUES)
        else:
            data.pop(name, None)
    return json.dumps(data, ensure_ascii=draw(st.booleans())).encode()


def assert_located(raw: bytes, exc: Rejected) -> None:
    """The reason is a known id and the message says WHERE: byte, line/column, or field path."""
    assert exc.reason in {NOT_UTF8, NOT_JSON, NOT_OBJECT, SCHEMA, TOO_LARGE, UNSUPPORTED_VERSION, "empty"}
    if exc.reason == NOT_UTF8:
        pos = int(re.search(r"at byte (\d+)", exc.error).group(1))
        raw[:pos].decode("utf-8")  # everything before the located byte is valid UTF-8 ...
        with pytest.raises(UnicodeDecodeError):
            raw[pos:pos + 4].decode("utf-8")  # ... and the located byte starts the bad sequence
    elif exc.reason == NOT_JSON and "strict parser" not in exc.error and "too deep" not in exc.error:
        assert re.search(r"line \d+ column \d+", exc.error), exc.error
    elif exc.reason == SCHEMA:
        fields = re.findall(r"(?:^|; )([\w.<>]+): ", exc.error)
        assert fields and all(f.split(".")[0] in FIELDS + ["<record>"] for f in fields), exc.error
    elif exc.reason == TOO_LARGE:
        assert str(CAP) in exc.error



def decoded_or_located(raw: bytes) -> Article | None:
    """The decoded article, or None after checking that the rejection says where the problem is."""
    try:
        return decode_article(raw, CAP)
    except Rejected as exc:
        assert_located(raw, exc)
        return None

@hsettings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(byte_mutants())
def test_byte_mutations_of_valid_records_never_crash_and_are_located(raw):
    article = decoded_or_located(raw)
    assert article is None or (isinstance(article, Article) and article.id and len(article.body.encode()) <= CAP)


@hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field_mutants())
def test_field_mutations_of_valid_records_never_crash_and_are_located(raw):
    article = decoded_or_located(raw)
    assert article is None or (isinstance(article.body, str) and article.id)
