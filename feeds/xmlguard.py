"""Refuse feed documents that declare XML entities, before feedparser sees them.

Entity declarations are how the classic XML attacks work: nested entities that expand a few
kilobytes into gigabytes (billion laughs), one large entity referenced many times (quadratic
blow-up), and SYSTEM/PUBLIC entities that pull in local files or remote URLs (external entities).
No real news feed needs them, so any `<!ENTITY` outside a comment or CDATA section refuses the whole
document with a one-line FeedError. External DTDs are never fetched (feedparser turns that off), so a
plain `<!DOCTYPE rss PUBLIC ... "...dtd">` as old RSS 0.91 feeds carry is still accepted.

The check runs on the same UTF-8 text feedparser parses (after its own encoding detection), so a
document cannot hide a declaration behind UTF-16, UTF-7 or an EBCDIC code page.
"""

from __future__ import annotations

from feedparser.encodings import convert_to_utf8

from feeds.models import FeedError

ENTITY_REFUSAL = (
    "refused: the feed declares XML entities (<!ENTITY>), which are used for entity-expansion and "
    "external-entity attacks"
)


def as_parsed(body: bytes) -> bytes:
    """The document as feedparser will parse it: converted to UTF-8 by feedparser's own detection."""
    try:
        return bytes(convert_to_utf8({}, body, {}))
    except Exception:  # feedparser then parses the raw bytes; check those
        return body


def refuse_entity_declarations(body: bytes) -> None:
    """Raise FeedError when the document declares an entity outside comments and CDATA sections.

    One pass over the text, linear in its length, with no parsing that could itself blow up.
    """
    low = as_parsed(body).lower()
    i = 0
    while True:
        j = low.find(b"<!", i)
        if j < 0:
            return
        if low.startswith(b"<![cdata[", j):
            end, width = low.find(b"]]>", j + 9), 3
        elif low.startswith(b"<!--", j):
            end, width = low.find(b"-->", j + 4), 3
        elif low.startswith(b"<!entity", j):
            raise FeedError(ENTITY_REFUSAL)
        else:
            end, width = j, 2
        if end < 0:
            return
        i = end + width
