"""The poller against a local feed server and the REAL broker: what reaches the articles topic.

Every story and sentence here is invented for the tests."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from dementi.records import normalise_url
from dementi.streams.broker import free_port
from dementi.feeds_file import FeedConfig
from dementi.streams.feeds.runner import poll_once
from dementi.streams.feeds.state import FeedStore
from tests.feeds.conftest import read_articles
from tests.feeds.server import Route, http_date, rss

ITEM_A = {"title": "Ministry of Freedonia rejects talks proposal", "link": "https://news.example/a",
          "guid": "https://news.example/a", "description": "Freedonia said on Monday it would not join the talks."}
ITEM_B = {"title": "Sylvanian envoy denies troop report", "link": "https://news.example/b",
          "guid": "https://news.example/b", "description": "The envoy called the report baseless."}
ITEM_C = {"title": "Harvest festival opens in Lowtown", "link": "https://news.example/c",
          "guid": "https://news.example/c", "description": "Crowds gathered for the yearly fair."}


def feed(server, path: str, name: str | None = None, **options) -> FeedConfig:
    return FeedConfig(url=server.url(path), name=name or path.strip("/").replace(".", "-"), **options)


def test_new_entries_published_once_and_conditional_get_honoured(feed_server, feed_settings, kafka_bootstrap):
    feed_server.routes["/etag.xml"] = Route(rss([ITEM_A, ITEM_B]), etag='"v1"')
    feed_server.routes["/lm.xml"] = Route(rss([ITEM_C]), last_modified=http_date())
    feeds = [feed(feed_server, "/etag.xml"), feed(feed_server, "/lm.xml")]

    first = poll_once(feed_settings, feeds, kafka_bootstrap).by_name()
    assert (first["etag-xml"].new, first["lm-xml"].new) == (2, 1)
    assert not first["etag-xml"].not_modified and first["etag-xml"].error is None
    # First requests carry no validators: nothing was known yet.
    assert "if-none-match" not in feed_server.requests_for("/etag.xml")[0].headers

    second = poll_once(feed_settings, feeds, kafka_bootstrap).by_name()
    assert second["etag-xml"].not_modified and second["lm-xml"].not_modified
    assert second["etag-xml"].new == 0 and second["lm-xml"].new == 0
    assert feed_server.requests_for("/etag.xml")[-1].headers["if-none-match"] == '"v1"'
    assert feed_server.requests_for("/lm.xml")[-1].headers["if-modified-since"] == http_date()

    # The feed changes: only the new entry is published.
    item_d = {**ITEM_C, "link": "https://news.example/d", "guid": "d-guid-long-enough"}
    feed_server.routes["/etag.xml"] = Route(rss([item_d, ITEM_A, ITEM_B]), etag='"v2"')
    third = poll_once(feed_settings, feeds, kafka_bootstrap).by_name()
    assert (third["etag-xml"].new, third["etag-xml"].seen) == (1, 2)

    articles = read_articles(kafka_bootstrap, feed_settings)
    assert sorted(a.url for a in articles) == ["https://news.example/a", "https://news.example/b",
                                               "https://news.example/c", "https://news.example/d"]
    by_url = {a.url: a for a in articles}
    assert by_url["https://news.example/a"].source == "etag-xml"
    assert by_url["https://news.example/a"].body == ITEM_A["description"]
    assert by_url["https://news.example/a"].published_at is not None


def test_dedup_when_server_sends_no_validators(feed_server, feed_settings, kafka_bootstrap):
    feed_server.routes["/plain.xml"] = Route(rss([ITEM_A, ITEM_B]))
    feeds = [feed(feed_server, "/plain.xml")]
    assert poll_once(feed_settings, feeds, kafka_bootstrap).new == 2
    second = poll_once(feed_settings, feeds, kafka_bootstrap)
    assert (second.new, second.seen) == (0, 2)
    assert not second.results[0].not_modified
    last = feed_server.requests_for("/plain.xml")[-1].headers
    assert "if-none-match" not in last and "if-modified-since" not in last
    assert len(read_articles(kafka_bootstrap, feed_settings)) == 2


def test_same_story_in_two_feeds_is_published_once(feed_server, feed_settings, kafka_bootstrap):
    shared = "https://news.example/shared-story"
    feed_server.routes["/one.xml"] = Route(rss([
        {"title": "Capital denies blockade plan", "link": shared + "?utm_source=rss&utm_medium=feed", "guid": "one-1"},
        ITEM_A]))
    feed_server.routes["/two.xml"] = Route(rss([
        {"title": "Capital denies blockade plan (update)", "link": shared + "/", "guid": "two-99"},
        ITEM_B]))
    summary = poll_once(feed_settings, [feed(feed_server, "/one.xml"), feed(feed_server, "/two.xml")], kafka_bootstrap)
    assert summary.new == 3 and summary.seen == 1
    articles = read_articles(kafka_bootstrap, feed_settings)
    assert len(articles) == 3
    assert sum(normalise_url(a.url) == normalise_url(shared) for a in articles) == 1


def test_bad_feeds_are_reported_per_feed_and_others_unaffected(feed_server, feed_settings, kafka_bootstrap):
    latin1_title = "Démenti du ministère des Affaires étrangères de Bordurie"
    cp1252_title = "Le porte-parole parle d’une « rumeur » sans fondement – démenti"
    feed_server.routes.update({
        "/good.xml": Route(rss([ITEM_A])),
        "/garbage.xml": Route(b"this is <<< not a feed >>> at all", content_type="application/xml"),
        "/error.xml": Route(b"oops", status=500, content_type="text/plain"),
        "/slow.xml": Route(rss([ITEM_B]), delay=6.0),
        "/huge.xml": Route(stream_total=50 * 1024 * 1024, send_length=False),
        "/huge-declared.xml": Route(stream_total=50 * 1024 * 1024, send_length=True),
        "/latin1.xml": Route(rss([{"title": latin1_title, "link": "https://news.example/l1", "guid": "l1"}],
                                 encoding="iso-8859-1"), content_type="application/rss+xml"),
        # windows-1252 declared only in the HTTP header; the XML declaration says nothing.
        "/cp1252.xml": Route(rss([{"title": cp1252_title, "link": "https://news.example/w1", "guid": "w1"}],
                                 encoding="windows-1252").replace(b' encoding="windows-1252"', b""),
                             content_type="text/xml; charset=windows-1252"),
    })
    names = ["good", "garbage", "error", "slow", "huge", "huge-declared", "latin1", "cp1252"]
    feeds = [feed(feed_server, f"/{n}.xml", name=n) for n in names]
    started = time.time()
    results = poll_once(feed_settings, feeds, kafka_bootstrap).by_name()

    assert results["good"].new == 1 and results["good"].error is None
    assert "not a valid feed" in results["garbage"].error
    assert results["error"].error.startswith("HTTP 500") and results["error"].status == 500
    assert "timed out" in results["slow"].error
    assert "cap" in results["huge"].error and "cap" in results["huge-declared"].error
    # The client hung up near the 1 MB cap instead of reading 50 MB.
    for path in ("/huge.xml", "/huge-declared.xml"):
        assert feed_server.routes[path].bytes_sent < 20 * 1024 * 1024, feed_server.routes[path].bytes_sent
    assert results["latin1"].new == 1 and results["cp1252"].new == 1

    titles = {a.title for a in read_articles(kafka_bootstrap, feed_settings)}
    assert titles == {ITEM_A["title"], latin1_title, cp1252_title}

    store = FeedStore.for_data_dir(feed_settings.data_dir)
    try:
        states = {s.name: s for s in store.all_states()}
    finally:
        store.close()
    for name in ("garbage", "error", "slow", "huge", "huge-declared"):
        assert states[name].failures == 1 and states[name].last_error
        assert states[name].next_due > started  # scheduled for a later retry
    assert states["good"].failures == 0


def test_full_text_fills_body_when_entry_has_only_a_summary(feed_server, feed_settings, kafka_bootstrap):
    paragraph = ("The foreign ministry of Bordurie said on Tuesday that it firmly rejects the accusation "
                 "made by its neighbour and called the published satellite images a fabrication.")
    page = f"""<html><head><title>Bordurie rejects accusation</title></head><body>
      <nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
      <article><h1>Bordurie rejects accusation</h1>
        <p>{paragraph}</p>
        <p>A spokesperson added that the government would not take part in any inquiry led by the
           neighbouring state, and asked international observers to verify the claims independently.</p>
        <p>Officials in the neighbouring capital did not reply to a request for comment by the time
           this article was published on the evening of the same day.</p>
      </article>
      <footer>Copyright Example News. All rights reserved.</footer></body></html>"""
    feed_server.routes["/article.html"] = Route(page.encode("utf-8"), content_type="text/html; charset=utf-8")
    feed_server.routes["/teasers.xml"] = Route(rss([
        {"title": "Bordurie rejects accusation", "link": feed_server.url("/article.html"),
         "guid": "teaser-1", "description": "Bordurie responds to its neighbour."},
        {"title": "Page gone", "link": feed_server.url("/missing.html"), "guid": "teaser-2",
         "description": "A teaser whose page no longer exists."}]))
    summary = poll_once(feed_settings, [feed(feed_server, "/teasers.xml", full_text=True)], kafka_bootstrap)
    assert summary.new == 2 and summary.errors == 0

    by_title = {a.title: a for a in read_articles(kafka_bootstrap, feed_settings)}
    body = by_title["Bordurie rejects accusation"].body
    assert paragraph in body and "would not take part in any inquiry" in body
    assert "All rights reserved" not in body
    assert by_title["Bordurie rejects accusation"].lang == "en"  # detected: the feed states none
    assert by_title["Page gone"].body == "A teaser whose page no longer exists."  # summary kept


def test_restart_republishes_nothing(feed_server, feed_settings, kafka_bootstrap):
    feed_server.routes["/r.xml"] = Route(rss([ITEM_A, ITEM_B], lang="en-GB"), etag='"r1"')
    feeds = [feed(feed_server, "/r.xml")]
    assert poll_once(feed_settings, feeds, kafka_bootstrap).new == 2

    # A new process: fresh settings object, same data dir. Validators were persisted ...
    restarted = feed_settings.model_copy()
    again = poll_once(restarted, feeds, kafka_bootstrap)
    assert again.results[0].not_modified and again.new == 0
    assert feed_server.requests_for("/r.xml")[-1].headers["if-none-match"] == '"r1"'
    # ... and so were the dedup keys: the server forgetting its ETag changes nothing.
    feed_server.routes["/r.xml"].etag = None
    third = poll_once(restarted, feeds, kafka_bootstrap)
    assert (third.new, third.seen) == (0, 2)
    articles = read_articles(kafka_bootstrap, feed_settings)
    assert len(articles) == 2 and {a.lang for a in articles} == {"en"}


def test_broker_failure_loses_nothing(feed_server, feed_settings, kafka_bootstrap):
    """Publishing fails: nothing is marked seen and the ETag is not stored, so the next round
    (broker back) publishes the entries instead of getting a 304 for them."""
    feed_server.routes["/k.xml"] = Route(rss([ITEM_A, ITEM_B]), etag='"k1"')
    feeds = [feed(feed_server, "/k.xml")]
    dead = f"127.0.0.1:{free_port()}"
    failed = poll_once(feed_settings, feeds, dead, create_topics=False,
                       producer_options={"bootstrap_timeout_ms": 1500})
    assert failed.results[0].error.startswith("publish failed") and failed.new == 0

    recovered = poll_once(feed_settings, feeds, kafka_bootstrap)
    assert recovered.new == 2 and not recovered.results[0].not_modified
    assert "if-none-match" not in feed_server.requests_for("/k.xml")[-1].headers
    assert len(read_articles(kafka_bootstrap, feed_settings)) == 2


def test_redirects_are_followed_and_loops_reported(feed_server, feed_settings, kafka_bootstrap):
    feed_server.routes["/moved.xml"] = Route(b"", status=301, location="/new-home.xml")
    feed_server.routes["/new-home.xml"] = Route(rss([ITEM_C]))
    feed_server.routes["/loop-a.xml"] = Route(b"", status=302, location="/loop-b.xml")
    feed_server.routes["/loop-b.xml"] = Route(b"", status=302, location="/loop-a.xml")
    results = poll_once(feed_settings, [feed(feed_server, "/moved.xml", name="moved"),
                                        feed(feed_server, "/loop-a.xml", name="loop")], kafka_bootstrap).by_name()
    assert results["moved"].new == 1 and results["moved"].error is None
    assert results["loop"].error == "too many redirects"
    assert [a.url for a in read_articles(kafka_bootstrap, feed_settings)] == [ITEM_C["link"]]


def test_max_age_skips_the_backlog_but_remembers_it(feed_server, feed_settings, kafka_bootstrap):
    fresh = {**ITEM_A, "date": format_datetime(datetime.now(timezone.utc) - timedelta(hours=1), usegmt=True)}
    stale = {**ITEM_B, "date": "Tue, 03 Mar 2020 08:00:00 GMT"}
    undated = {"title": "Undated note", "link": "https://news.example/undated", "date": None}
    feed_server.routes["/backlog.xml"] = Route(rss([fresh, stale, undated]))
    feeds = [feed(feed_server, "/backlog.xml", name="backlog", max_age="2d")]
    first = poll_once(feed_settings, feeds, kafka_bootstrap).results[0]
    assert (first.new, first.old, first.seen) == (2, 1, 0)
    second = poll_once(feed_settings, feeds, kafka_bootstrap).results[0]
    assert (second.new, second.old, second.seen) == (0, 0, 3)
    assert sorted(a.url for a in read_articles(kafka_bootstrap, feed_settings)) == [
        ITEM_A["link"], "https://news.example/undated"]
