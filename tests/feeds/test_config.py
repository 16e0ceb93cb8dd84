"""The feeds file: the shipped default list, located errors, and safe admin edits."""

from __future__ import annotations

import pytest

from dementi.durations import parse_duration
from dementi.settings import PROJECT_ROOT
from dementi.feeds_file import (
    FeedsConfigError,
    add_feed,
    load_feeds,
    name_from_url,
    parse_feeds_text,
    remove_feed,
)


def test_shipped_feeds_file_is_valid_and_covers_ministries_and_outlets():
    feeds = load_feeds(PROJECT_ROOT / "config" / "feeds.yaml")
    names = {f.name for f in feeds}
    assert len(feeds) >= 15
    assert {"france-diplomatie", "uk-fcdo", "us-state-press-releases", "un-news-en", "nato-news",
            "lemonde-international", "bbc-world", "tass-en"} <= names
    assert {f.lang for f in feeds} >= {"fr", "en"}
    assert all(f.url.startswith(("http://", "https://")) for f in feeds)
    assert all(f.max_age == 2 * 86400 for f in feeds)  # no alert storm on the feeds' backlogs


def test_defaults_and_durations():
    feeds = parse_feeds_text("feeds:\n  - url: https://example.org/rss.xml\n  - url: https://b.example/x\n"
                             "    interval: 90s\n    lang: FR-fr\n    enabled: false\n")
    assert feeds[0].interval is None and feeds[0].enabled and not feeds[0].full_text  # None = adaptive
    assert parse_feeds_text("feeds:\n  - url: https://d.example/x\n    interval: auto\n")[0].interval is None
    assert "interval" not in feeds[0].to_yaml_dict() and feeds[1].to_yaml_dict()["interval"] == 90
    assert feeds[0].name == "example.org"
    assert (feeds[1].interval, feeds[1].lang, feeds[1].enabled) == (90, "fr", False)
    assert feeds[0].max_age is None
    assert parse_feeds_text("feeds:\n  - url: https://c.example/x\n    max_age: 2d\n")[0].max_age == 172800
    with pytest.raises(FeedsConfigError, match="field 'max_age'"):
        parse_feeds_text("feeds:\n  - url: https://c.example/x\n    max_age: -5\n")
    assert parse_duration("5m") == 300 and parse_duration("1h") == 3600 and parse_duration(45) == 45
    with pytest.raises(ValueError):
        parse_duration("soon")


@pytest.mark.parametrize("text, expected", [
    ("feeds:\n  - url: https://a.example/x\n  - name: bad\n    url: ftp://b.example\n",
     "f.yaml line 3: feeds[1] ('bad'): field 'url'"),
    ("feeds:\n  - url: https://a.example/x\n    intervall: 5m\n", "f.yaml line 2: feeds[0]: field 'intervall'"),
    ("feeds:\n  - url: https://a.example/x\n    interval: whenever\n", "f.yaml line 2: feeds[0]: field 'interval'"),
    ("feeds:\n  - url: https://a.example/x\n    lang: french\n", "field 'lang'"),
    ("feeds:\n  - url: https://a.example/x\n    full_text: perhaps\n", "field 'full_text'"),
    ("feeds:\n  - name: x\n", "feeds[0] ('x'): field 'url' (a feed) or 'telegram' (a public channel) is required"),
    ("feeds:\n  - {url: https://a.example/1, name: d}\n  - {url: https://a.example/2, name: d}\n",
     "f.yaml line 3: feeds[1]: field 'name': duplicate name 'd'"),
    ("feeds: [\n", "f.yaml line 2: invalid YAML"),
    ("just a string\n", "expected a mapping"),
])
def test_bad_feeds_file_gives_located_error(text, expected):
    with pytest.raises(FeedsConfigError) as info:
        parse_feeds_text(text, "f.yaml")
    assert expected in str(info.value)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(FeedsConfigError, match="not found"):
        load_feeds(tmp_path / "nope.yaml")


def test_add_and_remove_edit_the_file_atomically(tmp_path):
    path = tmp_path / "feeds.yaml"
    path.write_text("feeds:\n  - name: first\n    url: https://one.example/feed\n")
    added = add_feed(path, "https://www.two.example/news/rss.xml", lang="fr")
    assert added.name == "two.example/news" and added.lang == "fr"
    again = add_feed(path, "https://www.two.example/news/other.xml")
    assert again.name == "two.example/news-2"  # names stay unique
    with pytest.raises(FeedsConfigError, match="already exists"):
        add_feed(path, "https://one.example/feed")
    with pytest.raises(FeedsConfigError, match="http"):
        add_feed(path, "javascript:alert(1)")
    reloaded = load_feeds(path)
    assert [f.name for f in reloaded] == ["first", "two.example/news", "two.example/news-2"]
    assert path.read_text().startswith("# Feeds polled")

    removed = remove_feed(path, "first")
    assert removed.url == "https://one.example/feed"
    assert [f.name for f in load_feeds(path)] == ["two.example/news", "two.example/news-2"]
    with pytest.raises(KeyError):
        remove_feed(path, "first")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".feeds.yaml.")]  # no temp files left


def test_an_invalid_file_is_never_overwritten(tmp_path):
    path = tmp_path / "feeds.yaml"
    broken = "feeds:\n  - url: not-a-url\n"
    path.write_text(broken)
    with pytest.raises(FeedsConfigError, match="line 2"):
        add_feed(path, "https://ok.example/rss")
    assert path.read_text() == broken


def test_name_from_url():
    assert name_from_url("https://www.lemonde.fr/international/rss_full.xml") == "lemonde.fr/international"
    assert name_from_url("https://feeds.example.org/rss.xml") == "feeds.example.org"
