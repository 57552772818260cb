"""Parse fetched feed bytes (RSS, Atom, RDF) into normalised Articles with feedparser."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser

from feeds.models import Article, FeedError
from feeds.normalise import article_id, canonical_link, clamp_date, html_to_text, one_line

MAX_ITEMS = 500


@dataclass(frozen=True)
class ParsedFeed:
    """A parsed feed: its title and its articles, newest first as the feed gave them."""

    title: str
    articles: list[Article]
    warning: str | None = None


def _entry_time(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            try:
                return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
            except (OverflowError, ValueError, OSError):
                return None
    return None


def _entry_content(entry: Any) -> str:
    best = ""
    for part in entry.get("content") or []:
        text = html_to_text(part.get("value"))
        if len(text) > len(best):
            best = text
    return best


def _entry_source(entry: Any, feed_title: str) -> str:
    source = entry.get("source") or {}
    name = one_line(source.get("title") if hasattr(source, "get") else "")
    return name or feed_title


def parse_feed(
    body: bytes,
    feed_url: str = "",
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    max_items: int = MAX_ITEMS,
) -> ParsedFeed:
    """Parse `body` into Articles; raise FeedError when it is not a feed at all.

    Items without a usable http(s) link and without a guid are dropped; duplicate ids within one
    feed keep the first. At most `max_items` items are read.
    """
    if not body or not body.strip():
        raise FeedError("empty response: no feed content")
    parsed = feedparser.parse(body, sanitize_html=True, resolve_relative_uris=False)
    entries = parsed.get("entries") or []
    version = parsed.get("version") or ""
    reason = parsed.get("bozo_exception")
    detail = f" ({type(reason).__name__}: {str(reason)[:120]})" if reason else ""
    if not entries and not version:
        raise FeedError(f"not an RSS or Atom feed{detail}")
    feed_title = one_line((parsed.get("feed") or {}).get("title")) or feed_url
    clock = now()
    articles: list[Article] = []
    seen: set[str] = set()
    for entry in entries[:max_items]:
        link = canonical_link(entry.get("link"))
        guid = (entry.get("id") or "").strip()
        title = one_line(entry.get("title"))
        if not (link or guid) or not title:
            continue
        ident = article_id(guid, link)
        if ident in seen:
            continue
        seen.add(ident)
        articles.append(
            Article(
                id=ident,
                link=link,
                title=title,
                summary=html_to_text(entry.get("summary")),
                content=_entry_content(entry),
                published=clamp_date(_entry_time(entry), clock),
                source=_entry_source(entry, feed_title),
                feed_url=feed_url,
                guid=guid,
            )
        )
    if not articles and parsed.get("bozo"):
        # a broken document that yields nothing usable is a failure (feed health), not an empty feed
        raise FeedError(f"malformed feed, no usable items{detail}")
    warning = None
    if len(entries) > max_items:
        warning = f"feed has {len(entries)} items; only the first {max_items} were read"
    return ParsedFeed(title=feed_title, articles=articles, warning=warning)
