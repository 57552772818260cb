"""Parse fetched feed bytes (RSS, Atom, RDF) into normalised Articles with feedparser."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser
from defusedxml import DefusedXmlException

from feeds.models import Article, FeedError
from feeds.normalise import article_id, canonical_link, clamp_date, html_to_text, one_line, truncate
from feeds.xmlguard import ENTITY_REFUSAL, harden_feedparser, refuse_entity_declarations

MAX_ITEMS = 500
MAX_TITLE_CHARS = 2_000  # a headline longer than this is not a headline
MAX_TEXT_CHARS = 100_000  # per summary and per content: plenty for a long article, bounded for a hostile one

harden_feedparser()


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


def _article(entry: Any, feed_url: str, feed_title: str, clock: datetime) -> Article | None:
    """One entry as an Article, or None when it has no title or neither a usable link nor a guid."""
    link = canonical_link(entry.get("link"))
    guid = truncate(str(entry.get("id") or "").strip(), MAX_TITLE_CHARS)
    title = truncate(one_line(entry.get("title")), MAX_TITLE_CHARS)
    if not (link or guid) or not title:
        return None
    return Article(
        id=article_id(guid, link, feed_url),
        link=link,
        title=title,
        summary=truncate(html_to_text(entry.get("summary")), MAX_TEXT_CHARS),
        content=truncate(_entry_content(entry), MAX_TEXT_CHARS),
        published=clamp_date(_entry_time(entry), clock),
        source=truncate(_entry_source(entry, feed_title), 200),
        feed_url=feed_url,
        guid=guid,
    )


def parse_feed(
    body: bytes,
    feed_url: str = "",
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    max_items: int = MAX_ITEMS,
) -> ParsedFeed:
    """Parse `body` into Articles; raise FeedError (and nothing else) when it is not a feed at all.

    Documents that declare XML entities are refused (see feeds.xmlguard). Items without a usable
    http(s) link and without a guid are dropped; duplicate ids within one feed keep the first. At
    most `max_items` items are read; titles and texts are cut to MAX_TITLE_CHARS and MAX_TEXT_CHARS.
    """
    if not body or not body.strip():
        raise FeedError("empty response: no feed content")
    refuse_entity_declarations(body)
    try:
        parsed = feedparser.parse(body, sanitize_html=True, resolve_relative_uris=False)
    except DefusedXmlException:  # a declaration the strict parser met (see feeds.xmlguard)
        raise FeedError(ENTITY_REFUSAL) from None
    except Exception as exc:  # feedparser on hostile bytes: report, never crash the poll
        raise FeedError(f"cannot parse the feed ({type(exc).__name__})") from None
    entries = parsed.get("entries") or []
    version = parsed.get("version") or ""
    reason = parsed.get("bozo_exception")
    detail = f" ({type(reason).__name__}: {one_line(str(reason))[:120]})" if reason else ""
    if not entries and not version:
        raise FeedError(f"not an RSS or Atom feed{detail}")
    feed_title = truncate(one_line((parsed.get("feed") or {}).get("title")), MAX_TITLE_CHARS) or feed_url
    clock = now()
    articles: list[Article] = []
    seen: set[str] = set()
    skipped = 0
    for entry in entries[:max_items]:
        try:
            article = _article(entry, feed_url, feed_title, clock)
        except Exception:  # one malformed item never costs the others
            skipped += 1
            continue
        if article is None or article.id in seen:
            continue
        seen.add(article.id)
        articles.append(article)
    if not articles and parsed.get("bozo"):
        # a broken document that yields nothing usable is a failure (feed health), not an empty feed
        raise FeedError(f"malformed feed, no usable items{detail}")
    notes = []
    if len(entries) > max_items:
        notes.append(f"feed has {len(entries)} items; only the first {max_items} were read")
    if skipped:
        notes.append(f"{skipped} malformed items skipped")
    warning = "; ".join(notes) or None
    return ParsedFeed(title=feed_title, articles=articles, warning=warning)
