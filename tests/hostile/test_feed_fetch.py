"""Who may reach what: SSRF, redirects, DNS answers, size caps and timeouts on feed fetching.

Every connection in these tests goes to a loopback address on this machine: where a test needs a
"public" server, TrustOne lets 127.0.0.1 stand in for one while 127.0.0.2 stays forbidden.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import time

import aiohttp
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from feeds import fetch as fetch_module
from feeds.fetch import fetch, new_session, read_local
from feeds.safety import (
    AddressPolicy,
    BlockedAddress,
    GuardedResolver,
    guarded_socket_factory,
    parse_ip,
    url_refusal,
)
from tests.fakes.hostile_server import HostileServer
from tests.feedkit import Item, rss, seed_item
from tests.hostile.conftest import TrustOne

BODY = rss([Item("Hello", "https://n.example.com/1")]).encode()


async def ok(request: web.Request) -> web.StreamResponse:
    return web.Response(body=BODY, content_type="application/rss+xml")


class FakeResolver(AbstractResolver):
    """Answers every name with the given addresses, one list per call (the last one repeats)."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.calls: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.calls.append(host)
        addresses = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return [
            {"hostname": host, "host": a, "port": port, "family": socket.AF_INET, "proto": 0, "flags": 0}
            for a in addresses
        ]

    async def close(self) -> None:
        pass


# --- the offline URL check (used by `riskwire feeds add`) ------------------------------------------

REFUSED = {
    "ftp scheme": "ftp://example.com/feed.xml",
    "file scheme": "file:///etc/passwd",
    "gopher scheme": "gopher://example.com/",
    "javascript scheme": "javascript:alert(1)",
    "data scheme": "data:text/xml,<rss/>",
    "no scheme": "//example.com/feed",
    "no host": "http:///feed",
    "loopback": "http://127.0.0.1/feed",
    "loopback elsewhere in 127/8": "http://127.8.9.10/feed",
    "loopback short form": "http://127.1/feed",
    "loopback as one number": "http://2130706433/feed",
    "loopback in hex": "http://0x7f000001/feed",
    "loopback in octal": "http://0177.0.0.1/feed",
    "ipv6 loopback": "http://[::1]/feed",
    "ipv4-mapped loopback": "http://[::ffff:127.0.0.1]/feed",
    "6to4 loopback": "http://[2002:7f00:1::]/feed",
    "nat64 loopback": "http://[64:ff9b::7f00:1]/feed",
    "unspecified": "http://0.0.0.0/feed",
    "ipv6 unspecified": "http://[::]/feed",
    "private 10/8": "http://10.1.2.3/feed",
    "private 172.16/12": "http://172.16.5.4/feed",
    "private 192.168/16": "http://192.168.1.1/feed",
    "shared 100.64/10": "http://100.64.0.1/feed",
    "ipv6 unique local": "http://[fd12:3456::1]/feed",
    "link-local": "http://169.254.10.20/feed",
    "ipv6 link-local": "http://[fe80::1]/feed",
    "multicast": "http://224.0.0.1/feed",
    "ipv6 multicast": "http://[ff02::1]/feed",
    "reserved 240/4": "http://240.0.0.1/feed",
    "broadcast": "http://255.255.255.255/feed",
    "aws metadata": "http://169.254.169.254/latest/meta-data/",
    "aws metadata ipv6": "http://[fd00:ec2::254]/latest/meta-data/",
    "alibaba metadata": "http://100.100.100.200/latest/meta-data/",
    "gcp metadata name": "http://metadata.google.internal/computeMetadata/v1/",
    "localhost": "http://localhost:8080/feed",
    "localhost subdomain": "http://feeds.localhost/feed",
    "localhost trailing dot": "http://LOCALHOST./feed",
    "whitespace": "http://example.com/a feed",
    "newline": "http://example.com/feed\nX-Injected: 1",
    "port 0": "http://example.com:0/feed",
    "bad port": "http://example.com:99999/feed",
    "too long": "https://example.com/" + "a" * 3000,
    "bad idna": "http://xn--/feed",
}


