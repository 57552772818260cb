"""The outbox: one delivery row per (alert, target), sent once.

States: pending -> sent; pending/retrying -> retrying (with next_attempt) -> sent or failed;
skipped (muted or filtered). The unique index on (alert_id, target) makes enqueueing idempotent.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

STATES = ("pending", "retrying", "sent", "failed", "skipped")


def enqueue(
    db: sqlite_utils.Database,
    alert_id: str,
    target: str,
    subscription_id: int | None,
    created: str,
    state: str = "pending",
    reason: str | None = None,
) -> bool:
    """Add a delivery unless one exists for (alert, target); returns whether one was added."""
    cursor = db.execute(
        "insert or ignore into deliveries (alert_id, target, subscription_id, state, attempts, created, "
        "last_error) values (?, ?, ?, ?, 0, ?, ?)",
        [alert_id, target, subscription_id, state, created, reason],
    )
    return cursor.rowcount > 0


def due(db: sqlite_utils.Database, now: str, limit: int = 100) -> list[dict[str, Any]]:
    """Deliveries ready to send: pending, or retrying whose next attempt has come."""
    cursor = db.execute(
        "select * from deliveries where state = 'pending' or (state = 'retrying' and next_attempt <= ?) "
        "order by id limit ?",
        [now, limit],
    )
    cols = [c[0] for c in cursor.description]
    return [dict(zip(cols, r, strict=True)) for r in cursor.fetchall()]


def mark_sent(db: sqlite_utils.Database, delivery_id: int, at: str, message_ref: str | None) -> None:
    db.execute(
        "update deliveries set state = 'sent', sent = ?, message_ref = ?, attempts = attempts + 1, "
        "last_error = null where id = ?",
        [at, message_ref, delivery_id],
    )


def mark_retry(db: sqlite_utils.Database, delivery_id: int, next_attempt: str, error: str) -> None:
    db.execute(
        "update deliveries set state = 'retrying', next_attempt = ?, last_error = ?, "
        "attempts = attempts + 1 where id = ?",
        [next_attempt, error, delivery_id],
    )


def mark_failed(db: sqlite_utils.Database, delivery_id: int, error: str) -> None:
    db.execute(
        "update deliveries set state = 'failed', last_error = ?, attempts = attempts + 1 where id = ?",
        [error, delivery_id],
    )


def for_alert(db: sqlite_utils.Database, alert_id: str) -> list[dict[str, Any]]:
    return list(db.table("deliveries").rows_where("alert_id = ?", [alert_id], order_by="id"))


def counts_by_state(db: sqlite_utils.Database) -> dict[str, int]:
    return {row[0]: row[1] for row in db.execute("select state, count(*) from deliveries group by state")}
