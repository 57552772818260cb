"""Alert actions: the log of what people did to an alert from a chat message, per target."""

from __future__ import annotations

from typing import Any

import sqlite_utils


def add(
    db: sqlite_utils.Database,
    *,
    alert_id: str,
    target: str,
    action: str,
    user: str | None,
    at: str,
    detail: str | None = None,
    message_ref: str | None = None,
) -> int:
    """Store one action; returns its id."""
    table = db.table("alert_actions")
    table.insert(
        {
            "alert_id": alert_id,
            "target": target,
            "action": action,
            "user": user,
            "at": at,
            "detail": detail,
            "message_ref": message_ref,
        }
    )
    return int(table.last_pk)  # type: ignore[arg-type]


def for_alert(db: sqlite_utils.Database, alert_id: str, target: str) -> list[dict[str, Any]]:
    """The actions on an alert in one target, oldest first."""
    return list(
        db.table("alert_actions").rows_where("alert_id = ? and target = ?", [alert_id, target], order_by="id")
    )