@pytest.mark.parametrize("url", list(REFUSED.values()), ids=list(REFUSED))
def test_url_refused(url: str) -> None:
    assert url_refusal(url) is not None


ALLOWED = {
    "https name": "https://example.com/feed.xml",
    "http name with port": "http://news.example.org:8080/rss",
    "public ipv4": "http://93.184.216.34/feed",
    "public ipv6": "https://[2606:4700:4700::1111]/feed",
    "international name": "https://bücher.example/feed",
}


@pytest.mark.parametrize("url", list(ALLOWED.values()), ids=list(ALLOWED))
def test_url_allowed(url: str) -> None:
    assert url_refusal(url) is None


def test_allow_private_lets_in_private_but_never_metadata() -> None:
    for url in ("http://127.0.0.1:8080/feed", "http://10.0.0.1/feed", "http://localhost/feed"):
        assert url_refusal(url, allow_private=True) is None
    for url in (
        "http://169.254.169.254/",
        "http://[fd00:ec2::254]/",
        "http://metadata.google.internal/",
        "http://[::ffff:169.254.169.254]/",
    ):
        assert "metadata" in (url_refusal(url, allow_private=True) or "")


def test_refusal_message_is_one_clear_line() -> None:
    message = url_refusal("http://127.0.0.1/feed") or ""
    assert (
        message
        == "127.0.0.1 is a loopback address (set RISKWIRE_ALLOW_PRIVATE_FEEDS=1 to allow private feeds)"
    )


def test_legacy_ipv4_forms_parse_like_the_c_resolver() -> None:
    assert {str(parse_ip(h)) for h in ("2130706433", "0x7f000001", "0177.0.0.1", "127.1")} == {"127.0.0.1"}
    assert parse_ip("1e100.net") is None and parse_ip("example.com") is None


# --- at connect time ---------------------------------------------------------------------------------


async def test_loopback_literal_refused_before_connecting(hostile: HostileServer) -> None:
    url = hostile.route("/feed", ok)
    async with new_session() as session:
        result = await fetch(url, session=session)
    assert result.error and result.error.startswith("refused: 127.0.0.1 is a loopback address")
    assert result.status == 0 and hostile.hits == []


async def test_localhost_name_refused_before_lookup(hostile: HostileServer) -> None:
    hostile.route("/feed", ok)
    resolver = FakeResolver(["127.0.0.1"])
    async with new_session(resolver=resolver) as session:
        result = await fetch(f"http://localhost:{hostile.port}/feed", session=session)
    assert result.error == (
        "refused: localhost is a loopback host (set RISKWIRE_ALLOW_PRIVATE_FEEDS=1 to allow private feeds)"
    )
    assert resolver.calls == [] and hostile.hits == []


async def test_name_resolving_to_private_address_refused(hostile: HostileServer) -> None:
    hostile.route("/feed", ok)
    async with new_session(resolver=FakeResolver(["127.0.0.1"])) as session:
        result = await fetch(f"http://intranet.test:{hostile.port}/feed", session=session)
    assert result.error and result.error.startswith(
        "refused: intranet.test resolves only to forbidden addresses: 127.0.0.1 is a loopback address"
    )
    assert hostile.hits == []


async def test_allow_private_reaches_the_resolved_address(hostile: HostileServer) -> None:
    hostile.route("/feed", ok)
    async with new_session(allow_private=True, resolver=FakeResolver(["127.0.0.1"])) as session:
        result = await fetch(f"http://intranet.test:{hostile.port}/feed", session=session)
    assert result.error is None and result.body == BODY and hostile.hits == ["/feed"]


async def test_mixed_answer_connects_only_to_allowed_address(hostile: HostileServer) -> None:
    other = HostileServer(host="127.0.0.2").start()
    try:
        hostile.route("/feed", ok)
        other.route("/feed", ok)
        # both servers on the same port number would be needed for the forbidden one to be tried
        # first on the right port; instead we check that the forbidden address never gets a socket
        resolver = FakeResolver(["127.0.0.2", "127.0.0.1"])
        async with new_session(policy=TrustOne(), resolver=resolver) as session:
            result = await fetch(f"http://mixed.test:{hostile.port}/feed", session=session)
        assert result.error is None and hostile.hits == ["/feed"] and other.hits == []
    finally:
        other.stop()


