"""The record decoder: every bad record is rejected with a stable reason and a located error."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from dementi.records import Article
from dementi.streams.decode import (EMPTY, NOT_JSON, NOT_OBJECT, NOT_UTF8, SCHEMA, TOO_LARGE, UNSUPPORTED_VERSION,
                            Rejected, decode_article)

CAP = 1000


def _raw(**fields) -> bytes:
    return json.dumps(fields, ensure_ascii=False).encode("utf-8")


def test_good_record_derives_id_from_url():
    article = decode_article(_raw(url="https://Example.org/a?utm_source=x", title="T", body="Corps"), CAP)
    assert isinstance(article, Article)
    assert article.id == Article(url="https://example.org/a", body="x").id
    assert article.body == "Corps"


@pytest.mark.parametrize("raw, reason, located", [
    (b"", EMPTY, "empty"),
    (None, EMPTY, "empty"),
    (b"\xff\xfe{}", NOT_UTF8, "byte 0"),
    (b'{"body": "caf\xc3"}', NOT_UTF8, "byte 13"),
    (b"this is not json", NOT_JSON, "line 1 column 1"),
    (b'{"body": "x",\n "title": }', NOT_JSON, "line 2"),
    (b"[1, 2]", NOT_OBJECT, "list"),
    (b'"just a string"', NOT_OBJECT, "str"),
    (_raw(url="https://x.org/1", title="no body"), SCHEMA, "body: Field required"),
    (_raw(body=["not", "a", "string"]), SCHEMA, "body:"),
    (_raw(body="x", published_at="yesterday-ish"), SCHEMA, "published_at:"),
    (_raw(body="x", schema_version=99), UNSUPPORTED_VERSION, "99"),
])
def test_bad_records_are_rejected_with_located_reason(raw, reason, located):
    with pytest.raises(Rejected) as info:
        decode_article(raw, CAP)
    assert info.value.reason == reason
    assert located in info.value.error


def test_body_over_cap_counts_utf8_bytes_not_characters():
    ok = "é" * (CAP // 2)          # exactly CAP bytes in UTF-8
    decode_article(_raw(body=ok), CAP)
    with pytest.raises(Rejected) as info:
        decode_article(_raw(body=ok + "é"), CAP)
    assert info.value.reason == TOO_LARGE
    assert f"{CAP + 2} bytes" in info.value.error and str(CAP) in info.value.error


def test_escaped_json_body_under_cap_is_accepted():
    # \u00e9 escapes make the record much longer than the decoded body: still within the cap.
    raw = json.dumps({"body": "é" * 400}, ensure_ascii=True).encode()
    assert len(raw) > CAP
    assert decode_article(raw, CAP).body == "é" * 400


@hsettings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_fuzz_arbitrary_bytes_never_crash(raw):
    try:
        decode_article(raw, CAP)
    except Rejected as exc:
        assert exc.reason and exc.error


@hsettings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                    lambda children: st.lists(children, max_size=4)
                    | st.dictionaries(st.sampled_from(["body", "url", "title", "lang", "id", "x"]), children, max_size=5),
                    max_leaves=12))
def test_fuzz_json_values_are_accepted_or_located(value):
    raw = json.dumps(value).encode()
    try:
        article = decode_article(raw, CAP)
    except Rejected as exc:
        assert exc.reason in {NOT_OBJECT, SCHEMA, TOO_LARGE, UNSUPPORTED_VERSION, NOT_JSON}
        if exc.reason == SCHEMA:
            assert ":" in exc.error  # "<field path>: <message>"
    else:
        assert isinstance(article.body, str)
