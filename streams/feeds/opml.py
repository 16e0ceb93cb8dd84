"""OPML import and export of the feeds file: the format every feed reader uses to move subscriptions.

Why all-or-nothing: an import that stops halfway leaves a feeds file nobody asked for. The whole
document is read and every outline validated first (the same ``FeedConfig`` model as the feeds
file); any error is reported with its line in the OPML file and nothing is written. A valid import
is one atomic write of the feeds file (``save_feeds``, under its lock), so the running poller
picks the new feeds up at its next reload.

Folders (outlines that hold outlines) are flattened; feeds already in the file (same URL) are
skipped, so importing the same file twice changes nothing. What OPML cannot say (fixed interval,
full text, max age, disabled, Telegram channel) travels in ``dementi:*`` attributes, so an export
imported back gives the same feeds; other readers ignore those attributes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.utils import format_datetime
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from lxml import etree
from pydantic import ValidationError

from dementi.feeds_file import FeedConfig, FeedsConfigError, _locked, _unique_name, load_feeds, save_feeds

NS = "urn:x-dementi:opml:1"
_EXTRA = ("interval", "full_text", "max_age", "enabled", "telegram")


class OpmlError(ValueError):
    """An OPML document that cannot be imported; the message names the file and line of each problem."""


@dataclass
class ImportPlan:
    """What an import adds (in order) and what it leaves out, with the reason."""

    added: list[FeedConfig] = field(default_factory=list)
    skipped: list[tuple[int, str, str]] = field(default_factory=list)  # (line, url or text, reason)


def _attr(element, name: str) -> str | None:
    """An outline attribute, whatever the case its exporter used (xmlUrl, xmlurl, XMLURL...)."""
    for key, value in element.attrib.items():
        if isinstance(key, str) and key.lower() == name.lower():
            return value.strip() or None
    return None


def _outline_options(element) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for name in _EXTRA:
        value = element.get(f"{{{NS}}}{name}")
        if value is not None:
            options[name] = {"true": True, "false": False}.get(value.strip().lower(), value) \
                if name in ("full_text", "enabled") else value
    return options


def _parse(data: bytes, path: Path) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if getattr(exc, "position", None) else (exc.lineno, 0)
        message = re.sub(r", line \d+, column \d+$", "", exc.msg or str(exc))
        raise OpmlError(f"{path} line {line} column {column}: not well-formed XML: {message}") from None
    if not isinstance(root.tag, str) or etree.QName(root).localname.lower() != "opml":
        raise OpmlError(f"{path} line {root.sourceline}: the root element is <{etree.QName(root).localname}>, "
                        f"not <opml>: is this an OPML file?")
    return root


def plan_import(data: bytes, path: Path | str, existing: list[FeedConfig], *, lang: str | None = None,
                max_age: str | float | None = None, enabled: bool = True) -> ImportPlan:
    """Validate an OPML document against the current feeds; raises ``OpmlError`` with every
    located problem. ``lang``, ``max_age``, ``enabled``: defaults for outlines that say nothing."""
    path = Path(path)
    root = _parse(data, path)
    body = next((child for child in root if isinstance(child.tag, str) and child.tag.lower() == "body"), None)
    if body is None:
        raise OpmlError(f"{path} line {root.sourceline}: no <body> element (an OPML file lists its feeds in <body>)")
    plan, errors = ImportPlan(), []
    urls = {f.url for f in existing}
    names = {f.name for f in existing}
    for element in body.iter():
        if not isinstance(element.tag, str) or element.tag.lower() != "outline":
            continue
        line = element.sourceline
        url = _attr(element, "xmlUrl")
        options = _outline_options(element)
        label = _attr(element, "title") or _attr(element, "text")
        kind = (_attr(element, "type") or "").lower()
        if url is None and "telegram" not in options:
            if kind in ("rss", "atom"):
                errors.append(f"{path} line {line}: outline {label!r} of type {kind!r} has no xmlUrl attribute")
            elif len(element) == 0 and kind:
                plan.skipped.append((line, _attr(element, "url") or label or "", f"type {kind!r} is not a feed"))
            continue  # a folder, or a plain text outline
        fields = {"url": url, "name": label or "", "lang": _attr(element, "language") or lang,
                  "max_age": max_age, "enabled": enabled, **options}
        if fields["url"] is None:
            fields.pop("url")
        try:
            feed = FeedConfig(**fields)
        except ValidationError as exc:
            for error in exc.errors():
                where = ".".join(str(p) for p in error["loc"]) or "(outline)"
                errors.append(f"{path} line {line}: outline {label or url!r}: field '{where}': "
                              f"{error['msg'].removeprefix('Value error, ')}")
            continue
        if feed.url in urls:
            plan.skipped.append((line, feed.url, "already in the feeds file"))
            continue
        urls.add(feed.url)
        feed.name = _unique_name(feed.name, names)
        names.add(feed.name)
        plan.added.append(feed)
    if errors:
        raise OpmlError("\n".join(errors))
    return plan


def import_opml(opml_path: Path | str, feeds_file: Path | str, *, dry_run: bool = False, **defaults) -> ImportPlan:
    """Add the OPML file's feeds to the feeds file in one atomic write (nothing on any error)."""
    opml_path, feeds_file = Path(opml_path), Path(feeds_file)
    try:
        data = opml_path.read_bytes()
    except OSError as exc:
        raise OpmlError(f"{opml_path}: cannot read: {exc.strerror or exc}") from None
    with _locked(feeds_file):
        existing = load_feeds(feeds_file) if feeds_file.exists() else []
        plan = plan_import(data, opml_path, existing, **defaults)
        if plan.added and not dry_run:
            try:
                save_feeds(feeds_file, [*existing, *plan.added])
            except FeedsConfigError as exc:  # pragma: no cover - every feed was validated above
                raise OpmlError(f"{opml_path}: the feeds file would not load back: {exc}") from None
    return plan


def export_opml(feeds: list[FeedConfig], title: str = "dementi feeds", now: datetime | None = None) -> str:
    """An OPML 2.0 document of ``feeds`` (all of them; disabled ones carry dementi:enabled="false")."""
    now = now or datetime.now(timezone.utc)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<opml version="2.0" xmlns:dementi="{NS}">',
             f"  <head>\n    <title>{_text(title)}</title>\n    <dateCreated>{format_datetime(now, usegmt=True)}"
             f"</dateCreated>\n  </head>",
             "  <body>"]
    for feed in feeds:
        attrs = {"type": "rss", "text": feed.name, "title": feed.name, "xmlUrl": feed.url}
        if feed.lang:
            attrs["language"] = feed.lang
        extra = feed.to_yaml_dict()
        for name in _EXTRA:
            if name in extra:
                value = extra[name]
                attrs[f"dementi:{name}"] = str(value).lower() if isinstance(value, bool) else str(value)
        lines.append("    <outline " + " ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items()) + "/>")
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
