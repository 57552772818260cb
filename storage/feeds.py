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
    next_poll: str | None = None,
) -> None:
    """Remember a good fetch: validators for the next conditional GET, health reset, next poll."""
    db.execute(
        "update feeds set etag = ?, last_modified = ?, last_fetch = ?, last_success = ?, last_status = ?, "
        "last_error = null, consecutive_failures = 0, title = coalesce(?, title), "
        "items_seen = items_seen + ?, next_poll = coalesce(?, next_poll) where url = ?",
        [etag, last_modified, at, at, status, title, new_items, next_poll, url],
    )


def record_failure(
    db: sqlite_utils.Database, url: str, at: str, *, status: int, error: str, next_poll: str | None = None
) -> int:
    """Remember a failed fetch (and when to try again); returns the number of consecutive failures now."""
    db.execute(
        "update feeds set last_fetch = ?, last_status = ?, last_error = ?, "
        "consecutive_failures = consecutive_failures + 1, next_poll = coalesce(?, next_poll) where url = ?",
        [at, status, error, next_poll, url],
    )
    row = get(db, url)
    return int(row["consecutive_failures"]) if row else 0


def due(db: sqlite_utils.Database, now: str) -> list[dict[str, Any]]:
    """Feeds whose next poll has come (never-polled feeds first); paused feeds are due for a probe too."""
    return list(
        db.table("feeds").rows_where(
            "next_poll is null or next_poll <= ?", [now], order_by="next_poll is not null, next_poll, url"
        )
    )


def next_due(db: sqlite_utils.Database) -> str | None:
    """The earliest scheduled poll ('' when a feed has never been scheduled; None with no feeds)."""
    row = db.execute("select min(coalesce(next_poll, '')) from feeds").fetchone()
    return row[0] if row else None


def schedule(db: sqlite_utils.Database, url: str, next_poll: str) -> None:
    db.execute("update feeds set next_poll = ? where url = ?", [next_poll, url])


def pause(db: sqlite_utils.Database, url: str, at: str, reason: str) -> bool:
    """Pause a feed (it is then only probed now and then); False when it was paused already."""
    cursor = db.execute(
        "update feeds set paused = 1, paused_at = ?, paused_reason = ? where url = ? and paused = 0",
        [at, reason, url],
    )
    return cursor.rowcount > 0


def resume(db: sqlite_utils.Database, url: str) -> bool:
    """Unpause a feed; False when it was not paused."""
    cursor = db.execute(
        "update feeds set paused = 0, paused_at = null, paused_reason = null where url = ? and paused = 1",
        [url],
    )
    return cursor.rowcount > 0


def poll_soon(db: sqlite_utils.Database, url: str) -> None:
    """Make a feed due at once, with a clean failure count (after a manual resume)."""
    db.execute("update feeds set next_poll = null, consecutive_failures = 0 where url = ?", [url])


def counts_by_health(db: sqlite_utils.Database) -> dict[str, int]:
    """How many feeds are ok, failing (not yet paused), paused, or never fetched."""
    row = db.execute(
        "select sum(paused = 1), sum(paused = 0 and consecutive_failures > 0), "
        "sum(paused = 0 and consecutive_failures = 0 and last_fetch is not null), "
        "sum(paused = 0 and last_fetch is null) from feeds"
    ).fetchone()
    return {k: int(v or 0) for k, v in zip(("paused", "failing", "ok", "new"), row, strict=True)}
