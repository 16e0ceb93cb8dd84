"""OPML import/export: what other feed readers export comes in, bad OPML is reported with its line
and changes nothing, and an export imported back gives the same feeds. The CLI as users run it."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from lxml import etree

from dementi.cli.feeds import feeds as feeds_cli
from dementi.feeds_file import FeedConfig, load_feeds, save_feeds
from dementi.streams.feeds.opml import OpmlError, export_opml, import_opml, plan_import

READER_EXPORT = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>My subscriptions</title></head>
  <body>
    <outline text="World">
      <outline type="rss" text="Bordurian Gazette" title="Bordurian Gazette"
               xmlUrl="https://gazette.example/rss.xml" htmlUrl="https://gazette.example/" language="fr-FR"/>
      <outline type="rss" text="Syldavian Wire" xmlurl="https://wire.example/atom"/>
    </outline>
    <outline text="Ministries">
      <outline text="Ministry of Freedonia" type="rss" xmlUrl="https://mfa.freedonia.example/feed"/>
      <outline text="Ministry of Freedonia (mirror)" type="rss" xmlUrl="https://mfa.freedonia.example/feed"/>
      <outline type="link" text="Homepage" url="https://freedonia.example/"/>
      <outline type="rss" text="Freedonia on Telegram" xmlUrl="https://t.me/s/freedonia_mfa"/>
    </outline>
    <outline type="rss" title="Existing" xmlUrl="https://already.example/rss"/>
  </body>
</opml>
"""


@pytest.fixture
def feeds_file(tmp_path):
    path = tmp_path / "feeds.yaml"
    save_feeds(path, [FeedConfig(name="already", url="https://already.example/rss", lang="en"),
                      FeedConfig(name="Syldavian Wire", url="https://other.example/rss")])
    return path


pytestmark = pytest.mark.usefixtures("restore_logging")


def test_import_flattens_folders_and_skips_what_is_there(feeds_file, tmp_path):
    opml = tmp_path / "subs.opml"
    opml.write_bytes(READER_EXPORT)
    plan = import_opml(opml, feeds_file, max_age=172800)
    assert [(f.name, f.url, f.lang) for f in plan.added] == [
        ("Bordurian Gazette", "https://gazette.example/rss.xml", "fr"),
        ("Syldavian Wire-2", "https://wire.example/atom", None),  # the name was taken: made unique
        ("Ministry of Freedonia", "https://mfa.freedonia.example/feed", None),
        ("Freedonia on Telegram", "https://t.me/s/freedonia_mfa", None),
    ]
    assert plan.added[-1].telegram == "freedonia_mfa"  # a t.me URL is a Telegram channel
    reasons = {what: reason for _, what, reason in plan.skipped}
    assert reasons == {"https://mfa.freedonia.example/feed": "already in the feeds file",
                       "https://freedonia.example/": "type 'link' is not a feed",
                       "https://already.example/rss": "already in the feeds file"}
    loaded = load_feeds(feeds_file)
    assert [f.name for f in loaded] == ["already", "Syldavian Wire", "Bordurian Gazette", "Syldavian Wire-2",
                                        "Ministry of Freedonia", "Freedonia on Telegram"]
    assert all(f.max_age == 172800 and f.enabled for f in loaded[2:])
    # Importing the same file again changes nothing.
    before = feeds_file.read_bytes()
    assert import_opml(opml, feeds_file).added == []
    assert feeds_file.read_bytes() == before


@pytest.mark.parametrize("document, located", [
    (b"<opml version='2.0'>\n<body>\n<outline xmlUrl='https://a.example/x'>\n</body></opml>",
     "line 4 column 8: not well-formed XML: Opening and ending tag mismatch"),
    (b"", "line 1 column 1: not well-formed XML: Document is empty"),
    (b"<?xml version='1.0'?>\n<rss version='2.0'><channel/></rss>", "line 2: the root element is <rss>, not <opml>"),
    (b"<opml version='2.0'>\n<head/>\n</opml>", "line 1: no <body> element"),
    (b"<opml version='2.0'><body>\n<outline text='ok' xmlUrl='https://ok.example/rss'/>\n"
     b"<outline text='Broken' type='rss'/>\n</body></opml>", "line 3: outline 'Broken' of type 'rss' has no xmlUrl"),
    (b"<opml version='2.0'><body>\n\n<outline text='Gopher' xmlUrl='gopher://old.example/feed'/>\n</body></opml>",
     "line 3: outline 'Gopher': field 'url': must be an http(s) URL"),
    (b"<opml version='2.0' xmlns:dementi='urn:x-dementi:opml:1'><body>\n<outline text='T' "
     b"xmlUrl='https://t.example/rss' dementi:interval='whenever'/>\n</body></opml>",
     "line 2: outline 'T': field 'interval': not a duration"),
    (b"<?xml version='1.0'?>\n<!DOCTYPE opml [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>\n<opml><body>"
     b"<outline text='&x;' xmlUrl='https://x.example/rss'/></body></opml>",
     "line 3 column 31: not well-formed XML: Attribute references external entity 'x'"),
])
def test_bad_opml_is_located_and_changes_nothing(feeds_file, tmp_path, document, located):
    opml = tmp_path / "bad.opml"
    opml.write_bytes(document)
    before = feeds_file.read_bytes()
    with pytest.raises(OpmlError) as error:
        import_opml(opml, feeds_file)
    assert f"{opml} {located}" in str(error.value)
    assert feeds_file.read_bytes() == before