async def test_redirect_to_private_address_refused(hostile: HostileServer) -> None:
    inside = HostileServer(host="127.0.0.2").start()
    try:
        secret = inside.route("/admin", ok)

        async def bounce(request: web.Request) -> web.StreamResponse:
            raise web.HTTPFound(secret)

        url = hostile.route("/feed", bounce)
        async with new_session(policy=TrustOne()) as session:
            result = await fetch(url, session=session)
        assert result.error and result.error.startswith("refused: 127.0.0.2 is a loopback address")
        assert hostile.hits == ["/feed"] and inside.hits == []
    finally:
        inside.stop()


async def test_redirect_to_localhost_name_refused(hostile: HostileServer) -> None:
    async def bounce(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(f"http://localhost:{hostile.port}/inside")

    hostile.route("/inside", ok)
    url = hostile.route("/feed", bounce)
    async with new_session(policy=TrustOne()) as session:
        result = await fetch(url, session=session)
    assert result.error and "localhost is a loopback host" in result.error
    assert hostile.hits == ["/feed"]


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://example.com/feed", "gopher://x/"])
async def test_redirect_to_other_scheme_refused(hostile: HostileServer, target: str) -> None:
    async def bounce(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(target)

    url = hostile.route("/feed", bounce)
    async with new_session(policy=TrustOne()) as session:
        result = await fetch(url, session=session)
    assert result.error and result.error.startswith("refused: redirect to a non-http(s) or invalid URL")
    assert result.body == b""


async def test_redirect_chain_is_limited(hostile: HostileServer) -> None:
    async def loop(request: web.Request) -> web.StreamResponse:
        n = int(request.query.get("n", "0"))
        raise web.HTTPFound(hostile.url(f"/loop?n={n + 1}"))

    url = hostile.route("/loop", loop)
    async with new_session(policy=TrustOne()) as session:
        result = await fetch(url, session=session)
    assert result.error == f"more than {fetch_module.MAX_REDIRECTS} redirects"
    assert len(hostile.hits) == fetch_module.MAX_REDIRECTS + 1  # the first request and 5 hops


async def test_a_chain_of_exactly_the_redirect_limit_is_followed(hostile: HostileServer) -> None:
    body = rss([seed_item()])

    async def hop(request: web.Request) -> web.StreamResponse:
        n = int(request.query.get("n", "0"))
        if n == fetch_module.MAX_REDIRECTS:
            return web.Response(text=body, content_type="application/rss+xml")
        raise web.HTTPFound(hostile.url(f"/hop?n={n + 1}"))

    url = hostile.route("/hop", hop)
    async with new_session(policy=TrustOne()) as session:
        result = await fetch(url, session=session)
    assert result.error is None and result.body == body.encode()
    assert len(hostile.hits) == fetch_module.MAX_REDIRECTS + 1


async def test_dns_rebinding_each_lookup_is_checked() -> None:
    # The first answer is the "public" address; the same name then rebinds to a forbidden one.
    resolver = GuardedResolver(TrustOne(), FakeResolver(["127.0.0.1"], ["127.0.0.2"]))
    first = await resolver.resolve("rebind.test", 80)
    assert [a["host"] for a in first] == ["127.0.0.1"]
    with pytest.raises(BlockedAddress, match=r"127\.0\.0\.2 is a loopback address"):
        await resolver.resolve("rebind.test", 80)


async def test_socket_layer_refuses_even_when_dns_is_not_guarded() -> None:
    # Belt and braces: a connector whose resolver checks nothing still cannot open a socket to a
    # forbidden address, because the address is checked again where the socket is made.
    inside = HostileServer(host="127.0.0.2").start()
    try:
        inside.route("/feed", ok)
        connector = aiohttp.TCPConnector(
            resolver=FakeResolver(["127.0.0.2"]), socket_factory=guarded_socket_factory(TrustOne())
        )
        async with aiohttp.ClientSession(connector=connector) as session:
            result = await fetch(f"http://rebind.test:{inside.port}/feed", session=session)
        assert result.error and result.error.startswith("refused: 127.0.0.2 is a loopback address")
        assert inside.hits == []
    finally:
        inside.stop()


def test_socket_factory_refuses_metadata_without_connecting() -> None:
    factory = guarded_socket_factory(AddressPolicy(allow_private=True))
    for address in (("169.254.169.254", 80), ("fd00:ec2::254", 80, 0, 0)):
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        with pytest.raises(BlockedAddress, match="metadata"):
            factory((family, socket.SOCK_STREAM, 6, "", address))


# --- size caps and timeouts ------------------------------------------------------------------------


async def test_declared_length_over_cap_refused_without_reading(hostile: HostileServer) -> None:
    async def huge(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Length": str(50 * 1024 * 1024)})
        await resp.prepare(request)
        await resp.write(b"<rss>")
        return resp

    url = hostile.route("/huge", huge)
    async with new_session(allow_private=True) as session:
        result = await fetch(url, session=session, max_bytes=1024 * 1024)
    assert result.error == f"response is {50 * 1024 * 1024} bytes, over the {1024 * 1024}-byte cap"


async def test_endless_chunked_body_is_cut_at_the_cap(hostile: HostileServer) -> None:
    async def endless(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        try:
            for _ in range(10_000):  # bounded, but far past the cap
                await resp.write(b"<item>" + b"x" * 65_000 + b"</item>")
        except (ConnectionError, RuntimeError):
            pass
        return resp

    url = hostile.route("/endless", endless)
    async with new_session(allow_private=True) as session:
        result = await fetch(url, session=session, max_bytes=1024 * 1024)
    assert result.error == f"response is over the {1024 * 1024}-byte cap" and result.body == b""


async def test_gzip_bomb_is_cut_at_the_decompressed_cap(hostile: HostileServer) -> None:
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 100_000

    async def serve_bomb(request: web.Request) -> web.StreamResponse:
        return web.Response(body=bomb, headers={"Content-Encoding": "gzip", "Content-Type": "text/xml"})

    url = hostile.route("/bomb", serve_bomb)
    async with new_session(allow_private=True) as session:
        result = await fetch(url, session=session, max_bytes=1024 * 1024)
    assert result.error == f"response is over the {1024 * 1024}-byte cap"


async def test_server_that_stalls_after_headers_hits_the_read_timeout(
    hostile: HostileServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetch_module, "READ_TIMEOUT_SECONDS", 0.3)

    async def stall(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        await resp.prepare(request)
        await resp.write(b"<rss>")
        await asyncio.sleep(5)
        return resp

    url = hostile.route("/stall", stall)
    started = time.monotonic()
    async with new_session(allow_private=True) as session:
        result = await fetch(url, session=session, timeout=10)
    assert result.error and result.error.startswith("timed out")
    assert time.monotonic() - started < 3  # the read timeout, not the 10 s total


async def test_trickling_server_hits_the_total_timeout(hostile: HostileServer) -> None:
    async def trickle(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        await resp.prepare(request)
        try:
            for _ in range(50):  # one byte every 0.1 s: never silent long enough for the read timeout
                await resp.write(b" ")
                await asyncio.sleep(0.1)
        except (ConnectionError, RuntimeError):
            pass
        return resp

    url = hostile.route("/trickle", trickle)
    async with new_session(allow_private=True) as session:
        result = await fetch(url, session=session, timeout=0.8)
    assert result.error == "timed out after 0.8s"


def test_local_device_and_fifo_refused(tmp_path) -> None:
    import os

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for source in ("/dev/zero", str(fifo), str(tmp_path)):
        assert read_local(source).error == "not a regular file"
    assert (read_local("bad\0name").error or "").startswith("cannot read file")
    assert (read_local("x" * 5000).error or "").startswith("cannot read file")
