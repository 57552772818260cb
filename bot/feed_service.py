"""Feed management from chat (`/riskwire feeds ...`), shared by the Slack and Discord front-ends.

The feed list is global (every feed feeds every subscription), so chat users may only add http(s)
URLs, never local files, and by default no loopback or private addresses. A feed remembers the
target it was added from; a workspace lists and removes only the feeds it added, and sees the
operator's feeds (added from the CLI or config) as a count, not as URLs.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils

from bot import service
from storage import feeds as feed_store

MAX_URL = 2000
MAX_FEEDS_PER_COMMAND = 10


@dataclass
class FeedChange:
    """What an add or remove did, URL by URL."""

    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def workspace_of(scope: service.Scope) -> str:
    """The prefix every target key of the scope's workspace starts with, e.g. 'slack:T123/'."""
    t = scope.target
    return f"{t.platform}:{t.workspace}/"


def check_url(url: str, *, allow_private: bool = False) -> str:
    """The URL if chat users may add it, else ServiceError saying why."""
    url = url.strip()
    shown = url if len(url) <= 80 else url[:77] + "..."
    if len(url) > MAX_URL:
        raise service.ServiceError(f"A feed URL is limited to {MAX_URL} characters.")
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        raise service.ServiceError(f"{shown!r} is not a URL.") from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise service.ServiceError(f"{shown!r} is not an http(s) feed URL.")
    if not allow_private and _private_host(host):
        raise service.ServiceError(
            f"{shown!r} points at a local or private address; feeds must be public "
            "(the operator can allow private feeds with RISKWIRE_ALLOW_PRIVATE_FEEDS=1)."
        )
    return url


def _private_host(host: str) -> bool:
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False  # a name: resolving it here would not stop DNS tricks, so fetch-time checks own that
    return not address.is_global


def add_feeds(
    db: sqlite_utils.Database, scope: service.Scope, urls: list[str], stamp: str, *, allow_private: bool
) -> FeedChange:
    """Add each URL to the feed list, owned by the scope's target; all are checked before any is added."""
    if not urls:
        raise service.ServiceError("Give a feed URL, e.g. feeds add https://example.com/news.rss")
    if len(urls) > MAX_FEEDS_PER_COMMAND:
        raise service.ServiceError(f"At most {MAX_FEEDS_PER_COMMAND} feeds at a time.")
    checked = [check_url(u, allow_private=allow_private) for u in urls]
    result = FeedChange()
    with db.atomic():
        for url in checked:
            added = feed_store.add(db, url, stamp, added_by=scope.user, owner_target=scope.key)
            (result.changed if added else result.unchanged).append(url)
    return result


def remove_feeds(db: sqlite_utils.Database, scope: service.Scope, urls: list[str]) -> FeedChange:
    """Remove the feeds this workspace added; others (another workspace's, the operator's) are refused."""
    if len(urls) > MAX_FEEDS_PER_COMMAND:
        raise service.ServiceError(f"At most {MAX_FEEDS_PER_COMMAND} feeds at a time.")
    prefix = workspace_of(scope)
    result = FeedChange()
    with db.atomic():
        for url in urls:
            row = feed_store.get(db, url.strip())
            if row and (row.get("owner_target") or "").startswith(prefix):
                feed_store.remove(db, row["url"])
                result.changed.append(row["url"])
            else:
                result.unchanged.append(url)
    return result


def list_feeds(db: sqlite_utils.Database, scope: service.Scope) -> tuple[list[dict[str, Any]], int]:
    """(the feeds this workspace added, with their health; how many other feeds are polled)."""
    prefix = workspace_of(scope)
    rows = feed_store.all_feeds(db)
    own = [r for r in rows if (r.get("owner_target") or "").startswith(prefix)]
    return own, len(rows) - len(own)
