"""WebSub (W3C Recommendation, 2018) protocol pieces: hub discovery, content signatures, callback URLs.

Why push: a polled feed is read minutes after it changes at best; a feed that names a WebSub hub
can have the hub POST each new version to us within a second of its publication. These helpers
are pure (no I/O); ``subscriber.py`` runs the exchanges and the callback endpoint.

- Discovery (spec section 4): the HTTP ``Link`` header first (``rel="hub"``, ``rel="self"``), then
  the document's own ``<link rel="hub">`` / ``<atom:link rel="hub">``; the topic is the ``self``
  URL, or the URL the feed was fetched from.
- Authenticated distribution (section 8): the hub signs each delivery with the subscription's
  secret, ``X-Hub-Signature: method=hex(HMAC(secret, body))`` with method sha1, sha256, sha384 or
  sha512. A delivery that is unsigned, signed with another method, or whose signature does not
  match is refused; the comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass

SIGNATURE_METHODS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha384": hashlib.sha384,
                     "sha512": hashlib.sha512}
CALLBACK_PATH = "websub"
_LINK = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]*)*)")
_REL = re.compile(r"""rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))""", re.I)


@dataclass(frozen=True)
class Discovery:
    hub: str
    topic: str


def parse_link_header(value: str | None) -> list[tuple[str, set[str]]]:
    """``<https://hub>; rel="hub", <https://self>; rel="self"`` -> [(url, {rels})]."""
    links = []
    for match in _LINK.finditer(value or ""):
        rel = _REL.search(match.group(2) or "")
        rels = set((rel.group(1) or rel.group(2) or "").lower().split()) if rel else set()
        links.append((match.group(1).strip(), rels))
    return links


def discover(headers: Mapping[str, str] | None, hubs: list[str], self_url: str | None, fetched_url: str) -> Discovery | None:
    """The hub and topic a feed advertises, HTTP ``Link`` header first; None when it names no hub."""
    link_value = next((v for k, v in (headers or {}).items() if k.lower() == "link"), None)
    links = parse_link_header(link_value)
    header_hubs = [url for url, rels in links if "hub" in rels and url]
    header_self = next((url for url, rels in links if "self" in rels and url), None)
    hub = next(iter(header_hubs or [h for h in hubs if h]), None)
    if hub is None or not hub.startswith(("http://", "https://")):
        return None
    return Discovery(hub=hub, topic=header_self or self_url or fetched_url)


def sign(secret: str, body: bytes, method: str = "sha256") -> str:
    """The ``X-Hub-Signature`` value a hub sends for ``body``."""
    return f"{method}={hmac.new(secret.encode(), body, SIGNATURE_METHODS[method]).hexdigest()}"


def signature_problem(secret: str, body: bytes, header: str | None) -> str | None:
    """Why a delivery's signature is not acceptable (None = it is valid)."""
    if not header:
        return "unsigned (no X-Hub-Signature header)"
    method, _, given = header.strip().partition("=")
    digest = SIGNATURE_METHODS.get(method.strip().lower())
    if digest is None or not given:
        return f"unsupported signature method {method.strip()[:16]!r}"
    expected = hmac.new(secret.encode(), body, digest).hexdigest()
    if not hmac.compare_digest(expected, given.strip().lower()):
        return "signature does not match the subscription's secret"
    return None


def callback_url(public_url: str, callback_id: str) -> str:
    return f"{public_url.rstrip('/')}/{CALLBACK_PATH}/{callback_id}"


def callback_id_of(path: str) -> str | None:
    """The subscription id in a callback request path (``.../websub/ID``), whatever prefix a
    reverse proxy kept in front of it."""
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    if len(parts) >= 2 and parts[-2] == CALLBACK_PATH:
        return parts[-1]
    return None