def test_every_error_is_reported_at_once(feeds_file):
    document = (b"<opml version='2.0'><body>\n<outline text='A' type='rss'/>\n"
                b"<outline text='B' xmlUrl='ftp://b.example/x'/>\n<outline text='C' xmlUrl='https://c.example/x'/>\n"
                b"</body></opml>")
    with pytest.raises(OpmlError) as error:
        plan_import(document, "list.opml", load_feeds(feeds_file))
    lines = str(error.value).splitlines()
    assert [line.split(":")[0] for line in lines] == ["list.opml line 2", "list.opml line 3"]


def test_export_then_import_gives_the_same_feeds(tmp_path):
    feeds = [FeedConfig(name="gazette", url="https://gazette.example/rss?a=1&b=2", lang="fr", full_text=True,
                        max_age="2d"),
             FeedConfig(name="pinned <fast>", url="https://wire.example/atom", interval="45s"),
             FeedConfig(name="paused", url="https://paused.example/feed", enabled=False),
             FeedConfig(telegram="freedonia_mfa", lang="fr")]
    text = export_opml(feeds)
    root = etree.fromstring(text.encode())
    assert root.get("version") == "2.0" and len(root.findall("body/outline")) == 4
    # Other readers see the channel's web preview as its URL.
    assert root.findall("body/outline")[3].get("xmlUrl") == "https://t.me/s/freedonia_mfa"
    target = tmp_path / "other.yaml"
    (tmp_path / "out.opml").write_text(text)
    plan = import_opml(tmp_path / "out.opml", target, max_age=None)
    assert [f.to_yaml_dict() for f in plan.added] == [f.to_yaml_dict() for f in feeds]
    assert [f.to_yaml_dict() for f in load_feeds(target)] == [f.to_yaml_dict() for f in feeds]


def _undated(opml: str) -> str:
    return re.sub(r"<dateCreated>[^<]*</dateCreated>", "<dateCreated/>", opml)


def test_cli_import_export(feeds_file, tmp_path, settings):
    runner = CliRunner()
    env = {"DEMENTI_DATA_DIR": str(settings.data_dir), "DEMENTI_LOG_LEVEL": "WARNING"}
    opml = tmp_path / "subs.opml"
    opml.write_bytes(READER_EXPORT)
    before = feeds_file.read_bytes()

    dry = runner.invoke(feeds_cli, ["import", str(opml), "--feeds", str(feeds_file), "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert "4 feed(s) would add" in dry.output and feeds_file.read_bytes() == before

    done = runner.invoke(feeds_cli, ["import", str(opml), "--feeds", str(feeds_file), "--disabled", "--lang", "en"],
                         env=env)
    assert done.exit_code == 0, done.output
    assert "4 feed(s) added" in done.output and "+ Bordurian Gazette  https://gazette.example/rss.xml  [fr]" in done.output
    assert f"= {opml} line 16: https://already.example/rss: already in the feeds file" in done.output
    added = load_feeds(feeds_file)[2:]
    assert [f.enabled for f in added] == [False] * 4 and [f.lang for f in added] == ["fr", "en", "en", "en"]
    assert all(f.max_age == 172800 for f in added)

    bad = tmp_path / "bad.opml"
    bad.write_bytes(b"<opml><body><outline text='x' xmlUrl='nope'/></body></opml>")
    after_import = feeds_file.read_bytes()
    failed = runner.invoke(feeds_cli, ["import", str(bad), "--feeds", str(feeds_file)], env=env)
    assert failed.exit_code == 1
    assert f"{bad} line 1: outline 'x': field 'url'" in failed.output and "is unchanged" in failed.output
    assert feeds_file.read_bytes() == after_import

    exported = runner.invoke(feeds_cli, ["export", "--feeds", str(feeds_file)], env=env)
    assert exported.exit_code == 0, exported.output
    assert etree.fromstring(exported.stdout.encode()).findall("body/outline")[2].get("title") == "Bordurian Gazette"
    out = tmp_path / "export.opml"
    to_file = runner.invoke(feeds_cli, ["export", "--feeds", str(feeds_file), "-o", str(out)], env=env)
    # the same document, apart from <dateCreated> (the export's own time: two runs can straddle a second)
    assert to_file.exit_code == 0 and _undated(out.read_text()) == _undated(exported.stdout)
    assert "6 feed(s) written" in to_file.stderr
