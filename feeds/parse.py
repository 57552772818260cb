"""Parse fetched feed bytes (RSS, Atom, RDF) into normalised Articles with feedparser."""

from __future__ import annotations

import calendar
import dataclasses
import re
import xml.sax
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import feedparser
from defusedxml import DefusedXmlException
from feedparser.exceptions import ThingsNobodyCaresAboutButMe, UndeclaredNamespace

from feeds.models import Article, FeedError
from feeds.normalise import article_id, canonical_link, clamp_date, one_line, text_of, truncate
from feeds.xmlguard import ENTITY_REFUSAL, harden_feedparser, refuse_entity_declarations

MAX_ITEMS = 500
MAX_TITLE_CHARS = 2_000  # a headline longer than this is not a headline
MAX_TEXT_CHARS = 100_000  # per summary and per content: plenty for a long article, bounded for a hostile one
DERIVED_TITLE_CHARS = 160  # a title made from the description of an item that has none

# Root elements of feed documents (RSS, Atom, RSS 1.0's rdf:RDF, CDF's CHANNEL), by local name.
FEED_ROOTS = frozenset({"rss", "feed", "rdf", "channel"})
_NAME = re.compile(rb"<([A-Za-z_][\w:.\-]*)")
# XML errors after which feedparser's lenient parser still reads the whole document: HTML entities
# such as &nbsp; that XML does not define, and namespace prefixes nobody declared.
_RECOVERABLE_XML = ("undefined entity", "unbound prefix")

# Why an item was not kept, as the feed's warning says it.
SKIP_EMPTY = "items with no title or text"
SKIP_BAD_LINK = "items with neither guid nor a usable link"
SKIP_DUPLICATE = "duplicate items"
SKIP_MALFORMED = "malformed items"

harden_feedparser()


@dataclass(frozen=True)
class ParsedFeed:
    """A parsed feed: its title and its articles, newest first as the feed gave them.

    `skipped` counts the items read but not kept, by reason (SKIP_*); `warning` says so in one line,
    and also when items beyond the cap were not read.
    """

    title: str
    articles: list[Article]
    warning: str | None = None
    skipped: dict[str, int] = field(default_factory=dict)


def root_element(body: bytes) -> str | None:
    """The local name of the document's root element, lower-cased ('rss', 'feed', 'html'), or None
    when the document does not start as markup (after any XML declaration, comments and DOCTYPE).

    A plain scan of the first 64 KB, without backtracking, so hostile prologues cost linear time.
    """
    text = body.removeprefix(b"\xef\xbb\xbf")[:65_536]
    i = 0
    while True:
        while text[i : i + 1].isspace():
            i += 1
        if text.startswith(b"<?", i):
            end, width = text.find(b"?>", i + 2), 2
        elif text.startswith(b"<!--", i):
            end, width = text.find(b"-->", i + 4), 3
        elif text.startswith(b"<!", i):  # DOCTYPE, with any internal subset in brackets
            end, width = text.find(b">", i + 2), 1
            if end >= 0 and b"[" in text[i:end]:
                end = text.find(b">", text.find(b"]", i))
        else:
            name = _NAME.match(text, i)
            return name.group(1).decode("ascii").rpartition(":")[2].lower() if name else None
        if end < 0:
            return None
        i = end + width


