"""The feed list and each feed's fetch state and health."""

from __future__ import annotations

from typing import Any

import sqlite_utils


def add(
    db: sqlite_utils.Database,
    url: str,
    added: str,
    *,
    title: str | None = None,
    added_by: str | None = None,
    owner_target: str | None = None,
    poll_seconds: int | None = None,
) -> bool:
    """Add a feed; returns False when the URL is already on the list."""
    if get(db, url):
        return False
    db.table("feeds").insert(
        {
            "url": url,
            "title": title,
            "added": added,
            "added_by": added_by,
            "owner_target": owner_target,
            "poll_seconds": poll_seconds,
        }
    )
    return True


def remove(db: sqlite_utils.Database, url: str) -> bool:
    return db.execute("delete from feeds where url = ?", [url]).rowcount > 0


def get(db: sqlite_utils.Database, url: str) -> dict[str, Any] | None:
    rows = list(db.table("feeds").rows_where("url = ?", [url]))
    return rows[0] if rows else None


def all_feeds(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return list(db.table("feeds").rows_where(order_by="added, url"))


def record_success(
    db: sqlite_utils.Database,
    url: str,
    at: str,
    *,
    status: int,
    etag: str | None,
    last_modified: str | None,
    title: str | None,
    new_items: int,
) -> None:
    """Remember a good fetch: validators for the next conditional GET, health reset."""
    db.execute(
        "update feeds set etag = ?, last_modified = ?, last_fetch = ?, last_success = ?, last_status = ?, "
        "last_error = null, consecutive_failures = 0, title = coalesce(?, title), "
        "items_seen = items_seen + ? where url = ?",
        [etag, last_modified, at, at, status, title, new_items, url],
    )


def record_failure(db: sqlite_utils.Database, url: str, at: str, *, status: int, error: str) -> int:
    """Remember a failed fetch; returns the number of consecutive failures now."""
    db.execute(
        "update feeds set last_fetch = ?, last_status = ?, last_error = ?, "
        "consecutive_failures = consecutive_failures + 1 where url = ?",
        [at, status, error, url],
    )
    row = get(db, url)
    return int(row["consecutive_failures"]) if row else 0
