"""The SSRF guard: webhooks go only to public addresses unless private ones are allowed.

A URL is checked when it is saved (its literal address, or what its host resolves to then) and
again at every send, after resolution, by the resolver the HTTP client connects through; so a
name that resolves somewhere public at save time and somewhere private later (DNS rebinding)
still cannot reach a private address.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from portin.domain.errors import InvalidRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
log = logging.getLogger(__name__)
PRIVATE_ADDRESS_REFUSED = (
    "This address is on a private or local network, which portin does not send to. Use a"
    " public address, or ask your portin operator to allow private addresses.")


class BlockedAddress(OSError):
    """The destination resolves only to addresses that webhooks may not reach."""


def is_public(address: IPAddress) -> bool:
    """Global unicast only: not loopback, private, link-local (169.254.169.254 included),
    multicast, reserved, unspecified, or an IPv4 address hidden inside IPv6."""
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            return is_public(mapped)
        if address.teredo is not None:
            return False
    return bool(address.is_global and not address.is_multicast and not address.is_reserved)


def literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def check_saved_url(url: str, allow_private: bool, pointer: str) -> None:
    """Refuse, when saved, a URL whose literal or currently resolved address is not public.
    A host name that does not resolve now is accepted; the send-time check still applies."""
    if allow_private:
        return
    host = urlsplit(url).hostname or ""
    literal = literal_address(host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    blocked = [str(a) for a in addresses if not is_public(a)]
    if blocked:
        # The customer reads this; the switch (PORTIN_ALLOW_PRIVATE_WEBHOOKS) is the operator's.
        log.info("webhook URL refused: %s resolves to %s; PORTIN_ALLOW_PRIVATE_WEBHOOKS=1"
                 " would allow it", host, ", ".join(blocked))
        raise InvalidRequest(PRIVATE_ADDRESS_REFUSED, pointer=pointer)


class GuardedResolver(AbstractResolver):
    """Resolves as usual, then drops every non-public address; none left is an error."""

    def __init__(self) -> None:
        self._inner = ThreadedResolver()

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        literal = literal_address(host)
        if literal is not None and not is_public(literal):
            raise BlockedAddress(f"{host} is not a public address")
        results = await self._inner.resolve(host, port, family)
        allowed = [r for r in results if is_public(ipaddress.ip_address(r["host"]))]
        if not allowed:
            raise BlockedAddress(f"{host} resolves only to addresses that are not public")
        return allowed

    async def close(self) -> None:
        await self._inner.close()


def check_send_url(url: str, allow_private: bool) -> None:
    """At send time, a literal address in the URL (which skips the resolver) is checked here."""
    if allow_private:
        return
    literal = literal_address(urlsplit(url).hostname or "")
    if literal is not None and not is_public(literal):
        raise BlockedAddress(f"{literal} is not a public address")

