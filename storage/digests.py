"""Digest schedules (one per target) and the record of every digest run."""

from __future__ import annotations

from typing import Any

import sqlite_utils


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


def update(db: sqlite_utils.Database, target: str, values: dict[str, Any]) -> None:
    db.table("digests").update(target, values)


def log_run(db: sqlite_utils.Database, row: dict[str, Any]) -> None:
    """Record one digest run (sent, empty, retrying or failed)."""
    db.table("digest_runs").insert(row)


def runs(db: sqlite_utils.Database, target: str, limit: int = 20) -> list[dict[str, Any]]:
    """The target's latest digest runs, newest first."""
    return list(db.table("digest_runs").rows_where("target = ?", [target], order_by="id desc", limit=limit))
