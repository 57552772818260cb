"""Turn messy feed text into clean plain data: HTML to text, canonical links, stable ids, dates."""

from __future__ import annotations

import hashlib
import html
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_BLOCK_TAGS = {"p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote"}
_SKIP_TAGS = {"script", "style", "noscript", "template", "iframe", "object"}
_TRACKING_PARAMS = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ocid|cmpid|ref|rss)$", re.I)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_NEWLINES = re.compile(r"\s*\n\s*(\n\s*)+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")

# Items dated before this or more than a day ahead of the clock are treated as undated.
EARLIEST_DATE = datetime(1990, 1, 1, tzinfo=UTC)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS and self._skip:
            self._skip -= 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(value: str | None) -> str:
    """Plain text of an HTML fragment: tags and scripts dropped, entities decoded, spaces tidied.

    Paragraph breaks survive as single blank lines so that sentence splitting still sees them.
    """
    if not value:
        return ""
    if "<" in value or "&" in value:
        parser = _TextExtractor()
        try:
            parser.feed(value)
            parser.close()
            text = "".join(parser.parts)
        except Exception:  # HTMLParser is lenient; this guards truly broken input
            text = re.sub(r"<[^>]*>", " ", value)
        text = html.unescape(text) if "&" in text else text
    else:
        text = value
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text)
    text = _NEWLINES.sub("\n\n", text)
    return "\n".join(line.strip() for line in text.strip().split("\n"))


def one_line(value: str | None) -> str:
    """Plain text on one line (for titles and source names)."""
    return " ".join(html_to_text(value).split())


def canonical_link(url: str | None) -> str:
    """The link with scheme and host lower-cased, tracking parameters and the fragment removed.

    Only http and https links are kept: anything else (javascript:, data:, ...) becomes "".
    """
    if not url:
        return ""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.netloc:
        return ""
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING_PARAMS.match(k)]
    )
    netloc = parts.netloc.lower()
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, query, ""))


def article_id(guid: str | None, link: str | None) -> str:
    """A stable 16-hex-digit id from the item's guid, else its canonical link."""
    key = (guid or "").strip() or canonical_link(link) or (link or "").strip()
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def clamp_date(when: datetime | None, now: datetime) -> datetime | None:
    """`when` in UTC, or None when it is absurd (before 1990, or more than a day in the future)."""
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    when = when.astimezone(UTC)
    if when < EARLIEST_DATE or when > now + timedelta(days=1):
        return None
    return when
