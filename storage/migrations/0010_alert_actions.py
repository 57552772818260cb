"""Alert actions: every click on an alert's buttons (reviewed, false positive, mute), with who and when."""

from __future__ import annotations

import sqlite_utils


def up(db: sqlite_utils.Database) -> None:
    db.table("alert_actions").create(
        {
            "id": int,
            "alert_id": str,
            "target": str,
            "action": str,
            "user": str,
            "at": str,
            "detail": str,
            "message_ref": str,
        },
        pk="id",
        foreign_keys=[("alert_id", "alerts", "id")],
        not_null={"alert_id", "target", "action", "at"},
    )
    db.table("alert_actions").create_index(["alert_id", "target"])
