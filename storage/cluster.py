"""Several `riskwire run` workers on one database: the leases through which they share the work.

There is no broker: each worker claims its part with single statements that compare and set
(`update ... where <free> returning`), so two workers never both win. A lease has an owner (a
worker id, host:pid:random) and an expiry; the owner renews it with its heartbeat, and a lease left
by a dead worker (no heartbeat for the lease time) runs out and is taken by another.

- feeds: a due feed is claimed by one worker (`lease_owner`, `lease_until`) and released when its
  fetch is recorded;
- hosts: one request in flight per feed host across the workers, and `host_gap` between two;
- channels: one worker sends a target's queue at a time. The lease carries a `token` that grows
  with every new owner; a delivery is marked `sending` only when its worker holds the current
  token (storage.deliveries.claim), so a worker paused past its lease cannot claim what another
  took. A rate limit's Retry-After is kept as `cool_until` for every worker to honour;
- leases: named single roles (the chat gateway connection);
- job_runs: a job that must run once per period runs in the worker that inserted its row.

Timestamps are ISO 8601 UTC text with milliseconds (`stamp`); statements are plain SQL with `?`
placeholders. On PostgreSQL (`db.dialect == "postgresql"`) the feed claim adds
`FOR UPDATE SKIP LOCKED`, so workers claiming together take different feeds instead of waiting.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlite_utils


def stamp(at: datetime) -> str:
    """The lease columns' time format: UTC, milliseconds."""
    return at.astimezone(UTC).isoformat(timespec="milliseconds")


def dialect(db: sqlite_utils.Database) -> str:
    return str(getattr(db, "dialect", "sqlite"))


def _rows(cursor: Any) -> list[dict[str, Any]]:
    cols = [c[0] for c in cursor.description or ()]
    return [dict(zip(cols, r, strict=True)) for r in cursor.fetchall()]


# --- workers -----------------------------------------------------------------------------------------


def join(db: sqlite_utils.Database, worker: str, host: str, pid: int, now: datetime) -> None:
    """Register a worker (again, after a restart with the same id) with a fresh heartbeat."""
    at = stamp(now)
    db.execute(
        "insert into workers (id, host, pid, started, heartbeat) values (?, ?, ?, ?, ?) "
        "on conflict (id) do update set heartbeat = excluded.heartbeat",
        [worker, host, pid, at, at],
    )


def heartbeat(db: sqlite_utils.Database, worker: str, now: datetime, until: datetime) -> dict[str, set[str]]:
    """Say the worker lives, and renew every lease it still holds until `until`. Returns what it
    holds now: {"channels": targets, "leases": names, "feeds": urls}; a lease taken over by another
    worker meanwhile is no longer among them."""
    at, end = stamp(now), stamp(until)
    db.execute("update workers set heartbeat = ? where id = ?", [at, worker])
    if db.execute("select 1 from workers where id = ?", [worker]).fetchone() is None:
        db.execute(  # forgotten (pruned as dead while paused): back in, under the same id
            "insert into workers (id, host, pid, started, heartbeat) values (?, '', 0, ?, ?)",
            [worker, at, at],
        )
    held: dict[str, set[str]] = {}
    for key, sql in (
        (
            "channels",
            "update channels set lease_until = ? where owner = ? and lease_until >= ? returning target",
        ),
        ("leases", "update leases set lease_until = ? where owner = ? and lease_until >= ? returning name"),
        (
            "feeds",
            "update feeds set lease_until = ? where lease_owner = ? and lease_until >= ? returning url",
        ),
    ):
        held[key] = {r[0] for r in db.execute(sql, [end, worker, at]).fetchall()}
    db.execute("update hosts set busy_until = ? where busy_owner = ? and busy_until >= ?", [end, worker, at])
    return held


def leave(db: sqlite_utils.Database, worker: str) -> None:
    """A worker stopping cleanly: everything it holds is free at once."""
    db.execute("update channels set owner = null, lease_until = null where owner = ?", [worker])
    db.execute("update leases set owner = null, lease_until = null where owner = ?", [worker])
    db.execute("update feeds set lease_owner = null, lease_until = null where lease_owner = ?", [worker])
    db.execute("update hosts set busy_owner = null, busy_until = null where busy_owner = ?", [worker])
    db.execute("delete from workers where id = ?", [worker])


def live_workers(db: sqlite_utils.Database, since: datetime) -> set[str]:
    """The workers whose last heartbeat is not older than `since`."""
    return {r[0] for r in db.execute("select id from workers where heartbeat >= ?", [stamp(since)])}


