"""The feed list: each feed's owners (workspaces, the operator), fetch state and health."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from storage.db import executemany

OPERATOR = "operator"  # the owner of feeds added from the command line, config, starter list or OPML


def add(
    db: sqlite_utils.Database,
    url: str,
    added: str,
    *,
    title: str | None = None,
    added_by: str | None = None,
    poll_seconds: int | None = None,
) -> bool:
    """Add a feed for the operator; returns False when the URL is already on the list.

    The operator owns the feed either way, so no workspace's removal takes it off the list."""
    created = _create(db, url, added, title=title, added_by=added_by, poll_seconds=poll_seconds)
    _own(db, url, OPERATOR, "console", added, added_by)
    return created


def add_owner(
    db: sqlite_utils.Database, url: str, owner: str, target: str, added: str, *, added_by: str | None = None
) -> bool:
    """Make a workspace (its target prefix, e.g. 'slack:T1/') an owner of the feed, told about the
    feed's health at `target`; the URL joins the list if it is not on it. False when it owned it already."""
    _create(db, url, added, added_by=added_by, owner_target=target)
    return _own(db, url, owner, target, added, added_by)


def _create(
    db: sqlite_utils.Database,
    url: str,
    added: str,
    *,
    title: str | None = None,
    added_by: str | None = None,
    owner_target: str | None = None,
    poll_seconds: int | None = None,
) -> bool:
    # one statement: workers adding the configured feeds at once add each once
    cursor = db.execute(
        "insert into feeds (url, title, added, added_by, owner_target, poll_seconds) "
        "values (?, ?, ?, ?, ?, ?) on conflict (url) do nothing",
        [url, title, added, added_by, owner_target, poll_seconds],
    )
    return cursor.rowcount > 0


def _own(
    db: sqlite_utils.Database, url: str, owner: str, target: str, added: str, added_by: str | None
) -> bool:
    cursor = db.execute(
        "insert or ignore into feed_owners (url, owner, target, added_by, added) values (?, ?, ?, ?, ?)",
        [url, owner, target, added_by, added],
    )
    return cursor.rowcount > 0


def remove(db: sqlite_utils.Database, url: str) -> bool:
    """Take a feed off the list for every owner (the operator's removal)."""
    db.execute("delete from feed_owners where url = ?", [url])
    return db.execute("delete from feeds where url = ?", [url]).rowcount > 0


def remove_owner(db: sqlite_utils.Database, url: str, owner: str) -> bool:
    """End one owner's ownership; the feed (and its fetch state) leaves the list when no owner is left.
    False when `owner` did not own the feed."""
    if db.execute("delete from feed_owners where url = ? and owner = ?", [url, owner]).rowcount == 0:
        return False
    if db.execute("select 1 from feed_owners where url = ? limit 1", [url]).fetchone() is None:
        db.execute("delete from feeds where url = ?", [url])
    return True


def owned_by(db: sqlite_utils.Database, owner: str) -> list[dict[str, Any]]:
    """The feeds an owner owns, in the order it added them: each feed's row with the owner's own
    `added` and `added_by`, and without `owner_target` (who first added the feed is not its business)."""
    cursor = db.execute(
        "select f.*, o.added as owner_added, o.added_by as owner_added_by "
        "from feed_owners o join feeds f on f.url = o.url where o.owner = ? order by o.added, o.url",
        [owner],
    )
    cols = [c[0] for c in cursor.description]
    rows = []
    for values in cursor.fetchall():
        row = dict(zip(cols, values, strict=True))
        row.pop("owner_target", None)
        row["added"], row["added_by"] = row.pop("owner_added"), row.pop("owner_added_by")
        if not row.get("last_fetch") or row["last_fetch"] < row["added"]:
            row.update(_NOT_FETCHED)  # fetched only for others so far: their history is not shown
        rows.append(row)
    return rows


# how a feed looks to an owner before its first fetch since that owner added it
_NOT_FETCHED: dict[str, Any] = {
    "last_fetch": None,
    "last_success": None,
    "last_status": None,
    "last_error": None,
    "consecutive_failures": 0,
    "items_seen": 0,
    "paused": 0,
    "paused_at": None,
    "paused_reason": None,
}


def operator_feeds_not_owned_by(db: sqlite_utils.Database, owner: str) -> int:
    """How many of the operator's feeds `owner` does not own too."""
    row = db.execute(
        "select count(*) from feed_owners o where o.owner = ? and not exists "
        "(select 1 from feed_owners m where m.url = o.url and m.owner = ?)",
        [OPERATOR, owner],
    ).fetchone()
    return int(row[0])


def notice_targets(db: sqlite_utils.Database, url: str) -> list[str]:
    """Where news of a feed's health goes: each owner's target once ('console' for the operator, and
    for a feed nobody owns)."""
    rows = db.execute(
        "select distinct target from feed_owners where url = ? order by target", [url]
    ).fetchall()
    return [r[0] for r in rows] or ["console"]


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


def record_not_modified(
    db: sqlite_utils.Database, url: str, at: str, *, status: int, next_poll: str | None = None
) -> None:
    """Remember a 304 on a healthy feed whose validators did not change: one UPDATE of its times."""
    db.execute(
        "update feeds set last_fetch = ?, last_success = ?, last_status = ?, "
        "next_poll = coalesce(?, next_poll) where url = ?",
        [at, at, status, next_poll, url],
    )


def record_not_modified_many(db: sqlite_utils.Database, rows: list[tuple[str, str, int, str | None]]) -> None:
    """`record_not_modified` for each (url, at, status, next_poll): one statement for one feed, one
    transaction for several."""
    if len(rows) == 1:
        url, at, status, next_poll = rows[0]
        record_not_modified(db, url, at, status=status, next_poll=next_poll)
        return
    with db.atomic():
        executemany(
            db,
            "update feeds set last_fetch = ?, last_success = ?, last_status = ?, "
            "next_poll = coalesce(?, next_poll) where url = ?",
            [(at, at, status, next_poll, url) for url, at, status, next_poll in rows],
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
        "select count(case when paused = 1 then 1 end), "
        "count(case when paused = 0 and consecutive_failures > 0 then 1 end), "
        "count(case when paused = 0 and consecutive_failures = 0 and last_fetch is not null then 1 end), "
        "count(case when paused = 0 and last_fetch is null then 1 end) from feeds"
    ).fetchone()
    return {k: int(v or 0) for k, v in zip(("paused", "failing", "ok", "new"), row, strict=True)}
