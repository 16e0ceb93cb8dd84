"""Public Telegram channels as sources: the t.me/s/ page parser on a fixture page, the feeds-file
entry, and the real poller against a local server (127.0.0.1) and the real broker: posts become
articles once, edits of the page do not duplicate them, a changed layout fails that source only.
Channels and posts are invented."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from dementi.feeds_file import FeedConfig, FeedsConfigError, parse_feeds_text
from dementi.streams.feeds.runner import poll_once
from dementi.streams.feeds.telegram import TelegramLayoutError, parse_channel_page
from tests.feeds.conftest import read_articles
from tests.feeds.server import Route, rss
from tests.feeds.tme import Post, channel_page

NOW = datetime.now(timezone.utc).replace(microsecond=0)
CHANNEL = "freedonia_mfa"
POSTS = [
    Post(101, "Le ministère des Affaires étrangères de Freedonie dément catégoriquement les informations "
              "parues ce matin.<br/><br/>Aucune négociation secrète n'a eu lieu.", NOW - timedelta(hours=3)),
    Post(102, "Briefing by the spokesperson: <a href=\"https://mfa.freedonia.example/briefing\">full text</a> "
              "&amp; <b>video</b>.", NOW - timedelta(hours=2), forwarded_from="freedonia_pm"),
    Post(103, "", NOW - timedelta(hours=1, minutes=30), media_only=True),
    Post(104, "Réponse du porte-parole à une question sur le sommet régional : la Freedonie n'y participera pas.",
         NOW - timedelta(hours=1), reply_to=(101, "Le ministère des Affaires étrangères de Freedonie dément")),
    Post(105, "", NOW - timedelta(minutes=50), service=True),
]


def test_posts_ids_dates_and_text():
    parsed = parse_channel_page(channel_page(CHANNEL, "MFA of Freedonia", POSTS), {}, f"https://t.me/s/{CHANNEL}",
                                channel=CHANNEL)
    assert parsed.title == "MFA of Freedonia"
    assert [e.link for e in parsed.entries] == [f"https://t.me/{CHANNEL}/{n}" for n in (101, 102, 104)]
    assert all(e.guid == e.link for e in parsed.entries)
    first, second, third = parsed.entries
    assert first.published_at == NOW - timedelta(hours=3)
    assert first.content == ("Le ministère des Affaires étrangères de Freedonie dément catégoriquement les "
                             "informations parues ce matin.\nAucune négociation secrète n'a eu lieu.")
    assert first.title == first.content.split("\n")[0]  # the first line
    long = parse_channel_page(channel_page(CHANNEL, "MFA", [Post(9, "Un communiqué " * 30, NOW)]), {},
                              f"https://t.me/s/{CHANNEL}", channel=CHANNEL).entries[0]
    assert long.title.endswith("communiqué…") and len(long.title) <= 141
    assert second.content == "Briefing by the spokesperson: full text & video."
    # The quoted post in a reply is not part of the reply's text.
    assert third.content.startswith("Réponse du porte-parole") and "catégoriquement" not in third.content
    assert parsed.warning == "2 post(s) without text skipped (media only or service messages)"


def test_an_empty_channel_is_not_an_error():
    parsed = parse_channel_page(channel_page(CHANNEL, "Quiet channel", []), {}, f"https://t.me/s/{CHANNEL}",
                                channel=CHANNEL)
    assert parsed.entries == [] and parsed.warning is None


@pytest.mark.parametrize("page, url, message", [
    (channel_page(CHANNEL, "MFA", POSTS, layout="redesigned"), f"https://t.me/s/{CHANNEL}",
     "t.me/s/freedonia_mfa: page layout not understood: no channel history (class tgme_channel_history) "
     "and no post (class tgme_widget_message)"),
    (b"<html><body><p>Welcome to our news site</p></body></html>", f"https://t.me/s/{CHANNEL}",
     "page layout not understood"),
    (channel_page(CHANNEL, "MFA", POSTS[:1]).replace(b'data-post="freedonia_mfa/101"', b'data-id="101"'),
     f"https://t.me/s/{CHANNEL}", "post #1 on the page has no data-post=\"CHANNEL/ID\" attribute"),
    (channel_page(CHANNEL, "MFA", POSTS[:1]).replace(b"<time datetime=", b"<span data-x="),
     f"https://t.me/s/{CHANNEL}", "post freedonia_mfa/101 has no date"),
    (b"<html><body>If you have Telegram, you can contact @freedonia_mfa right away.</body></html>",
     f"https://t.me/{CHANNEL}", "the channel has no public web preview (Telegram redirected to https://t.me/freedonia_mfa)"),
])
def test_a_layout_it_does_not_understand_is_a_clear_error(page, url, message):
    with pytest.raises(TelegramLayoutError) as error:
        parse_channel_page(page, {}, url, channel=CHANNEL)
    assert message in str(error.value)


def test_feeds_file_entries():
    feeds = parse_feeds_text("feeds:\n  - telegram: freedonia_mfa\n    lang: fr\n  - telegram: '@Sylvania_Gov'\n"
                             "  - url: https://t.me/s/bordurie_mfa\n    name: bordurie\n")
    assert [(f.telegram, f.name, f.url, f.kind) for f in feeds] == [
        ("freedonia_mfa", "t.me/freedonia_mfa", "https://t.me/s/freedonia_mfa", "telegram"),
        ("Sylvania_Gov", "t.me/Sylvania_Gov", "https://t.me/s/Sylvania_Gov", "telegram"),
        ("bordurie_mfa", "bordurie", "https://t.me/s/bordurie_mfa", "telegram")]
    assert feeds[0].to_yaml_dict() == {"name": "t.me/freedonia_mfa", "telegram": "freedonia_mfa", "lang": "fr"}
    assert FeedConfig(url="https://news.example/rss").kind == "feed"
    with pytest.raises(FeedsConfigError, match=r"line 3: feeds\[1\]: field 'telegram': not a public channel name"):
        parse_feeds_text("feeds:\n  - telegram: ok_channel\n  - telegram: 'no spaces allowed'\n")
    with pytest.raises(FeedsConfigError, match="give either 'url' .* or 'telegram'"):
        parse_feeds_text("feeds:\n  - telegram: ok_channel\n    url: https://news.example/rss\n")


def test_channel_posts_become_articles_once(feed_server, feed_settings, kafka_bootstrap):
    settings = feed_settings.model_copy(update={"telegram_web_url": feed_server.url("/s/")})
    feed_server.routes[f"/s/{CHANNEL}"] = Route(channel_page(CHANNEL, "MFA of Freedonia", POSTS[:2]),
                                                content_type="text/html; charset=utf-8")
    feed_server.routes["/s/sylvania_gov"] = Route(channel_page("sylvania_gov", "Sylvania", [
        Post(7, "The government of Sylvania will not attend the conference.", NOW - timedelta(minutes=20))]),
        content_type="text/html; charset=utf-8")
    feed_server.routes["/rss.xml"] = Route(rss([{"title": "An invented RSS story", "link": "https://news.example/s1"}]))
    feeds = [FeedConfig(telegram=CHANNEL, lang="fr"), FeedConfig(telegram="sylvania_gov", lang="en"),
             FeedConfig(url=feed_server.url("/rss.xml"), name="rss")]

    first = poll_once(settings, feeds, kafka_bootstrap).by_name()
    assert first[f"t.me/{CHANNEL}"].new == 2 and first["t.me/sylvania_gov"].new == 1
    assert feed_server.requests_for(f"/s/{CHANNEL}")[0].headers["accept"].startswith("text/html")

    # The page changes: post 101 edited, view counts moved, post 104 added, a media post and a
    # service message appear. Only 104 is new.
    edited = [Post(101, POSTS[0].text_html + "<br/>Mise à jour : le ministre le confirme.", POSTS[0].date,
                   views="25.8K", edited=True), Post(102, POSTS[1].text_html, POSTS[1].date, views="9K"), *POSTS[2:]]
    feed_server.routes[f"/s/{CHANNEL}"] = Route(channel_page(CHANNEL, "MFA of Freedonia", edited),
                                                content_type="text/html; charset=utf-8")
    # Sylvania's page is redesigned: that source fails, with a clear error; the others carry on.
    feed_server.routes["/s/sylvania_gov"] = Route(channel_page("sylvania_gov", "Sylvania", [
        Post(8, "A later post.", NOW)], layout="redesigned"), content_type="text/html; charset=utf-8")
    feed_server.routes["/rss.xml"] = Route(rss([{"title": "Another invented story", "link": "https://news.example/s2"},
                                                {"title": "An invented RSS story", "link": "https://news.example/s1"}]))
    second = poll_once(settings, feeds, kafka_bootstrap).by_name()
    assert (second[f"t.me/{CHANNEL}"].new, second[f"t.me/{CHANNEL}"].seen) == (1, 2)
    assert second[f"t.me/{CHANNEL}"].error is None
    assert "page layout not understood" in second["t.me/sylvania_gov"].error
    assert second["rss"].new == 1 and second["rss"].error is None

    articles = read_articles(kafka_bootstrap, settings)
    channel_articles = sorted((a for a in articles if a.url.startswith("https://t.me/")), key=lambda a: a.url)
    assert [a.url for a in channel_articles] == [f"https://t.me/{CHANNEL}/101", f"https://t.me/{CHANNEL}/102",
                                                 f"https://t.me/{CHANNEL}/104", "https://t.me/sylvania_gov/7"]
    by_url = {a.url: a for a in channel_articles}
    assert by_url[f"https://t.me/{CHANNEL}/101"].source == f"t.me/{CHANNEL}"
    assert "Mise à jour" not in by_url[f"https://t.me/{CHANNEL}/101"].body  # published once, as first seen
    assert by_url[f"https://t.me/{CHANNEL}/104"].published_at == POSTS[3].date
    assert by_url["https://t.me/sylvania_gov/7"].lang == "en"
    assert len(articles) == 6
