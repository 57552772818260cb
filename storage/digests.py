"""Digest schedules (one per target) and the record of every digest run.

A run is one attempt at one digest: `sending` (written before the message is sent, with the
attempt's id), then sent, retrying or failed; `empty` runs are recorded without sending. Finishing a
run checks its attempt id, so a stale attempt never overwrites a newer outcome.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from storage.deliveries import settle_attempt


def upsert(db: sqlite_utils.Database, row: dict[str, Any]) -> None:
    """Create or replace the target's digest schedule."""
    db.table("digests").upsert(row, pk="target")


def remove(db: sqlite_utils.Database, target: str) -> bool:
    """Stop the target's digest; returns False when it had none."""
    return db.execute("delete from digests where target = ?", [target]).rowcount > 0


def get(db: sqlite_utils.Database, target: str) -> dict[str, Any] | None:
    rows = list(db.table("digests").rows_where("target = ?", [target]))
    return rows[0] if rows else None


def all_digests(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return list(db.table("digests").rows_where(order_by="target"))


def due(db: sqlite_utils.Database, now: str) -> list[dict[str, Any]]:
    """Schedules whose slot has come and that are not waiting for a retry."""
    return list(
        db.table("digests").rows_where(
            "next_slot <= ? and (retry_at is null or retry_at <= ?)", [now, now], order_by="next_slot"
        )
    )


def claim(
    db: sqlite_utils.Database, target: str, next_slot: str, retry_at: str | None, lease_until: str
) -> bool:
    """Take the target's digest due at `next_slot` until `lease_until`: a compare-and-set on its
    `retry_at` as it was read, so a second runner never sends the same digest; False when another
    runner changed it first."""
    cursor = db.execute(
        "update digests set retry_at = ? where target = ? and next_slot = ? and retry_at is ?",
        [lease_until, target, next_slot, retry_at],
    )
    return cursor.rowcount > 0


def update(db: sqlite_utils.Database, target: str, values: dict[str, Any]) -> None:
    db.table("digests").update(target, values)


def log_run(db: sqlite_utils.Database, row: dict[str, Any]) -> int:
    """Record one digest run (sending, sent, empty, retrying or failed); returns its id."""
    runs = db.table("digest_runs").insert(row)
    return int(runs.last_rowid or 0)


def finish_run(db: sqlite_utils.Database, run_id: int, attempt_id: str, values: dict[str, Any]) -> bool:
    """Record the outcome of a run left `sending`; False when it is no longer in that attempt."""
    return settle_attempt(db, "digest_runs", run_id, attempt_id, values)


def in_sending(db: sqlite_utils.Database, target: str | None = None) -> list[dict[str, Any]]:
    """Runs (the target's, or all) whose send was started and not recorded (in flight, or interrupted)."""
    runs = db.table("digest_runs")
    if target is None:
        return list(runs.rows_where("state = 'sending'", order_by="id"))
    return list(runs.rows_where("target = ? and state = 'sending'", [target], order_by="id"))


def runs(db: sqlite_utils.Database, target: str, limit: int = 20) -> list[dict[str, Any]]:
    """The target's latest digest runs, newest first."""
    return list(db.table("digest_runs").rows_where("target = ?", [target], order_by="id desc", limit=limit))
