"""Plain data that leaves the feeds package."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# who is asking, sent with every feed request unless the `user_agent` setting says otherwise
USER_AGENT = "Riskwire/0.1 (+https://github.com/riskwire/riskwire)"


@dataclass(frozen=True)
class Article:
    """One normalised news item.

    `id` is stable: derived from the item's guid, or its canonical link when it has none, so the
    same item fetched twice (or from two copies of a feed) always has the same id.
    """

    id: str
    link: str
    title: str
    summary: str = ""
    content: str = ""
    published: datetime | None = None
    source: str = ""
    feed_url: str = ""
    guid: str = ""

    @property
    def body(self) -> str:
        """The longest text we have beyond the headline (content, else summary)."""
        return self.content if len(self.content) > len(self.summary) else self.summary


@dataclass
class FetchState:
    """What we remember about a feed between fetches, for conditional GET."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass
class FetchResult:
    """The outcome of fetching one feed URL or file."""

    url: str
    status: int  # HTTP status, 200 for a local file, 0 when nothing was received
    body: bytes = b""
    state: FetchState = field(default_factory=FetchState)
    final_url: str = ""
    error: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def ok(self) -> bool:
        return self.error is None and self.status in (200, 304)


class FeedError(Exception):
    """A feed could not be fetched or parsed; the message is one line, fit for a user."""
