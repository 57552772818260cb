"""Turn messy feed text into clean plain data: HTML to text, canonical links, stable ids, dates."""

from __future__ import annotations

import hashlib
import html
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

_BLOCK_TAGS = {"p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote"}
# dropped with their content: code, and fallbacks shown only when the real thing cannot be
_SKIP_TAGS = {"script", "style", "noscript", "template", "iframe", "object", "applet"}
_TRACKING_PARAMS = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ocid|cmpid|ref|rss)$", re.I)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_NEWLINES = re.compile(r"\s*\n\s*(\n\s*)+")
# Control characters, the zero-width space, direction marks, embeddings, overrides and isolates, and
# the byte order mark. The zero-width joiner and non-joiner stay: Persian and other scripts spell
# words with them and emoji sequences are built with them. (What chat may show is the renderers'
# call: bot/rendering/chat_text.py drops every invisible character there.)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")

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

    def unknown_decl(self, data: str) -> None:
        if not self._skip and data.startswith("CDATA["):  # a CDATA section is text
            self.parts.append(data[6:])


# `<!` that opens no comment, CDATA section or doctype: text the author wrote (`<!ENTITY lol>` in a
# story about XML attacks), which HTMLParser would drop as a bogus comment
_BANG = re.compile(r"<!(?!--|\[CDATA\[|doctype)", re.I)


def _markup_text(value: str) -> str:
    """The text of an HTML fragment, entities decoded exactly once."""
    parser = _TextExtractor()
    try:
        parser.feed(_BANG.sub("&lt;!", value))
        parser.close()
        return "".join(parser.parts)
    except Exception:  # HTMLParser is lenient; this guards truly broken input
        return html.unescape(re.sub(r"<[^>]*>", " ", value))


def _tidy(text: str) -> str:
    """`text` without control and direction characters, runs of spaces, or more than one blank line."""
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text)
    text = _NEWLINES.sub("\n\n", text)
    return "\n".join(line.strip() for line in text.strip().split("\n"))


def html_to_text(value: str | None) -> str:
    """Plain text of an HTML fragment: tags and scripts dropped, entities decoded once, spaces tidied.

    Paragraph breaks survive as single blank lines so that sentence splitting still sees them. A
    literal `&lt;b&gt;` in the HTML is the text `<b>`, and `&amp;lt;` is the text `&lt;`.
    """
    if not value:
        return ""
    return _tidy(_markup_text(value) if "<" in value or "&" in value else value)


def plain_text(value: str | None) -> str:
    """Text that is plain already, tidied: `<blink>` and `&amp;` in it are what the author wrote."""
    return _tidy(value) if value else ""


# Markup beyond bare bracketed words: a closing or self-closing tag, or a tag with attributes.
_MARKUP = re.compile(r"</|/>|<[A-Za-z][^<>\s]*\s[^<>]*>")


def text_of(value: str | None, content_type: str | None, *, declared: bool = True) -> str:
    """Plain text of a feed field, read as HTML unless its content type says it is plain text.

    feedparser tells the two apart, so a headline such as `Amazon.com <AMZN.O> sued` keeps its
    ticker. Atom declares the type (`type="text"`); RSS does not (`declared=False`), and there
    feedparser's guess of plain text is taken only while the text holds no more than bare bracketed
    words: a closing tag or a tag with attributes (`<script>...</script>`, `<img onerror=...>`) is
    markup, and read as such.
    """
    if content_type == "text/plain" and (declared or not _MARKUP.search(value or "")):
        return plain_text(value)
    return html_to_text(value)


def one_line(value: str | None) -> str:
    """Plain text of an HTML fragment on one line."""
    return " ".join(html_to_text(value).split())


def truncate(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, at a word boundary where one is near, with '…'."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ", max(0, limit - 200))
    return (cut[:space] if space > 0 else cut).rstrip() + "…"


# Characters that are legal in no URL, or that chat markup reads as link syntax (Slack's <url|text>,
# Markdown's [text](url)): percent-encoded so that a link can neither break out nor be disguised.
_URL_SAFE = "/:@!$&'*+,;=-._~%?#"


def _clean_host(netloc: str) -> str | None:
    """The host[:port] part without user info, lower-cased and IDNA-encoded; None when unusable."""
    hostport = netloc.rpartition("@")[2].lower()  # user info in a news link only serves to disguise it
    if hostport.startswith("["):
        return hostport if re.fullmatch(r"\[[0-9a-f:.]+\](:\d{1,5})?", hostport) else None
    host, colon, port = hostport.partition(":")
    if colon and not port.isdigit():
        return None
    try:
        ascii_host = host.encode("idna").decode("ascii")  # shows a look-alike host for what it is
    except UnicodeError:
        return None
    if not ascii_host or not re.fullmatch(r"[a-z0-9.\-_]+", ascii_host):
        return None
    return ascii_host + (colon + port if colon else "")


def canonical_link(url: str | None) -> str:
    """The link with scheme and host lower-cased, tracking parameters and the fragment removed.

    Only http and https links with a host are kept: anything else (javascript:, data:, ...) becomes "".
    User info is dropped, international host names are IDNA-encoded, and spaces, quotes, angle
    brackets, pipes and other characters outside printable ASCII are percent-encoded, so the result
    is always plain printable ASCII that chat markup cannot misread.
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
    netloc = _clean_host(parts.netloc)
    if not netloc:
        return ""
    try:
        query = urlencode(
            [
                (k, v)
                for k, v in parse_qsl(parts.query, keep_blank_values=True)
                if not _TRACKING_PARAMS.match(k)
            ]
        )
        path = quote(parts.path or "/", safe=_URL_SAFE)
    except (UnicodeError, ValueError):  # lone surrogates and the like: not a link we can show
        return ""
    return urlunsplit((scheme, netloc, path, query, ""))


_GLOBAL_GUID = re.compile(r"^(https?://|tag:|urn:)", re.I)


def article_id(guid: str | None, link: str | None, feed_url: str = "", text: str = "") -> str:
    """A stable 16-hex-digit id from the item's guid, else its canonical link, else its text.

    A guid that is a URI (http(s)://, tag:, urn:) is globally unique by construction and is used as
    it is. Any other guid ("1234", "post-7") is only unique within its site, so it is keyed by the
    feed's host: two sites that both number their items from 1 never shadow each other's stories.
    An item with neither guid nor link (RSS allows that) is known by its text, keyed by the host too.
    """
    key = (guid or "").strip()
    if key:
        local = not _GLOBAL_GUID.match(key)
    else:
        key = canonical_link(link) or (link or "").strip()
        local = not key
        key = key or "text:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    if local:
        host = _host_of(feed_url)
        if host:
            key = f"{host} {key}"
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _host_of(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


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
