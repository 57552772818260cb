"""Notices: one-off messages to a feed's owner (a feed paused or recovered), queued like deliveries so
that the owner is told once even when the chat platform is down at that moment."""

from __future__ import annotations

from typing import Any

import sqlite_utils


def add(db: sqlite_utils.Database, target: str, kind: str, subject: str, text: str, created: str) -> int:
    """Queue a notice; returns its id."""
    cursor = db.execute(
        "insert into notices (target, kind, subject, text, state, attempts, created) "
        "values (?, ?, ?, ?, 'pending', 0, ?)",
        [target, kind, subject, text, created],
    )
    return int(cursor.lastrowid or 0)


def due(db: sqlite_utils.Database, now: str, limit: int = 50) -> list[dict[str, Any]]:
    cursor = db.execute(
        "select * from notices where state = 'pending' or (state = 'retrying' and next_attempt <= ?) "
        "order by id limit ?",
        [now, limit],
    )
    cols = [c[0] for c in cursor.description]
    return [dict(zip(cols, r, strict=True)) for r in cursor.fetchall()]


def claim(db: sqlite_utils.Database, notice_id: int, now: str, until: str) -> bool:
    """Take a due notice for one sender (several workers share the database): it is not due again
    before `until`, when a sender that died meanwhile leaves it to the next."""
    cursor = db.execute(
        "update notices set state = 'retrying', next_attempt = ? where id = ? "
        "and (state = 'pending' or (state = 'retrying' and next_attempt <= ?))",
        [until, notice_id, now],
    )
    return cursor.rowcount > 0


def mark(
    db: sqlite_utils.Database,
    notice_id: int,
    state: str,
    *,
    at: str | None = None,
    error: str | None = None,
    next_attempt: str | None = None,
) -> None:
    """Record a send outcome: sent (at), retrying (next_attempt, error) or failed (error)."""
    db.execute(
        "update notices set state = ?, sent = coalesce(?, sent), last_error = ?, next_attempt = ?, "
        "attempts = attempts + 1 where id = ?",
        [state, at if state == "sent" else None, error, next_attempt, notice_id],
    )


def for_subject(db: sqlite_utils.Database, subject: str) -> list[dict[str, Any]]:
    return list(db.table("notices").rows_where("subject = ?", [subject], order_by="id"))
