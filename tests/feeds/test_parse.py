from __future__ import annotations

import pytest

from feeds.models import FeedError
from feeds.parse import parse_feed
from tests.feedkit import Item, rss

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom test</title>
<entry><title>Entry one</title><link href="https://a.example.com/1"/><id>urn:1</id>
<updated>2026-11-20T10:00:00+02:00</updated>
<summary type="html">&lt;p&gt;Hello &lt;b&gt;world&lt;/b&gt;&lt;/p&gt;</summary></entry>
</feed>"""


def test_rss_items_become_articles() -> None:
    body = rss(
        [
            Item("Title A", "https://n.example.com/a", "<p>Lead <i>text</i></p>", "<p>Body</p>", "g-a"),
            Item("Title B", "https://n.example.com/b"),
        ]
    ).encode()
    parsed = parse_feed(body, "https://n.example.com/feed")
    assert parsed.title == "Test feed"
    a, b = parsed.articles
    assert (a.title, a.link, a.summary, a.content, a.guid) == (
        "Title A",
        "https://n.example.com/a",
        "Lead text",
        "Body",
        "g-a",
    )
    assert a.published is not None and a.published.tzinfo is not None
    assert a.source == "Test feed"
    assert b.id != a.id


def test_atom_entry_dates_are_utc() -> None:
    (entry,) = parse_feed(ATOM.encode(), "x").articles
    assert entry.published is not None and entry.published.hour == 8
    assert entry.summary == "Hello world"


def test_duplicate_guids_keep_the_first() -> None:
    body = rss(
        [
            Item("One", "https://n.example.com/1", guid="same"),
            Item("Two", "https://n.example.com/2", guid="same"),
        ]
    ).encode()
    assert [a.title for a in parse_feed(body).articles] == ["One"]


def test_javascript_links_are_dropped_but_item_kept_by_guid() -> None:
    body = rss([Item("Bad link", "javascript:alert(1)", guid="g1")]).encode()
    (article,) = parse_feed(body).articles
    assert article.link == ""


@pytest.mark.parametrize("body", [b"", b"   ", b"\x00\x01\x02garbage\xff", b"<html><body>nope</body></html>"])
def test_garbage_is_a_feed_error(body: bytes) -> None:
    with pytest.raises(FeedError):
        parse_feed(body)
