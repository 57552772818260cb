"""The outbox: one delivery row per (alert, target), sent once.

States: pending -> sending -> sent; sending -> retrying (with next_attempt) -> sending -> ... -> sent
or failed; skipped (muted or filtered). The unique index on (alert_id, target) makes enqueueing
idempotent.

`sending` is written and committed before the network call, with the attempt's id: after a crash a
row still `sending` is the only kind whose fate is unknown, and the outbox resolves it (asks the
platform, or sends again) before anything else. Every `finish_*` checks the attempt id, so a stale
attempt can never overwrite a newer outcome. The claim/finish functions serve both outbox tables:
`deliveries` (alerts) and `report_deliveries` (story updates).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlite_utils

STATES = ("pending", "sending", "retrying", "sent", "failed", "skipped")
OUTBOX_TABLES = ("deliveries", "report_deliveries")


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


def due(
    db: sqlite_utils.Database, now: str, limit: int = 100, *, exclude_targets: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """Deliveries ready to send: pending, or retrying whose next attempt has come (oldest first),
    leaving out `exclude_targets` (targets cooling down after a rate limit)."""
    skip = ""
    if exclude_targets:
        skip = f" and target not in ({','.join('?' * len(exclude_targets))})"
    cursor = db.execute(
        "select * from deliveries where (state = 'pending' or (state = 'retrying' and next_attempt <= ?))"
        f"{skip} order by id limit ?",
        [now, *exclude_targets, limit],
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


def mark_unroutable(db: sqlite_utils.Database, row_id: int, error: str, *, table: str = "deliveries") -> None:
    """Fail an outbox row whose target cannot be read (not counted as an attempt: nothing was sent)."""
    db.execute(f"update {_table(table)} set state = 'failed', last_error = ? where id = ?", [error, row_id])


def for_alert(db: sqlite_utils.Database, alert_id: str) -> list[dict[str, Any]]:
    return list(db.table("deliveries").rows_where("alert_id = ?", [alert_id], order_by="id"))


def delivery_log(db: sqlite_utils.Database, alert_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Every delivery of each of `alert_ids` (target, state, attempts, created, sent, last_error,
    message_ref), oldest first, by alert id (for audit exports)."""
    out: dict[str, list[dict[str, Any]]] = {}
    cursor = db.execute(
        "select alert_id, target, state, attempts, created, sent, last_error, message_ref from deliveries "
        f"where alert_id in ({','.join('?' * len(alert_ids))}) order by id",
        alert_ids,
    )
    cols = [c[0] for c in cursor.description]
    for row in cursor.fetchall():
        item = dict(zip(cols, row, strict=True))
        out.setdefault(item.pop("alert_id"), []).append(item)
    return out


def for_story(db: sqlite_utils.Database, story_id: str) -> list[dict[str, Any]]:
    """(alert_id, target, state) of every delivery of the story's alerts, the earliest to happen first."""
    cursor = db.execute(
        "select d.alert_id, d.target, d.state from alerts a join deliveries d on d.alert_id = a.id "
        # two index lookups: the story's first alert by id, the alerts that joined it by
        # alerts_joined_story (a partial index: its condition must be repeated here)
        "where a.id = ? or (a.story_id = ? and a.story_id != a.id) order by a.happened, a.id, d.id",
        [story_id, story_id],
    )
    return [{"alert_id": r[0], "target": r[1], "state": r[2]} for r in cursor.fetchall()]


def counts_by_state(db: sqlite_utils.Database) -> dict[str, int]:
    cursor = db.execute("select state, count(*) from deliveries group by state order by state")
    return {row[0]: row[1] for row in cursor}


def _table(table: str) -> str:
    if table not in OUTBOX_TABLES:
        raise ValueError(f"not an outbox table: {table!r}")
    return table


