"""Where a feed may be fetched from: http(s) only, and only public addresses unless private feeds are
allowed. Cloud metadata addresses are refused always.

The address check runs when each connection is made, not on the URL text alone: a resolver wrapper
drops forbidden addresses from every DNS answer (so a name that resolves to 127.0.0.1 is refused, on
every hop of a redirect chain, and a DNS answer that changes between check and use cannot sneak
through because the connection uses exactly the addresses checked), and a socket factory checks the
address each socket is about to connect to (so IP literals, which aiohttp does not resolve, and any
path we did not think of are covered too). `url_refusal` is the early, offline check used when a user
adds a feed, so the common mistakes get a clear message at once.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_URL_LENGTH = 2048
ALLOW_HINT = "set RISKWIRE_ALLOW_PRIVATE_FEEDS=1 to allow private feeds"

# Instance metadata services hand out cloud credentials: never a feed, whatever the settings say.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean...
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS over IPv6
        "100.100.100.200",  # Alibaba Cloud
    )
)
METADATA_HOSTS = frozenset(
    {"metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal"}
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class BlockedAddress(OSError):
    """A connection to a forbidden address was refused before it was made; str() says why."""


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, Teredo, NAT64), if any."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _kind(ip: IPAddress) -> str | None:
    """Why `ip` is not a public unicast address, or None when it is."""
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_private or (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local):
        return "a private address"
    if ip.is_reserved:
        return "a reserved address"
    if not ip.is_global:
        return "not a public address"
    return None


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses feeds may be fetched from. `allow_private` lets in everything but metadata."""

    allow_private: bool = False

    def refusal(self, ip: IPAddress) -> str | None:
        """Why a connection to `ip` is refused, or None when it is allowed."""
        inner = _embedded_ipv4(ip)
        for candidate in (ip, inner):
            if candidate is not None and candidate in METADATA_ADDRESSES:
                return f"{ip} is a cloud metadata address"
        if self.allow_private:
            return None
        for candidate in (ip, inner):
            if candidate is None:
                continue
            kind = _kind(candidate)
            if kind:
                return f"{ip} is {kind} ({ALLOW_HINT})"
        return None

    def host_refusal(self, host: str) -> str | None:
        """Why a host name is refused before it is even looked up, or None."""
        name = host.lower().rstrip(".")
        if name in METADATA_HOSTS:
            return f"{name} is a cloud metadata host"
        if not self.allow_private and (name == "localhost" or name.endswith(".localhost")):
            return f"{name} is a loopback host ({ALLOW_HINT})"
        return None


def parse_ip(host: str) -> IPAddress | None:
    """The address a host string denotes, including legacy IPv4 forms (2130706433, 0x7f.1, 127.1)."""
    host = host.strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    # What the C resolver would make of numeric shorthand: inet_aton accepts exactly those forms.
    if host and all(c in "0123456789abcdefxABCDEFX." for c in host) and host[0].isdigit():
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def url_refusal(url: str, allow_private: bool = False) -> str | None:
    """Why `url` may not be a feed, checked offline (scheme, shape, literal addresses, known hosts).

    None means the URL is acceptable as far as its text goes; the address it resolves to is checked
    again at every connection.
    """
    if len(url) > MAX_URL_LENGTH:
        return f"the URL is {len(url)} characters long; at most {MAX_URL_LENGTH}"
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        return "the URL contains spaces or control characters"
    try:
        parts = urlsplit(url)
        port = parts.port
        _ = URL(url).host  # what aiohttp will make of it: host names must survive IDNA both ways
    except (ValueError, UnicodeError) as exc:
        return f"the URL is malformed ({str(exc)[:80]})"
    if parts.scheme.lower() not in ("http", "https"):
        return "only http and https feed URLs are allowed"
    host = parts.hostname or ""
    if not host:
        return "the URL has no host"
    if port == 0:
        return "the URL has port 0"
    policy = AddressPolicy(allow_private)
    ip = parse_ip(host)
    if ip is not None:
        return policy.refusal(ip)
    try:
        host.encode("idna")
    except UnicodeError:
        return f"{host[:80]!r} is not a valid host name"
    return policy.host_refusal(host)


class GuardedResolver(AbstractResolver):
    """A resolver that answers only with allowed addresses; raises BlockedAddress when none is."""

    def __init__(self, policy: AddressPolicy, inner: AbstractResolver | None = None) -> None:
        self.policy = policy
        self.inner = inner or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """The inner resolver's answer without forbidden addresses."""
        refused = self.policy.host_refusal(host)
        if refused:
            raise BlockedAddress(f"refused: {refused}")
        answers = await self.inner.resolve(host, port, family)
        allowed: list[ResolveResult] = []
        reasons: list[str] = []
        for answer in answers:
            ip = parse_ip(answer["host"])
            reason = self.policy.refusal(ip) if ip is not None else f"{answer['host']!r} is not an address"
            if reason:
                reasons.append(reason)
            else:
                allowed.append(answer)
        if not allowed:
            detail = reasons[0] if reasons else "it has no address"
            raise BlockedAddress(f"refused: {host} resolves only to forbidden addresses: {detail}")
        return allowed

    async def close(self) -> None:
        await self.inner.close()


def guarded_socket_factory(policy: AddressPolicy) -> Callable[[Any], socket.socket]:
    """A socket factory for aiohttp's connector that refuses to create a socket for a forbidden address.

    aiohttp calls it with the address about to be connected to, after any DNS lookup, for every
    connection (redirect hops included), so this is the last word whatever the resolver said.
    """

    def factory(addr_info: Any) -> socket.socket:
        family, type_, proto, _, sockaddr = addr_info
        ip = parse_ip(str(sockaddr[0]))
        reason = policy.refusal(ip) if ip is not None else f"{sockaddr[0]!r} is not an address"
        if reason:
            raise BlockedAddress(f"refused: {reason}")
        return socket.socket(family=family, type=type_, proto=proto)

    return factory
