"""Review actions on alerts (reviewed, false positive, reopened), kept with who and when, per target."""

from __future__ import annotations

from typing import Any

import sqlite_utils

ACTIONS = ("reviewed", "false_positive", "reopened")
RECORDED = (*ACTIONS, "muted")  # a mute started from an alert is kept in its history too


def add(
    db: sqlite_utils.Database,
    *,
    alert_id: str,
    target: str,
    action: str,
    user: str | None,
    at: str,
    reason: str | None = None,
) -> int:
    """Store one review action; returns its id."""
    if action not in RECORDED:
        raise ValueError(f"unknown review action {action!r}")
    table = db.table("reviews")
    table.insert(
        {"alert_id": alert_id, "target": target, "action": action, "user": user, "reason": reason, "at": at}
    )
    return int(table.last_pk)  # type: ignore[arg-type]


def for_alert(db: sqlite_utils.Database, alert_id: str, target: str) -> list[dict[str, Any]]:
    """The review actions on an alert in one target, oldest first."""
    return list(
        db.table("reviews").rows_where("alert_id = ? and target = ?", [alert_id, target], order_by="id")
    )


def latest(db: sqlite_utils.Database, alert_id: str, target: str) -> dict[str, Any] | None:
    rows = for_alert(db, alert_id, target)
    return rows[-1] if rows else None