def claim(
    db: sqlite_utils.Database,
    delivery_id: int,
    attempt_id: str,
    at: str,
    *,
    table: str = "deliveries",
    fence: tuple[str, int, str] | None = None,
) -> bool:
    """Mark a due row `sending` under `attempt_id` (committed at once); False when it is no longer due.

    With `fence` (worker, token, now as storage.cluster.stamp), only while that worker holds the
    row's channel lease under that token, in the same statement: a worker whose lease ran out (it
    was paused, say) and was taken over cannot claim what the new owner now sends."""
    name = _table(table)
    guard, extra = "", []
    if fence is not None:
        guard = (
            " and exists (select 1 from channels c where c.target = "
            f"{name}.target and c.owner = ? and c.token = ? and c.lease_until >= ?)"
        )
        extra = list(fence)
    cursor = db.execute(
        f"update {name} set state = 'sending', attempt_id = ?, sending_since = ?, "
        f"attempts = attempts + 1 where id = ? and state in ('pending', 'retrying'){guard}",
        [attempt_id, at, delivery_id, *extra],
    )
    return cursor.rowcount > 0


def settle_attempt(
    db: sqlite_utils.Database, table: str, row_id: int, attempt_id: str, values: dict[str, Any]
) -> bool:
    """Record what became of a row's send attempt (`values` are the columns to set); False when the row
    is no longer `sending` under that attempt, so a stale attempt never overwrites a newer outcome.
    `table` is an outbox table or `digest_runs`."""
    if table not in (*OUTBOX_TABLES, "digest_runs"):
        raise ValueError(f"not a table of send attempts: {table!r}")
    sets = ", ".join(f"[{column}] = ?" for column in values)
    cursor = db.execute(
        f"update {table} set {sets} where id = ? and state = 'sending' and attempt_id = ?",
        [*values.values(), row_id, attempt_id],
    )
    return cursor.rowcount > 0


def finish_sent(
    db: sqlite_utils.Database,
    delivery_id: int,
    attempt_id: str,
    at: str,
    message_ref: str | None,
    *,
    table: str = "deliveries",
) -> bool:
    """Record that the attempt posted the message; False when the row is not in that attempt."""
    values = {"state": "sent", "sent": at, "message_ref": message_ref, "last_error": None}
    return settle_attempt(db, table, delivery_id, attempt_id, values)


def finish_retry(
    db: sqlite_utils.Database,
    delivery_id: int,
    attempt_id: str,
    next_attempt: str,
    error: str,
    *,
    table: str = "deliveries",
) -> bool:
    """Record that the attempt did not post and the row is worth another try at `next_attempt`."""
    values = {"state": "retrying", "next_attempt": next_attempt, "last_error": error}
    return settle_attempt(db, table, delivery_id, attempt_id, values)


def finish_failed(
    db: sqlite_utils.Database, delivery_id: int, attempt_id: str, error: str, *, table: str = "deliveries"
) -> bool:
    """Record that the attempt failed for good (the reason is kept)."""
    return settle_attempt(db, table, delivery_id, attempt_id, {"state": "failed", "last_error": error})


def unsent(
    db: sqlite_utils.Database, delivery_id: int, attempt_id: str, *, table: str = "deliveries"
) -> bool:
    """An interrupted attempt is known not to have posted: the row is due again at once."""
    values = {"state": "pending", "sending_since": None}
    return settle_attempt(db, table, delivery_id, attempt_id, values)


def in_sending(db: sqlite_utils.Database, *, table: str = "deliveries") -> list[dict[str, Any]]:
    """Rows whose send was started and not recorded (in flight, or interrupted by a crash)."""
    cursor = db.execute(f"select * from {_table(table)} where state = 'sending' order by id")
    cols = [c[0] for c in cursor.description]
    return [dict(zip(cols, r, strict=True)) for r in cursor.fetchall()]


def next_retry(db: sqlite_utils.Database, after: str) -> str | None:
    """The earliest `next_attempt` later than `after` of a retrying row in either outbox table."""
    row = db.execute(
        "select min(t) from (select min(next_attempt) as t from deliveries where state = 'retrying' "
        "and next_attempt > ? union all select min(next_attempt) from report_deliveries "
        "where state = 'retrying' and next_attempt > ?) as retrying",
        [after, after],
    ).fetchone()
    return row[0] if row else None