def workers(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return _rows(db.execute("select * from workers order by started, id"))


def forget_dead(db: sqlite_utils.Database, before: datetime) -> int:
    """Drop the rows of workers silent since `before` (their leases run out by themselves)."""
    return db.execute("delete from workers where heartbeat < ?", [stamp(before)]).rowcount


# --- feeds -------------------------------------------------------------------------------------------

_FREE_FEED = "(next_poll is null or next_poll <= ?) and (lease_until is null or lease_until < ?)"


def claim_feeds(
    db: sqlite_utils.Database, worker: str, due: str, now: datetime, until: datetime, limit: int = 100
) -> list[dict[str, Any]]:
    """Claim up to `limit` feeds whose next poll (`due`, the feeds' seconds format) has come and that
    no live lease holds, for `worker` until `until`; returns their rows (never-polled first)."""
    at = stamp(now)
    lock = " for update skip locked" if dialect(db) == "postgresql" else ""
    cursor = db.execute(
        "update feeds set lease_owner = ?, lease_until = ? where url in (select url from feeds where "
        f"{_FREE_FEED} order by next_poll is not null, next_poll, url limit ?{lock}) and {_FREE_FEED} "
        "returning *",
        [worker, stamp(until), due, at, limit, due, at],
    )
    rows = _rows(cursor)
    rows.sort(key=lambda r: (r.get("next_poll") is not None, r.get("next_poll") or "", r["url"]))
    return rows


def release_feed(db: sqlite_utils.Database, url: str, worker: str) -> bool:
    """The worker is done with the feed (its fetch is recorded); False when it no longer held it."""
    cursor = db.execute(
        "update feeds set lease_owner = null, lease_until = null where url = ? and lease_owner = ?",
        [url, worker],
    )
    return cursor.rowcount > 0


# --- hosts -------------------------------------------------------------------------------------------


def claim_host(db: sqlite_utils.Database, host: str, worker: str, now: datetime, until: datetime) -> bool:
    """Take the host's one request slot for `worker` until `until`; False while another worker's
    request to it is in flight or the host's gap since the last one has not passed (`host_free_at`
    says until when)."""
    at = stamp(now)
    db.execute("insert into hosts (host) values (?) on conflict (host) do nothing", [host])
    cursor = db.execute(
        "update hosts set busy_owner = ?, busy_until = ? where host = ? "
        "and (busy_owner is null or busy_until is null or busy_until < ?) "
        "and (next_allowed is null or next_allowed <= ?) returning host",
        [worker, stamp(until), host, at, at],
    )
    return cursor.fetchone() is not None


def host_free_at(db: sqlite_utils.Database, host: str, now: datetime) -> str | None:
    """When the host may take its next request (its gap's end, or a busy slot's expiry)."""
    row = db.execute(
        "select busy_owner, busy_until, next_allowed from hosts where host = ?", [host]
    ).fetchone()
    if row is None:
        return None
    owner, busy, allowed = row
    at = stamp(now)
    if owner is not None and busy is not None and busy >= at:
        return str(busy)
    return str(allowed) if allowed else None


def release_host(db: sqlite_utils.Database, host: str, worker: str, next_allowed: datetime) -> None:
    """The worker's request to the host is over; the next may start at `next_allowed`."""
    db.execute(
        "update hosts set busy_owner = null, busy_until = null, next_allowed = ? "
        "where host = ? and busy_owner = ?",
        [stamp(next_allowed), host, worker],
    )


# --- channels ----------------------------------------------------------------------------------------


def take_channel(
    db: sqlite_utils.Database, target: str, worker: str, now: datetime, until: datetime
) -> int | None:
    """Become (or stay) the one worker sending to `target`, until `until`; returns the lease's token
    (a new one when the owner changes), or None when another live worker holds it or the target
    cools down after a rate limit."""
    at = stamp(now)
    db.execute("insert into channels (target) values (?) on conflict (target) do nothing", [target])
    row = db.execute(
        "update channels set token = case when owner = ? then token else token + 1 end, owner = ?, "
        "lease_until = ? where target = ? and (owner is null or owner = ? or lease_until is null "
        "or lease_until < ?) and (cool_until is null or cool_until <= ?) returning token",
        [worker, worker, stamp(until), target, worker, at, at],
    ).fetchone()
    return int(row[0]) if row is not None else None


def release_channel(db: sqlite_utils.Database, target: str, worker: str, token: int) -> bool:
    cursor = db.execute(
        "update channels set owner = null, lease_until = null where target = ? and owner = ? and token = ?",
        [target, worker, token],
    )
    return cursor.rowcount > 0


def cool_channel(db: sqlite_utils.Database, target: str, until: datetime) -> None:
    """Nothing more goes to `target` before `until` (a rate limit's Retry-After), from any worker."""
    db.execute("insert into channels (target) values (?) on conflict (target) do nothing", [target])
    db.execute(
        "update channels set cool_until = ? where target = ? and (cool_until is null or cool_until < ?)",
        [stamp(until), target, stamp(until)],
    )


def busy_channels(db: sqlite_utils.Database, worker: str, now: datetime) -> list[str]:
    """Targets this worker cannot send to now: cooling down, or held by another worker's live lease."""
    at = stamp(now)
    return [
        r[0]
        for r in db.execute(
            "select target from channels where cool_until > ? or (owner is not null and owner != ? "
            "and lease_until >= ?)",
            [at, worker, at],
        )
    ]


def channel_holders(db: sqlite_utils.Database, targets: Sequence[str]) -> dict[str, tuple[str | None, int]]:
    """target -> (owner, token) for the given targets that have a channel row."""
    if not targets:
        return {}
    marks = ",".join("?" * len(targets))
    cursor = db.execute(f"select target, owner, token from channels where target in ({marks})", list(targets))
    return {r[0]: (r[1], int(r[2])) for r in cursor.fetchall()}


# --- named leases ------------------------------------------------------------------------------------


def take_lease(
    db: sqlite_utils.Database, name: str, worker: str, now: datetime, until: datetime
) -> int | None:
    """Hold the named lease (an elected role) until `until`: its token, or None when another live
    worker holds it."""
    at = stamp(now)
    db.execute("insert into leases (name) values (?) on conflict (name) do nothing", [name])
    row = db.execute(
        "update leases set token = case when owner = ? then token else token + 1 end, owner = ?, "
        "lease_until = ? where name = ? and (owner is null or owner = ? or lease_until is null "
        "or lease_until < ?) returning token",
        [worker, worker, stamp(until), name, worker, at],
    ).fetchone()
    return int(row[0]) if row is not None else None


def release_lease(db: sqlite_utils.Database, name: str, worker: str) -> bool:
    cursor = db.execute(
        "update leases set owner = null, lease_until = null where name = ? and owner = ?", [name, worker]
    )
    return cursor.rowcount > 0


def lease_holder(db: sqlite_utils.Database, name: str, now: datetime) -> str | None:
    """The worker holding the named lease now (None when nobody does)."""
    row = db.execute(
        "select owner from leases where name = ? and lease_until >= ?", [name, stamp(now)]
    ).fetchone()
    return str(row[0]) if row is not None and row[0] is not None else None


# --- stories ---------------------------------------------------------------------------------------


def lock_stories(db: sqlite_utils.Database, tickers: set[str]) -> None:
    """Inside a transaction: hold the story lock of each ticker until it ends, so two workers never
    both find no story for two copies of one event and start two. SQLite needs nothing: a write
    transaction (BEGIN IMMEDIATE) is the only one. On PostgreSQL, a transaction-scoped advisory lock
    per ticker, taken in sorted order so that two batches never wait for each other in a circle."""
    if dialect(db) != "postgresql":
        return
    for ticker in sorted(tickers):
        db.execute("select pg_advisory_xact_lock(hashtext(?))", [f"riskwire story {ticker}"])


# --- jobs that run once per period -------------------------------------------------------------------


def claim_job_run(db: sqlite_utils.Database, job: str, period: str, worker: str, now: datetime) -> bool:
    """True for the one worker whose row for (job, period) went in: it runs that period's job."""
    cursor = db.execute(
        "insert into job_runs (job, period, worker, started) values (?, ?, ?, ?) "
        "on conflict (job, period) do nothing",
        [job, period, worker, stamp(now)],
    )
    return cursor.rowcount > 0


def job_runs(db: sqlite_utils.Database, job: str) -> list[dict[str, Any]]:
    return _rows(db.execute("select * from job_runs where job = ? order by period", [job]))


def prune_job_runs(db: sqlite_utils.Database, before: datetime) -> int:
    return db.execute("delete from job_runs where started < ?", [stamp(before)]).rowcount
