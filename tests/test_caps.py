"""Security review (issue 12): one hostile feed entry must not flood every subscriber. A 300 KB title
became 74 Telegram messages per chat. Lengths are capped at ingest (the Article record, so
publish, feeds and the worker's decode all apply it) and again in rendering and digests: one alert
is at most one message, a digest a bounded number of them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from pydantic import ValidationError

from dementi.bot.formatting import alert_parts, digest_html, explain_alert, render_alert
from dementi.bot.html_split import split_html
from dementi.records import MAX_SOURCE_CHARS, MAX_TITLE_CHARS, MAX_URL_CHARS, Actor, Alert, Article, Evidence, Span
from dementi.streams.decode import SCHEMA, Rejected, decode_article
from tests.botapi.html_entities import parse_html, utf16_len
from tests.feeds.conftest import read_topic

HUGE = "Énorme titre " * 25_000  # ~325 KB


def hostile_alert(n: int = 0) -> Alert:
    sentence = ("Le ministère dément " + "encore " * 60_000 + "tout.")
    start = sentence.index("dément")
    return Alert(rule_id="r" * 5000, rule_title="Titre de règle " * 5000, severity="high", tags=["t"] * 1000,
                 article_id=f"a{n}", article_url="https://ex.org/" + "p" * 300_000, article_title=HUGE,
                 article_source="Source " * 50_000, article_lang="fr",
                 evidence=Evidence(sentence=sentence, spans=[Span(start=start, end=start + 6, text="dément"),
                                                             Span(start=len(sentence) - 5, end=len(sentence) - 1,
                                                                  text="tout")]),
                 denier=Actor(name="Bordurie " * 10_000, country="BRD"), target=Actor(name="Syldavie " * 10_000),
                 quote="« Rien » " * 50_000, cameo="016")


def test_article_title_and_source_are_capped_at_ingest():
    article = Article(url="https://ex.org/a", title=HUGE, source="S" * 100_000, body="corps")
    assert len(article.title) <= MAX_TITLE_CHARS and article.title.endswith("…")
    assert len(article.source) <= MAX_SOURCE_CHARS
    assert article.title.startswith("Énorme titre")


def test_an_overlong_url_is_refused_with_the_field_named():
    with pytest.raises(ValidationError, match="url"):
        Article(url="https://ex.org/" + "p" * MAX_URL_CHARS, body="corps")


def test_worker_decode_caps_the_title_and_dead_letters_an_overlong_url():
    raw = json.dumps({"url": "https://ex.org/a", "title": HUGE, "body": "corps"}).encode()
    assert len(decode_article(raw, 2_000_000).title) <= MAX_TITLE_CHARS
    raw = json.dumps({"url": "https://ex.org/" + "p" * 10_000, "title": "t", "body": "corps"}).encode()
    with pytest.raises(Rejected) as exc:
        decode_article(raw, 2_000_000)
    assert exc.value.reason == SCHEMA and "url" in exc.value.error


@pytest.mark.integration
def test_publish_reports_an_overlong_url_as_a_bad_line_and_caps_titles(tmp_path, settings, kafka_bootstrap):
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"url": "https://ex.org/ok", "title": HUGE, "body": "corps"}) + "\n"
                    + json.dumps({"url": "https://ex.org/" + "p" * 10_000, "body": "corps"}) + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEMENTI_")}
    env.update(DEMENTI_TOPIC_PREFIX=settings.topic_prefix, DEMENTI_KAFKA_BOOTSTRAP=kafka_bootstrap)
    proc = subprocess.run([sys.executable, "-m", "dementi.cli", "publish", str(path)], capture_output=True,
                          text=True, timeout=120, env=env)
    assert proc.returncode == 1, proc.stderr
    assert "in.jsonl:2: schema: url" in proc.stderr and "published 1 article" in proc.stderr
    published = [Article.from_bytes(v) for v in read_topic(kafka_bootstrap, settings.articles_topic)]
    assert [len(a.title) <= MAX_TITLE_CHARS for a in published] == [True]


def test_one_hostile_alert_is_one_message():
    parts = alert_parts(hostile_alert())
    assert len(parts) == 1
    parsed = parse_html(parts[0])  # valid Telegram HTML
    assert utf16_len(parsed.text) <= 4096
    assert "dément" in parsed.text and "Bordurie" in parsed.text and "…" in parsed.text
    assert "href=" not in parts[0]  # a 300 KB "URL" is no link: shown cut, as text
    ordinary = hostile_alert()
    ordinary.article_url = "https://ex.org/" + "p" * 1500  # long but plausible: still a link, text cut
    assert 'href="https://ex.org/' + "p" * 1500 + '"' in alert_parts(ordinary)[0]


def test_explanation_of_a_hostile_alert_is_one_message():
    assert len(split_html(explain_alert(hostile_alert()))) == 1


def test_a_digest_of_hostile_alerts_is_bounded():
    alerts = [hostile_alert(i) for i in range(200)]
    parts = split_html(digest_html(alerts, "2026-12-01 10:00"))
    assert len(parts) <= 3
    assert "200 alert(s)" in parts[0] and "more" in parts[-1]


def test_render_keeps_ordinary_alerts_whole():
    sentence = "Selon Bordurie, le ministère dément toute implication."
    alert = Alert(rule_id="r", rule_title="Démenti", article_id="a", article_url="https://ex.org/x",
                  article_title="Un titre normal", article_source="Gazette",
                  evidence=Evidence(sentence=sentence, spans=[Span(start=29, end=35, text="dément")]))
    parsed = parse_html(render_alert(alert))
    assert sentence in parsed.text and "Un titre normal" in parsed.text and "…" not in parsed.text
