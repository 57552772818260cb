"""Digests: a target's daily or weekly digest schedule, and a record of every digest run."""

from __future__ import annotations

import sqlite_utils


def up(db: sqlite_utils.Database) -> None:
    db.table("digests").create(
        {
            "target": str,
            "platform": str,
            "cadence": str,  # daily, weekly
            "at_time": str,  # HH:MM in the time zone
            "tz": str,  # IANA name, e.g. Europe/London
            "weekday": int,  # 0 = Monday (weekly only)
            "created": str,
            "created_by": str,
            "next_slot": str,  # UTC ISO: when the next digest is due
            "window_start": str,  # UTC ISO: where the next digest's window begins
            "retry_at": str,
            "attempts": int,
            "last_error": str,
            "last_sent": str,
        },
        pk="target",
        not_null={"cadence", "at_time", "tz", "created", "next_slot", "window_start"},
        defaults={"attempts": 0},
    )
    db.table("digests").create_index(["next_slot"])
    db.table("digest_runs").create(
        {
            "id": int,
            "target": str,
            "slot": str,
            "window_start": str,
            "window_end": str,
            "state": str,  # sent, empty, retrying, failed
            "alerts": int,
            "at": str,
            "error": str,
            "message_ref": str,
        },
        pk="id",
        not_null={"target", "slot", "state", "at"},
    )
    db.table("digest_runs").create_index(["target", "slot"])
