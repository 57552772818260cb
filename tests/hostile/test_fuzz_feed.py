"""A short fuzz run of the feed parser path: real feeds (the demo samples and the seed story) cut,
spliced, bit-flipped and salted with hostile fragments, then parsed and normalised. Only FeedError
may come out, and what parses must be clean Articles.

Bounded for CI (a thousand documents, about ten seconds). For a longer run:
    RISKWIRE_FUZZ_EXAMPLES=20000 python -m pytest tests/hostile/test_fuzz_feed.py
"""

from __future__ import annotations

import os
from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cli.main import sample_feeds
from feeds.models import FeedError
from feeds.parse import parse_feed
from tests.feedkit import Item, rss, seed_item
from tests.hostile.test_properties import check_articles

EXAMPLES = int(os.environ.get("RISKWIRE_FUZZ_EXAMPLES", "1000"))

FRAGMENTS = [
    b"<!ENTITY x 'y'>",
    b"<!DOCTYPE rss [",
    b"]>",
    b"&x;",
    b"&#0;",
    b"&#x110000;",
    b"&#xD800;",
    b"&amp;lt;script&amp;gt;",
    b"<![CDATA[",
    b"]]>",
    b"<!--",
    b"-->",
    b"<?xml version='1.0' encoding='utf-16'?>",
    b"<?xml version='1.0' encoding='x-bogus'?>",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\x00",
    b"\xc3\x28",
    b"\xe2\x80\xae",
    b"<item>",
    b"</item>",
    b"<entry>",
    b"<link>javascript:alert(1)</link>",
    b"<link>https://a.example/x|y</link>",
    b"<guid>1</guid>",
    b"<pubDate>Fri, 31 Dec 9999 23:59:59 GMT</pubDate>",
    b"<pubDate>-1</pubDate>",
    b"<title>",
    b"</title>",
    b"<script>alert(1)</script>",
    b'xmlns:xi="http://www.w3.org/2001/XInclude"',
]


@cache
def corpus() -> list[bytes]:
    docs = [path.read_bytes() for path in sample_feeds()]
    docs.append(rss([seed_item(), Item("Shell lifts outlook", "https://n.example.com/shell")]).encode())
    return docs


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(corpus())))
    for _ in range(draw(st.integers(1, 8))):
        pos = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["insert", "delete", "flip", "splice", "truncate", "duplicate"]))
        if op == "insert":
            data[pos:pos] = draw(st.sampled_from(FRAGMENTS))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 200))]
        elif op == "flip" and pos < len(data):
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "splice":
            other = draw(st.sampled_from(corpus()))
            start = draw(st.integers(0, len(other)))
            data[pos:pos] = other[start : start + draw(st.integers(1, 2000))]
        elif op == "truncate":
            del data[pos:]
        elif op == "duplicate":
            data[pos:pos] = data[pos : pos + draw(st.integers(1, 500))]
    return bytes(data)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutated())
def test_fuzz_feed_parser(body: bytes) -> None:
    try:
        parsed = parse_feed(body, "https://news.example.com/feed.xml")
    except FeedError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    check_articles(parsed.articles)


def test_fuzz_corpus_parses_cleanly_unmutated() -> None:
    # The fuzz starts from real feeds: if they stopped parsing, the run would only test the refusals.
    for body in corpus():
        assert parse_feed(body, "https://news.example.com/feed.xml").articles
