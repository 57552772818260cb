"""What retention reads and deletes: old alerts whose sends are all final, with the rows that hang
off them; old articles nothing refers to; old final notices. `bot.ops.retention` decides the cutoff
and the batches, and keeps what is still referred to."""

from __future__ import annotations

import sqlite3

import sqlite_utils

_UNFINISHED = "('pending', 'sending', 'retrying')"

# raised by a delete when another table still refers to the row (a foreign key)
StillReferenced = sqlite3.IntegrityError


def prunable_alerts(db: sqlite_utils.Database, cutoff: str, limit: int) -> list[str]:
    """Ids of up to `limit` alerts stored before `cutoff` with no delivery or story update still to
    send, the earliest to happen first."""
    # an alert's story happened no later than it was fetched, so `happened < cutoff` adds nothing
    # to `created < cutoff` but lets the read walk the happened index
    rows = db.execute(
        "select id from alerts where happened < ? and created < ? and not exists (select 1 from "
        f"deliveries d where d.alert_id = alerts.id and d.state in {_UNFINISHED}) and not exists "
        f"(select 1 from report_deliveries r where r.alert_id = alerts.id and r.state in {_UNFINISHED}) "
        "order by happened limit ?",
        [cutoff, cutoff, limit],
    ).fetchall()
    return [r[0] for r in rows]


def delete_alerts(db: sqlite_utils.Database, ids: list[str]) -> None:
    """Delete the alerts with their story updates, linked reports, deliveries and reviews. Raises
    StillReferenced when another table still refers to one of them (run it in a transaction)."""
    marks = ",".join("?" * len(ids))
    for sql in (
        f"delete from report_deliveries where alert_id in ({marks})",
        f"delete from reports where alert_id in ({marks})",
        f"delete from deliveries where alert_id in ({marks})",
        f"delete from reviews where alert_id in ({marks})",
        f"delete from alerts where id in ({marks})",
    ):
        db.execute(sql, ids)


def delete_unreferenced_articles(db: sqlite_utils.Database, cutoff: str) -> int:
    """Delete articles fetched before `cutoff` that no alert or report refers to; returns how many.
    Raises StillReferenced when another table still refers to one of them."""
    cursor = db.execute(
        "delete from articles where fetched < ? and not exists (select 1 from alerts a where "
        "a.article_id = articles.id) and not exists (select 1 from reports r where "
        "r.article_id = articles.id)",
        [cutoff],
    )
    return cursor.rowcount


def delete_final_notices(db: sqlite_utils.Database, cutoff: str) -> int:
    """Delete notices created before `cutoff` that were sent or failed; returns how many."""
    cursor = db.execute("delete from notices where created < ? and state in ('sent', 'failed')", [cutoff])
    return cursor.rowcount
