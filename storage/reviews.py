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
    target: str | None,
    action: str,
    user: str | None,
    at: str,
    reason: str | None = None,
) -> int:
    """Store one review action; returns its id. `target` None: a review of the alert as a whole."""
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


def review_log(db: sqlite_utils.Database, alert_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Every review action on each of `alert_ids` in any target, oldest first (for audit exports)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for i in range(0, len(alert_ids), 500):
        chunk = alert_ids[i : i + 500]
        cursor = db.execute(
            f"select * from reviews where alert_id in ({','.join('?' * len(chunk))}) order by id", chunk
        )
        cols = [c[0] for c in cursor.description]
        for row in cursor.fetchall():
            item = dict(zip(cols, row, strict=True))
            out.setdefault(item["alert_id"], []).append(item)
    return out