def _entry_time(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            try:
                return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
            except (OverflowError, ValueError, OSError):
                return None
    return None


@dataclass(frozen=True)
class _Context:
    """What reading every entry of one feed needs to know about the feed."""

    feed_url: str
    feed_title: str
    clock: datetime
    declared: bool  # whether the format declares content types (Atom) or feedparser guesses them (RSS)
    # each distinct field value is converted once per feed (feedparser gives an RSS item's content
    # as its summary too when it has no description)
    converted: dict[tuple[str, bool], str] = field(default_factory=dict, compare=False)

    def convert(self, value: Any, kind: str | None) -> str:
        """text_of(value, kind), once per distinct value read as plain text or as HTML."""
        if not value:
            return text_of(value, kind, declared=self.declared)
        key = (str(value), kind == "text/plain")  # text_of tells only these two apart
        text = self.converted.get(key)
        if text is None:
            text = self.converted[key] = text_of(key[0], kind, declared=self.declared)
        return text

    def text(self, node: Any, key: str) -> str:
        """`node[key]` as plain text, read as HTML unless feedparser found it plain (see text_of)."""
        if not hasattr(node, "get"):
            return ""
        detail = node.get(f"{key}_detail")
        kind = detail.get("type") if hasattr(detail, "get") else None
        return self.convert(node.get(key), kind)

    def line(self, node: Any, key: str) -> str:
        """`node[key]` as plain text on one line."""
        return " ".join(self.text(node, key).split())


def _entry_content(entry: Any, ctx: _Context) -> str:
    best = ""
    for part in entry.get("content") or []:
        text = ctx.convert(part.get("value"), part.get("type"))
        if len(text) > len(best):
            best = text
    return best


def _headline(entry: Any, summary: str, content: str, ctx: _Context) -> str:
    """The entry's title; for an item without one (RSS allows description-only items), the start of
    its description."""
    title = ctx.line(entry, "title")
    if title:
        return truncate(title, MAX_TITLE_CHARS)
    lead = (summary or content).strip().split("\n", 1)[0]
    return truncate(" ".join(lead.split()), DERIVED_TITLE_CHARS)


class _Skipped(Exception):
    """An entry that is not kept; the argument says why (one of SKIP_*)."""


def _article(entry: Any, ctx: _Context) -> Article:
    """One entry as an Article; _Skipped when it has neither a title nor any text, or when its only
    identity would be a link we refuse (javascript:, data:, ...)."""
    link = canonical_link(entry.get("link"))
    guid = truncate(str(entry.get("id") or "").strip(), MAX_TITLE_CHARS)
    if not (link or guid) and str(entry.get("link") or "").strip():
        raise _Skipped(SKIP_BAD_LINK)
    summary = truncate(ctx.text(entry, "summary"), MAX_TEXT_CHARS)
    content = truncate(_entry_content(entry, ctx), MAX_TEXT_CHARS)
    title = _headline(entry, summary, content, ctx)
    if not title:
        raise _Skipped(SKIP_EMPTY)
    return Article(
        id=article_id(guid, link, ctx.feed_url, text=f"{title}\n{summary}\n{content}"),
        link=link,
        title=title,
        summary=summary,
        content=content,
        published=clamp_date(_entry_time(entry), ctx.clock),
        source=truncate(ctx.line(entry.get("source") or {}, "title") or ctx.feed_title, 200),
        feed_url=ctx.feed_url,
        guid=guid,
    )


def _recoverable(reason: BaseException | None) -> bool:
    """True when feedparser's complaint about a document leaves its content intact: an encoding
    it corrected, a content type it ignored, an undeclared prefix, an HTML entity XML lacks."""
    if reason is None or isinstance(reason, ThingsNobodyCaresAboutButMe | UndeclaredNamespace):
        return True
    return isinstance(reason, xml.sax.SAXParseException) and reason.getMessage() in _RECOVERABLE_XML


def _read_entries(entries: list[Any], ctx: _Context) -> tuple[list[Article], Counter[str]]:
    """The entries as Articles (duplicate ids keep the first), and how many were skipped, by reason."""
    articles: list[Article] = []
    seen: set[str] = set()
    skipped: Counter[str] = Counter()
    for entry in entries:
        try:
            article = _article(entry, ctx)
        except _Skipped as skip:
            skipped[str(skip)] += 1
            continue
        except Exception:  # one malformed item never costs the others
            skipped[SKIP_MALFORMED] += 1
            continue
        if article.id in seen:
            skipped[SKIP_DUPLICATE] += 1
        else:
            seen.add(article.id)
            articles.append(article)
    return articles, skipped


def _warning(total: int, max_items: int, skipped: Counter[str]) -> str | None:
    """One line on what was not read (beyond the cap) or not kept (by reason), or None."""
    notes = []
    if total > max_items:
        notes.append(f"feed has {total} items; only the first {max_items} were read")
    for reason in (SKIP_EMPTY, SKIP_BAD_LINK, SKIP_DUPLICATE, SKIP_MALFORMED):
        if skipped[reason]:
            notes.append(f"{skipped[reason]} {reason} skipped")
    return "; ".join(notes) or None


def parse_feed(
    body: bytes,
    feed_url: str = "",
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    max_items: int = MAX_ITEMS,
) -> ParsedFeed:
    """Parse `body` into Articles; raise FeedError (and nothing else) when it is not a usable feed.

    Refused: documents that declare XML entities (see feeds.xmlguard), documents that are not a feed,
    and broken documents that yield nothing. A feed with no items is a feed with no news, and so is
    one with a glitch feedparser reads past (an `&nbsp;` in RSS, a misdeclared encoding). Items
    without a title take one from their description; items without link or guid are known by their
    text; items with neither title nor text, and duplicate ids after the first, are skipped and
    counted. At most `max_items` items are read; titles and texts are cut to MAX_TITLE_CHARS and
    MAX_TEXT_CHARS.
    """
    if not body or not body.strip():
        raise FeedError("empty response: no feed content")
    refuse_entity_declarations(body)
    try:
        # no sanitising: every field becomes plain text in feeds.normalise (tags dropped, script,
        # style and other non-text elements dropped with their content), so feedparser's HTML
        # sanitiser would only parse and rewrite each field once more
        parsed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
    except DefusedXmlException:  # a declaration the strict parser met (see feeds.xmlguard)
        raise FeedError(ENTITY_REFUSAL) from None
    except Exception as exc:  # feedparser on hostile bytes: report, never crash the poll
        raise FeedError(f"cannot parse the feed ({type(exc).__name__})") from None
    entries = parsed.get("entries") or []
    reason = parsed.get("bozo_exception")
    detail = f" ({type(reason).__name__}: {one_line(str(reason))[:120]})" if reason else ""
    if not entries and not parsed.get("version") and root_element(body) not in FEED_ROOTS:
        raise FeedError(f"not an RSS or Atom feed{detail}")
    declared = str(parsed.get("version") or "").startswith("atom")
    untitled = _Context(feed_url, "", now(), declared)
    feed_title = truncate(untitled.line(parsed.get("feed") or {}, "title"), MAX_TITLE_CHARS) or feed_url
    ctx = dataclasses.replace(untitled, feed_title=feed_title)
    articles, skipped = _read_entries(entries[:max_items], ctx)
    if not articles and not _recoverable(reason):
        # a broken document that yields nothing usable is a failure (feed health), not an empty feed
        raise FeedError(f"malformed feed, no usable items{detail}")
    return ParsedFeed(feed_title, articles, _warning(len(entries), max_items, skipped), dict(skipped))
