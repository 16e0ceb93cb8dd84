import pytest
from pydantic import ValidationError

from dementi.records import Alert, Article, Evidence, normalise_url


def test_article_id_is_derived_from_normalised_url():
    a = Article(url="https://Example.org/news/1/?utm_source=x#top", body="b")
    b = Article(url="https://example.org/news/1", body="other body")
    assert a.id == b.id
    assert Article(url="https://example.org/news/2", body="b").id != a.id


def test_explicit_id_wins_and_lang_is_normalised():
    a = Article(id="abc", url="https://example.org/x", body="b", lang="FR-fr")
    assert a.id == "abc" and a.lang == "fr"


def test_article_without_body_is_rejected_with_field_name():
    with pytest.raises(ValidationError) as info:
        Article.from_bytes(b'{"url": "https://example.org/x", "title": "t"}')
    assert "body" in str(info.value)


def test_alert_id_is_deterministic_per_article_and_rule():
    ev = Evidence(sentence="s")
    one = Alert(rule_id="r1", rule_title="R", article_id="a1", evidence=ev)
    again = Alert(rule_id="r1", rule_title="R", article_id="a1", evidence=ev)
    other = Alert(rule_id="r2", rule_title="R", article_id="a1", evidence=ev)
    assert one.alert_id == again.alert_id != other.alert_id
    assert Alert.from_bytes(one.to_bytes()) == one


def test_normalise_url_strips_tracking_but_keeps_meaningful_query():
    assert normalise_url("http://a.b/p?id=3&utm_medium=rss") == "http://a.b/p?id=3"
