"""SSRF guard of the feed fetcher: which addresses a feed, a redirect or an article page may reach.

Why at connect time: feed URLs come from admins (``/feed_add``), redirects and article links from
the feeds themselves. Checking the URL text is not enough (``localhost``, ``2130706433``,
``[::ffff:127.0.0.1]``, a public name whose DNS answer points inside, a redirect to the cloud
metadata service at 169.254.169.254). So the httpx client's network backend resolves each host
itself, refuses every connection to a loopback, link-local, private, reserved, multicast or
unspecified address, and connects to the vetted address (no second DNS answer can slip in). Every
hop of a redirect chain and every article page opens its connection through here.

``DEMENTI_FEED_INTERNAL_HOSTS`` lets users with internal feeds allow host names (matched against
the URL's host, whatever it resolves to), addresses or networks (matched against the resolved
address).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable

import httpcore

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
SETTING = "DEMENTI_FEED_INTERNAL_HOSTS"


class AddressRefused(httpcore.ConnectError):
    """A connection the guard refused (httpx reports it as a ConnectError with this message)."""


def _kind(ip: Address) -> str | None:
    """Why ``ip`` is internal ("loopback", "private"...), None for a public unicast address."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind, internal in (("unspecified", ip.is_unspecified), ("loopback", ip.is_loopback),
                           ("link-local", ip.is_link_local), ("multicast", ip.is_multicast),
                           ("private", ip.is_private), ("reserved", ip.is_reserved)):
        if internal:
            return kind
    return None if ip.is_global else "non-public"


class AddressPolicy:
    """``internal_hosts``: entries as ``Settings.feed_internal_hosts`` normalises them (checked there)."""

    def __init__(self, internal_hosts: Iterable[str] = ()):
        entries = [e.strip().strip("[]").lower() for e in internal_hosts]
        self.networks = [ipaddress.ip_network(e, strict=False) for e in entries if _is_ip(e)]
        self.names = {e for e in entries if not _is_ip(e)}

    def refusal(self, host: str, ip: Address) -> str | None:
        """None when ``host`` (as written in the URL) may be reached at ``ip``, else why not."""
        if host.lower().strip("[]") in self.names:
            return None
        check = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped else ip
        if any(check in net or ip in net for net in self.networks):
            return None
        kind = _kind(ip)
        if kind is None:
            return None
        shown = host if host.strip("[]") == str(ip) else f"{host} ({ip})"
        return (f"refused to connect to {shown}: {kind} address; add the host to {SETTING} if this internal "
                "feed is wanted")


def _is_ip(entry: str) -> bool:
    try:
        ipaddress.ip_network(entry, strict=False)
        return True
    except ValueError:
        return False


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore network backend that vets every TCP connection with an ``AddressPolicy``."""

    def __init__(self, policy: AddressPolicy, backend: httpcore.AsyncNetworkBackend | None = None):
        self.policy = policy
        self.backend = backend or httpcore.AnyIOBackend()

    async def _resolve(self, host: str, port: int, timeout: float | None) -> list[Address]:
        try:
            return [ipaddress.ip_address(host.strip("[]"))]
        except ValueError:
            pass
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout)
        except (OSError, asyncio.TimeoutError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        found = dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos)
        return list(found)

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options=None) -> httpcore.AsyncNetworkStream:
        addresses = await self._resolve(host, port, timeout)
        for ip in addresses:  # every answer must be acceptable: a mixed DNS answer is not trusted
            why = self.policy.refusal(host, ip)
            if why:
                raise AddressRefused(why)
        last: Exception | None = None
        for ip in addresses:  # connect to the vetted address itself, never to the name again
            try:
                return await self.backend.connect_tcp(str(ip), port, timeout=timeout, local_address=local_address,
                                                      socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout, OSError) as exc:
                last = exc
        raise last if last else httpcore.ConnectError(f"no address for {host}")

    async def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options=None):
        raise AddressRefused("unix sockets are not feeds")

    async def sleep(self, seconds: float) -> None:
        await self.backend.sleep(seconds)
