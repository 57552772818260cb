"""Feed management from chat (`/riskwire feeds ...`), shared by the Slack and Discord front-ends.

The feed list is global (every feed feeds every subscription), so chat users may only add http(s)
URLs, never local files, and by default no loopback or private addresses. A feed can have several
owners: each workspace that added it, and the operator when it was added from the CLI or config.
A workspace lists and removes only its own feeds and is never told who else polls a URL: adding a
URL that someone else already polls makes this workspace an owner too ("Added"), and removing it
ends only this workspace's ownership (the feed stays polled while another owner is left). Other
feeds are shown as a count, not as URLs.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils

from bot.usecases import service
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
    """Make the scope's workspace an owner of each URL (unchanged: it owned it already); all are
    checked before any is added. Paused or recovered notices go to the scope's target."""
    if not urls:
        raise service.ServiceError("Give a feed URL, e.g. feeds add https://example.com/news.rss")
    if len(urls) > MAX_FEEDS_PER_COMMAND:
        raise service.ServiceError(f"At most {MAX_FEEDS_PER_COMMAND} feeds at a time.")
    checked = [check_url(u, allow_private=allow_private) for u in urls]
    owner = workspace_of(scope)
    result = FeedChange()
    with db.atomic():
        for url in checked:
            known = feed_store.get(db, url) is not None
            added = feed_store.add_owner(db, url, owner, scope.key, stamp, added_by=scope.user)
            if added and known:
                # polled for others already: fetch it now, so this workspace sees its own first result
                feed_store.schedule(db, url, stamp)
            (result.changed if added else result.unchanged).append(url)
    return result


def remove_feeds(db: sqlite_utils.Database, scope: service.Scope, urls: list[str]) -> FeedChange:
    """End this workspace's ownership of each URL (unchanged: it did not own it). A feed stays polled
    while another workspace or the operator owns it."""
    if len(urls) > MAX_FEEDS_PER_COMMAND:
        raise service.ServiceError(f"At most {MAX_FEEDS_PER_COMMAND} feeds at a time.")
    owner = workspace_of(scope)
    result = FeedChange()
    with db.atomic():
        for url in urls:
            if feed_store.remove_owner(db, url.strip(), owner):
                result.changed.append(url.strip())
            else:
                result.unchanged.append(url)
    return result


def list_feeds(db: sqlite_utils.Database, scope: service.Scope) -> tuple[list[dict[str, Any]], int]:
    """(the feeds this workspace owns, with their health since it added them; how many of the operator's
    feeds it does not own). Other workspaces' feeds are not counted: a count that moved when this
    workspace added a URL would say that someone else already followed it."""
    owner = workspace_of(scope)
    return feed_store.owned_by(db, owner), feed_store.operator_feeds_not_owned_by(db, owner)
