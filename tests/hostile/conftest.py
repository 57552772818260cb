from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from feeds.safety import AddressPolicy
from tests.fakes.hostile_server import HostileServer


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    server = HostileServer().start()
    try:
        yield server
    finally:
        server.stop()


@dataclass(frozen=True)
class TrustOne(AddressPolicy):
    """The default policy, except that one loopback address stands in for a public web server.

    Tests cannot reach the internet, so a redirect from a "public" feed to a private address is
    played out between 127.0.0.1 (trusted here) and 127.0.0.2 (as forbidden as any loopback)."""

    trusted: str = "127.0.0.1"

    def refusal(self, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
        return None if str(ip) == self.trusted else super().refusal(ip)
