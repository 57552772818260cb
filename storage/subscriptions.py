"""Subscriptions: which target (chat channel or console) watches which ticker.

Every read and write is scoped to a target, or to a workspace, so one tenant never sees another's.
"""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for col in ("names", "topics"):
        out[col] = json.loads(out[col]) if out.get(col) else []
    return out


def add(
    db: sqlite_utils.Database,
    *,
    target: str,
    platform: str,
    workspace: str | None,
    channel: str | None,
    ticker: str,
    created: str,
    names: list[str] | None = None,
    topics: list[str] | None = None,
    min_severity: str = "low",
    created_by: str | None = None,
) -> bool:
    """Subscribe `target` to `ticker`; returns False when it already was (its options are updated)."""
    existing = get(db, target, ticker)
    values = {
        "names": json.dumps(names or []),
        "topics": json.dumps(topics or []),
        "min_severity": min_severity,
        "status": "active",
        "broken_reason": None,
    }
    if existing:
        db.table("subscriptions").update(existing["id"], values)
        return False
    db.table("subscriptions").insert(
        {
            "target": target,
            "platform": platform,
            "workspace": workspace,
            "channel": channel,
            "ticker": ticker.upper(),
            "created": created,
            "created_by": created_by,
            **values,
        }
    )
    return True


def get(db: sqlite_utils.Database, target: str, ticker: str) -> dict[str, Any] | None:
    rows = list(db.table("subscriptions").rows_where("target = ? and ticker = ?", [target, ticker.upper()]))
    return _decode(rows[0]) if rows else None


def remove(db: sqlite_utils.Database, target: str, ticker: str) -> bool:
    """Unsubscribe; returns False when there was nothing to remove."""
    cursor = db.execute("delete from subscriptions where target = ? and ticker = ?", [target, ticker.upper()])
    return cursor.rowcount > 0


def for_target(db: sqlite_utils.Database, target: str) -> list[dict[str, Any]]:
    return [
        _decode(r) for r in db.table("subscriptions").rows_where("target = ?", [target], order_by="ticker")
    ]


def all_subscriptions(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return [_decode(r) for r in db.table("subscriptions").rows_where(order_by="target, ticker")]


def for_ticker(db: sqlite_utils.Database, ticker: str) -> list[dict[str, Any]]:
    """Active subscriptions to `ticker` across all targets (used only by the delivery fan-out)."""
    return [
        _decode(r)
        for r in db.table("subscriptions").rows_where(
            "ticker = ? and status = 'active'", [ticker.upper()], order_by="id"
        )
    ]


def watched(db: sqlite_utils.Database) -> dict[str, list[str]]:
    """Every watched ticker with the extra names any subscription gave it."""
    out: dict[str, list[str]] = {}
    for row in db.execute("select ticker, names from subscriptions order by id"):
        names = out.setdefault(row[0], [])
        for n in json.loads(row[1]) if row[1] else []:
            if n not in names:
                names.append(n)
    return out


def names_by_target(db: sqlite_utils.Database, ticker: str) -> dict[str, list[str]]:
    """The extra company names each target gave for `ticker` (targets that gave none are left out)."""
    out: dict[str, list[str]] = {}
    for target, names in db.execute(
        "select target, names from subscriptions where ticker = ? order by id", [ticker.upper()]
    ):
        given = json.loads(names) if names else []
        if given:
            out[target] = given
    return out


def mark_broken(db: sqlite_utils.Database, target: str, reason: str) -> int:
    """Mark every subscription of `target` broken (the channel cannot be posted to)."""
    cursor = db.execute(
        "update subscriptions set status = 'broken', broken_reason = ? where target = ?", [reason, target]
    )
    return cursor.rowcount
