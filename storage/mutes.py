"""Mutes: a target silences a ticker until a time; deliveries meanwhile are stored as skipped."""

from __future__ import annotations

import sqlite_utils


def mute(db: sqlite_utils.Database, target: str, ticker: str, until: str, by: str | None) -> None:
    db.table("mutes").upsert(
        {"target": target, "ticker": ticker.upper(), "until": until, "by": by}, pk=("target", "ticker")
    )


def unmute(db: sqlite_utils.Database, target: str, ticker: str) -> bool:
    return (
        db.execute("delete from mutes where target = ? and ticker = ?", [target, ticker.upper()]).rowcount > 0
    )


def is_muted(db: sqlite_utils.Database, target: str, ticker: str, now: str) -> bool:
    row = db.execute(
        "select 1 from mutes where target = ? and ticker = ? and until > ?", [target, ticker.upper(), now]
    ).fetchone()
    return row is not None
